import {
  deployServices,
  rollbackServices,
  settleUnfinished,
  type DeployContext,
} from '../../../action/ecs/deploy';
import { overallResult } from '../../../action/ecs/outcome';
import { ActionError } from '../../../action/errors';
import type { DeployRequest } from '../../../action/inputs';
import { captureStdout, type Captured } from '../support/capture';
import { FakeEcs } from '../support/fake-ecs';
import { makeRequest } from '../support/request';

const APP_1 = 'repo/app:1';

let out: Captured;
beforeEach(() => (out = captureStdout()));
afterEach(() => out.restore());

function context(
  ecs: FakeEcs,
  request: Partial<DeployRequest> = {},
  controller = new AbortController(),
) {
  let clock = 0;
  const ctx: DeployContext = {
    request: makeRequest(request),
    gateway: ecs,
    signal: controller.signal,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  };
  return ctx;
}

function oneService(rollout?: Parameters<FakeEcs['addService']>[2]) {
  const ecs = new FakeEcs();
  const arn = ecs.addDefinition('checkout-api', 7, { app: APP_1, envoy: 'envoy:1' }, [
    { key: 'team', value: 'pay' },
  ]);
  ecs.addService('checkout-api', arn, rollout);
  return ecs;
}

async function deploy(ecs: FakeEcs, request: Partial<DeployRequest> = {}) {
  const outcome = settleUnfinished(await deployServices(context(ecs, request)));
  return { ...outcome, result: overallResult(outcome.services, outcome.error) };
}

