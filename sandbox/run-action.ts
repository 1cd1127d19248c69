/**
 * Runs the bundled action (`node dist/index.js`) the way the GitHub runner does: inputs as
 * INPUT_<NAME> (hyphens kept) with action.yml's defaults filled in, the GITHUB_* command files in a
 * fresh temp dir, workflow commands read from stdout (`::add-mask::` hides values from the log
 * from then on), and cancellation as SIGINT then SIGTERM. After every run the secret scan fails
 * the run when any credential or token the sandbox handed out shows in clear text.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { scanForSecrets, SecretLeakError } from './secret-scan';

export { scanForSecrets, SecretLeakError } from './secret-scan';

const ROOT = resolve(__dirname, '..');
const DEFAULT_TIMEOUT_MS = 120_000;
const SIGTERM_AFTER_SIGINT_MS = 7_500;
const KILL_AFTER_SIGINT_MS = 10_000;

/** What one run of the action left behind. */
export interface ActionRun {
  exitCode: number | null;
  /** stdout and stderr in arrival order, as the runner would show it (masks applied). */
  log: string;
  outputs: Record<string, string>;
  exportedEnv: Record<string, string>;
  summary: string;
  durationMs: number;
  /** Values the action registered with `::add-mask::`. */
  masks: string[];
  /** When the process started (epoch ms), for the benchmark's start-up measure. */
  startedAt: number;
  /** The action's process id (for peak-memory sampling). */
  pid: number | undefined;
}

/** How to run the action. */
export interface RunActionOptions {
  /** By input name, e.g. { images: 'app=repo/app:2' }. */
  inputs: Record<string, string>;
  /** Usually sandbox.env. */
  env: Record<string, string>;
  /** Cancel the run like the runner: this signal after `afterMs` or when the log matches. */
  signal?: { name: NodeJS.Signals; afterMs?: number; whenLogMatches?: RegExp };
  /** Values the scan must not find (sandbox.secrets()); absent: no scan. */
  secrets?: () => string[];
  /** Allow the credentials in GITHUB_ENV. @default inputs['export-credentials'] === 'true' */
  allowExportedCredentials?: boolean;
  /** The bundle to run. @default dist/index.js of this repository */
  entry?: string;
  /** Kill the action after this long. @default 120000 */
  timeoutMs?: number;
  /** Called with each chunk of output as it arrives (the demo streams the log). */
  onOutput?: (text: string) => void;
  /** Called with the child's pid once spawned (the benchmark samples memory). */
  onSpawn?: (pid: number) => void;
}

