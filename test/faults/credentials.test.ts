/**
 * Credential faults: sessions that expire while the action waits (re-chained ahead of expiry with a
 * fresh OIDC token, the same deployment followed), credentials AWS calls expired right now
 * (ExpiredTokenException, then one refresh), and a failing or slow token endpoint, at the start
 * and at a re-chain.
 */
import { startSandbox, type Sandbox } from '../../sandbox';
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
  rechainLines,
  retryLines,
  runFaulted,
  type Snapshot,
  snapshot,
} from './support';

jest.setTimeout(FAULTS_TIMEOUT_MS);

const SERVICE = 'checkout-api';
/** Long enough that no re-chain happens in a test that does not ask for one. */
const NORMAL_LIFETIME_MS = 3_600_000;
/** A session this short is re-chained a few times during a rollout of ROLLOUT_MS. */
const SHORT_LIFETIME_MS = 1_500;
const ROLLOUT_MS = 4_000;
const UPDATED = /^Updated checkout-api to /m;

let sandbox: Sandbox;
let image = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ rolloutMs: 0 });
});

afterAll(async () => {
  await sandbox?.stop();
});

afterEach(() => {
  sandbox.faults.reset();
  sandbox.faults.expireCredentialsAfter(NORMAL_LIFETIME_MS);
  sandbox.faults.slowRollout(0);
  sandbox.faults.tokenEndpoint('ok');
});

function nextImage(): string {
  image += 1;
  return `app=registry.example/checkout-api:cred-${image}`;
}

/** A finished deploy whose one deployment (started once) was followed to COMPLETED. */
async function expectSameDeploymentFinished(before: Snapshot, run: FaultRun): Promise<void> {
  expect(run.exitCode).toBe(0);
  expect(run.outputs.result).toBe('deployed');
  const [added] = await expectEndState(sandbox, before, {
    running: { [SERVICE]: run.outputs['task-definition-arn'] ?? '' },
    newRevisions: 1,
  });
  expect(run.outputs['task-definition-arn']).toBe(added);
  expect(callsOf(run.calls, 'UpdateService').map((c) => c.status)).toEqual([200]);
  const update = callsOf(run.calls, 'UpdateService')[0]?.at ?? 0;
  const flips = sandbox.inspect.rolloutFlips().filter((f) => f.at >= update);
  expect(flips.map((f) => [f.deploymentId, f.state])).toEqual([
    [run.outputs['deployment-id'], 'COMPLETED'],
  ]);
  const rows = await expectSummaryCoversChanges(sandbox, before, run);
  expect(rows.map((r) => [r.service, r.result])).toEqual([[SERVICE, 'deployed']]);
  expectScanned(run, sandbox);
}

/** Every chain (first and re-chains) fetched its own token and assumed both hops once. */
function expectWholeChains(run: FaultRun, chains: number): void {
  const sts = run.calls.filter((c) => c.service !== 'ecs');
  expect(callTrail(sts, true)).toEqual(
    Array.from({ length: chains }, () => [
      'oidc:GetIDToken:200',
      'sts:AssumeRoleWithWebIdentity:200',
      'sts:AssumeRole:200',
    ]).flat(),
  );
}

test('credentials expiring mid-wait are re-chained ahead of expiry; the deployment is followed', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.expireCredentialsAfter(SHORT_LIFETIME_MS);
  sandbox.faults.slowRollout(ROLLOUT_MS);

  const run = await runFaulted(sandbox, before, { images: nextImage() });

  await expectSameDeploymentFinished(before, run);
  const rechains = rechainLines(run.log);
  expect(rechains.length).toBeGreaterThan(0);
  for (const line of rechains) {
    expect(line).toMatch(
      /^Re-chained credentials: .+; new session for arn:aws:sts::222222222222:assumed-role\/github-ecs-deploy\/\S+ expires at \d{4}-\d\d-\d\dT[\d:.]+Z\.$/,
    );
  }
  expectWholeChains(run, 1 + rechains.length);
  const update = callsOf(run.calls, 'UpdateService')[0]?.at ?? 0;
  const rechainCalls = run.calls.filter((c) => c.service === 'sts').slice(2);
  for (const call of rechainCalls) expect(call.at).toBeGreaterThanOrEqual(update);
  expect(run.calls.filter((c) => c.service === 'ecs' && c.status !== 200)).toEqual(
    run.calls.filter((c) => c.errorCode === 'ExpiredTokenException'),
  );
});

