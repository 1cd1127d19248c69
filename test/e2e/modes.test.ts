/** Dry runs, bad inputs and several services, on one sandbox. */
import { startSandbox, type Sandbox } from '../../sandbox';
import { deploy, E2E_TIMEOUT_MS, mutatingCalls, serviceRevisions } from './helpers';

jest.setTimeout(E2E_TIMEOUT_MS);

describe('dry run, bad inputs and several services', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox();
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('a dry run prints what would change and changes nothing', async () => {
    const before = await serviceRevisions(sandbox);
    const run = await deploy(sandbox, {
      images: 'app=registry.example/checkout-api:2.0.0',
      'dry-run': 'true',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.result).toBe('dry-run');
    expect(run.log).toContain('registry.example/checkout-api:2.0.0');
    expect(run.log).toContain('containerDefinitions[app].image');
    expect(await serviceRevisions(sandbox)).toEqual(before);
    expect(mutatingCalls(sandbox)).toEqual([]);
    const arns = await sandbox.inspect.taskDefinitionArns(sandbox.info.deployAccount);
    expect(arns).toHaveLength(sandbox.info.services.length);
  });

  const badInputs: Array<[string, Record<string, string>]> = [
    ['role-chain', { 'role-chain': 'not-an-arn' }],
    ['role-duration-seconds', { 'role-duration-seconds': '7200' }],
    ['aws-region', { 'aws-region': 'moon-1' }],
    ['images', { images: 'app' }],
    ['wait-timeout-minutes', { 'wait-timeout-minutes': 'soon' }],
    ['dry-run', { 'dry-run': 'maybe' }],
    ['service', { service: '' }],
    ['role-session-name', { 'role-session-name': 'x' }],
  ];

  it.each(badInputs)('bad input %s fails naming the input, before any call', async (name, bad) => {
    const before = await serviceRevisions(sandbox);
    const callsBefore = sandbox.inspect.calls().length;
    const run = await deploy(sandbox, { images: 'app=registry.example/checkout-api:3', ...bad });
    expect(run.exitCode).toBe(1);
    expect(run.log).toContain(`'${name}'`);
    expect(run.log).toContain('INPUT_INVALID');
    expect(sandbox.inspect.calls().slice(callsBefore)).toEqual([]);
    expect(await serviceRevisions(sandbox)).toEqual(before);
  });

  it('several services deploy together, one revision each', async () => {
    const before = await serviceRevisions(sandbox);
    const run = await deploy(sandbox, {
      service: 'checkout-api\ncheckout-worker',
      images: 'app=registry.example/checkout:4.0.0',
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.result).toBe('deployed');
    const perService = JSON.parse(run.outputs.services ?? '{}') as Record<
      string,
      { result: string; 'task-definition-arn': string }
    >;
    const after = await serviceRevisions(sandbox);
    for (const name of ['checkout-api', 'checkout-worker']) {
      expect(perService[name]?.result).toBe('deployed');
      expect(after[name]).toBe(perService[name]?.['task-definition-arn']);
      expect(after[name]).not.toBe(before[name]);
      const { taskDefinition } = await sandbox.inspect.taskDefinition(after[name] ?? '');
      expect(taskDefinition.family).toBe(name);
      expect(taskDefinition.containerDefinitions?.[0]?.image).toBe(
        'registry.example/checkout:4.0.0',
      );
    }
    const counts = sandbox.inspect.callCounts();
    expect(counts['ecs:RegisterTaskDefinition']).toBe(2);
    expect(counts['ecs:UpdateService']).toBe(2);
  });
});
