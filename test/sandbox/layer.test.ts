/** The layer in front of moto: trust, denials, faults and the call log, seen through the SDK. */
import { DescribeServicesCommand, DescribeTasksCommand } from '@aws-sdk/client-ecs';
import { AssumeRoleCommand, AssumeRoleWithWebIdentityCommand } from '@aws-sdk/client-sts';
import { startSandbox, type Sandbox } from '../../sandbox';
import { chain, ecs, fetchToken, sts } from './chain';

jest.setTimeout(60_000);

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ latencyMs: 5 });
});

afterAll(async () => {
  await sandbox?.stop();
});

const describeApi = (c: Awaited<ReturnType<typeof chain>>) =>
  ecs(sandbox, c.hop2.Credentials).send(
    new DescribeServicesCommand({ cluster: 'checkout', services: ['checkout-api'] }),
  );

async function failure(promise: Promise<unknown>) {
  const error = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & { $metadata?: { httpStatusCode?: number } }) | undefined;
  if (!error) throw new Error('expected the call to fail');
  return { name: error.name, status: error.$metadata?.httpStatusCode, message: error.message };
}

describe('the token endpoint', () => {
  it('serves an RS256 JWT with the GitHub claims, for the bearer request token only', async () => {
    const response = await fetchToken(sandbox, 'sts.amazonaws.com');
    const { value } = (await response.json()) as { value: string };
    const [header, payload] = value
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:octo-org/checkout-api:environment:production',
      aud: 'sts.amazonaws.com',
      repository: 'octo-org/checkout-api',
      repository_id: '892345671',
      repository_owner: 'octo-org',
      repository_owner_id: '71234567',
      environment: 'production',
      run_id: sandbox.env.GITHUB_RUN_ID,
      run_attempt: '1',
    });
    const exp = payload?.exp as number;
    expect(exp - (payload?.iat as number)).toBe(300);
    const wrong = await fetch(`${sandbox.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=x`, {
      headers: { authorization: 'bearer nope' },
    });
    expect(wrong.status).toBe(401);
  });

  it('hands out no token to a client that gave up waiting for a slow answer', async () => {
    const before = sandbox.secrets().filter((s) => s.startsWith('eyJ')).length;
    sandbox.faults.tokenEndpoint('slow', 400);
    try {
      const url = `${sandbox.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sts.amazonaws.com`;
      const headers = { authorization: `bearer ${sandbox.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` };
      const gaveUp = fetch(url, { headers, signal: AbortSignal.timeout(100) });
      await expect(gaveUp).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 600));
      expect(sandbox.secrets().filter((s) => s.startsWith('eyJ'))).toHaveLength(before);
      const waited = await fetchToken(sandbox);
      expect(waited.status).toBe(200);
      expect(sandbox.secrets().filter((s) => s.startsWith('eyJ'))).toHaveLength(before + 1);
    } finally {
      sandbox.faults.reset();
    }
  });

  it('fails on demand, and recovers', async () => {
    sandbox.faults.tokenEndpoint('fail');
    expect((await fetchToken(sandbox)).status).toBe(500);
    sandbox.faults.tokenEndpoint('ok');
    expect((await fetchToken(sandbox)).status).toBe(200);
  });
});

describe('web identity and role trust', () => {
  it('lets the configured job through both hops, each into its own account', async () => {
    const { hop1, hop2 } = await chain(sandbox);
    expect(hop1.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::111111111111:assumed-role/github-ecs-tooling/layer-test',
    );
    expect(hop2.AssumedRoleUser?.Arn).toBe(
      'arn:aws:sts::222222222222:assumed-role/github-ecs-deploy/layer-test',
    );
  });

  it('rejects a token not signed by the sandbox key', async () => {
    const { token } = await chain(sandbox);
    const [h, p] = token.split('.');
    const forged = `${h}.${p}.${Buffer.from('forged').toString('base64url')}`;
    const result = await failure(
      sts(sandbox).send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: sandbox.info.toolingRoleArn,
          RoleSessionName: 'x',
          WebIdentityToken: forged,
        }),
      ),
    );
    expect(result).toMatchObject({ name: 'InvalidIdentityTokenException', status: 400 });
  });

  it('answers a trust mismatch with the STS AccessDenied SDKs know', async () => {
    sandbox.faults.tokenClaims({ sub: 'repo:someone-else/checkout-api:environment:production' });
    try {
      const response = await fetchToken(sandbox);
      const { value } = (await response.json()) as { value: string };
      const result = await failure(
        sts(sandbox).send(
          new AssumeRoleWithWebIdentityCommand({
            RoleArn: sandbox.info.toolingRoleArn,
            RoleSessionName: 'x',
            WebIdentityToken: value,
          }),
        ),
      );
      expect(result).toEqual({
        name: 'AccessDenied',
        status: 403,
        message: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      });
    } finally {
      sandbox.faults.reset();
    }
  });

  it('refuses AssumeRole into a role whose trust does not name the caller', async () => {
    const { hop1 } = await chain(sandbox);
    const result = await failure(
      sts(sandbox, hop1.Credentials).send(
        new AssumeRoleCommand({ RoleArn: sandbox.info.toolingRoleArn, RoleSessionName: 'x' }),
      ),
    );
    expect(result.name).toBe('AccessDenied');
    expect(result.message).toContain('is not authorized to perform: sts:AssumeRole');
  });

  it("keeps moto's permission checks on after the one unchecked web identity call", async () => {
    const { hop1 } = await chain(sandbox);
    const result = await failure(
      ecs(sandbox, hop1.Credentials).send(
        new DescribeServicesCommand({ cluster: 'checkout', services: ['checkout-api'] }),
      ),
    );
    expect(result.name).toBe('AccessDeniedException');
    expect(result.message).toContain('ecs:DescribeServices');
  });
});

