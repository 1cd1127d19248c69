/**
 * Answers slower than the action's own timeouts: an AWS answer past the 10 s request timeout and
 * a token endpoint past its 10 s timeout count as timeouts, are retried once the way throttling
 * is, and the deploy finishes. Each case costs one timeout of real time, so they sit apart.
 */
import { startSandbox, type Sandbox } from '../../sandbox';
import {
  callsOf,
  expectEndState,
  expectScanned,
  expectSummaryCoversChanges,
  FAULTS_TIMEOUT_MS,
  MAX_ATTEMPTS,
  retryLines,
  runFaulted,
  snapshot,
  type FaultRun,
  type Snapshot,
} from './support';

jest.setTimeout(FAULTS_TIMEOUT_MS);

const SERVICE = 'checkout-api';
/** Past the action's REQUEST_TIMEOUT_MS and TOKEN_TIMEOUT_MS (both 10 s). */
const PAST_TIMEOUT_MS = 10_500;

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ rolloutMs: 0 });
});

afterAll(async () => {
  await sandbox?.stop();
});

async function expectDeployed(before: Snapshot, run: FaultRun): Promise<void> {
  expect(run.exitCode).toBe(0);
  expect(run.outputs.result).toBe('deployed');
  await expectEndState(sandbox, before, {
    running: { [SERVICE]: run.outputs['task-definition-arn'] ?? '' },
    newRevisions: 1,
  });
  const rows = await expectSummaryCoversChanges(sandbox, before, run);
  expect(rows.map((r) => [r.service, r.result])).toEqual([[SERVICE, 'deployed']]);
  expectScanned(run, sandbox);
}

describe('an AWS answer slower than the request timeout', () => {
  let before: Snapshot;
  let run: FaultRun;

  beforeAll(async () => {
    before = await snapshot(sandbox);
    sandbox.faults.slowAnswers(1, PAST_TIMEOUT_MS, {
      service: 'ecs',
      operation: 'DescribeTaskDefinition',
    });
    run = await runFaulted(sandbox, before, { images: 'app=registry.example/app:timeout-1' });
  });

  test('ends in a finished deploy', async () => {
    await expectDeployed(before, run);
  });

  // Was action bug 1 (fixed in 76cd2dc): without throwOnRequestTimeout the SDK only warned.
  test('times the call out and retries it (attempt 2 of 5)', () => {
    const retries = retryLines(run.log).filter((r) => r.operation === 'DescribeTaskDefinition');
    expect(retries.map((r) => [r.attempt, r.of, r.after])).toEqual([
      [2, MAX_ATTEMPTS, 'TimeoutError'],
    ]);
    // The timed-out call is recorded only once its late answer is sent; the retry is the 200.
    expect(callsOf(run.calls, 'DescribeTaskDefinition').at(-1)?.status).toBe(200);
    expect(run.log).not.toContain('exceeded the configured');
  });
});

test('a token endpoint slower than its timeout is retried, then the chain goes on', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.tokenEndpoint('slow', PAST_TIMEOUT_MS);
  // Only the first request is slow: the endpoint reads its mode when a request arrives, and the
  // first one is sent right after the hop's group opens; the retry comes 10 s later.
  const fastAgain = (text: string): void => {
    if (text.startsWith('::group::Assume role 1/2')) {
      setTimeout(() => sandbox.faults.tokenEndpoint('ok'), 2_000);
    }
  };

  const run = await runFaulted(
    sandbox,
    before,
    { images: 'app=registry.example/app:timeout-2' },
    { onOutput: fastAgain },
  );

  await expectDeployed(before, run);
  expect(retryLines(run.log).map((r) => [r.operation, r.attempt, r.of, r.after])).toEqual([
    ['GetIDToken', 2, MAX_ATTEMPTS, 'TimeoutError'],
  ]);
  expect(callsOf(run.calls, 'AssumeRoleWithWebIdentity').map((c) => c.status)).toEqual([200]);
});