test('credentials expired now (ExpiredTokenException) are refreshed once and the call retried', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.slowRollout(2_500);

  const run = await runFaulted(
    sandbox,
    before,
    { images: nextImage() },
    { onOutput: onceLogMatches(UPDATED, () => sandbox.faults.expireCredentialsNow()) },
  );

  await expectSameDeploymentFinished(before, run);
  const expired = run.calls.findIndex((c) => c.errorCode === 'ExpiredTokenException');
  expect(expired).toBeGreaterThan(0);
  expect(callTrail(run.calls.slice(expired, expired + 5), true)).toEqual([
    expect.stringMatching(/^ecs:DescribeServices:400(:expired)?$/),
    'oidc:GetIDToken:200',
    'sts:AssumeRoleWithWebIdentity:200',
    'sts:AssumeRole:200',
    'ecs:DescribeServices:200',
  ]);
  expect(run.calls.filter((c) => c.status !== 200)).toEqual([
    expect.objectContaining({ operation: 'DescribeServices', errorCode: 'ExpiredTokenException' }),
  ]);
  expect(rechainLines(run.log)).toEqual([
    expect.stringMatching(
      /^Re-chained credentials: DescribeServices answered ExpiredTokenException; new session/,
    ),
  ]);
  expectWholeChains(run, 2);
});

test('a failing token endpoint fails the run before any AWS call, after the retry budget', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.tokenEndpoint('fail');

  const run = await runFaulted(sandbox, before, { images: nextImage() });

  expect(run.exitCode).toBe(1);
  expect(run.outputs.result).toBe('failed');
  expect(run.log).toMatch(/^::error::\[OIDC_TOKEN_FAILED\] /m);
  expect(callTrail(run.calls, true)).toEqual(Array(MAX_ATTEMPTS).fill('oidc:GetIDToken:500'));
  const retries = retryLines(run.log);
  expect(retries.map((r) => [r.operation, r.attempt, r.of, r.after])).toEqual(
    [2, 3, 4, 5].map((n) => ['GetIDToken', n, MAX_ATTEMPTS, 'TokenEndpointError']),
  );
  await expectEndState(sandbox, before, { running: {}, newRevisions: 0 });
  expect(run.summary).toContain('OIDC_TOKEN_FAILED');
  expectScanned(run, sandbox);
});

test('a slow token endpoint (within its timeout) is waited for once, not retried', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.tokenEndpoint('slow', 1_500);

  const run = await runFaulted(sandbox, before, { images: nextImage() });

  await expectSameDeploymentFinished(before, run);
  expect(retryLines(run.log)).toEqual([]);
  expectWholeChains(run, 1);
});

test('a slow token endpoint at a re-chain mid-wait delays the re-chain, not the deploy', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.expireCredentialsAfter(SHORT_LIFETIME_MS);
  sandbox.faults.slowRollout(ROLLOUT_MS);

  const run = await runFaulted(
    sandbox,
    before,
    { images: nextImage() },
    { onOutput: onceLogMatches(UPDATED, () => sandbox.faults.tokenEndpoint('slow', 1_000)) },
  );

  await expectSameDeploymentFinished(before, run);
  const rechains = rechainLines(run.log);
  expect(rechains.length).toBeGreaterThan(0);
  expectWholeChains(run, 1 + rechains.length);
  expect(retryLines(run.log)).toEqual([]);
});

describe('a token endpoint that fails at a re-chain mid-wait', () => {
  let before: Snapshot;
  let run: FaultRun;

  beforeAll(async () => {
    before = await snapshot(sandbox);
    sandbox.faults.expireCredentialsAfter(SHORT_LIFETIME_MS);
    sandbox.faults.slowRollout(ROLLOUT_MS);
    run = await runFaulted(
      sandbox,
      before,
      // A short wait timeout bounds the run should the action keep re-trying the endpoint.
      { images: nextImage(), 'wait-timeout-minutes': '0.2' },
      { onOutput: onceLogMatches(UPDATED, () => sandbox.faults.tokenEndpoint('fail')) },
    );
    sandbox.faults.tokenEndpoint('ok');
  });

  test('fails the run, and the summary says where the service is', async () => {
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    const running = run.outputs['task-definition-arn'] ?? '';
    await expectEndState(sandbox, before, { running: { [SERVICE]: running }, newRevisions: 1 });
    const rows = await expectSummaryCoversChanges(sandbox, before, run);
    expect(rows.map((r) => [r.service, r.result])).toEqual([[SERVICE, 'failed']]);
    expectScanned(run, sandbox);
  });

  // Action bug 5 (see .coord/faults.md): since 76cd2dc the wait passes over any look whose error
  // cause is retryable, and a failed re-chain's cause (the endpoint's HTTP 500) counts as one, so
  // the action re-tries the token endpoint look after look until wait-timeout-minutes.
  test('gives up after one token retry budget, naming the token endpoint', () => {
    const failedTokens = callsOf(run.calls, 'GetIDToken').filter((c) => c.status === 500);
    expect(failedTokens).toHaveLength(MAX_ATTEMPTS);
    expect(run.log).toMatch(/^::error::\[OIDC_TOKEN_FAILED\] /m);
    expect(run.log).not.toContain('fix the task definition or service');
  });
});