describe('faults', () => {
  it('throttles the next n matching calls with ThrottlingException', async () => {
    const c = await chain(sandbox);
    sandbox.faults.throttle(1, { service: 'ecs', operation: 'DescribeServices' });
    expect(await failure(describeApi(c))).toMatchObject({
      name: 'ThrottlingException',
      status: 400,
    });
    await expect(describeApi(c)).resolves.toBeDefined();
  });

  it('throttles STS with Throttling', async () => {
    sandbox.faults.throttle(1, { service: 'sts' });
    await expect(chain(sandbox)).rejects.toMatchObject({ name: 'Throttling' });
  });

  it('answers 5xx on demand', async () => {
    const c = await chain(sandbox);
    sandbox.faults.serverErrors(1, { service: 'ecs' });
    expect(await failure(describeApi(c))).toMatchObject({ name: 'ServerException', status: 500 });
  });

  it('resets connections on demand', async () => {
    const c = await chain(sandbox);
    sandbox.faults.resetConnections(1, { service: 'ecs' });
    const result = await failure(describeApi(c));
    expect(result.message).toMatch(/socket hang up|ECONNRESET/);
    const last = sandbox.inspect.calls().at(-1);
    expect(last).toMatchObject({ operation: 'DescribeServices', status: 0, fault: 'reset' });
  });

  it('answers slowly on demand and records the delay', async () => {
    const c = await chain(sandbox);
    sandbox.faults.slowAnswers(1, 300, { service: 'ecs' });
    await describeApi(c);
    const last = sandbox.inspect.calls().at(-1);
    expect(last?.fault).toBe('slow');
    expect(last?.durationMs).toBeGreaterThanOrEqual(300);
  });

  it('shortens credential lifetimes and then answers ExpiredTokenException', async () => {
    sandbox.faults.expireCredentialsAfter(60_000);
    const c = await chain(sandbox);
    sandbox.faults.reset();
    const expiration = c.hop2.Credentials?.Expiration?.getTime() ?? 0;
    expect(expiration - Date.now()).toBeLessThanOrEqual(60_000);
    expect(expiration - Date.now()).toBeGreaterThan(30_000);
    sandbox.faults.expireCredentialsNow();
    const result = await failure(describeApi(c));
    expect(result).toMatchObject({ name: 'ExpiredTokenException', status: 400 });
    expect(sandbox.inspect.calls().at(-1)?.fault).toBe('expired');
  });

  it('deletes a service on demand', async () => {
    const c = await chain(sandbox);
    await sandbox.faults.deleteService('checkout-worker');
    expect(await sandbox.inspect.service('checkout-worker')).toBeUndefined();
    const answer = await ecs(sandbox, c.hop2.Credentials).send(
      new DescribeServicesCommand({ cluster: 'checkout', services: ['checkout-worker'] }),
    );
    const worker = answer.services?.[0];
    expect(worker === undefined || worker.status !== 'ACTIVE').toBe(true);
  });
});

describe('ECS answers', () => {
  it('turns stopped tasks of a failed deployment into DescribeTasks answers', async () => {
    const c = await chain(sandbox);
    sandbox.faults.failNextDeployment({
      service: 'checkout-api',
      reason: 'boom',
      ecsRollback: false,
    });
    const client = ecs(sandbox, c.hop2.Credentials);
    const { UpdateServiceCommand } = await import('@aws-sdk/client-ecs');
    await client.send(
      new UpdateServiceCommand({
        cluster: 'checkout',
        service: 'checkout-api',
        forceNewDeployment: true,
      }),
    );
    const described = await describeApi(c);
    const ids = (described.services?.[0]?.events ?? [])
      .flatMap((e) => [...(e.message ?? '').matchAll(/\(task ([0-9a-f]{32})\)/g)])
      .map((m) => m[1] ?? '');
    const tasks = await client.send(new DescribeTasksCommand({ cluster: 'checkout', tasks: ids }));
    const stopped = (tasks.tasks ?? []).filter((t) => t.lastStatus === 'STOPPED');
    expect(stopped).toHaveLength(3);
    expect(stopped.every((t) => t.stoppedReason === 'boom')).toBe(true);
  });

  it('records every call with service, operation, account and status', () => {
    const calls = sandbox.inspect.calls();
    expect(calls.length).toBeGreaterThan(10);
    for (const call of calls) {
      expect(['oidc', 'sts', 'ecs']).toContain(call.service);
      expect(call.operation).not.toBe('');
    }
    const ecsAccounts = new Set(
      calls.filter((c) => c.service === 'ecs' && c.status === 200).map((c) => c.account),
    );
    expect([...ecsAccounts]).toEqual(['222222222222']);
    const counts = sandbox.inspect.callCounts();
    expect(counts['sts:AssumeRoleWithWebIdentity']).toBeGreaterThan(1);
  });
});
