/** Shared pieces of the end-to-end tests: every run goes through the secret scan. */
import type { Sandbox } from '../../sandbox';
import { runAction, type ActionRun } from '../../sandbox/run-action';

/** jest timeout for a file that starts a sandbox and runs the action a few times. */
export const E2E_TIMEOUT_MS = 120_000;

/** Runs the bundled action on `sandbox` with its ready-made inputs plus `inputs`. */
export function deploy(sandbox: Sandbox, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    inputs: { ...sandbox.inputs, ...inputs },
    env: sandbox.env,
    secrets: () => sandbox.secrets(),
  });
}

/** The current task definition ARN of every service of the sandbox. */
export async function serviceRevisions(sandbox: Sandbox): Promise<Record<string, string>> {
  const revisions: Record<string, string> = {};
  for (const name of sandbox.info.services) {
    revisions[name] = (await sandbox.inspect.service(name))?.taskDefinition ?? 'missing';
  }
  return revisions;
}

/** Operations that change something in an account. */
export const MUTATING = ['RegisterTaskDefinition', 'UpdateService', 'DeregisterTaskDefinition'];

/** The mutating calls the sandbox saw. */
export function mutatingCalls(sandbox: Sandbox): string[] {
  return sandbox.inspect
    .calls()
    .filter((c) => MUTATING.includes(c.operation))
    .map((c) => `${c.operation}:${c.status}`);
}
