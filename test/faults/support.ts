/**
 * Shared pieces of the fault suite: every run goes through the sandbox's secret scan (and records
 * that it did), the end state of both accounts is read through the inspector, and the job summary
 * is read back as rows so a test can hold it against what changed.
 */
import type { CallRecord, Sandbox } from '../../sandbox';
import { runAction, type ActionRun, type RunActionOptions } from '../../sandbox/run-action';

/** jest timeout for a file that starts a sandbox and runs the action several times. */
export const FAULTS_TIMEOUT_MS = 120_000;

/** The retry policy's attempt budget, as the action logs it ("attempt n of 5"). */
export const MAX_ATTEMPTS = 5;

/** A finished run, with what the secret scan was given. */
export interface FaultRun extends ActionRun {
  /** The secrets the scan checked this run against; empty means the scan did not run. */
  scanned: string[];
  /** The sandbox calls this run made, in order (token requests included). */
  calls: CallRecord[];
  /** Credentials and tokens the sandbox handed out while this run was going. */
  issued: string[];
}

/** What the accounts held before a run. */
export interface Snapshot {
  running: Record<string, string>;
  revisions: string[];
  callIndex: number;
}

/** Reads which task definition each service runs and which revisions exist in account B. */
export async function snapshot(sandbox: Sandbox): Promise<Snapshot> {
  return {
    running: await runningTaskDefinitions(sandbox),
    revisions: await sandbox.inspect.taskDefinitionArns(sandbox.info.deployAccount),
    callIndex: sandbox.inspect.calls().length,
  };
}

/** The task definition each service of the sandbox runs ('missing' once it is deleted). */
export async function runningTaskDefinitions(sandbox: Sandbox): Promise<Record<string, string>> {
  const running: Record<string, string> = {};
  for (const name of sandbox.info.services) {
    running[name] = (await sandbox.inspect.service(name))?.taskDefinition ?? 'missing';
  }
  return running;
}

/** Runs the bundled action with the sandbox's inputs plus `inputs`; the secret scan always on. */
export async function runFaulted(
  sandbox: Sandbox,
  before: Snapshot,
  inputs: Record<string, string>,
  options: Pick<RunActionOptions, 'signal' | 'onOutput'> = {},
): Promise<FaultRun> {
  const scanned: string[] = [];
  const handedOutBefore = new Set(sandbox.secrets());
  const run = await runAction({
    inputs: { ...sandbox.inputs, ...inputs },
    env: sandbox.env,
    secrets: () => {
      const secrets = sandbox.secrets();
      scanned.push(...secrets);
      return secrets;
    },
    ...options,
  });
  const issued = sandbox.secrets().filter((secret) => !handedOutBefore.has(secret));
  return { ...run, scanned, issued, calls: sandbox.inspect.calls().slice(before.callIndex) };
}

/**
 * The scan ran on this run and covered every credential and token handed out so far, and the
 * action masked (::add-mask::) every one the sandbox handed out during the run.
 */
export function expectScanned(run: FaultRun, sandbox: Sandbox): void {
  expect(run.scanned.length).toBeGreaterThan(0);
  expect(new Set(run.scanned)).toEqual(new Set(sandbox.secrets()));
  const masks = new Set(run.masks);
  expect(run.issued.filter((secret) => !masks.has(secret))).toEqual([]);
}

/** What the accounts must hold after a run. */
export interface EndState {
  /** Task definition each service runs, by service name ('missing' for a deleted service). */
  running: Record<string, string>;
  /** How many revisions this run registered in account B. */
  newRevisions: number;
}

/** Asserts the end state in both accounts; returns the revisions this run registered. */
export async function expectEndState(
  sandbox: Sandbox,
  before: Snapshot,
  expected: EndState,
): Promise<string[]> {
  expect(await sandbox.inspect.taskDefinitionArns(sandbox.info.toolingAccount)).toEqual([]);
  const revisions = await sandbox.inspect.taskDefinitionArns(sandbox.info.deployAccount);
  expect(revisions).toEqual(expect.arrayContaining(before.revisions));
  const added = revisions.filter((arn) => !before.revisions.includes(arn));
  expect(added).toHaveLength(expected.newRevisions);
  expect(await runningTaskDefinitions(sandbox)).toEqual({ ...before.running, ...expected.running });
  return added;
}

