/**
 * Transient faults (throttling bursts, 5xx answers, connection resets, slow answers) end in a
 * finished deploy through the one retry policy, each retry logged; a burst longer than the retry
 * budget and a non-retryable AccessDenied end in a clear failure that changed nothing unreported.
 */
import { startSandbox, type Sandbox } from '../../sandbox';
import { runAction, SecretLeakError } from '../../sandbox/run-action';
import {
  callsOf,
  callTrail,
  expectEndState,
  expectScanned,
  expectSummaryCoversChanges,
  type FaultRun,
  FAULTS_TIMEOUT_MS,
  MAX_ATTEMPTS,
  onceLogMatches,
  retryLines,
  runFaulted,
  type Snapshot,
  snapshot,
} from './support';

jest.setTimeout(FAULTS_TIMEOUT_MS);

const SERVICE = 'checkout-api';
/** The calls of a clean deploy of one service whose rollout completes at the first look. */
const CLEAN_TRAIL = [
  'oidc:GetIDToken',
  'sts:AssumeRoleWithWebIdentity',
  'sts:AssumeRole',
  'ecs:DescribeServices',
  'ecs:DescribeTaskDefinition',
  'ecs:RegisterTaskDefinition',
  'ecs:UpdateService',
  'ecs:DescribeServices',
];

let sandbox: Sandbox;
let image = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ rolloutMs: 0 });
});

afterAll(async () => {
  await sandbox?.stop();
});

afterEach(() => sandbox.faults.reset());

function nextImage(): string {
  image += 1;
  return `app=registry.example/checkout-api:fault-${image}`;
}

/** A finished deploy of SERVICE: new revision running, reported, deployment followed once. */
async function expectDeployed(before: Snapshot, run: FaultRun): Promise<void> {
  expect(run.exitCode).toBe(0);
  expect(run.outputs.result).toBe('deployed');
  const [added] = await expectEndState(sandbox, before, {
    running: { [SERVICE]: run.outputs['task-definition-arn'] ?? '' },
    newRevisions: 1,
  });
  expect(run.outputs['task-definition-arn']).toBe(added);
  const rows = await expectSummaryCoversChanges(sandbox, before, run);
  expect(rows.map((r) => [r.service, r.result])).toEqual([[SERVICE, 'deployed']]);
  expect(callsOf(run.calls, 'UpdateService').filter((c) => c.status === 200)).toHaveLength(1);
  expectScanned(run, sandbox);
}

/** The retries logged for `operation`: attempts 2..n+1 of the budget, each with a delay. */
function expectRetries(run: FaultRun, operation: string, after: string, count: number): void {
  const retries = retryLines(run.log).filter((r) => r.operation === operation);
  expect(retries.map((r) => [r.attempt, r.of, r.after])).toEqual(
    Array.from({ length: count }, (_, i) => [i + 2, MAX_ATTEMPTS, after]),
  );
  for (const retry of retries) expect(retry.delayMs).toBeGreaterThan(0);
}

test('a throttling burst on ECS is retried with backoff and the deploy finishes', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.throttle(3, { service: 'ecs', operation: 'DescribeServices' });

  const run = await runFaulted(sandbox, before, { images: nextImage() });

  await expectDeployed(before, run);
  expectRetries(run, 'DescribeServices', 'ThrottlingException', 3);
  const reads = callsOf(run.calls, 'DescribeServices').slice(0, 4);
  expect(reads.map((c) => [c.status, c.errorCode ?? ''])).toEqual([
    [400, 'ThrottlingException'],
    [400, 'ThrottlingException'],
    [400, 'ThrottlingException'],
    [200, ''],
  ]);
});

test('a throttling burst on STS is retried on the hop it hit and the chain goes on', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.throttle(2, { service: 'sts', operation: 'AssumeRole' });

  const run = await runFaulted(sandbox, before, { images: nextImage() });

  await expectDeployed(before, run);
  expectRetries(run, 'AssumeRole', 'Throttling', 2);
  expect(callTrail(run.calls.slice(0, 5), true)).toEqual([
    'oidc:GetIDToken:200',
    'sts:AssumeRoleWithWebIdentity:200',
    'sts:AssumeRole:400:throttle',
    'sts:AssumeRole:400:throttle',
    'sts:AssumeRole:200',
  ]);
});

