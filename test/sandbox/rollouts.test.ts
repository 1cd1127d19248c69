/** The rolling deployments the layer plays in front of moto. */
import {
  advance,
  baselineRollout,
  newDeploymentId,
  renderService,
  startDeployment,
  type MotoService,
  type ServiceRollout,
} from '../../sandbox/rollouts';

const T0 = 1_800_000_000_000;
const OLD = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:1';
const NEW = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:2';
const SERVICE: MotoService = {
  serviceArn: 'arn:aws:ecs:eu-west-1:222222222222:service/checkout/checkout-api',
  serviceName: 'checkout-api',
  clusterArn: 'arn:aws:ecs:eu-west-1:222222222222:cluster/checkout',
  taskDefinition: OLD,
  desiredCount: 2,
  launchType: 'FARGATE',
};

function steady(): ServiceRollout {
  return baselineRollout('222222222222', SERVICE, T0);
}

function states(rollout: ServiceRollout): string[] {
  return rollout.deployments.map((d) => `${d.status}:${d.rolloutState}:${d.taskDefinition}`);
}

describe('rolling deployments', () => {
  it('makes deployment ids as ECS does', () => {
    for (let i = 0; i < 50; i += 1) expect(newDeploymentId()).toMatch(/^ecs-svc\/[1-9]\d{18}$/);
  });

  it('starts from one steady deployment with every task running', () => {
    const rollout = steady();
    expect(states(rollout)).toEqual([`PRIMARY:COMPLETED:${OLD}`]);
    expect(renderService(rollout)).toMatchObject({ runningCount: 2, pendingCount: 0 });
  });

  it('starts a PRIMARY deployment IN_PROGRESS, the old one ACTIVE until it settles', () => {
    const rollout = steady();
    startDeployment(rollout, SERVICE, NEW, { durationMs: 5_000 }, T0);
    expect(states(rollout)).toEqual([`PRIMARY:IN_PROGRESS:${NEW}`, `ACTIVE:COMPLETED:${OLD}`]);
    expect(advance(rollout, T0 + 4_999)).toEqual({ flips: [], effects: [] });
    expect(rollout.events[0]?.message).toMatch(/^\(service checkout-api\) has started 2 tasks: /);
  });

  it('completes after its duration: the old deployment goes, events say so', () => {
    const rollout = steady();
    const deployment = startDeployment(rollout, SERVICE, NEW, { durationMs: 5_000 }, T0);
    const { flips } = advance(rollout, T0 + 5_000);
    expect(flips).toEqual([
      expect.objectContaining({ at: T0 + 5_000, state: 'COMPLETED', deploymentId: deployment.id }),
    ]);
    expect(states(rollout)).toEqual([`PRIMARY:COMPLETED:${NEW}`]);
    expect(rollout.events.slice(0, 2).map((e) => e.message)).toEqual([
      '(service checkout-api) has reached a steady state.',
      `(service checkout-api) (deployment ${deployment.id}) deployment completed.`,
    ]);
  });

  it('fails without rollback: FAILED with the circuit breaker reason and stopped tasks', () => {
    const rollout = steady();
    const failure = { reason: 'CannotPullContainerError: not found', ecsRollback: false };
    startDeployment(rollout, SERVICE, NEW, { durationMs: 0, failure }, T0);
    const { flips, effects } = advance(rollout, T0);
    expect(flips.map((f) => f.state)).toEqual(['FAILED']);
    expect(effects).toEqual([]);
    const primary = rollout.deployments[0];
    expect(primary?.rolloutStateReason).toBe(
      'ECS deployment circuit breaker: tasks failed to start.',
    );
    expect(states(rollout)).toEqual([`PRIMARY:FAILED:${NEW}`, `ACTIVE:COMPLETED:${OLD}`]);
    const taskIds = rollout.events
      .flatMap((e) => [...e.message.matchAll(/\(task ([0-9a-f]{32})\)/g)])
      .map((m) => m[1]);
    const stopped = rollout.stoppedTasks.map((t) => t.taskArn.split('/').pop());
    expect(stopped).toHaveLength(3);
    for (const id of stopped) expect(taskIds).toContain(id);
    expect(rollout.stoppedTasks.every((t) => t.stoppedReason === failure.reason)).toBe(true);
  });

  it('fails with ECS rollback: a new deployment back on the previous task definition', () => {
    const rollout = steady();
    const failure = { reason: 'Essential container in task exited', ecsRollback: true };
    startDeployment(rollout, SERVICE, NEW, { durationMs: 1_000, failure }, T0);
    const { effects } = advance(rollout, T0 + 1_000);
    expect(effects).toEqual([
      {
        account: '222222222222',
        clusterArn: SERVICE.clusterArn,
        serviceName: 'checkout-api',
        taskDefinition: OLD,
      },
    ]);
    expect(states(rollout)).toEqual([
      `PRIMARY:IN_PROGRESS:${OLD}`,
      `ACTIVE:FAILED:${NEW}`,
      `ACTIVE:COMPLETED:${OLD}`,
    ]);
    expect(rollout.events.some((e) => e.message.includes('rolling back to deployment'))).toBe(true);
    advance(rollout, T0 + 2_000);
    expect(states(rollout)).toEqual([`PRIMARY:COMPLETED:${OLD}`]);
  });

  it('moves one transition per look, so a FAILED state is always seen once', () => {
    const rollout = steady();
    const failure = { reason: 'x', ecsRollback: true };
    startDeployment(rollout, SERVICE, NEW, { durationMs: 0, failure }, T0);
    expect(advance(rollout, T0 + 60_000).flips.map((f) => f.state)).toEqual(['FAILED']);
    expect(advance(rollout, T0 + 60_000).flips.map((f) => f.state)).toEqual(['COMPLETED']);
    expect(advance(rollout, T0 + 60_000).flips).toEqual([]);
  });

  it('renders deployments as ECS JSON, timestamps in epoch seconds', () => {
    const rollout = steady();
    startDeployment(rollout, SERVICE, NEW, { durationMs: 5_000 }, T0);
    const rendered = renderService(rollout) as { deployments: Array<Record<string, unknown>> };
    expect(rendered.deployments[0]).toMatchObject({
      status: 'PRIMARY',
      taskDefinition: NEW,
      rolloutState: 'IN_PROGRESS',
      createdAt: T0 / 1000,
      desiredCount: 2,
      pendingCount: 2,
      runningCount: 0,
    });
    expect(renderService(rollout)).toMatchObject({ runningCount: 2, pendingCount: 2 });
  });
});