/** One row of the job summary's services table. */
export interface SummaryRow {
  service: string;
  previous: string;
  next: string;
  result: string;
  detail: string;
}

/** Reads the services table of a job summary written by the action. */
export function summaryRows(summary: string): SummaryRow[] {
  const rows = [...summary.matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) =>
    [...(m[1] ?? '').matchAll(/<td>(.*?)<\/td>/gs)].map((c) => c[1] ?? ''),
  );
  return rows
    .filter((cells) => cells.length > 0)
    .map(([service = '', previous = '', next = '', , result = '']) => {
      const [word = '', ...rest] = result.split(': ');
      return { service, previous, next, result: word, detail: rest.join(': ') };
    });
}

/** The `family:revision` label the summary shows for a task definition ARN. */
export function label(taskDefinitionArn: string): string {
  return taskDefinitionArn.split('/').pop() ?? taskDefinitionArn;
}

/**
 * Nothing changed that the summary does not report: every service whose task definition changed
 * has a row whose new revision is what it runs now; a row that says rolled-back or unchanged
 * belongs to a service that runs what it ran before; every registered revision is in a row.
 */
export async function expectSummaryCoversChanges(
  sandbox: Sandbox,
  before: Snapshot,
  run: FaultRun,
): Promise<SummaryRow[]> {
  const rows = summaryRows(run.summary);
  const after = await runningTaskDefinitions(sandbox);
  for (const [service, now] of Object.entries(after)) {
    const row = rows.find((r) => r.service === service);
    if (now !== before.running[service]) {
      expect(row).toBeDefined();
      if (now !== 'missing') expect(row?.next).toBe(label(now));
    }
    if (row && ['rolled-back', 'unchanged'].includes(row.result)) {
      expect(now).toBe(before.running[service]);
    }
    if (row?.result === 'deployed') expect(label(now)).toBe(row.next);
  }
  const revisions = await sandbox.inspect.taskDefinitionArns(sandbox.info.deployAccount);
  const reported = new Set(rows.map((r) => r.next));
  for (const added of revisions.filter((arn) => !before.revisions.includes(arn))) {
    expect(reported).toContain(label(added));
  }
  return rows;
}

/** One "Retrying <operation> (attempt n of m) in d ms after <error>." line of the log. */
export interface RetryLine {
  operation: string;
  attempt: number;
  of: number;
  delayMs: number;
  after: string;
}

/** Every retry the action logged, in order. */
export function retryLines(log: string): RetryLine[] {
  const pattern = /^Retrying (\w+) \(attempt (\d+) of (\d+)\) in (\d+) ms after (\w+)\.$/gm;
  return [...log.matchAll(pattern)].map((m) => ({
    operation: m[1] ?? '',
    attempt: Number(m[2]),
    of: Number(m[3]),
    delayMs: Number(m[4]),
    after: m[5] ?? '',
  }));
}

/** `service:Operation[:status]` of each call, for order assertions. */
export function callTrail(calls: CallRecord[], withStatus = false): string[] {
  return calls.map(
    (c) =>
      `${c.service}:${c.operation}${withStatus ? `:${c.status}${c.fault ? `:${c.fault}` : ''}` : ''}`,
  );
}

/** The calls of one operation. */
export function callsOf(calls: CallRecord[], operation: string): CallRecord[] {
  return calls.filter((c) => c.operation === operation);
}

/** Lines of the log that say the action re-chained its credentials. */
export function rechainLines(log: string): string[] {
  return log.split('\n').filter((line) => line.startsWith('Re-chained credentials: '));
}

/** Calls `action` once, the first time the log matches `pattern`. */
export function onceLogMatches(pattern: RegExp, action: () => void): (text: string) => void {
  let seen = '';
  let done = false;
  return (text) => {
    seen += text;
    if (!done && pattern.test(seen)) {
      done = true;
      action();
    }
  };
}