test('5xx answers from STS and ECS are retried, and a retried register makes one revision', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.serverErrors(1, { service: 'sts', operation: 'AssumeRole' });
  sandbox.faults.serverErrors(2, { service: 'ecs', operation: 'RegisterTaskDefinition' });

  const run = await runFaulted(sandbox, before, { images: nextImage() });

  await expectDeployed(before, run);
  expectRetries(run, 'AssumeRole', 'ServiceUnavailable', 1);
  expectRetries(run, 'RegisterTaskDefinition', 'ServerException', 2);
  const registers = callsOf(run.calls, 'RegisterTaskDefinition');
  expect(registers.map((c) => c.status)).toEqual([500, 500, 200]);
});

test('connection resets are retried and the one deployment started is followed', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.resetConnections(2, { service: 'ecs', operation: 'UpdateService' });

  const run = await runFaulted(sandbox, before, { images: nextImage() });

  await expectDeployed(before, run);
  const retries = retryLines(run.log).filter((r) => r.operation === 'UpdateService');
  expect(retries.map((r) => [r.attempt, r.of])).toEqual([
    [2, MAX_ATTEMPTS],
    [3, MAX_ATTEMPTS],
  ]);
  const updates = callsOf(run.calls, 'UpdateService');
  expect(updates.map((c) => [c.status, c.fault ?? ''])).toEqual([
    [0, 'reset'],
    [0, 'reset'],
    [200, ''],
  ]);
  const flips = sandbox.inspect.rolloutFlips().filter((f) => f.at >= (updates[0]?.at ?? 0));
  expect(flips.map((f) => [f.deploymentId, f.state])).toEqual([
    [run.outputs['deployment-id'], 'COMPLETED'],
  ]);
});

test('slow answers within the request timeout are waited for, never sent twice', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.slowAnswers(3, 800, { service: 'ecs' });

  const run = await runFaulted(sandbox, before, { images: nextImage() });

  await expectDeployed(before, run);
  expect(retryLines(run.log)).toEqual([]);
  expect(callTrail(run.calls)).toEqual(CLEAN_TRAIL);
  expect(run.calls.filter((c) => c.fault === 'slow')).toHaveLength(3);
});

/** Faults that start with the wait: set once the service is updated (its rollout is slow). */
const AT_UPDATE = /^Updated checkout-api to /m;

test("throttling past one look's budget during the wait slows polling; the deploy finishes", async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.slowRollout(1_500);
  const burst = MAX_ATTEMPTS + 1;
  const throttleWait = (): void =>
    sandbox.faults.throttle(burst, { service: 'ecs', operation: 'DescribeServices' });

  const run = await runFaulted(
    sandbox,
    before,
    { images: nextImage() },
    { onOutput: onceLogMatches(AT_UPDATE, throttleWait) },
  ).finally(() => sandbox.faults.slowRollout(0));

  await expectDeployed(before, run);
  expect(run.log).toMatch(/^ECS look failed \(throttling\); next look in \d+ ms\.$/m);
  const polls = callsOf(run.calls, 'DescribeServices').slice(1);
  expect(polls.filter((c) => c.errorCode === 'ThrottlingException')).toHaveLength(burst);
  expect(polls.at(-1)?.status).toBe(200);
});

