import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { loadAwsSdk } from '../../../action/aws/sdk';
import { createEcsGateway, ecsError, EcsGateway } from '../../../action/ecs/gateway';
import { ActionError } from '../../../action/errors';
import { captureStdout, type Captured } from '../support/capture';

const ecs = mockClient(ECSClient);
const FAST = { sleep: async () => undefined, random: () => 0 };
const credentials = async () => ({ accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'ST' });

function ecsFailure(name: string, status: number): Error {
  return Object.assign(new Error(`${name}!`), {
    name,
    $metadata: { httpStatusCode: status, requestId: 'r-1' },
  });
}

let out: Captured;
beforeEach(() => {
  ecs.reset();
  out = captureStdout();
});
afterEach(() => out.restore());

function gateway(refresh?: (reason: string) => Promise<void>) {
  return createEcsGateway('eu-west-1', credentials, refresh, FAST);
}

describe('EcsGateway', () => {
  it('describes services 10 a call and sorts found and missing by the names asked', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `svc-${i}`);
    ecs.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
      services: input.services
        .filter((s) => s !== 'svc-22')
        .map((s) => s.split('/').pop()!)
        .map((s) => ({
          serviceName: s,
          serviceArn: `arn:aws:ecs:eu-west-1:2:service/checkout/${s}`,
        })),
      failures: [],
    }));
    const answer = await (
      await gateway()
    ).describeServices('checkout', [
      ...names.slice(0, 21),
      'arn:aws:ecs:eu-west-1:2:service/checkout/svc-21',
      'svc-22',
    ]);
    const batches = ecs
      .commandCalls(DescribeServicesCommand)
      .map((c) => c.args[0].input.services!.length);
    expect(batches).toEqual([10, 10, 3]);
    expect(answer.services.size).toBe(22);
    expect(
      answer.services.get('arn:aws:ecs:eu-west-1:2:service/checkout/svc-21')?.serviceName,
    ).toBe('svc-21');
    expect(answer.missing).toEqual(['svc-22']);
  });

  it('reads a task definition with its tags', async () => {
    ecs
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: { family: 'f' }, tags: [{ key: 'k', value: 'v' }] });
    await expect((await gateway()).describeTaskDefinition('f:1')).resolves.toEqual({
      definition: { family: 'f' },
      tags: [{ key: 'k', value: 'v' }],
    });
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]!.args[0].input).toEqual({
      taskDefinition: 'f:1',
      include: ['TAGS'],
    });
    ecs.on(DescribeTaskDefinitionCommand).resolves({});
    await expect((await gateway()).describeTaskDefinition('f:1')).rejects.toMatchObject({
      code: 'TASK_DEFINITION_NOT_FOUND',
    });
  });

  it('registers and updates', async () => {
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: 'arn:f:2' } });
    ecs.on(UpdateServiceCommand).resolves({ service: { serviceName: 's' } });
    await expect(
      (await gateway()).registerTaskDefinition({ family: 'f', containerDefinitions: [] }),
    ).resolves.toBe('arn:f:2');
    await expect((await gateway()).updateService('c', 's', 'arn:f:2', true)).resolves.toEqual({
      serviceName: 's',
    });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({
      cluster: 'c',
      service: 's',
      taskDefinition: 'arn:f:2',
      forceNewDeployment: true,
    });
    ecs.on(RegisterTaskDefinitionCommand).resolves({});
    await expect(
      (await gateway()).registerTaskDefinition({ family: 'f', containerDefinitions: [] }),
    ).rejects.toBeInstanceOf(ActionError);
  });

  it('reads stopped tasks with their container reasons, and skips the call with no ids', async () => {
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:aws:ecs:eu-west-1:2:task/checkout/abc',
          stoppedReason: 'Essential container exited',
          containers: [{ reason: 'OOM' }, {}],
        },
        { taskArn: 'arn:aws:ecs:eu-west-1:2:task/checkout/def' },
      ],
    });
    await expect((await gateway()).stoppedTasks('checkout', ['abc', 'def'])).resolves.toEqual([
      { taskId: 'abc', reason: 'Essential container exited; OOM' },
    ]);
    await expect((await gateway()).stoppedTasks('checkout', [])).resolves.toEqual([]);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(1);
  });

  it('retries throttling, refreshes on an expired token, and never retries access denied', async () => {
    ecs
      .on(UpdateServiceCommand)
      .rejectsOnce(ecsFailure('ThrottlingException', 400))
      .rejectsOnce(ecsFailure('ExpiredTokenException', 400))
      .resolves({ service: {} });
    const refresh = jest.fn(async () => undefined);
    await (await gateway(refresh)).updateService('c', 's', 'td', false);
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(3);
    expect(refresh).toHaveBeenCalledWith('UpdateService answered ExpiredTokenException');
    ecs.on(UpdateServiceCommand).rejects(ecsFailure('AccessDeniedException', 400));
    const denied = await (
      await gateway()
    )
      .updateService('c', 's', 'td', false)
      .catch((e: unknown) => e);
    expect(denied).toMatchObject({
      code: 'ECS_ACCESS_DENIED',
      hint: "Allow the deploy role (the last role of 'role-chain') ecs:UpdateService on this resource.",
    });
    expect((denied as ActionError).aws?.requestId).toBe('r-1');
  });
});

