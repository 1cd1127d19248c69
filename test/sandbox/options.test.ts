/** Sandbox options and the CLI's arguments. */
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { startSandbox, type Sandbox } from '../../sandbox';
import { parseArgs } from '../../sandbox/cli';
import { chain, ecs } from './chain';

jest.setTimeout(60_000);

describe('permissionChecks: false', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ permissionChecks: false, services: ['billing-api'] });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it("lets calls through that the roles' policies would deny", async () => {
    const { hop1, hop2 } = await chain(sandbox);
    // The tooling role has no ECS permission: unchecked, the call reaches ECS in account A,
    // which has no cluster (account B's is invisible there).
    const inA = ecs(sandbox, hop1.Credentials).send(
      new DescribeServicesCommand({ cluster: 'checkout', services: ['billing-api'] }),
    );
    await expect(inA).rejects.toMatchObject({ name: 'ClusterNotFoundException' });
    const inB = await ecs(sandbox, hop2.Credentials).send(
      new DescribeServicesCommand({ cluster: 'checkout', services: ['billing-api'] }),
    );
    expect(inB.services?.[0]?.serviceName).toBe('billing-api');
  });

  it('creates only the services asked for, and names the first in the inputs', async () => {
    expect(sandbox.info.services).toEqual(['billing-api']);
    expect(sandbox.inputs.service).toBe('billing-api');
    expect(await sandbox.inspect.service('checkout-api')).toBeUndefined();
  });
});

describe('the CLI arguments', () => {
  it('reads start with its options', () => {
    const argv = ['start', '--rollout-ms', '2000', '--latency-ms', '40', '--write-env', 'x.env'];
    expect(parseArgs(argv)).toEqual({
      command: 'start',
      options: { rolloutMs: 2000, latencyMs: 40 },
      envFile: 'x.env',
    });
  });

  it.each([
    [['stop'], "unknown command 'stop'"],
    [['start', '--rollout-ms'], '--rollout-ms needs a value'],
    [['start', '--rollout-ms', 'soon'], "--rollout-ms must be a whole number, got 'soon'"],
    [['start', '--verbose', '1'], "unknown option '--verbose'"],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe("withoutActions removing a role's only permission", () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ withoutActions: ['sts:AssumeRole'] });
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('leaves the tooling role with no policy, so hop 2 is denied by the permission checks', async () => {
    await expect(chain(sandbox)).rejects.toMatchObject({ name: 'AccessDenied' });
    const hop2 = sandbox.inspect.calls().filter((c) => c.operation === 'AssumeRole');
    expect(hop2.map((c) => c.status)).toEqual([403]);
  });
});
