/**
 * Faults in the deployment itself: several services with one failing (all or nothing, whether
 * the action or ECS rolls the failing one back), a cancellation mid-wait (SIGINT, then SIGTERM
 * as the runner sends them) and a service deleted mid-deploy. Each ends in a clear state that
 * the summary reports service by service.
 */
import { startSandbox, type Sandbox } from '../../sandbox';
import {
  callsOf,
  expectEndState,
  expectScanned,
  expectSummaryCoversChanges,
  type FaultRun,
  FAULTS_TIMEOUT_MS,
  label,
  onceLogMatches,
  runFaulted,
  runningTaskDefinitions,
  type Snapshot,
  snapshot,
  summaryRows,
} from './support';

jest.setTimeout(FAULTS_TIMEOUT_MS);

const API = 'checkout-api';
const WORKER = 'checkout-worker';
const WEB = 'checkout-web';
const REASON = 'CannotPullContainerError: registry.example/app:broken: manifest unknown';
const CIRCUIT_BREAKER = 'ECS deployment circuit breaker: tasks failed to start.';
/** Long enough that a rollout is still in progress when the test acts on it. */
const LONG_ROLLOUT_MS = 60_000;

let sandbox: Sandbox;
let image = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ services: [API, WORKER, WEB], rolloutMs: 1_500 });
});

afterAll(async () => {
  await sandbox?.stop();
});

afterEach(() => {
  sandbox.faults.reset();
  sandbox.faults.slowRollout(1_500);
});

function nextImage(): string {
  image += 1;
  return `app=registry.example/app:deploy-${image}`;
}

/** One service's entry in the `services` output. */
interface ServiceOutput {
  result: string;
  'task-definition-arn': string;
  'previous-task-definition-arn': string;
}

/** Resolves once `done()` holds, looking every 100 ms (jest's timeout bounds the wait). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 100));
}

/** Both services were updated, then both pointed back: all or nothing. */
async function expectAllBack(before: Snapshot, run: FaultRun, services: string[]) {
  expect(run.exitCode).toBe(1);
  await expectEndState(sandbox, before, { running: {}, newRevisions: services.length });
  const rows = await expectSummaryCoversChanges(sandbox, before, run);
  expect(rows.map((r) => [r.service, r.result])).toEqual(services.map((s) => [s, 'rolled-back']));
  for (const row of rows) expect(row.previous).toBe(label(before.running[row.service] ?? ''));
  const outputs = JSON.parse(run.outputs.services ?? '{}') as Record<string, ServiceOutput>;
  expect(Object.keys(outputs)).toEqual(services);
  for (const service of services) {
    // The per-service outputs say what each service runs now: its previous task definition.
    expect(outputs[service]).toEqual(
      expect.objectContaining({
        result: 'rolled-back',
        'task-definition-arn': before.running[service],
        'previous-task-definition-arn': before.running[service],
      }),
    );
  }
  expectScanned(run, sandbox);
}

describe('several services, one failing', () => {
  test('with rollback, the action points every service this run changed back', async () => {
    const before = await snapshot(sandbox);
    sandbox.faults.failNextDeployment({ service: WORKER, reason: REASON, ecsRollback: false });

    const run = await runFaulted(sandbox, before, {
      service: `${API}\n${WORKER}`,
      images: nextImage(),
    });

    await expectAllBack(before, run, [API, WORKER]);
    expect(run.outputs.result).toBe('rolled-back');
    expect(run.log).toContain(CIRCUIT_BREAKER);
    expect(run.log).toContain(REASON);
    const updates = callsOf(run.calls, 'UpdateService');
    expect(updates.map((c) => c.status)).toEqual([200, 200, 200, 200]);
    expect(run.log).toContain(`Rolled back ${API} to ${before.running[API]}`);
    expect(run.log).toContain(`Rolled back ${WORKER} to ${before.running[WORKER]}`);
  });

  test('when ECS rolls the failing one back itself, the action rolls back only the other', async () => {
    const before = await snapshot(sandbox);
    sandbox.faults.failNextDeployment({ service: WORKER, reason: REASON, ecsRollback: true });

    const run = await runFaulted(sandbox, before, {
      service: `${API}\n${WORKER}`,
      images: nextImage(),
    });

    await expectAllBack(before, run, [API, WORKER]);
    expect(run.log).toContain(CIRCUIT_BREAKER);
    expect(callsOf(run.calls, 'UpdateService')).toHaveLength(3);
    expect(run.log).toContain(`Rolled back ${API} to ${before.running[API]}`);
    expect(run.log).not.toContain(`Rolled back ${WORKER}`);
  });
});

