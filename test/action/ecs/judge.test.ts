import type { Service } from '@aws-sdk/client-ecs';
import {
  isFinal,
  isSuccess,
  judgeDeployment,
  startedDeploymentId,
  taskIdsInEvents,
} from '../../../action/ecs/judge';

const OLD = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:7';
const NEW = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:8';
const WATCH = {
  deploymentId: 'ecs-svc/1111111111111111111',
  taskDefinitionArn: NEW,
  previousTaskDefinitionArn: OLD,
};

function ours(rolloutState: string | undefined, status = 'PRIMARY', extra: object = {}) {
  return { id: WATCH.deploymentId, status, taskDefinition: NEW, rolloutState, ...extra };
}

function service(deployments: object[], status = 'ACTIVE'): Service {
  return { serviceName: 'checkout-api', status, deployments } as Service;
}

const oldActive = {
  id: 'ecs-svc/0000000000000000001',
  status: 'ACTIVE',
  taskDefinition: OLD,
  rolloutState: 'COMPLETED',
};
const ecsRollback = {
  id: 'ecs-svc/2222222222222222222',
  status: 'PRIMARY',
  taskDefinition: OLD,
  rolloutState: 'IN_PROGRESS',
};

describe('judgeDeployment', () => {
  it.each([
    ['in progress', service([ours('IN_PROGRESS'), oldActive]), { state: 'in-progress' }],
    ['completed', service([ours('COMPLETED')]), { state: 'completed' }],
    [
      'failed without ECS rollback',
      service([
        ours('FAILED', 'PRIMARY', {
          rolloutStateReason: 'ECS deployment circuit breaker: tasks failed to start.',
        }),
        oldActive,
      ]),
      { state: 'failed', reason: 'ECS deployment circuit breaker: tasks failed to start.' },
    ],
    [
      'failed and rolled back by ECS',
      service([ecsRollback, ours('FAILED', 'ACTIVE', { rolloutStateReason: 'circuit breaker' })]),
      {
        state: 'rolled-back-by-ecs',
        reason: 'circuit breaker',
        rollbackDeploymentId: ecsRollback.id,
      },
    ],
    [
      'rolled back by ECS before it says FAILED',
      service([ecsRollback, ours('IN_PROGRESS', 'ACTIVE')]),
      {
        state: 'rolled-back-by-ecs',
        reason: 'no reason given',
        rollbackDeploymentId: ecsRollback.id,
      },
    ],
    [
      'our deployment gone, ECS back on the old one',
      service([ecsRollback]),
      {
        state: 'rolled-back-by-ecs',
        reason: 'the deployment is gone',
        rollbackDeploymentId: ecsRollback.id,
      },
    ],
    [
      'our deployment id unknown, the PRIMARY on our task definition still rolling',
      service([{ ...ours('IN_PROGRESS'), id: 'ecs-svc/9' }, oldActive]),
      { state: 'in-progress' },
    ],
    [
      'our deployment gone but the new one completed',
      service([{ ...ours('COMPLETED'), id: 'ecs-svc/9' }]),
      { state: 'completed' },
    ],
    [
      'someone else deployed',
      service([
        {
          id: 'ecs-svc/3',
          status: 'PRIMARY',
          taskDefinition: 'arn:other:9',
          rolloutState: 'IN_PROGRESS',
        },
      ]),
      { state: 'superseded', taskDefinitionArn: 'arn:other:9' },
    ],
    [
      'draining',
      service([ours('IN_PROGRESS')], 'DRAINING'),
      { state: 'inactive', status: 'DRAINING' },
    ],
    ['inactive', service([], 'INACTIVE'), { state: 'inactive', status: 'INACTIVE' }],
    ['missing', undefined, { state: 'missing' }],
    [
      'no rollout state, steady',
      service([ours(undefined, 'PRIMARY', { runningCount: 2, desiredCount: 2 })]),
      { state: 'completed' },
    ],
    [
      'no rollout state, still moving',
      service([ours(undefined, 'PRIMARY', { runningCount: 1, desiredCount: 2 }), oldActive]),
      { state: 'in-progress' },
    ],
  ])('%s', (_name, answer, verdict) => {
    expect(judgeDeployment(answer, WATCH)).toEqual(verdict);
  });

  it('calls only completed a success, and everything but in-progress final', () => {
    expect(isSuccess({ state: 'completed' })).toBe(true);
    expect(isSuccess({ state: 'failed', reason: 'x' })).toBe(false);
    expect(isFinal({ state: 'in-progress' })).toBe(false);
    expect(isFinal({ state: 'missing' })).toBe(true);
  });
});

describe('startedDeploymentId', () => {
  it('takes the PRIMARY deployment on the new task definition, else any PRIMARY', () => {
    expect(startedDeploymentId(service([oldActive, ours('IN_PROGRESS')]), NEW)).toBe(
      WATCH.deploymentId,
    );
    expect(startedDeploymentId(service([ecsRollback]), NEW)).toBe(ecsRollback.id);
    expect(startedDeploymentId(undefined, NEW)).toBeUndefined();
  });
});

describe('taskIdsInEvents', () => {
  it('finds each task id once, in order', () => {
    expect(
      taskIdsInEvents([
        '(service checkout-api) has started 1 tasks: (task 4f1b2c3d4e5f).',
        '(service checkout-api) (task 4f1b2c3d4e5f) failed container health checks. (task 99aa)',
        'no task here',
      ]),
    ).toEqual(['4f1b2c3d4e5f', '99aa']);
  });
});
