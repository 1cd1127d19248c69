/**
 * `npx tsx sandbox/cli.ts start [--rollout-ms N] [--latency-ms N] [--write-env PATH]`: starts the
 * sandbox, prints the environment to hand to `act --env ...` (or writes it as an env file) and
 * the inputs for the action, then runs until Ctrl-C and stops everything.
 */
import { writeFileSync } from 'node:fs';
import { startSandbox, type SandboxOptions } from './index';

/** Parsed command line. */
export interface CliArgs {
  command: string;
  options: SandboxOptions;
  envFile?: string;
}

/** Parses the command line; throws with a usage line on anything unknown. */
export function parseArgs(argv: string[]): CliArgs {
  const [command = '', ...rest] = argv;
  if (command !== 'start') throw new Error(usage(`unknown command '${command}'`));
  const args: CliArgs = { command, options: {} };
  for (let i = 0; i < rest.length; i += 2) {
    const flag = rest[i] ?? '';
    const value = rest[i + 1];
    if (value === undefined) throw new Error(usage(`${flag} needs a value`));
    if (flag === '--write-env') args.envFile = value;
    else if (flag === '--rollout-ms') args.options.rolloutMs = count(flag, value);
    else if (flag === '--latency-ms') args.options.latencyMs = count(flag, value);
    else throw new Error(usage(`unknown option '${flag}'`));
  }
  return args;
}

function count(flag: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new Error(usage(`${flag} must be a whole number, got '${value}'`));
  return Number(value);
}

function usage(problem: string): string {
  const flags = '[--rollout-ms N] [--latency-ms N] [--write-env PATH]';
  return `${problem}\nusage: tsx sandbox/cli.ts start ${flags}`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const sandbox = await startSandbox(args.options);
  // act sets the GITHUB_* variables itself; it needs only the endpoints.
  const forAct = Object.entries(sandbox.env).filter(([name]) => !name.startsWith('GITHUB_'));
  const lines = forAct.map(([name, value]) => `${name}=${value}`);
  if (args.envFile) writeFileSync(args.envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out('Sandbox running (loopback only). For act:');
  out(`  act ${lines.map((l) => `--env ${l}`).join(' ')}`);
  if (args.envFile) out(`  (also written to ${args.envFile}: act --env-file ${args.envFile})`);
  out('Action inputs:');
  for (const [name, value] of Object.entries(sandbox.inputs)) {
    out(`  ${name}: ${value.replace(/\n/g, '\\n')}`);
  }
  out('Ctrl-C stops it.');
  const stop = (): void => {
    void sandbox.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
