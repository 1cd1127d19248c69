/** The bundled action deploys a new image through the two-hop chain into account B. */
import { startSandbox, type Sandbox } from '../../sandbox';
import { scanForSecrets, type ActionRun } from '../../sandbox/run-action';
import { deploy, E2E_TIMEOUT_MS } from './helpers';

jest.setTimeout(E2E_TIMEOUT_MS);

describe('a plain deploy through the two-hop chain', () => {
  let sandbox: Sandbox;
  let run: ActionRun;
  let before: { arns: string[]; taskDefinitionArn: string };

  beforeAll(async () => {
    sandbox = await startSandbox();
    const service = await sandbox.inspect.service('checkout-api');
    before = {
      arns: await sandbox.inspect.taskDefinitionArns(sandbox.info.deployAccount),
      taskDefinitionArn: service?.taskDefinition ?? '',
    };
    run = await deploy(sandbox, { images: 'app=registry.example/checkout-api:2.0.0' });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('succeeds and reports the deploy in its outputs', () => {
    expect(run.exitCode).toBe(0);
    expect(run.outputs.result).toBe('deployed');
    expect(run.outputs['previous-task-definition-arn']).toBe(before.taskDefinitionArn);
    expect(run.outputs['aws-account-id']).toBe(sandbox.info.deployAccount);
    expect(run.outputs['role-arn']).toMatch(
      /^arn:aws:sts::222222222222:assumed-role\/github-ecs-deploy\//,
    );
    expect(run.outputs['deployment-id']).toMatch(/^ecs-svc\/\d{19}$/);
  });

  it('points the service in account B at a new revision', async () => {
    const service = await sandbox.inspect.service('checkout-api');
    expect(service?.taskDefinition).toBe(run.outputs['task-definition-arn']);
    expect(service?.taskDefinition).not.toBe(before.taskDefinitionArn);
    expect(service?.deployments?.map((d) => [d.status, d.rolloutState])).toEqual([
      ['PRIMARY', 'COMPLETED'],
    ]);
    const arns = await sandbox.inspect.taskDefinitionArns(sandbox.info.deployAccount);
    expect(arns).toHaveLength(before.arns.length + 1);
  });

  it('changes only the named image', async () => {
    const old = await sandbox.inspect.taskDefinition(before.taskDefinitionArn);
    const now = await sandbox.inspect.taskDefinition(run.outputs['task-definition-arn'] ?? '');
    const [oldApp, oldSidecar] = old.taskDefinition.containerDefinitions ?? [];
    const [app, sidecar] = now.taskDefinition.containerDefinitions ?? [];
    expect(app?.image).toBe('registry.example/checkout-api:2.0.0');
    expect({ ...app, image: oldApp?.image }).toEqual(oldApp);
    expect(app?.environment).toEqual(oldApp?.environment);
    expect(app?.logConfiguration).toEqual(oldApp?.logConfiguration);
    expect(sidecar).toEqual(oldSidecar);
    expect(now.tags).toEqual(old.tags);
    expect(now.tags.length).toBeGreaterThan(0);
    expect(now.taskDefinition.taskRoleArn).toBe(old.taskDefinition.taskRoleArn);
    expect(now.taskDefinition.executionRoleArn).toBe(old.taskDefinition.executionRoleArn);
    expect(now.taskDefinition.cpu).toBe(old.taskDefinition.cpu);
    expect(now.taskDefinition.requiresCompatibilities).toEqual(['FARGATE']);
  });

  it('leaves the other service alone', async () => {
    const worker = await sandbox.inspect.service('checkout-worker');
    expect(worker?.taskDefinition).toMatch(/task-definition\/checkout-worker:1$/);
  });

  it('creates nothing in account A', async () => {
    expect(await sandbox.inspect.taskDefinitionArns(sandbox.info.toolingAccount)).toEqual([]);
    const inA = sandbox.inspect.calls().filter((c) => c.account === sandbox.info.toolingAccount);
    expect(inA.map((c) => c.operation)).toEqual(['AssumeRoleWithWebIdentity', 'AssumeRole']);
  });

  it('writes a job summary naming the service and both revisions', () => {
    expect(run.summary).toContain('checkout-api');
    expect(run.summary).toContain('checkout-api:1');
    expect(run.summary).toContain('checkout-api:2');
  });

  it('went through the chain: token, web identity into A, AssumeRole into B', () => {
    const ops = sandbox.inspect.calls().map((c) => `${c.service}:${c.operation}:${c.status}`);
    expect(ops.slice(0, 3)).toEqual([
      'oidc:GetIDToken:200',
      'sts:AssumeRoleWithWebIdentity:200',
      'sts:AssumeRole:200',
    ]);
    expect(sandbox.inspect.calls().every((c) => c.status === 200)).toBe(true);
  });

  it('shows no token or credential in clear text, and masked them all', () => {
    const secrets = sandbox.secrets();
    expect(secrets.some((s) => s.startsWith('eyJ'))).toBe(true);
    expect(secrets.some((s) => s.startsWith('ASIA'))).toBe(true);
    expect(scanForSecrets(run, secrets, { allowExportedEnv: false })).toEqual([]);
    expect(run.exportedEnv).toEqual({});
    const handedToAction = secrets.filter((s) => s.startsWith('eyJ') || s.startsWith('ASIA'));
    for (const secret of handedToAction) expect(run.masks).toContain(secret);
  });
});
