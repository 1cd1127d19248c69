import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../action/main';
import { captureStdout, type Captured } from './support/capture';
import { jwt } from './support/jwt';
import { startTokenServer, type TokenServer } from './support/token-server';
import { DEPLOY, TOOLING } from './support/request';

const sts = mockClient(STSClient);
const ecs = mockClient(ECSClient);
const TOKEN = jwt({
  sub: 'repo:octo-org/checkout-api:environment:production',
  aud: 'sts.amazonaws.com',
});
const OLD = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:7';
const NEW = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:8';
const SECRETS = [
  TOKEN,
  'runner-bearer',
  'ASIAHOP1',
  'hop1-secret',
  'hop1-token',
  'ASIAHOP2',
  'hop2-secret',
  'hop2-token',
];

let out: Captured;
let dir: string;
let tokens: TokenServer;
const saved = { ...process.env };
const log: string[] = [];

function hop(n: number, account: string, role: string) {
  return {
    Credentials: {
      AccessKeyId: `ASIAHOP${n}`,
      SecretAccessKey: `hop${n}-secret`,
      SessionToken: `hop${n}-token`,
      Expiration: new Date(Date.now() + 3_600_000),
    },
    AssumedRoleUser: {
      Arn: `arn:aws:sts::${account}:assumed-role/${role}/gh-checkout-api-42-1`,
      AssumedRoleId: 'x',
    },
  };
}

function service(taskDefinition: string, deployments: object[]) {
  return { serviceName: 'checkout-api', status: 'ACTIVE', taskDefinition, deployments, events: [] };
}

function setInputs(inputs: Record<string, string>) {
  for (const [name, value] of Object.entries(inputs))
    process.env[`INPUT_${name.toUpperCase()}`] = value;
}

beforeAll(async () => {
  tokens = await startTokenServer(TOKEN, () => log.push('GetIDToken'));
});
afterAll(() => tokens.close());

beforeEach(() => {
  sts.reset();
  ecs.reset();
  log.length = 0;
  out = captureStdout();
  dir = mkdtempSync(join(tmpdir(), 'action-main-'));
  for (const file of ['output', 'env', 'summary']) writeFileSync(join(dir, file), '');
  Object.assign(process.env, {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_REPOSITORY: 'octo-org/checkout-api',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: '1',
    ACTIONS_ID_TOKEN_REQUEST_URL: `${tokens.url}?v=1`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-bearer',
  });
  setInputs({
    'role-chain': `${TOOLING}\n${DEPLOY}`,
    'aws-region': 'eu-west-1',
    cluster: 'checkout',
    service: 'checkout-api',
    images: 'app=repo/app:2',
  });
  sts
    .on(AssumeRoleWithWebIdentityCommand)
    .callsFake(
      () => (log.push('AssumeRoleWithWebIdentity'), hop(1, '111111111111', 'github-ecs-tooling')),
    );
  sts
    .on(AssumeRoleCommand)
    .callsFake(() => (log.push('AssumeRole'), hop(2, '222222222222', 'github-ecs-deploy')));
  let looks = 0;
  ecs.on(DescribeServicesCommand).callsFake(() => {
    log.push('DescribeServices');
    const first = looks++ === 0;
    return {
      services: [
        first
          ? service(OLD, [
              {
                id: 'ecs-svc/1',
                status: 'PRIMARY',
                taskDefinition: OLD,
                rolloutState: 'COMPLETED',
              },
            ])
          : service(NEW, [
              {
                id: 'ecs-svc/2',
                status: 'PRIMARY',
                taskDefinition: NEW,
                rolloutState: 'COMPLETED',
              },
            ]),
      ],
    };
  });
  ecs.on(DescribeTaskDefinitionCommand).callsFake(
    () => (
      log.push('DescribeTaskDefinition'),
      {
        taskDefinition: {
          taskDefinitionArn: OLD,
          family: 'checkout-api',
          revision: 7,
          containerDefinitions: [
            { name: 'app', image: 'repo/app:1' },
            { name: 'envoy', image: 'envoy:1' },
          ],
        },
        tags: [],
      }
    ),
  );
  ecs
    .on(RegisterTaskDefinitionCommand)
    .callsFake(
      () => (log.push('RegisterTaskDefinition'), { taskDefinition: { taskDefinitionArn: NEW } }),
    );
  ecs.on(UpdateServiceCommand).callsFake(
    () => (
      log.push('UpdateService'),
      {
        service: service(NEW, [
          {
            id: 'ecs-svc/2',
            status: 'PRIMARY',
            taskDefinition: NEW,
            rolloutState: 'IN_PROGRESS',
          },
        ]),
      }
    ),
  );
});

afterEach(() => {
  out.restore();
  process.env = { ...saved };
  process.exitCode = undefined;
});

function outputs(): Record<string, string> {
  const text = readFileSync(join(dir, 'output'), 'utf8');
  const values: Record<string, string> = {};
  for (const match of text.matchAll(/^(.+?)<<(.+)\n([\s\S]*?)\n\2$/gm))
    values[match[1]!] = match[3]!;
  return values;
}