/** Runs the bundled action once and collects what it wrote. */
export async function runAction(opts: RunActionOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-chain-deploy-run-'));
  try {
    const files = commandFiles(dir);
    const env = runnerEnv(opts, files, dir);
    const started = Date.now();
    const result = await spawnAction(opts, env);
    const run: ActionRun = {
      exitCode: result.exitCode,
      log: result.log,
      outputs: parseCommandFile(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      exportedEnv: parseCommandFile(readFileSync(files.GITHUB_ENV, 'utf8')),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      durationMs: Date.now() - started,
      masks: result.masks,
      startedAt: started,
      pid: result.pid,
    };
    if (opts.secrets) {
      const allowEnv =
        opts.allowExportedCredentials ?? opts.inputs['export-credentials'] === 'true';
      const leaks = scanForSecrets(run, opts.secrets(), { allowExportedEnv: allowEnv });
      if (leaks.length > 0) throw new SecretLeakError(leaks, run);
    }
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type FileName =
  'GITHUB_OUTPUT' | 'GITHUB_ENV' | 'GITHUB_STEP_SUMMARY' | 'GITHUB_STATE' | 'GITHUB_PATH';

function commandFiles(dir: string): Record<FileName, string> {
  const names: FileName[] = [
    'GITHUB_OUTPUT',
    'GITHUB_ENV',
    'GITHUB_STEP_SUMMARY',
    'GITHUB_STATE',
    'GITHUB_PATH',
  ];
  const files = Object.fromEntries(names.map((n) => [n, join(dir, n.toLowerCase())]));
  for (const file of Object.values(files)) writeFileSync(file, '');
  return files as Record<FileName, string>;
}

function runnerEnv(
  opts: RunActionOptions,
  files: Record<FileName, string>,
  dir: string,
): Record<string, string> {
  const inputs = { ...actionDefaults(), ...opts.inputs };
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: dir,
    RUNNER_OS: 'Linux',
    GITHUB_WORKSPACE: ROOT,
    ...files,
    ...opts.env,
  };
  for (const [name, value] of Object.entries(inputs)) env[inputEnvName(name)] = value;
  return env;
}

/** INPUT_<NAME>: upper-cased, spaces to '_', hyphens kept (INPUT_ROLE-CHAIN). */
export function inputEnvName(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

let defaults: Record<string, string> | undefined;

/** The default of every input in action.yml, as the runner passes them. */
export function actionDefaults(): Record<string, string> {
  if (!defaults) {
    const manifest = parseYaml(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      inputs?: Record<string, { default?: unknown }>;
    };
    defaults = {};
    for (const [name, input] of Object.entries(manifest.inputs ?? {})) {
      if (input.default !== undefined) defaults[name] = String(input.default);
    }
  }
  return defaults;
}

interface SpawnResult {
  exitCode: number | null;
  log: string;
  masks: string[];
  pid: number | undefined;
}

function spawnAction(opts: RunActionOptions, env: Record<string, string>): Promise<SpawnResult> {
  const entry = opts.entry ?? join(ROOT, 'dist', 'index.js');
  const child = spawn(process.execPath, [entry], {
    env,
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) opts.onSpawn?.(child.pid);
  const runner = new RunnerConsole(opts.onOutput);
  const timers: NodeJS.Timeout[] = [];
  const cancel = (): void => {
    if (!opts.signal || child.exitCode !== null) return;
    child.kill(opts.signal.name);
    if (opts.signal.name === 'SIGINT') {
      timers.push(setTimeout(() => child.kill('SIGTERM'), SIGTERM_AFTER_SIGINT_MS));
      timers.push(setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_SIGINT_MS));
    }
  };
  let cancelled = false;
  const onChunk = (chunk: Buffer): void => {
    runner.write(chunk.toString('utf8'));
    const pattern = opts.signal?.whenLogMatches;
    if (pattern && !cancelled && pattern.test(runner.text())) {
      cancelled = true;
      cancel();
    }
  };
  child.stdout.on('data', onChunk);
  child.stderr.on('data', onChunk);
  if (opts.signal?.afterMs !== undefined) timers.push(setTimeout(cancel, opts.signal.afterMs));
  timers.push(setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS));
  return new Promise((resolveRun, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      for (const timer of timers) clearTimeout(timer);
      runner.flush();
      resolveRun({ exitCode: code, log: runner.text(), masks: runner.masks, pid: child.pid });
    });
  });
}

/** The runner's view of the output: workflow commands consumed, masks applied line by line. */
class RunnerConsole {
  readonly masks: string[] = [];
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly onOutput?: (text: string) => void) {}

  write(text: string): void {
    const pieces = (this.partial + text).split('\n');
    this.partial = pieces.pop() ?? '';
    for (const line of pieces) this.addLine(line);
  }

  text(): string {
    const tail = this.partial ? [this.mask(this.partial)] : [];
    return [...this.lines, ...tail].join('\n');
  }

  flush(): void {
    if (this.partial) this.addLine(this.partial);
    this.partial = '';
  }

  private addLine(raw: string): void {
    const line = raw.replace(/\r$/, '');
    const mask = /^::add-mask::(.*)$/.exec(line);
    if (mask) {
      if (mask[1]) this.masks.push(mask[1]);
      return;
    }
    const shown = this.mask(line);
    this.lines.push(shown);
    this.onOutput?.(`${shown}\n`);
  }

  private mask(line: string): string {
    let shown = line;
    for (const secret of this.masks) shown = shown.split(secret).join('***');
    return shown;
  }
}

/** Parses a GITHUB_OUTPUT / GITHUB_ENV file: `name<<DELIM` heredocs and `name=value` lines. */
export function parseCommandFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? '';
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter = ''] = heredoc;
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) throw new Error(`unterminated value for ${name} in a command file`);
      values[name] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}