test('credentials expiring under parallel calls of two services are re-chained once', async () => {
  const before = await snapshot(sandbox);
  const expire = onceLogMatches(/^::group::Register/m, () => sandbox.faults.expireCredentialsNow());

  const run = await runFaulted(
    sandbox,
    before,
    { service: `${API}\n${WORKER}`, images: nextImage() },
    { onOutput: expire },
  );

  expect(run.exitCode).toBe(0);
  expect(run.outputs.result).toBe('deployed');
  const added = await expectEndState(sandbox, before, {
    running: {
      [API]: expect.stringContaining(':task-definition/checkout-api:') as string,
      [WORKER]: expect.stringContaining(':task-definition/checkout-worker:') as string,
    },
    newRevisions: 2,
  });
  const running = await runningTaskDefinitions(sandbox);
  expect(Object.values(running).filter((arn) => added.includes(arn))).toHaveLength(2);
  expect(run.calls.filter((c) => c.errorCode === 'ExpiredTokenException').length).toBeGreaterThan(
    0,
  );
  expect(run.log.split('\n').filter((l) => l.startsWith('Re-chained credentials: '))).toHaveLength(
    1,
  );
  expect(callsOf(run.calls, 'GetIDToken')).toHaveLength(2);
  expect(callsOf(run.calls, 'UpdateService').filter((c) => c.status === 200)).toHaveLength(2);
  const rows = await expectSummaryCoversChanges(sandbox, before, run);
  expect(rows.map((r) => [r.service, r.result])).toEqual([
    [API, 'deployed'],
    [WORKER, 'deployed'],
  ]);
  expectScanned(run, sandbox);
});

describe('a cancellation mid-wait (SIGINT, then SIGTERM as the runner sends them)', () => {
  let before: Snapshot;
  let run: FaultRun;

  beforeAll(async () => {
    before = await snapshot(sandbox);
    sandbox.faults.slowRollout(LONG_ROLLOUT_MS);
    run = await runFaulted(
      sandbox,
      before,
      { service: `${API}\n${WORKER}`, images: nextImage() },
      { signal: { name: 'SIGINT', whenLogMatches: /^::group::Wait for deployment$/m } },
    );
  });

  test('exits by itself, before the runner would kill it, and says it was cancelled', () => {
    // A process the runner had to kill would have no exit code (SIGKILL).
    expect(run.exitCode).toBe(1);
    expect(run.log).toMatch(/^::warning::Received SIGINT: /m);
    expect(run.log).toMatch(/^::error::\[CANCELLED\] /m);
  });

  test('rolls back what this run changed; the summary says where each service stands', async () => {
    await expectAllBack(before, run, [API, WORKER]);
    expect(run.outputs.result).toBe('rolled-back');
    const rows = summaryRows(run.summary);
    for (const row of rows) {
      expect(row.detail).toContain(`Rolled back to ${before.running[row.service]}`);
      expect(row.detail).toContain('cancelled');
    }
  });

  test('stops polling: no look at the services after the rollback', () => {
    const updates = callsOf(run.calls, 'UpdateService');
    expect(updates).toHaveLength(4);
    const lastUpdate = run.calls.lastIndexOf(updates[3]!);
    expect(
      run.calls.slice(lastUpdate + 1).filter((c) => c.operation === 'DescribeServices'),
    ).toEqual([]);
    const flips = sandbox.inspect.rolloutFlips().filter((f) => f.at >= (updates[0]?.at ?? 0));
    expect(flips).toEqual([]);
  });
});

test('a cancellation during the role chain exits by itself and changes nothing', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.slowAnswers(1, 1_500, { service: 'sts', operation: 'AssumeRole' });

  const run = await runFaulted(
    sandbox,
    before,
    { service: `${API}\n${WORKER}`, images: nextImage() },
    { signal: { name: 'SIGINT', whenLogMatches: /^::group::Assume role 2\/2/m } },
  );

  expect(run.exitCode).toBe(1);
  expect(run.log).toMatch(/^::warning::Received SIGINT: /m);
  expect(run.log).toMatch(/^::error::\[CANCELLED\] /m);
  expect(run.outputs.result).toBe('failed');
  expect(
    run.calls.filter((c) => ['RegisterTaskDefinition', 'UpdateService'].includes(c.operation)),
  ).toEqual([]);
  await expectEndState(sandbox, before, { running: {}, newRevisions: 0 });
  await expectSummaryCoversChanges(sandbox, before, run);
  expect(run.summary).toContain('CANCELLED');
  expectScanned(run, sandbox);
});