function cleartextSecrets(): string[] {
  const visible =
    out.lines.filter((l) => !l.startsWith('::add-mask::')).join('\n') +
    readFileSync(join(dir, 'summary'), 'utf8') +
    readFileSync(join(dir, 'output'), 'utf8');
  return SECRETS.filter((s) => visible.includes(s));
}

describe('main', () => {
  it('deploys with exactly 7 AWS calls, writes outputs and summary, and leaks nothing', async () => {
    await main();
    expect(log).toEqual([
      'GetIDToken',
      'AssumeRoleWithWebIdentity',
      'AssumeRole',
      'DescribeServices',
      'DescribeTaskDefinition',
      'RegisterTaskDefinition',
      'UpdateService',
      'DescribeServices',
    ]);
    expect(process.exitCode).toBeUndefined();
    const ecsClient = ecs.call(0).thisValue as ECSClient;
    await expect(ecsClient.config.credentials()).resolves.toMatchObject({
      accessKeyId: 'ASIAHOP2',
      sessionToken: 'hop2-token',
    });
    expect(outputs()).toMatchObject({
      'task-definition-arn': NEW,
      'previous-task-definition-arn': OLD,
      'deployment-id': 'ecs-svc/2',
      'aws-account-id': '222222222222',
      'role-arn': 'arn:aws:sts::222222222222:assumed-role/github-ecs-deploy/gh-checkout-api-42-1',
      result: 'deployed',
    });
    expect(readFileSync(join(dir, 'summary'), 'utf8')).toContain(
      '<td>checkout-api:7</td><td>checkout-api:8</td><td>app: repo/app:2</td>',
    );
    expect(readFileSync(join(dir, 'env'), 'utf8')).toBe('');
    expect(cleartextSecrets()).toEqual([]);
    expect(out.lines).toContain('Result: deployed (checkout-api: deployed)');
  });

  it('fails bad input before any AWS call', async () => {
    setInputs({ images: 'app' });
    await main();
    expect(log).toEqual([]);
    expect(process.exitCode).toBe(1);
    expect(out.lines.find((l) => l.startsWith('::error::'))).toMatch(
      /^::error::\[INPUT_INVALID\] Input 'images': each line must be container=image/,
    );
    expect(outputs()).toEqual({ result: 'failed' });
  });

  it('fails without an OIDC token before any AWS call, saying how to get one', async () => {
    delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
    await main();
    expect(log).toEqual([]);
    expect(out.lines.find((l) => l.startsWith('::error::'))).toMatch(
      /OIDC_UNAVAILABLE.*id-token: write/,
    );
  });

  it('reports a hop failure as failed with its code', async () => {
    sts.on(AssumeRoleCommand).rejects(
      Object.assign(new Error('not authorized'), {
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      }),
    );
    await main();
    expect(process.exitCode).toBe(1);
    expect(outputs().result).toBe('failed');
    expect(out.lines.find((l) => l.startsWith('::error::'))).toMatch(
      /^::error::\[HOP_ACCESS_DENIED\] Assume role 2\/2/,
    );
    expect(log).not.toContain('DescribeServices');
  });

  it('re-chains with a fresh token on an expired token and carries on', async () => {
    let updates = 0;
    ecs.on(UpdateServiceCommand).callsFake(() => {
      log.push('UpdateService');
      if (updates++ === 0)
        throw Object.assign(new Error('The security token included in the request is expired'), {
          name: 'ExpiredTokenException',
          $metadata: { httpStatusCode: 400 },
        });
      return {
        service: service(NEW, [
          { id: 'ecs-svc/2', status: 'PRIMARY', taskDefinition: NEW, rolloutState: 'IN_PROGRESS' },
        ]),
      };
    });
    await main();
    expect(log.slice(6)).toEqual([
      'UpdateService',
      'GetIDToken',
      'AssumeRoleWithWebIdentity',
      'AssumeRole',
      'UpdateService',
      'DescribeServices',
    ]);
    expect(
      out.lines.some((l) =>
        l.startsWith('Re-chained credentials: UpdateService answered ExpiredTokenException'),
      ),
    ).toBe(true);
    expect(outputs().result).toBe('deployed');
    expect(cleartextSecrets()).toEqual([]);
  });

  it('exports the last hop credentials only when asked', async () => {
    setInputs({ 'export-credentials': 'true' });
    await main();
    const env = readFileSync(join(dir, 'env'), 'utf8');
    expect(env).toContain('AWS_ACCESS_KEY_ID<<');
    expect(env).toContain('ASIAHOP2');
    expect(env).not.toContain('ASIAHOP1');
  });

  it('reads a task definition file relative to the workspace', async () => {
    process.env.GITHUB_WORKSPACE = join(__dirname, 'fixtures');
    setInputs({ images: '', 'task-definition': 'task-definition-file.json' });
    await main();
    expect(
      ecs.commandCalls(RegisterTaskDefinitionCommand)[0]!.args[0].input.containerDefinitions![0]!
        .image,
    ).toBe('222222222222.dkr.ecr.eu-west-1.amazonaws.com/checkout-api:2.0.0');
  });
});
