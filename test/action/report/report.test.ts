import type { ServiceDeploy } from '../../../action/ecs/outcome';
import { overallResult, waitError } from '../../../action/ecs/outcome';
import { ActionError } from '../../../action/errors';
import { buildOutputs, currentTaskDefinition } from '../../../action/report/outputs';
import { consoleUrl, dryRunDiff, revisionLabel, summaryRows } from '../../../action/report/summary';

const OLD = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:7';
const NEW = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:8';

function deploy(overrides: Partial<ServiceDeploy> = {}): ServiceDeploy {
  return {
    service: 'checkout-api',
    previousTaskDefinitionArn: OLD,
    taskDefinitionArn: NEW,
    imageChanges: [{ container: 'app', from: 'repo/app:1', to: 'repo/app:2' }],
    changedFields: ['containerDefinitions[app].image: "repo/app:1" -> "repo/app:2"'],
    deploymentId: 'ecs-svc/1',
    updated: true,
    result: 'deployed',
    detail: 'Deployment completed.',
    durationMs: 4_250,
    seenEventIds: new Set(),
    ...overrides,
  };
}

const SESSION = {
  assumedRoleArn: 'arn:aws:sts::222222222222:assumed-role/github-ecs-deploy/s',
  accountId: '222222222222',
};

describe('buildOutputs', () => {
  it('writes the first service values, the last hop identity, and every service as JSON', () => {
    const worker = deploy({
      service: 'checkout-worker',
      result: 'unchanged',
      taskDefinitionArn: OLD,
      deploymentId: undefined,
    });
    const outputs = buildOutputs([deploy(), worker], 'deployed', SESSION);
    expect(outputs).toEqual({
      'task-definition-arn': NEW,
      'previous-task-definition-arn': OLD,
      'deployment-id': 'ecs-svc/1',
      'aws-account-id': '222222222222',
      'role-arn': SESSION.assumedRoleArn,
      result: 'deployed',
      services: JSON.stringify({
        'checkout-api': {
          'task-definition-arn': NEW,
          'previous-task-definition-arn': OLD,
          'deployment-id': 'ecs-svc/1',
          result: 'deployed',
        },
        'checkout-worker': {
          'task-definition-arn': OLD,
          'previous-task-definition-arn': OLD,
          'deployment-id': '',
          result: 'unchanged',
        },
      }),
    });
  });

  it('names the task definition the service runs after a rollback', () => {
    expect(currentTaskDefinition(deploy({ result: 'rolled-back' }))).toBe(OLD);
    expect(buildOutputs([], 'failed', undefined)).toMatchObject({
      'task-definition-arn': '',
      'role-arn': '',
      services: '{}',
    });
  });
});

describe('summary', () => {
  it('has one row per service with revisions, images, result, duration and console link', () => {
    const rows = summaryRows([deploy()], {
      cluster: 'checkout',
      region: 'eu-west-1',
      result: 'deployed',
      roleArn: undefined,
      error: undefined,
    });
    expect(rows[0]).toEqual(
      ['Service', 'Previous', 'New', 'Images changed', 'Result', 'Duration', 'Console'].map(
        (data) => ({ data, header: true }),
      ),
    );
    expect(rows[1]).toEqual([
      'checkout-api',
      'checkout-api:7',
      'checkout-api:8',
      'app: repo/app:2',
      'deployed: Deployment completed.',
      '4.3 s',
      '<a href="https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/checkout/services/checkout-api/deployments?region=eu-west-1">open</a>',
    ]);
  });

  it('escapes HTML and shows unchanged services without a new revision', () => {
    const rows = summaryRows(
      [
        deploy({
          service: 'a<b>',
          taskDefinitionArn: OLD,
          imageChanges: [],
          result: undefined,
          detail: '',
        }),
      ],
      {
        cluster: 'arn:aws:ecs:eu-west-1:2:cluster/checkout',
        region: 'eu-west-1',
        result: 'x',
        roleArn: undefined,
        error: undefined,
      },
    );
    expect(rows[1]!.slice(0, 5)).toEqual(['a&lt;b&gt;', 'checkout-api:7', '-', '-', 'failed']);
    expect(revisionLabel('')).toBe('-');
    expect(consoleUrl('us-east-1', 'c', 'arn:aws:ecs:us-east-1:2:service/c/s')).toContain(
      '/clusters/c/services/s/',
    );
  });

  it('lists a dry run diff by service', () => {
    expect(dryRunDiff([deploy(), deploy({ service: 'w', changedFields: [] })])).toBe(
      'checkout-api:\n  containerDefinitions[app].image: "repo/app:1" -> "repo/app:2"\nw: nothing would change',
    );
  });
});

describe('overallResult', () => {
  const error = new ActionError({ code: 'DEPLOYMENT_FAILED', message: 'x' });
  it.each([
    [['deployed', 'unchanged'], undefined, 'deployed'],
    [['unchanged', 'unchanged'], undefined, 'unchanged'],
    [['dry-run'], undefined, 'dry-run'],
    [['rolled-back', 'rolled-back'], error, 'rolled-back'],
    [['rolled-back', 'failed'], error, 'failed'],
    [['deployed'], error, 'failed'],
    [[], error, 'failed'],
    [[], undefined, 'deployed'],
  ] as const)('%j with error=%s -> %s', (results, err, expected) => {
    expect(
      overallResult(
        results.map((result) => deploy({ result })),
        err,
      ),
    ).toBe(expected);
  });
});

describe('waitError', () => {
  it('gives each unfinished state its code', () => {
    const codes = (['timed-out', 'cancelled', 'missing'] as const).map(
      (state) => waitError(deploy(), { verdict: { state }, detail: '' })?.code,
    );
    expect(codes).toEqual(['DEPLOYMENT_TIMED_OUT', 'CANCELLED', 'SERVICE_NOT_FOUND']);
    expect(waitError(deploy(), { verdict: { state: 'abandoned' }, detail: '' })).toBeUndefined();
    expect(
      waitError(deploy(), { verdict: { state: 'superseded', taskDefinitionArn: 'x' }, detail: 'd' })
        ?.code,
    ).toBe('DEPLOYMENT_FAILED');
  });
});
