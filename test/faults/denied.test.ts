/**
 * Non-retryable denials fail at once, counted from the sandbox's call log (never from time): a
 * tooling role that may not assume the deploy role (hop 2), and a deploy role that may not
 * UpdateService. Each changes nothing the summary does not report.
 */
import { startSandbox, type Sandbox } from '../../sandbox';
import {
  callsOf,
  callTrail,
  expectEndState,
  expectScanned,
  expectSummaryCoversChanges,
  FAULTS_TIMEOUT_MS,
  label,
  retryLines,
  runFaulted,
  snapshot,
  type FaultRun,
  type Snapshot,
} from './support';

jest.setTimeout(FAULTS_TIMEOUT_MS);

const IMAGES = 'app=registry.example/checkout-api:denied-1';

describe('hop 2 denied (the tooling role may not sts:AssumeRole)', () => {
  let sandbox: Sandbox;
  let before: Snapshot;
  let run: FaultRun;

  beforeAll(async () => {
    sandbox = await startSandbox({ withoutActions: ['sts:AssumeRole'] });
    before = await snapshot(sandbox);
    run = await runFaulted(sandbox, before, { images: IMAGES });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  test('fails at once: one AssumeRole attempt, no retry', () => {
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.log).toMatch(/^::error::\[HOP_ACCESS_DENIED\] Assume role 2\/2 /m);
    expect(callTrail(run.calls, true)).toEqual([
      'oidc:GetIDToken:200',
      'sts:AssumeRoleWithWebIdentity:200',
      'sts:AssumeRole:403',
    ]);
    expect(retryLines(run.log)).toEqual([]);
  });

  test('changes nothing in either account', async () => {
    await expectEndState(sandbox, before, { running: {}, newRevisions: 0 });
    expect(run.summary).toContain('HOP_ACCESS_DENIED');
    expectScanned(run, sandbox);
  });
});

describe('UpdateService denied (the deploy role lacks ecs:UpdateService)', () => {
  let sandbox: Sandbox;
  let before: Snapshot;
  let run: FaultRun;

  beforeAll(async () => {
    sandbox = await startSandbox({ withoutActions: ['ecs:UpdateService'] });
    before = await snapshot(sandbox);
    run = await runFaulted(sandbox, before, { images: IMAGES });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  test('fails at once: one UpdateService attempt, no retry', () => {
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.log).toMatch(/^::error::\[ECS_ACCESS_DENIED\] ECS UpdateService /m);
    expect(callsOf(run.calls, 'UpdateService').map((c) => [c.status, c.errorCode])).toEqual([
      [400, 'AccessDeniedException'],
    ]);
    expect(retryLines(run.log)).toEqual([]);
    expect(callsOf(run.calls, 'DescribeServices')).toHaveLength(1);
  });

  test('leaves the service as it was; the registered revision is in the summary', async () => {
    const [registered = ''] = await expectEndState(sandbox, before, {
      running: {},
      newRevisions: 1,
    });
    const rows = await expectSummaryCoversChanges(sandbox, before, run);
    expect(rows.map((r) => [r.service, r.result, r.next])).toEqual([
      ['checkout-api', 'failed', label(registered)],
    ]);
    expectScanned(run, sandbox);
  });
});
