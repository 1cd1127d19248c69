/** Denials reach the user as clear errors, and change nothing. */
import { startSandbox, type Sandbox } from '../../sandbox';
import type { ActionRun } from '../../sandbox/run-action';
import { deploy, E2E_TIMEOUT_MS, mutatingCalls, serviceRevisions } from './helpers';

jest.setTimeout(E2E_TIMEOUT_MS);

describe('a deploy role missing ecs:RegisterTaskDefinition', () => {
  let sandbox: Sandbox;
  let run: ActionRun;
  let before: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandbox({ withoutActions: ['ecs:RegisterTaskDefinition'] });
    before = await serviceRevisions(sandbox);
    run = await deploy(sandbox, { images: 'app=registry.example/checkout-api:2.0.0' });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('fails naming the denied action and the role that lacks it', () => {
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    expect(run.log).toContain('ecs:RegisterTaskDefinition');
    expect(run.log).toMatch(/assumed-role\/github-ecs-deploy\//);
    expect(run.log).toContain('AccessDeniedException');
  });

  it('was denied by the permission checks, not by anything else', () => {
    const denied = sandbox.inspect.calls().filter((c) => c.status !== 200);
    expect(denied.map((c) => [c.operation, c.errorCode])).toEqual([
      ['RegisterTaskDefinition', 'AccessDeniedException'],
    ]);
  });

  it('changes nothing', async () => {
    expect(await serviceRevisions(sandbox)).toEqual(before);
    expect(mutatingCalls(sandbox)).toEqual(['RegisterTaskDefinition:400']);
  });
});

describe('a token whose subject the tooling role does not trust', () => {
  const sub = 'repo:octo-org/checkout-api:ref:refs/heads/feature-x';
  let sandbox: Sandbox;
  let run: ActionRun;
  let before: Record<string, string>;

  beforeAll(async () => {
    sandbox = await startSandbox({ claims: { sub } });
    before = await serviceRevisions(sandbox);
    run = await deploy(sandbox, { images: 'app=registry.example/checkout-api:2.0.0' });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('fails on hop 1 with STS AccessDenied', () => {
    expect(run.exitCode).toBe(1);
    expect(run.outputs.result).toBe('failed');
    const sts = sandbox.inspect.calls().filter((c) => c.service === 'sts');
    expect(sts.map((c) => [c.operation, c.status, c.errorCode])).toEqual([
      ['AssumeRoleWithWebIdentity', 403, 'AccessDenied'],
    ]);
  });

  it('shows the claims the trust policy saw and a condition that would admit them', () => {
    expect(run.log).toContain('arn:aws:iam::111111111111:role/github-ecs-tooling');
    expect(run.log).toContain(sub);
    expect(run.log).toContain('892345671');
    expect(run.log).toContain('token.actions.githubusercontent.com:sub');
  });

  it('changes nothing and never reaches account B', async () => {
    expect(await serviceRevisions(sandbox)).toEqual(before);
    const inB = sandbox.inspect.calls().filter((c) => c.account === sandbox.info.deployAccount);
    expect(inB).toEqual([]);
  });
});
