/**
 * `npm run demo`: the whole chain on the local sandbox, no AWS account. Starts moto, the token
 * endpoint and the layer, deploys a new image through the two-hop role chain with the real
 * bundled action (dist/index.js), shows its log and job summary, and stops everything.
 */
import { startSandbox, type Sandbox } from './index';
import { runAction, type ActionRun } from './run-action';

const NEW_IMAGE = '222222222222.dkr.ecr.eu-west-1.amazonaws.com/checkout-api:2.0.0';
const ROLLOUT_MS = 1_500;

/** The SDK warns every Node 20 process about its 2027 support policy; it says nothing here. */
function quietNodeVersionWarning(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    const type = typeof rest[0] === 'string' ? rest[0] : '';
    if (type === 'NodeVersionSupportWarning' || text.includes('will require node >=22')) return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

async function main(): Promise<number> {
  quietNodeVersionWarning();
  const started = Date.now();
  say('Starting the local sandbox: moto, a GitHub OIDC token endpoint, the layer in front of moto');
  const sandbox = await startSandbox({ rolloutMs: ROLLOUT_MS });
  const stopOnSignal = (): void => void sandbox.stop().then(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  try {
    await describeStart(sandbox, started);
    const run = await runAction({
      inputs: { ...sandbox.inputs, images: `app=${NEW_IMAGE}` },
      env: sandbox.env,
      secrets: () => sandbox.secrets(),
      onOutput: (text) => process.stdout.write(renderRunnerLine(text)),
    });
    say('\nJob summary');
    process.stdout.write(`${indent(summaryText(run.summary))}\n\n`);
    say(await conclusion(sandbox, run, started));
    return run.exitCode ?? 1;
  } finally {
    await sandbox.stop();
  }
}

async function describeStart(sandbox: Sandbox, started: number): Promise<void> {
  const { info } = sandbox;
  const service = await sandbox.inspect.service('checkout-api');
  const current = await sandbox.inspect.taskDefinition(service?.taskDefinition ?? '');
  const images = (current.taskDefinition.containerDefinitions ?? []).map(
    (c) => `${c.name}=${c.image}`,
  );
  say(`Ready in ${seconds(Date.now() - started)}, moto's permission checks on.`);
  say(`  account A ${info.toolingAccount}: ${info.toolingRoleArn}`);
  say(`  account B ${info.deployAccount}: ${info.deployRoleArn}`);
  say(`  cluster ${info.cluster} in ${info.region}, services ${info.services.join(', ')}`);
  say(
    `  checkout-api runs ${shortArn(current.taskDefinition.taskDefinitionArn)}: ` +
      images.join(', '),
  );
  say(`\nRunning the bundled action (node dist/index.js) to deploy app=${NEW_IMAGE}\n`);
}

async function conclusion(sandbox: Sandbox, run: ActionRun, started: number): Promise<string> {
  const service = await sandbox.inspect.service('checkout-api');
  const revision = shortArn(service?.taskDefinition);
  const total = seconds(Date.now() - started);
  const { cluster, deployAccount, region, toolingRoleArn, deployRoleArn } = sandbox.info;
  const where = `service checkout-api (cluster ${cluster}, account ${deployAccount}, ${region})`;
  if (run.exitCode === 0 && run.outputs.result === 'deployed') {
    const chain = `${toolingRoleArn} -> ${deployRoleArn}`;
    return `Deployed ${NEW_IMAGE} to ${where}: now on ${revision}, through ${chain}, in ${total}.`;
  }
  const result = `${run.outputs.result ?? 'unknown'} (exit ${String(run.exitCode)})`;
  return `The deploy to ${where} ended with result ${result}; the service is on ${revision}.`;
}

/** Renders workflow commands roughly as the Actions UI does; debug lines stay hidden. */
function renderRunnerLine(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.startsWith('::debug::') && !line.startsWith('::endgroup::'))
    .map((line) => {
      const group = /^::group::(.*)$/.exec(line);
      if (group) return `  ▸ ${group[1]}`;
      const command = /^::(error|warning|notice)[^:]*::(.*)$/.exec(line);
      if (command) return `    ${command[1]}: ${(command[2] ?? '').replace(/%0A/g, '\n    ')}`;
      return line ? `    ${line}` : line;
    })
    .join('\n');
}

/** The summary's HTML table as aligned text lines. */
function summaryText(html: string): string {
  return html
    .replace(/<\/(tr|h\d|p|pre)>/g, '\n')
    .replace(/<\/t[dh]>/g, ' | ')
    .replace(/<a href="[^"]*">([^<]*)<\/a>/g, '$1')
    .replace(/<[^>]+>/g, '')
    .split('\n')
    .map((line) => line.replace(/ \| $/, '').trim())
    .filter((line) => line.length > 0)
    .join('\n');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function shortArn(arn: string | undefined): string {
  return arn?.split('/').pop() ?? 'nothing';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  },
);