describe('deployServices: one service', () => {
  it('makes the 5 ECS calls of a good deploy with an already-steady rollout', async () => {
    const ecs = oneService();
    const run = await deploy(ecs);
    expect(ecs.calls).toEqual([
      'DescribeServices checkout-api',
      'DescribeTaskDefinition arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:7',
      'RegisterTaskDefinition checkout-api',
      'UpdateService checkout-api checkout-api:8',
      'DescribeServices checkout-api',
    ]);
    expect(run.result).toBe('deployed');
    expect(run.error).toBeUndefined();
    expect(run.services[0]).toMatchObject({
      previousTaskDefinitionArn:
        'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:7',
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:8',
      deploymentId: expect.stringMatching(/^ecs-svc\//),
      imageChanges: [{ container: 'app', from: APP_1, to: 'repo/app:2' }],
      result: 'deployed',
    });
    expect(ecs.registered[0]).toMatchObject({
      containerDefinitions: [
        { name: 'app', image: 'repo/app:2' },
        { name: 'envoy', image: 'envoy:1' },
      ],
      tags: [{ key: 'team', value: 'pay' }],
    });
    expect(ecs.registered[0]).not.toHaveProperty('revision');
    expect(out.lines).toContain('::group::Wait for deployment');
  });

  it('follows a slow rollout to its end, printing each new event once', async () => {
    const ecs = oneService({ looks: 4, end: 'COMPLETED' });
    const run = await deploy(ecs);
    expect(run.result).toBe('deployed');
    expect(ecs.calls.filter((c) => c.startsWith('DescribeServices'))).toHaveLength(5);
    const events = out.info().filter((l) => l.startsWith('checkout-api: (service'));
    expect(events).toEqual([
      'checkout-api: (service checkout-api) has started 1 tasks: (task t1).',
      'checkout-api: (service checkout-api) has started 1 tasks: (task t2).',
      'checkout-api: (service checkout-api) has started 1 tasks: (task t3).',
      'checkout-api: (service checkout-api) has reached a steady state.',
    ]);
  });

  it('reports unchanged and changes nothing when the image already runs', async () => {
    const ecs = oneService();
    const run = await deploy(ecs, { images: [{ container: 'app', image: APP_1 }] });
    expect(run.result).toBe('unchanged');
    expect(ecs.calls.some((c) => /Register|UpdateService/.test(c))).toBe(false);
  });

  it('with force-new-deployment updates to the same revision', async () => {
    const ecs = oneService();
    const run = await deploy(ecs, {
      images: [{ container: 'app', image: APP_1 }],
      forceNewDeployment: true,
    });
    expect(ecs.calls).toContain('UpdateService checkout-api checkout-api:7 force');
    expect(ecs.calls.some((c) => c.startsWith('Register'))).toBe(false);
    expect(run.result).toBe('deployed');
  });

  it('dry run reads everything, prints only the changed fields, and changes nothing', async () => {
    const ecs = oneService();
    const run = await deploy(ecs, { dryRun: true });
    expect(run.result).toBe('dry-run');
    expect(ecs.calls).toEqual([
      'DescribeServices checkout-api',
      'DescribeTaskDefinition arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:7',
    ]);
    expect(out.info()).toEqual(
      expect.arrayContaining([
        'checkout-api: would change 1 field(s):',
        '  containerDefinitions[app].image: "repo/app:1" -> "repo/app:2"',
      ]),
    );
    expect(run.services[0]!.changedFields).toHaveLength(1);
  });

  it('does not wait when wait is false', async () => {
    const ecs = oneService({ looks: 99, end: 'NEVER' });
    const run = await deploy(ecs, { wait: false });
    expect(run.result).toBe('deployed');
    expect(ecs.calls.filter((c) => c.startsWith('DescribeServices'))).toHaveLength(1);
  });

  it('deploys an existing task definition ARN as it is, and calls it unchanged when it already runs', async () => {
    const ecs = oneService();
    const target = ecs.addDefinition('checkout-api', 8, { app: 'repo/app:9' });
    const run = await deploy(ecs, {
      images: [],
      taskDefinition: { kind: 'arn', taskDefinitionArn: target },
    });
    expect(run.result).toBe('deployed');
    expect(ecs.calls.some((c) => /Register|DescribeTaskDefinition/.test(c))).toBe(false);
    const again = await deploy(ecs, {
      images: [],
      taskDefinition: { kind: 'arn', taskDefinitionArn: target },
    });
    expect(again.result).toBe('unchanged');
  });

  it('registers a task definition file when it differs from the running one', async () => {
    const ecs = oneService();
    const document = {
      family: 'checkout-api',
      containerDefinitions: [{ name: 'app', image: 'repo/app:3' }],
    };
    const run = await deploy(ecs, {
      images: [],
      taskDefinition: { kind: 'file', path: 'td.json', document },
    });
    expect(run.result).toBe('deployed');
    expect(ecs.registered).toEqual([document]);
  });
});

describe('deployServices: failures', () => {
  it('fails at once on FAILED, quoting the reason, events and stopped tasks, and rolls back', async () => {
    const stoppedTask = {
      taskId: 'abc123',
      reason: 'Essential container in task exited; app: exit code 1',
    };
    const ecs = oneService({
      looks: 2,
      end: 'FAILED',
      reason: 'tasks failed to start.',
      stoppedTask,
    });
    const run = await deploy(ecs);
    expect(run.result).toBe('rolled-back');
    expect(run.error?.code).toBe('DEPLOYMENT_FAILED');
    expect(run.error?.message).toContain('ECS deployment circuit breaker: tasks failed to start.');
    expect(run.error?.message).toContain('(service checkout-api) (task abc123) failed to start.');
    expect(run.error?.message).toContain(
      '  - abc123: Essential container in task exited; app: exit code 1',
    );
    expect(ecs.calls.slice(-3)).toEqual([
      'DescribeServices checkout-api',
      'DescribeTasks abc123,t1',
      'UpdateService checkout-api checkout-api:7',
    ]);
    expect(run.services[0]!.result).toBe('rolled-back');
  });

  it('reports ECS own rollback without rolling back again', async () => {
    const ecs = oneService({ looks: 1, end: 'FAILED_ECS_ROLLBACK' });
    const run = await deploy(ecs);
    expect(run.result).toBe('rolled-back');
    expect(run.error?.message).toMatch(
      /^ECS rolled the deployment back to the previous task definition/,
    );
    expect(ecs.calls.filter((c) => c.startsWith('UpdateService'))).toHaveLength(1);
  });

  it('without rollback a failure stays failed', async () => {
    const ecs = oneService({ looks: 1, end: 'FAILED' });
    const run = await deploy(ecs, { rollback: false });
    expect(run.result).toBe('failed');
    expect(ecs.calls.filter((c) => c.startsWith('UpdateService'))).toHaveLength(1);
  });

  it('ends the wait on a failed re-chain and still rolls back, keeping the re-chain code', async () => {
    const ecs = oneService({ looks: 3, end: 'COMPLETED' });
    const failure = new ActionError({ code: 'OIDC_TOKEN_FAILED', message: 'no token' });
    const describe = ecs.describeServices.bind(ecs);
    jest
      .spyOn(ecs, 'describeServices')
      .mockImplementationOnce(describe)
      .mockRejectedValueOnce(failure);
    const run = await deploy(ecs);
    expect(run.error).toBe(failure);
    expect(run.result).toBe('rolled-back');
    expect(ecs.calls.slice(-1)).toEqual(['UpdateService checkout-api checkout-api:7']);
  });

  it('says so when a failed re-chain leaves no credentials for the rollback', async () => {
    const ecs = oneService({ looks: 3, end: 'COMPLETED' });
    const failure = new ActionError({ code: 'OIDC_TOKEN_FAILED', message: 'No token.' });
    const expired = new ActionError({ code: 'CREDENTIALS_EXPIRED', message: 'Expired.' });
    const update = ecs.updateService.bind(ecs);
    const describe = ecs.describeServices.bind(ecs);
    jest
      .spyOn(ecs, 'describeServices')
      .mockImplementationOnce(describe)
      .mockRejectedValueOnce(failure);
    jest.spyOn(ecs, 'updateService').mockImplementationOnce(update).mockRejectedValueOnce(expired);
    const run = await deploy(ecs);
    expect(run.error?.code).toBe('OIDC_TOKEN_FAILED');
    expect(run.error?.message).toBe(
      'No token. The rollback could not run: Pointing checkout-api back at ' +
        'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:7 failed: Expired.',
    );
    expect(run.error?.hint).toMatch(/^Run: aws ecs update-service --cluster /);
    expect(run.result).toBe('failed');
    expect(run.services[0]).toMatchObject({
      result: 'failed',
      detail: 'Rollback failed: Expired.',
    });
  });

  it('names a revision a lost register answer left behind, on its service and in a warning', async () => {
    const ecs = oneService();
    const late = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:9';
    ecs.late = [late];
    const run = await deploy(ecs);
    expect(run.result).toBe('deployed');
    expect(run.services[0]!.unusedRevisions).toEqual([late]);
    const warning = `::warning::RegisterTaskDefinition also registered ${late}: a request whose`;
    expect(out.lines.filter((l) => l.startsWith(warning))).toHaveLength(1);
  });

  it('times out after wait-timeout and rolls back', async () => {
    const ecs = oneService({ looks: 1, end: 'NEVER' });
    const run = await deploy(ecs, { waitTimeoutMs: 5_000 });
    expect(run.error?.code).toBe('DEPLOYMENT_TIMED_OUT');
    expect(run.result).toBe('rolled-back');
    expect(ecs.calls.filter((c) => c.startsWith('DescribeServices'))).toHaveLength(7);
  });

  it('fails clearly when the service is gone, and does not roll back a deleted service', async () => {
    const ecs = oneService({ looks: 1, end: 'DELETED' });
    const run = await deploy(ecs);
    expect(run.error?.code).toBe('SERVICE_INACTIVE');
    expect(ecs.calls.filter((c) => c.startsWith('UpdateService'))).toHaveLength(1);
    const missing = await deploy(ecs, { services: ['nope'] });
    expect(missing.error?.code).toBe('SERVICE_NOT_FOUND');
    expect(missing.error?.message).toMatch(/nope not found in cluster checkout/);
  });

  it('refuses an inactive service before changing anything', async () => {
    const ecs = oneService();
    ecs.services.get('checkout-api')!.status = 'DRAINING';
    const run = await deploy(ecs);
    expect(run.error?.code).toBe('SERVICE_INACTIVE');
    expect(run.result).toBe('failed');
  });

  it('rolls back when following fails for good (e.g. DescribeServices denied)', async () => {
    const ecs = oneService({ looks: 99, end: 'NEVER' });
    const ctx = context(ecs);
    let looks = 0;
    const describe = ecs.describeServices.bind(ecs);
    ctx.gateway = Object.assign(Object.create(ecs) as FakeEcs, {
      describeServices: async (c: string, s: string[]) => {
        if (++looks === 2) throw new ActionError({ code: 'ECS_ACCESS_DENIED', message: 'denied' });
        return describe(c, s);
      },
    });
    const outcome = settleUnfinished(await deployServices(ctx));
    expect(outcome.error?.code).toBe('ECS_ACCESS_DENIED');
    expect(outcome.services[0]!.result).toBe('rolled-back');
    expect(ecs.calls.slice(-1)).toEqual(['UpdateService checkout-api checkout-api:7']);
  });

  it('stops when cancelled before any change', async () => {
    const ecs = oneService();
    const controller = new AbortController();
    controller.abort();
    const outcome = settleUnfinished(await deployServices(context(ecs, {}, controller)));
    expect(outcome.error?.code).toBe('CANCELLED');
    expect(ecs.calls.some((c) => c.startsWith('UpdateService'))).toBe(false);
  });

  it('on cancel during the wait, rolls back what this run changed', async () => {
    const ecs = oneService({ looks: 99, end: 'NEVER' });
    const controller = new AbortController();
    const ctx = context(ecs, {}, controller);
    let looks = 0;
    const describe = ecs.describeServices.bind(ecs);
    ctx.gateway = Object.assign(Object.create(ecs) as FakeEcs, {
      describeServices: async (c: string, s: string[]) => {
        if (++looks === 3) controller.abort();
        return describe(c, s);
      },
    });
    const outcome = settleUnfinished(await deployServices(ctx));
    expect(outcome.error?.code).toBe('CANCELLED');
    expect(outcome.services[0]!.result).toBe('rolled-back');
    expect(ecs.calls.slice(-1)).toEqual(['UpdateService checkout-api checkout-api:7']);
  });
});

describe('deployServices: several services', () => {
  function twoFamilies(workerRollout?: Parameters<FakeEcs['addService']>[2]) {
    const ecs = new FakeEcs();
    const api = ecs.addDefinition('checkout-api', 7, { app: APP_1 });
    ecs.addDefinition('checkout-api', 8, { app: APP_1 });
    const api8 = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:8';
    const worker = ecs.addDefinition('checkout-worker', 3, { app: APP_1, sidecar: 's:1' });
    ecs.addService('checkout-api', api);
    ecs.addService('checkout-api-canary', api8);
    ecs.addService('checkout-worker', worker, workerRollout);
    return ecs;
  }

  it('registers one revision per family, updates in parallel, and follows with one call', async () => {
    const ecs = twoFamilies();
    const run = await deploy(ecs, {
      services: ['checkout-api', 'checkout-api-canary', 'checkout-worker'],
    });
    expect(run.result).toBe('deployed');
    expect(ecs.calls.filter((c) => c.startsWith('RegisterTaskDefinition')).sort()).toEqual([
      'RegisterTaskDefinition checkout-api',
      'RegisterTaskDefinition checkout-worker',
    ]);
    expect(ecs.calls.filter((c) => c.startsWith('DescribeTaskDefinition')).sort()).toEqual([
      'DescribeTaskDefinition arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:8',
      'DescribeTaskDefinition arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-worker:3',
    ]);
    expect(run.services.map((s) => s.taskDefinitionArn.split('/').pop())).toEqual([
      'checkout-api:9',
      'checkout-api:9',
      'checkout-worker:4',
    ]);
    expect(ecs.calls.filter((c) => c.startsWith('DescribeServices'))).toEqual([
      'DescribeServices checkout-api,checkout-api-canary,checkout-worker',
      'DescribeServices checkout-api,checkout-api-canary,checkout-worker',
    ]);
  });

  it("sends each family's first request on its own turn of the event loop", async () => {
    // Started in one turn, SDK calls interleave their preparation and none leaves early.
    const ecs = twoFamilies();
    const turns: boolean[] = [];
    let turned = false;
    const describe = ecs.describeTaskDefinition.bind(ecs);
    ecs.describeTaskDefinition = (arn: string) => {
      turns.push(turned);
      turned = false;
      setImmediate(() => (turned = true));
      return describe(arn);
    };
    const run = await deploy(ecs, { services: ['checkout-api', 'checkout-worker'] });
    expect(run.result).toBe('deployed');
    expect(turns).toEqual([false, true]);
  });

  it('reports a family that fails while later families are still being started', async () => {
    const ecs = twoFamilies();
    const describe = ecs.describeTaskDefinition.bind(ecs);
    ecs.describeTaskDefinition = (arn: string) =>
      arn.includes('checkout-api')
        ? Promise.reject(new ActionError({ code: 'ECS_ACCESS_DENIED', message: 'denied' }))
        : describe(arn);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const run = await deploy(ecs, { services: ['checkout-api', 'checkout-worker'] });
      expect(run.error?.message).toBe('denied');
      expect(run.services.map((s) => s.result)).toEqual(['failed', 'rolled-back']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('rolls every changed service back when one fails (all or nothing)', async () => {
    const ecs = twoFamilies({ looks: 2, end: 'FAILED' });
    const run = await deploy(ecs, { services: ['checkout-api', 'checkout-worker'] });
    expect(run.result).toBe('rolled-back');
    expect(run.services.map((s) => s.result)).toEqual(['rolled-back', 'rolled-back']);
    expect(
      ecs.calls
        .filter((c) => c.startsWith('UpdateService'))
        .slice(-2)
        .sort(),
    ).toEqual([
      'UpdateService checkout-api checkout-api:7',
      'UpdateService checkout-worker checkout-worker:3',
    ]);
  });

  it('rolls back the services already updated when another update fails', async () => {
    const ecs = twoFamilies();
    ecs.failUpdateOf = 'checkout-worker';
    const run = await deploy(ecs, { services: ['checkout-api', 'checkout-worker'] });
    expect(run.error?.message).toBe('UpdateService checkout-worker denied');
    expect(run.services.map((s) => s.result)).toEqual(['rolled-back', 'failed']);
    expect(ecs.calls).toContain('UpdateService checkout-api checkout-api:7');
  });

  it('rolls back the families already updated when another family cannot register', async () => {
    const ecs = twoFamilies();
    ecs.failRegisterOf = 'checkout-worker';
    const run = await deploy(ecs, { services: ['checkout-api', 'checkout-worker'] });
    expect(run.error?.message).toBe('Register checkout-worker denied');
    expect(run.services.map((s) => s.result)).toEqual(['rolled-back', 'failed']);
    expect(ecs.calls.filter((c) => c.startsWith('UpdateService'))).toEqual([
      'UpdateService checkout-api checkout-api:9',
      'UpdateService checkout-api checkout-api:7',
    ]);
    expect(run.result).toBe('rolled-back');
  });

  it('calls a service of an unchanged family unchanged while another family deploys', async () => {
    const ecs = twoFamilies();
    const run = await deploy(ecs, {
      services: ['checkout-api', 'checkout-worker'],
      images: [{ container: 'sidecar', image: 's:1' }],
    });
    expect(run.error?.code).toBe('INPUT_INVALID');
    expect(run.services.map((s) => s.result)).toEqual(['failed', 'unchanged']);
    expect(ecs.calls.some((c) => c.startsWith('UpdateService'))).toBe(false);
  });

  it('reports a failed rollback', async () => {
    const ecs = oneService();
    const ctx = context(ecs);
    const [service] = (await deployServices(ctx)).services;
    ecs.failUpdateOf = 'checkout-api';
    const error = await rollbackServices(ctx, [service!]);
    expect(error?.code).toBe('ROLLBACK_FAILED');
    expect(error?.hint).toMatch(
      /aws ecs update-service --cluster checkout --service checkout-api --task-definition .*:7$/,
    );
    expect(service!.result).toBe('failed');
  });
});
