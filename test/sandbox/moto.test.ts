/** moto is started per sandbox, never with MOTO_ACCOUNT_ID, and always stopped. */
import { startSandbox } from '../../sandbox';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveMotoCommand, startMoto } from '../../sandbox/moto';
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

describe('moto_server', () => {
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

  it('ends pending slow answers and slow tokens on stop, so nothing outlives the sandbox', async () => {
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

describe('finding moto_server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moto-path-'));
  const fakeMoto = join(dir, 'moto_server');
  writeFileSync(fakeMoto, '#!/bin/sh\n', { mode: 0o755 });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes moto_server from PATH first', () => {
    const where = { path: `/nonexistent:${dir}`, venvDir: '/nonexistent/venv' };
    expect(resolveMotoCommand(() => {}, where)).toBe(fakeMoto);
  });

  it('says what to install when there is neither moto_server nor python3', () => {
    const where = { path: '/nonexistent', venvDir: '/nonexistent/venv' };
    expect(() => resolveMotoCommand(() => {}, where)).toThrow(
      'moto_server is not on PATH and there is no python3 to install it with. ' +
        "Install Python 3, or run: pip install 'moto[server]==5.2.1'",
    );
  });
});
