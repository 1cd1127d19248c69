import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { startSandbox, type Sandbox } from '../../sandbox';
import { scanForSecrets } from '../../sandbox/secret-scan';
import { runAct, type ActDispatch } from '../../scripts/act/act-run';
import {
  runningContainers as containersOf,
  sandboxDispatch,
  type ContainerImage,
} from '../../scripts/act/sandbox-dispatch';
import { REPO_ROOT, ensureTool } from '../../scripts/act/tools';

// The first `go install` of act takes minutes; later runs reuse .cache/bin/act.
const INSTALL_TIMEOUT_MS = 15 * 60_000;
const RUN_TIMEOUT_MS = 3 * 60_000;

let act: string;
let sandbox: Sandbox;

function runningContainers(): Promise<ContainerImage[]> {
  return containersOf(sandbox);
}

function dispatch(container: string, image: string, dryRun: boolean): ActDispatch {
  return sandboxDispatch(sandbox, { container, image, dryRun });
}

/** act's log holds the step's log, outputs and summary; leaks are described, never quoted. */
function expectNoSecrets(log: string): void {
  const run = { log, outputs: {}, exportedEnv: {}, summary: '' };
  expect(scanForSecrets(run, sandbox.secrets(), { allowExportedEnv: false })).toEqual([]);
}

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'index.js'))) {
    throw new Error('dist/index.js is missing: run `npm run build` first (uses: ./ runs it)');
  }
  act = ensureTool('act');
  sandbox = await startSandbox();
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await sandbox?.stop();
});

describe('deploy.yml under act (self-hosted) against the sandbox', () => {
  it(
    'leaves the service as it is on a dry run',
    async () => {
      const before = await runningContainers();
      const app = before[0];
      if (app === undefined) throw new Error('the sandbox service runs no container');

      const run = await runAct(act, dispatch(app.name, `${app.image}-dry-run`, true));

      expect(run.log).toContain('Job succeeded');
      expect(run.exitCode).toBe(0);
      expect(run.log).toContain('::set-output:: result=dry-run');
      expect(await runningContainers()).toEqual(before);
      expectNoSecrets(run.log);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'deploys the dispatched image into the service in account B, and nothing else changes',
    async () => {
      const before = await runningContainers();
      const [app, ...others] = before;
      if (app === undefined) throw new Error('the sandbox service runs no container');
      const image = `${app.image.replace(/[:@].*$/, '')}:act-${process.pid}`;

      const run = await runAct(act, dispatch(app.name, image, false));

      expect(run.log).toContain('Job succeeded');
      expect(run.exitCode).toBe(0);
      expect(run.log).toContain('::set-output:: result=deployed');
      expect(await runningContainers()).toEqual([{ name: app.name, image }, ...others]);
      expectNoSecrets(run.log);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'starts the chain from ambient credentials when act sets ECS_DEPLOY_CREDENTIAL_SOURCE',
    async () => {
      const before = await runningContainers();
      const app = before[0];
      if (app === undefined) throw new Error('the sandbox service runs no container');
      const ambient = dispatch(app.name, `${app.image}-ambient`, false);
      // Keys nobody issued: the tooling role trusts only GitHub, so hop 1 must be refused.
      const env = {
        ...ambient.env,
        ECS_DEPLOY_CREDENTIAL_SOURCE: 'ambient',
        AWS_ACCESS_KEY_ID: 'AKIAWORKFLOWTESTONLY',
        AWS_SECRET_ACCESS_KEY: 'not-a-real-secret-for-the-act-test',
      };
      const tokenRequests = (): number =>
        sandbox.inspect.calls().filter((call) => call.service === 'oidc').length;
      const tokensBefore = tokenRequests();

      const run = await runAct(act, { ...ambient, env });

      expect(run.log).toContain('Hop 1 uses the ambient AWS credentials of this machine');
      expect(run.log).toContain('[HOP_FAILED] Assume role 1/2');
      expect(run.exitCode).not.toBe(0);
      expect(tokenRequests()).toBe(tokensBefore);
      expect(await runningContainers()).toEqual(before);
      expectNoSecrets(run.log);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'fails before any AWS call when act passes no token endpoint, and says how to fix it',
    async () => {
      const before = await runningContainers();
      const app = before[0];
      if (app === undefined) throw new Error('the sandbox service runs no container');
      const noToken = dispatch(app.name, `${app.image}-no-token`, false);
      const env = Object.fromEntries(
        Object.entries(noToken.env).filter(([name]) => !name.startsWith('ACTIONS_ID_TOKEN')),
      );

      const callsBefore = sandbox.inspect.calls().length;

      const run = await runAct(act, { ...noToken, env });

      expect(run.exitCode).not.toBe(0);
      expect(sandbox.inspect.calls()).toHaveLength(callsBefore);
      expect(run.log).toContain('OIDC_UNAVAILABLE');
      expect(run.log).toContain('ACTIONS_ID_TOKEN_REQUEST_URL');
      expect(await runningContainers()).toEqual(before);
      expectNoSecrets(run.log);
    },
    RUN_TIMEOUT_MS,
  );
});
