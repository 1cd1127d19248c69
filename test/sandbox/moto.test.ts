/** moto is started per sandbox, never with MOTO_ACCOUNT_ID, and always stopped. */
import { startSandbox } from '../../sandbox';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { resolveMotoPython, startMoto } from '../../sandbox/moto';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { chain, ecs, fetchToken } from './chain';

jest.setTimeout(60_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('moto', () => {
  it('answers once started and is gone after stop()', async () => {
    const moto = await startMoto();
    expect((await fetch(`${moto.url}/moto-api/`)).ok).toBe(true);
    expect(alive(moto.pid)).toBe(true);
    await moto.stop();
    expect(alive(moto.pid)).toBe(false);
    await expect(fetch(`${moto.url}/moto-api/`)).rejects.toThrow();
  });

  it('keeps the accounts apart even when MOTO_ACCOUNT_ID is set around it', async () => {
    process.env.MOTO_ACCOUNT_ID = '999999999999';
    const sandbox = await startSandbox();
    try {
      const { hop1, hop2 } = await chain(sandbox);
      expect(hop1.AssumedRoleUser?.Arn).toContain(':111111111111:');
      expect(hop2.AssumedRoleUser?.Arn).toContain(':222222222222:');
    } finally {
      delete process.env.MOTO_ACCOUNT_ID;
      await sandbox.stop();
    }
  });

  it('ends pending slow answers and tokens on stop, so nothing outlives the sandbox', async () => {
    const sandbox = await startSandbox();
    const { hop2 } = await chain(sandbox);
    sandbox.faults.slowAnswers(1, 60_000, { service: 'ecs' });
    sandbox.faults.tokenEndpoint('slow', 60_000);
    const pending = ecs(sandbox, hop2.Credentials).send(
      new DescribeServicesCommand({ cluster: 'checkout', services: ['checkout-api'] }),
    );
    const token = fetchToken(sandbox);
    const outcome = Promise.allSettled([pending, token]);
    await new Promise((r) => setTimeout(r, 200));
    await sandbox.stop();
    const [ecsCall, tokenCall] = await outcome;
    expect(ecsCall.status).toBe('rejected');
    expect(tokenCall.status).toBe('rejected');
  });

  it('stops every server of a sandbox, twice without harm', async () => {
    const sandbox = await startSandbox();
    const endpoints = [sandbox.info.motoUrl, sandbox.info.endpointUrl];
    await sandbox.stop();
    await sandbox.stop();
    for (const url of endpoints) await expect(fetch(url)).rejects.toThrow();
    const token = sandbox.env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '';
    await expect(fetch(token)).rejects.toThrow();
  });
});

describe('finding a Python for moto', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moto-path-'));
  const requirements = resolve(__dirname, '..', '..', 'sandbox', 'requirements.txt');

  /** An executable shell script at `path`. */
  function script(path: string, body: string): string {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return path;
  }

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("takes the project venv's python when it has moto and waitress", () => {
    const venvDir = join(dir, 'ready-venv');
    const python = script(join(venvDir, 'bin', 'python'), 'exit 0');
    script(join(dir, 'bin-a', 'python3'), 'exit 0');
    expect(resolveMotoPython(() => {}, { path: join(dir, 'bin-a'), venvDir })).toBe(python);
  });

  it('takes python3 from PATH when it has them and there is no venv', () => {
    const python3 = script(join(dir, 'bin-b', 'python3'), 'exit 0');
    const where = { path: `/nonexistent:${join(dir, 'bin-b')}`, venvDir: join(dir, 'no-venv') };
    expect(resolveMotoPython(() => {}, where)).toBe(python3);
  });

  it('installs sandbox/requirements.txt into a venv that sees python3 packages; says so', () => {
    // This python3 lacks moto (its probe exits 1) and makes a venv whose pip records its arguments.
    script(
      join(dir, 'bin-c', 'python3'),
      [
        'if [ "$1" = "-c" ]; then exit 1; fi',
        'echo "$@" > "$4.venv-args"',
        'mkdir -p "$4/bin"',
        'printf \'#!/bin/sh\\nexit 0\\n\' > "$4/bin/python"',
        'printf \'#!/bin/sh\\necho "$@" > "$0.args"\\n\' > "$4/bin/pip"',
        'chmod +x "$4/bin/python" "$4/bin/pip"',
      ].join('\n'),
    );
    const venvDir = join(dir, 'made-venv');
    const lines: string[] = [];
    const python = resolveMotoPython((line) => lines.push(line), {
      path: join(dir, 'bin-c'),
      venvDir,
    });
    expect(python).toBe(join(venvDir, 'bin', 'python'));
    expect(readFileSync(`${venvDir}.venv-args`, 'utf8').trim()).toBe(
      `-m venv --system-site-packages ${venvDir}`,
    );
    expect(readFileSync(join(venvDir, 'bin', 'pip.args'), 'utf8').trim()).toBe(
      `install --quiet -r ${requirements}`,
    );
    expect(lines).toEqual([
      `${join(dir, 'bin-c', 'python3')} lacks moto or waitress: ` +
        `installing ${requirements} into ${venvDir}`,
    ]);
  });

  it('says what to install when there is no python3', () => {
    const where = { path: '/nonexistent', venvDir: '/nonexistent/venv' };
    expect(() => resolveMotoPython(() => {}, where)).toThrow(
      'The sandbox needs python3 to run moto, and there is none on PATH. ' +
        `Install Python 3, then: pip install -r ${requirements}`,
    );
  });
});
