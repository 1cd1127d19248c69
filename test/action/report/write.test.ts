import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServiceDeploy } from '../../../action/ecs/outcome';
import {
  reportUnfinished,
  writeSummary,
  type RunProgress,
  type RunReport,
} from '../../../action/report/write';
import { captureStdout, type Captured } from '../support/capture';

const OLD = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:7';
const NEW = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:8';

function deploy(overrides: Partial<ServiceDeploy>): ServiceDeploy {
  return {
    service: 'checkout-api',
    previousTaskDefinitionArn: OLD,
    taskDefinitionArn: NEW,
    imageChanges: [],
    changedFields: [],
    deploymentId: 'ecs-svc/1',
    updated: true,
    result: undefined,
    detail: '',
    durationMs: 0,
    seenEventIds: new Set(),
    ...overrides,
  };
}

let out: Captured;
let dir: string;
const saved = { ...process.env };
beforeEach(() => {
  out = captureStdout();
  dir = mkdtempSync(join(tmpdir(), 'action-write-'));
  for (const file of ['output', 'summary']) writeFileSync(join(dir, file), '');
  process.env.GITHUB_OUTPUT = join(dir, 'output');
  process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary');
});
afterEach(() => {
  out.restore();
  process.env = { ...saved };
  process.exitCode = undefined;
});

describe('reportUnfinished', () => {
  it('reports a rollback still unconfirmed at the deadline as failed, once', () => {
    const progress: RunProgress = {
      cluster: 'checkout',
      region: 'eu-west-1',
      services: [
        deploy({ detail: `Rollback to ${OLD} requested, not confirmed.` }),
        deploy({ service: 'checkout-worker', updated: false, result: 'unchanged' }),
      ],
      session: undefined,
      reported: false,
    };
    reportUnfinished(progress);
    reportUnfinished(progress);
    const outputs = readFileSync(join(dir, 'output'), 'utf8');
    expect(outputs.match(/^result<</gm)).toHaveLength(1);
    expect(outputs).toMatch(/^result<<(.+)\nfailed\n/m);
    const summary = readFileSync(join(dir, 'summary'), 'utf8');
    expect(summary).toContain(`failed: Rollback to ${OLD} requested, not confirmed.`);
    expect(summary).toContain('unchanged');
    expect(summary).toContain('[CANCELLED]');
    expect(process.exitCode).toBe(1);
  });

  it('calls a service still deploying at the deadline failed', () => {
    const progress: RunProgress = {
      cluster: 'checkout',
      region: 'eu-west-1',
      services: [deploy({})],
      session: undefined,
      reported: false,
    };
    reportUnfinished(progress);
    expect(progress.services[0]).toMatchObject({
      result: 'failed',
      detail: 'Still in progress when the run was cancelled.',
    });
  });
});

describe('writeSummary', () => {
  const ROLE = 'arn:aws:sts::222222222222:assumed-role/github-ecs-deploy/run-1';
  function report(result: string, services: ServiceDeploy[]): RunReport {
    const session = { assumedRoleArn: ROLE, accountId: '222222222222' };
    return {
      services,
      result,
      error: undefined,
      cluster: 'checkout',
      region: 'eu-west-1',
      session,
    };
  }

  it('says "Deployed as" the role only when the run deployed', () => {
    writeSummary(report('deployed', [deploy({ result: 'deployed' })]));
    const summary = readFileSync(join(dir, 'summary'), 'utf8');
    expect(summary).toContain(`Deployed as ${ROLE} in eu-west-1.`);
  });

  it('names the unused revisions a lost register answer left behind', () => {
    const late = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:9';
    writeSummary(report('deployed', [deploy({ result: 'deployed', unusedRevisions: [late] })]));
    const summary = readFileSync(join(dir, 'summary'), 'utf8');
    expect(summary).toContain(
      'Also registered, unused (a register whose answer was lost landed late): checkout-api:9.',
    );
  });

  it('says "Ran as" the role when the deploy failed before changing anything', () => {
    const untouched = deploy({ taskDefinitionArn: OLD, updated: false, result: 'failed' });
    writeSummary(report('failed', [untouched]));
    const summary = readFileSync(join(dir, 'summary'), 'utf8');
    expect(summary).toContain(`Ran as ${ROLE} in eu-west-1.`);
    expect(summary).not.toContain('Deployed as');
  });
});
