/** Rollouts that fail or take a while, followed to their end by the bundled action. */
import { startSandbox, type Sandbox } from '../../sandbox';
import type { ActionRun } from '../../sandbox/run-action';
import { deploy, E2E_TIMEOUT_MS } from './helpers';

jest.setTimeout(E2E_TIMEOUT_MS);

const REASON = 'CannotPullContainerError: registry.example/checkout-api:broken: not found';

describe('a rollout the circuit breaker fails', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  describe('with ECS rolling back by itself', () => {
    let run: ActionRun;
    let previous: string;

    beforeAll(async () => {
      previous = (await sandbox.inspect.service('checkout-api'))?.taskDefinition ?? '';
      sandbox.faults.failNextDeployment({ service: 'checkout-api', reason: REASON });
      run = await deploy(sandbox, { images: 'app=registry.example/checkout-api:broken' });
    });

    it('fails the step with result rolled-back and the circuit breaker reason', () => {
      expect(run.exitCode).toBe(1);
      expect(run.outputs.result).toBe('rolled-back');
      expect(run.log).toContain('ECS deployment circuit breaker: tasks failed to start.');
      expect(run.log).toContain('rolled');
    });

    it('leaves the service on its previous task definition, rolled back by ECS', async () => {
      const service = await sandbox.inspect.service('checkout-api');
      expect(service?.taskDefinition).toBe(previous);
      const updates = sandbox.inspect.calls().filter((c) => c.operation === 'UpdateService');
      expect(updates).toHaveLength(1);
      const flips = sandbox.inspect.rolloutFlips();
      expect(flips.map((f) => [f.state, f.taskDefinition === previous])).toEqual([
        ['FAILED', false],
        ['COMPLETED', true],
      ]);
    });
  });

  describe('with the action rolling back', () => {
    let run: ActionRun;
    let previous: string;
    let callsBefore: number;

    beforeAll(async () => {
      previous = (await sandbox.inspect.service('checkout-worker'))?.taskDefinition ?? '';
      callsBefore = sandbox.inspect.calls().length;
      sandbox.faults.failNextDeployment({
        service: 'checkout-worker',
        reason: REASON,
        ecsRollback: false,
      });
      run = await deploy(sandbox, {
        service: 'checkout-worker',
        images: 'app=registry.example/checkout-api:broken',
      });
    });

    it('reports the reason and the stopped tasks', () => {
      expect(run.exitCode).toBe(1);
      expect(run.outputs.result).toBe('rolled-back');
      expect(run.log).toContain('ECS deployment circuit breaker: tasks failed to start.');
      expect(run.log).toContain(REASON);
      const describeTasks = sandbox.inspect
        .calls()
        .slice(callsBefore)
        .filter((c) => c.operation === 'DescribeTasks');
      expect(describeTasks.length).toBeGreaterThan(0);
    });

    it('points the service back at its previous task definition itself', async () => {
      const service = await sandbox.inspect.service('checkout-worker');
      expect(service?.taskDefinition).toBe(previous);
      const updates = sandbox.inspect
        .calls()
        .slice(callsBefore)
        .filter((c) => c.operation === 'UpdateService');
      expect(updates).toHaveLength(2);
    });
  });
});

describe('a slow rollout', () => {
  const ROLLOUT_MS = 3_000;
  let sandbox: Sandbox;
  let run: ActionRun;

  beforeAll(async () => {
    sandbox = await startSandbox({ rolloutMs: ROLLOUT_MS });
    run = await deploy(sandbox, { images: 'app=registry.example/checkout-api:2.0.0' });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('is followed to its end and reported deployed', async () => {
    expect(run.exitCode).toBe(0);
    expect(run.outputs.result).toBe('deployed');
    const service = await sandbox.inspect.service('checkout-api');
    expect(service?.taskDefinition).toBe(run.outputs['task-definition-arn']);
    expect(service?.deployments).toHaveLength(1);
  });

  it('polled while the deployment was in progress and stopped once it completed', () => {
    const [flip] = sandbox.inspect.rolloutFlips();
    expect(flip?.state).toBe('COMPLETED');
    const polls = sandbox.inspect.calls().filter((c) => c.operation === 'DescribeServices');
    const during = polls.filter((c) => c.at < (flip?.at ?? 0));
    const after = polls.filter((c) => c.at >= (flip?.at ?? 0));
    expect(during.length).toBeGreaterThan(1);
    expect(after).toHaveLength(1);
  });

  it('showed the service events as they arrived', () => {
    expect(run.log).toContain('has started 2 tasks');
    expect(run.log).toContain('has reached a steady state.');
  });
});