describe('EcsGateway.registerTaskDefinition after an answer that was lost', () => {
  const WANTED = {
    family: 'checkout-api',
    containerDefinitions: [{ name: 'app', image: 'repo/app:2' }],
    tags: [{ key: 'team', value: 'pay' }],
  };
  const LANDED = {
    ...WANTED,
    taskDefinitionArn: 'arn:td/checkout-api:8',
    revision: 8,
    status: 'ACTIVE' as const,
    tags: undefined,
  };
  const OLDER = {
    ...LANDED,
    taskDefinitionArn: 'arn:td/checkout-api:7',
    revision: 7,
    containerDefinitions: [{ name: 'app', image: 'repo/app:1' }],
  };

  it('adopts the revision a timed-out register made instead of registering another', async () => {
    ecs.on(RegisterTaskDefinitionCommand).rejects(ecsFailure('TimeoutError', 500));
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: LANDED });
    await expect((await gateway()).registerTaskDefinition(WANTED)).resolves.toBe(
      'arn:td/checkout-api:8',
    );
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(1);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)[0]!.args[0].input).toEqual({
      taskDefinition: 'checkout-api',
    });
    expect(out.info()).toContain(
      'RegisterTaskDefinition (family checkout-api) lost its answer, but had registered ' +
        'arn:td/checkout-api:8; using that revision.',
    );
  });

  it('registers again when the latest revision is not the one asked for', async () => {
    ecs
      .on(RegisterTaskDefinitionCommand)
      .rejectsOnce(ecsFailure('ServerException', 500))
      .resolves({ taskDefinition: { taskDefinitionArn: 'arn:td/checkout-api:8' } });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: OLDER });
    await expect((await gateway()).registerTaskDefinition(WANTED)).resolves.toBe(
      'arn:td/checkout-api:8',
    );
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(2);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(1);
  });

  it('re-sends a register of a family ECS cannot describe yet, and retries a failed look', async () => {
    ecs
      .on(RegisterTaskDefinitionCommand)
      .rejectsOnce(ecsFailure('TimeoutError', 500))
      .resolves({ taskDefinition: { taskDefinitionArn: 'arn:td/checkout-api:1' } });
    ecs
      .on(DescribeTaskDefinitionCommand)
      .rejectsOnce(ecsFailure('ServerException', 500))
      .rejects(ecsFailure('ClientException', 400));
    await expect((await gateway()).registerTaskDefinition(WANTED)).resolves.toBe(
      'arn:td/checkout-api:1',
    );
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(2);
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(2);
  });

  it('names the revision a lost register made when it landed after the one re-sent', async () => {
    ecs
      .on(RegisterTaskDefinitionCommand)
      .rejectsOnce(ecsFailure('TimeoutError', 500))
      .resolves({ taskDefinition: { taskDefinitionArn: 'arn:td/checkout-api:8' } });
    ecs.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: OLDER });
    const ecsGateway = await gateway();
    await ecsGateway.registerTaskDefinition(WANTED);
    const late = { ...LANDED, taskDefinitionArn: 'arn:td/checkout-api:9', revision: 9 };
    ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: 'checkout-api:9' }).resolves({
      taskDefinition: late,
    });
    await expect(ecsGateway.lateRegistrations()).resolves.toEqual(['arn:td/checkout-api:9']);
    ecs
      .on(DescribeTaskDefinitionCommand, { taskDefinition: 'checkout-api:9' })
      .rejects(ecsFailure('ClientException', 400));
    await expect(ecsGateway.lateRegistrations()).resolves.toEqual([]);
  });

  it('looks for no late revision when no register lost its answer', async () => {
    ecs
      .on(RegisterTaskDefinitionCommand)
      .resolves({ taskDefinition: { taskDefinitionArn: 'arn:td/checkout-api:8' } });
    const ecsGateway = await gateway();
    await ecsGateway.registerTaskDefinition(WANTED);
    await expect(ecsGateway.lateRegistrations()).resolves.toEqual([]);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
  });

  it('re-sends a throttled register without looking: throttled requests are not processed', async () => {
    ecs
      .on(RegisterTaskDefinitionCommand)
      .rejectsOnce(ecsFailure('ThrottlingException', 400))
      .resolves({ taskDefinition: { taskDefinitionArn: 'arn:td/checkout-api:8' } });
    await expect((await gateway()).registerTaskDefinition(WANTED)).resolves.toBe(
      'arn:td/checkout-api:8',
    );
    expect(ecs.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(2);
    expect(ecs.commandCalls(DescribeTaskDefinitionCommand)).toHaveLength(0);
  });
});

