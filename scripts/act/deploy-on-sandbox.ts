/**
 * Runs .github/workflows/deploy.yml under act (self-hosted, no Docker) against a fresh local
 * sandbox, shows act's log, says what the service runs afterwards, and stops everything.
 *
 *   npx tsx scripts/act/deploy-on-sandbox.ts [image] [--dry-run]
 */
import { startSandbox, type Sandbox } from '../../sandbox';
import { runAct } from './act-run';
import { runningContainers, sandboxDispatch, sandboxService } from './sandbox-dispatch';
import { ensureTool } from './tools';

async function deploy(sandbox: Sandbox, act: string, image: string | undefined, dryRun: boolean) {
  const [app] = await runningContainers(sandbox);
  if (app === undefined) throw new Error('the sandbox service runs no container');
  const target = image ?? `${app.image.replace(/:[^/]*$/, '')}:act-${Date.now()}`;
  const dispatch = sandboxDispatch(sandbox, { container: app.name, image: target, dryRun });

  const run = await runAct(act, dispatch, { onOutput: (text) => process.stdout.write(text) });

  const [after] = await runningContainers(sandbox);
  const service = sandboxService(sandbox);
  console.log(
    `\nact exited ${run.exitCode}; ${service} in account ${sandbox.info.deployAccount} ` +
      `runs ${after?.name}=${after?.image}`,
  );
  return run.exitCode ?? 1;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const image = args.find((arg) => !arg.startsWith('--'));
  const act = ensureTool('act');
  const sandbox = await startSandbox();
  const stop = (): void => void sandbox.stop().finally(() => process.exit(130));
  process.once('SIGINT', stop);
  try {
    process.exitCode = await deploy(sandbox, act, image, args.includes('--dry-run'));
  } finally {
    process.off('SIGINT', stop);
    await sandbox.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
