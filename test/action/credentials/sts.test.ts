import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
} from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { ChainPlan } from '../../../action/credentials/plan';
import { accountOf, assumeChain, diagnoseHopFailure } from '../../../action/credentials/sts';
import { ActionError } from '../../../action/errors';
import { captureStdout, type Captured } from '../support/capture';
import { jwt } from '../support/jwt';
import { startTokenServer, type TokenServer } from '../support/token-server';

const TOOLING = 'arn:aws:iam::111111111111:role/github-ecs-tooling';
const DEPLOY = 'arn:aws:iam::222222222222:role/github-ecs-deploy';
const TOKEN = jwt({
  sub: 'repo:octo-org/checkout-api:environment:production',
  aud: 'sts.amazonaws.com',
});
let ENV: NodeJS.ProcessEnv;
const FAST = { sleep: async () => undefined, random: () => 0 };

const PLAN: ChainPlan = {
  hops: [
    { index: 1, total: 2, roleArn: TOOLING, method: 'web-identity' },
    { index: 2, total: 2, roleArn: DEPLOY, method: 'assume-role' },
  ],
  region: 'eu-west-1',
  audience: 'sts.amazonaws.com',
  roleSessionName: 'gh-checkout-api-42-1',
  durationSeconds: 3600,
};

function answer(n: number, account: string, role: string) {
  return {
    Credentials: {
      AccessKeyId: `ASIAHOP${n}KEY`,
      SecretAccessKey: `hop${n}-secret`,
      SessionToken: `hop${n}-session-token`,
      Expiration: new Date('2030-01-01T01:00:00Z'),
    },
    AssumedRoleUser: {
      Arn: `arn:aws:sts::${account}:assumed-role/${role}/gh-checkout-api-42-1`,
      AssumedRoleId: 'AROA:x',
    },
  };
}

function stsError(name: string, message: string, status = 403): Error {
  return Object.assign(new Error(message), {
    name,
    $metadata: { httpStatusCode: status, requestId: 'req-42' },
  });
}

const sts = mockClient(STSClient);
let out: Captured;
let tokens: TokenServer;

beforeAll(async () => {
  tokens = await startTokenServer(TOKEN, () => out.lines.push('EVENT token fetched'));
  ENV = {
    ACTIONS_ID_TOKEN_REQUEST_URL: `${tokens.url}?api-version=2`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-bearer',
  };
});
afterAll(() => tokens.close());

beforeEach(() => {
  sts.reset();
  out = captureStdout();
  tokens.requests.length = 0;
  sts.on(AssumeRoleWithWebIdentityCommand).callsFake(() => {
    out.lines.push('EVENT AssumeRoleWithWebIdentity');
    return answer(1, '111111111111', 'github-ecs-tooling');
  });
  sts.on(AssumeRoleCommand).callsFake(() => {
    out.lines.push('EVENT AssumeRole');
    return answer(2, '222222222222', 'github-ecs-deploy');
  });
});

afterEach(() => out.restore());