test('a cancellation while an update is in flight rolls back both services', async () => {
  const before = await snapshot(sandbox);
  sandbox.faults.slowRollout(LONG_ROLLOUT_MS);
  sandbox.faults.slowAnswers(1, 1_500, { service: 'ecs', operation: 'UpdateService' });

  const run = await runFaulted(
    sandbox,
    before,
    { service: `${API}\n${WORKER}`, images: nextImage() },
    { signal: { name: 'SIGINT', whenLogMatches: /^Updated checkout-/m } },
  );

  await expectAllBack(before, run, [API, WORKER]);
  expect(run.log).toMatch(/^::error::\[CANCELLED\] /m);
  const updates = callsOf(run.calls, 'UpdateService');
  expect(updates.map((c) => c.status)).toEqual([200, 200, 200, 200]);
  expect(updates.filter((c) => c.fault === 'slow')).toHaveLength(1);
});

describe('a service deleted mid-deploy, beside another service', () => {
  let before: Snapshot;
  let run: FaultRun;

  beforeAll(async () => {
    before = await snapshot(sandbox);
    sandbox.faults.slowRollout(LONG_ROLLOUT_MS);
    const deleteWeb = onceLogMatches(/^Updated checkout-web to /m, () => {
      void sandbox.faults.deleteService(WEB);
    });
    run = await runFaulted(
      sandbox,
      before,
      { service: `${API}\n${WEB}`, images: nextImage() },
      { onOutput: deleteWeb },
    );
  });

  test('fails clearly, naming the deleted service', () => {
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.log).toMatch(
      /^::error::\[SERVICE_(INACTIVE|NOT_FOUND)\] .*service checkout-web, deployment ecs-svc\//m,
    );
  });

  test('rolls the other service back and leaves the deleted one alone', async () => {
    await expectEndState(sandbox, before, { running: { [WEB]: 'missing' }, newRevisions: 2 });
    const updates = callsOf(run.calls, 'UpdateService');
    expect(updates).toHaveLength(3);
    expect(run.log).toContain(`Rolled back ${API} to ${before.running[API]}`);
    const rows = await expectSummaryCoversChanges(sandbox, before, run);
    expect(rows.map((r) => [r.service, r.result])).toEqual([
      [API, 'rolled-back'],
      [WEB, 'failed'],
    ]);
    expect(rows[1]?.detail).toMatch(/INACTIVE|disappeared|deleted/);
    expectScanned(run, sandbox);
  });
});

describe('a cancellation whose rollback answers slower than the exit deadline', () => {
  let before: Snapshot;
  let run: FaultRun;
  let updatesBefore: number;

  beforeAll(async () => {
    before = await snapshot(sandbox);
    updatesBefore = callsOf(sandbox.inspect.calls(), 'UpdateService').length;
    sandbox.faults.slowRollout(LONG_ROLLOUT_MS);
    const slowRollback = onceLogMatches(/^Updated checkout-api to /m, () =>
      sandbox.faults.slowAnswers(1, 6_000, { service: 'ecs', operation: 'UpdateService' }),
    );
    run = await runFaulted(
      sandbox,
      before,
      { images: nextImage() },
      {
        signal: { name: 'SIGINT', whenLogMatches: /^::group::Wait for deployment$/m },
        onOutput: slowRollback,
      },
    );
  });

  test('still exits by itself before the runner kills it', () => {
    expect(run.exitCode).toBe(1);
    expect(run.log).toMatch(/^::warning::Received SIGINT: /m);
    expectScanned(run, sandbox);
  });

  test('its rollback call lands after the exit: the service is back on its previous revision', async () => {
    await until(() => callsOf(sandbox.inspect.calls(), 'UpdateService').length > updatesBefore + 1);
    await expectEndState(sandbox, before, { running: {}, newRevisions: 1 });
  });

  // Was action bug 3 (fixed in 756d8ea): the exit deadline ended the process with no summary.
  test('writes the summary and outputs for the service before it exits', () => {
    const rows = summaryRows(run.summary);
    expect(rows.map((r) => r.service)).toEqual([API]);
    expect(rows[0]?.previous).toBe(label(before.running[API] ?? ''));
    expect(run.outputs.result).toMatch(/^(failed|rolled-back)$/);
  });
});