describe('EcsGateway credentials', () => {
  it('passes on the error of a failed re-chain as it is', async () => {
    const client = {
      send: async () => {
        throw new ActionError({ code: 'OIDC_TOKEN_FAILED', message: 'no token' });
      },
    } as unknown as ECSClient;
    const gw = new EcsGateway((await loadAwsSdk()).ecs, client, undefined, FAST);
    await expect(gw.describeServices('c', ['s'])).rejects.toMatchObject({
      code: 'OIDC_TOKEN_FAILED',
    });
  });
});

describe('ecsError', () => {
  it.each([
    [ecsFailure('SyntaxError', 403), 'ECS_ACCESS_DENIED'],
    [ecsFailure('ServiceNotFoundException', 400), 'SERVICE_NOT_FOUND'],
    [ecsFailure('ClusterNotFoundException', 400), 'SERVICE_NOT_FOUND'],
    [ecsFailure('ServiceNotActiveException', 400), 'SERVICE_INACTIVE'],
    [ecsFailure('ServerException', 500), 'AWS_UNAVAILABLE'],
    [ecsFailure('ClientException', 400), 'ECS_REQUEST_FAILED'],
    [ecsFailure('ExpiredTokenException', 400), 'CREDENTIALS_EXPIRED'],
  ])('%s -> %s', (error, code) => {
    expect(ecsError('DescribeServices', 'cluster c', error).code).toBe(code);
  });

  it('calls a ClientException of DescribeTaskDefinition a missing task definition', () => {
    const error = ecsError('DescribeTaskDefinition', 'f:1', ecsFailure('ClientException', 400));
    expect(error.code).toBe('TASK_DEFINITION_NOT_FOUND');
  });

  it('asks for iam:PassRole too when registering is denied', () => {
    expect(
      ecsError('RegisterTaskDefinition', 'family f', ecsFailure('AccessDeniedException', 400)).hint,
    ).toMatch(/iam:PassRole/);
  });
});