describe('assumeChain', () => {
  it('assumes hop 1 by web identity with a fresh token, then hop 2 with hop 1 credentials', async () => {
    const result = await assumeChain(PLAN, { env: ENV, grouped: true, retry: FAST });

    const calls = sts.calls();
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0]).toBeInstanceOf(AssumeRoleWithWebIdentityCommand);
    expect(calls[0]!.args[0].input).toEqual({
      RoleArn: TOOLING,
      RoleSessionName: 'gh-checkout-api-42-1',
      DurationSeconds: 3600,
      WebIdentityToken: TOKEN,
    });
    expect(calls[1]!.args[0]).toBeInstanceOf(AssumeRoleCommand);
    expect(calls[1]!.args[0].input).toEqual({
      RoleArn: DEPLOY,
      RoleSessionName: 'gh-checkout-api-42-1',
      DurationSeconds: 3600,
    });
    const hop2Client = calls[1]!.thisValue as STSClient;
    await expect(hop2Client.config.credentials()).resolves.toMatchObject({
      accessKeyId: 'ASIAHOP1KEY',
      secretAccessKey: 'hop1-secret',
      sessionToken: 'hop1-session-token',
    });
    expect(result).toMatchObject({
      accessKeyId: 'ASIAHOP2KEY',
      assumedRoleArn:
        'arn:aws:sts::222222222222:assumed-role/github-ecs-deploy/gh-checkout-api-42-1',
      accountId: '222222222222',
    });
    expect(tokens.requests).toEqual([
      {
        url: '/token?api-version=2&audience=sts.amazonaws.com',
        authorization: 'bearer runner-bearer',
      },
    ]);
  });

  it('masks every secret the moment it exists: before the next call and any log line', async () => {
    await assumeChain(PLAN, { env: ENV, grouped: true, retry: FAST });
    const flow = out.lines.filter(
      (l) => l.startsWith('EVENT') || l.startsWith('::add-mask::') || !l.startsWith('::'),
    );
    expect(flow).toEqual([
      '::add-mask::runner-bearer',
      'EVENT token fetched',
      `::add-mask::${TOKEN}`,
      'EVENT AssumeRoleWithWebIdentity',
      '::add-mask::ASIAHOP1KEY',
      '::add-mask::hop1-secret',
      '::add-mask::hop1-session-token',
      'Assumed arn:aws:sts::111111111111:assumed-role/github-ecs-tooling/gh-checkout-api-42-1',
      'EVENT AssumeRole',
      '::add-mask::ASIAHOP2KEY',
      '::add-mask::hop2-secret',
      '::add-mask::hop2-session-token',
      'Assumed arn:aws:sts::222222222222:assumed-role/github-ecs-deploy/gh-checkout-api-42-1',
    ]);
    expect(out.lines).toContain(`::group::Assume role 1/2: ${TOOLING}`);
    expect(out.lines).toContain(`::group::Assume role 2/2: ${DEPLOY}`);
  });

  it('opens no groups when re-chaining inside another group', async () => {
    await assumeChain(PLAN, { env: ENV, grouped: false, retry: FAST });
    expect(out.lines.filter((l) => l.startsWith('::group::'))).toEqual([]);
    expect(tokens.requests).toHaveLength(1);
  });

  it('assumes hop 1 with the ambient credentials, saying so, and fetches no token', async () => {
    const plan: ChainPlan = {
      ...PLAN,
      hops: [{ ...PLAN.hops[0]!, method: 'ambient' }, PLAN.hops[1]!],
    };
    await assumeChain(plan, { env: {}, grouped: true, retry: FAST });
    expect(tokens.requests).toEqual([]);
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([
      TOOLING,
      DEPLOY,
    ]);
    expect(out.info()).toContain(
      'Hop 1 uses the ambient AWS credentials of this machine (credential-source: ambient).',
    );
  });

  it('on AccessDenied at hop 1 prints the claims and the admitting condition, at once', async () => {
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(stsError('AccessDenied', 'Not authorized to perform sts:AssumeRoleWithWebIdentity'));
    const error = await assumeChain(PLAN, { env: ENV, grouped: true, retry: FAST }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ActionError);
    const failure = error as ActionError;
    expect(failure.code).toBe('HOP_ACCESS_DENIED');
    expect(failure.message).toContain(`Assume role 1/2 (${TOOLING}) was denied: Not authorized`);
    expect(failure.message).toContain('  sub: repo:octo-org/checkout-api:environment:production');
    expect(failure.message).toContain('"token.actions.githubusercontent.com:sub"');
    expect(failure.message).not.toContain(TOKEN);
    expect(failure.aws).toMatchObject({ name: 'AccessDenied', requestId: 'req-42' });
    expect(sts.commandCalls(AssumeRoleWithWebIdentityCommand)).toHaveLength(1);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('on AccessDenied at hop 2 names both roles and the trust fix', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(stsError('AccessDenied', 'User is not authorized to perform: sts:AssumeRole'));
    const error = (await assumeChain(PLAN, { env: ENV, grouped: true, retry: FAST }).catch(
      (e: unknown) => e,
    )) as ActionError;
    expect(error.code).toBe('HOP_ACCESS_DENIED');
    expect(error.message).toContain(`Assume role 2/2 (${DEPLOY}) was denied`);
    expect(error.hint).toBe(
      `Make the trust policy of ${DEPLOY} name ${TOOLING} (not only its account), and allow that role sts:AssumeRole on ${DEPLOY}.`,
    );
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('retries STS throttling, then succeeds', async () => {
    let calls = 0;
    sts.on(AssumeRoleCommand).callsFake(() => {
      calls++;
      if (calls === 1) throw stsError('Throttling', 'Rate exceeded', 400);
      return answer(2, '222222222222', 'github-ecs-deploy');
    });
    await assumeChain(PLAN, { env: ENV, grouped: true, retry: FAST });
    expect(calls).toBe(2);
    expect(out.info()).toContain(
      'Retrying AssumeRole (attempt 2 of 5) in 125 ms after Throttling.',
    );
  });

  it('turns a chained duration refusal into the fix, and an invalid token into its own code', async () => {
    sts
      .on(AssumeRoleCommand)
      .rejects(
        stsError(
          'ValidationError',
          'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.',
          400,
        ),
      );
    const duration = (await assumeChain(PLAN, { env: ENV, grouped: true, retry: FAST }).catch(
      (e: unknown) => e,
    )) as ActionError;
    expect(duration.code).toBe('HOP_FAILED');
    expect(duration.hint).toMatch(/Lower 'role-duration-seconds' to 3600/);
    sts
      .on(AssumeRoleWithWebIdentityCommand)
      .rejects(stsError('InvalidIdentityToken', 'No OpenIDConnect provider found', 400));
    const token = (await assumeChain(PLAN, { env: ENV, grouped: true, retry: FAST }).catch(
      (e: unknown) => e,
    )) as ActionError;
    expect(token.code).toBe('HOP_INVALID_TOKEN');
    expect(token.hint).toMatch(/account 111111111111 has the IAM OIDC provider/);
  });

  it('fails when STS answers without credentials', async () => {
    sts.on(AssumeRoleCommand).resolves({});
    const error = (await assumeChain(PLAN, { env: ENV, grouped: true, retry: FAST }).catch(
      (e: unknown) => e,
    )) as ActionError;
    expect(error.code).toBe('HOP_FAILED');
    expect(error.message).toMatch(/answered without credentials/);
  });
});

describe('diagnoseHopFailure', () => {
  const hop = { index: 1, total: 2, roleArn: TOOLING, method: 'ambient' as const };

  it('reports exhausted retries as AWS_UNAVAILABLE', () => {
    const error = diagnoseHopFailure(hop, stsError('ServiceUnavailable', 'down', 503), {
      audience: 'a',
    });
    expect(error.code).toBe('AWS_UNAVAILABLE');
  });

  it('tells the ambient identity what it needs', () => {
    const error = diagnoseHopFailure(hop, stsError('AccessDenied', 'no'), { audience: 'a' });
    expect(error.hint).toBe(
      `Allow your ambient identity sts:AssumeRole on ${TOOLING}, and trust it there.`,
    );
  });

  it('handles a cause that is not an Error', () => {
    expect(diagnoseHopFailure(hop, 'weird', { audience: 'a' }).message).toContain('failed: weird');
  });

  it('reads the account from an ARN', () => {
    expect(accountOf('arn:aws:sts::222222222222:assumed-role/x/y')).toBe('222222222222');
    expect(accountOf('nonsense')).toBe('');
  });
});