describe("5xx answers during the wait, past one look's retry budget", () => {
  let before: Snapshot;
  let run: FaultRun;

  beforeAll(async () => {
    before = await snapshot(sandbox);
    sandbox.faults.slowRollout(1_500);
    const outage = (): void =>
      sandbox.faults.serverErrors(MAX_ATTEMPTS, { service: 'ecs', operation: 'DescribeServices' });
    run = await runFaulted(
      sandbox,
      before,
      { images: nextImage() },
      { onOutput: onceLogMatches(AT_UPDATE, outage) },
    ).finally(() => sandbox.faults.slowRollout(0));
  });

  test('each failed look was retried and logged; the summary covers what changed', async () => {
    const failed = callsOf(run.calls, 'DescribeServices').filter((c) => c.status === 500);
    expect(failed).toHaveLength(MAX_ATTEMPTS);
    expectRetries(run, 'DescribeServices', 'ServerException', MAX_ATTEMPTS - 1);
    await expectSummaryCoversChanges(sandbox, before, run);
    expectScanned(run, sandbox);
  });

  // Was action bug 4 (fixed in 76cd2dc): the wait rethrew 5xx past one look's budget and skipped
  // the rollback, leaving the service mid-deployment on the new revision.
  test('ends deployed, or rolled back to the previous revision (rollback is on)', async () => {
    const running = (await sandbox.inspect.service(SERVICE))?.taskDefinition;
    const outcome = [run.outputs.result, running];
    const previous = before.running[SERVICE];
    expect([
      ['deployed', run.outputs['task-definition-arn']],
      ['rolled-back', previous],
    ]).toContainEqual(outcome);
  });
});

test('a throttling burst longer than the retry budget fails after exactly 5 attempts', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.throttle(MAX_ATTEMPTS, { service: 'ecs', operation: 'UpdateService' });

  const run = await runFaulted(sandbox, before, { images: nextImage() });

  expect(run.exitCode).toBe(1);
  expect(run.outputs.result).toBe('failed');
  expect(run.log).toMatch(
    /^::error::\[AWS_UNAVAILABLE\] ECS UpdateService \(service checkout-api\)/m,
  );
  const updates = callsOf(run.calls, 'UpdateService');
  expect(updates.map((c) => c.errorCode)).toEqual(Array(MAX_ATTEMPTS).fill('ThrottlingException'));
  expectRetries(run, 'UpdateService', 'ThrottlingException', MAX_ATTEMPTS - 1);
  const [registered = ''] = await expectEndState(sandbox, before, { running: {}, newRevisions: 1 });
  const rows = await expectSummaryCoversChanges(sandbox, before, run);
  expect(rows).toEqual([expect.objectContaining({ service: SERVICE, result: 'failed' })]);
  expect(rows[0]?.next).toBe(registered.split('/').pop());
  expect(callsOf(run.calls, 'DescribeServices')).toHaveLength(1);
  expectScanned(run, sandbox);
});

test('AccessDenied on hop 1 fails at once: one attempt, no retry, nothing touched', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.tokenClaims({ sub: 'repo:octo-org/checkout-api:ref:refs/heads/feature-x' });

  const run = await runFaulted(sandbox, before, { images: nextImage() }).finally(() =>
    sandbox.faults.tokenClaims({}),
  );

  expect(run.exitCode).toBe(1);
  expect(run.outputs.result).toBe('failed');
  expect(run.log).toMatch(/^::error::\[HOP_ACCESS_DENIED\] Assume role 1\/2/m);
  expect(callTrail(run.calls, true)).toEqual([
    'oidc:GetIDToken:200',
    'sts:AssumeRoleWithWebIdentity:403',
  ]);
  expect(retryLines(run.log)).toEqual([]);
  await expectEndState(sandbox, before, { running: {}, newRevisions: 0 });
  expect(run.summary).toContain('HOP_ACCESS_DENIED');
  expectScanned(run, sandbox);
});

test('the secret scan these runs go through fails a run that shows a handed-out value', async () => {
  const before = await snapshot(sandbox);
  const planted = sandbox.info.toolingRoleArn;

  const leaking = runAction({
    inputs: { ...sandbox.inputs, images: nextImage(), 'dry-run': 'true' },
    env: sandbox.env,
    secrets: () => [...sandbox.secrets(), planted],
  });

  await expect(leaking).rejects.toBeInstanceOf(SecretLeakError);
  await expectEndState(sandbox, before, { running: {}, newRevisions: 0 });
});
