import {
  needsRefresh,
  refreshMarginMs,
  SessionCredentials,
} from '../../../action/credentials/provider';
import { ActionError } from '../../../action/errors';
import type { ChainResult } from '../../../action/credentials/sts';
import { captureStdout, type Captured } from '../support/capture';

function session(n: number, obtainedAtMs: number, lifetimeMs: number): ChainResult {
  return {
    accessKeyId: `AK${n}`,
    secretAccessKey: `SK${n}`,
    sessionToken: `ST${n}`,
    obtainedAt: new Date(obtainedAtMs),
    expiration: new Date(obtainedAtMs + lifetimeMs),
    assumedRoleArn: 'arn:aws:sts::222222222222:assumed-role/github-ecs-deploy/s',
    accountId: '222222222222',
  };
}

let out: Captured;
beforeEach(() => (out = captureStdout()));
afterEach(() => out.restore());

describe('refresh margin', () => {
  it('is 5 minutes for an hour-long session and a fifth of a short one', () => {
    expect(refreshMarginMs(session(1, 0, 3_600_000))).toBe(300_000);
    expect(refreshMarginMs(session(1, 0, 60_000))).toBe(12_000);
    expect(needsRefresh(session(1, 0, 60_000), 47_999)).toBe(false);
    expect(needsRefresh(session(1, 0, 60_000), 48_000)).toBe(true);
  });
});

describe('SessionCredentials', () => {
  it('hands out the cached session cheaply while it is fresh, flagged memoized for the SDK', async () => {
    let now = 0;
    const rechain = jest.fn(async () => session(2, now, 60_000));
    const creds = new SessionCredentials(session(1, 0, 60_000), rechain, () => now);
    expect(creds.provider.memoized).toBe(true);
    now = 40_000;
    await expect(creds.provider()).resolves.toMatchObject({
      accessKeyId: 'AK1',
      sessionToken: 'ST1',
    });
    expect(rechain).not.toHaveBeenCalled();
  });

  it('re-chains inside the margin, logs it, and serves the new session', async () => {
    let now = 0;
    let n = 1;
    const rechain = jest.fn(async () => session(++n, now, 60_000));
    const creds = new SessionCredentials(session(1, 0, 60_000), rechain, () => now);
    now = 50_000;
    await expect(creds.provider()).resolves.toMatchObject({ accessKeyId: 'AK2' });
    expect(rechain).toHaveBeenCalledTimes(1);
    expect(creds.current.accessKeyId).toBe('AK2');
    expect(out.info()[0]).toMatch(
      /^Re-chained credentials: the session is about to expire; new session for arn:aws:sts::222222222222/,
    );
  });

  it('re-chains once when several calls ask at the same time', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const rechain = jest.fn(async () => {
      await gate;
      return session(2, 0, 3_600_000);
    });
    const creds = new SessionCredentials(session(1, 0, 3_600_000), rechain, () => 0);
    const both = Promise.all([creds.refresh('ExpiredToken'), creds.refresh('ExpiredToken')]);
    release();
    await both;
    expect(rechain).toHaveBeenCalledTimes(1);
    expect(
      out.info().filter((l) => l.startsWith('Re-chained credentials: ExpiredToken')),
    ).toHaveLength(1);
  });

  it('after a failed re-chain, serves the last session while it lasts, then says it expired', async () => {
    let now = 50_000;
    const failure = new ActionError({ code: 'OIDC_TOKEN_FAILED', message: 'token endpoint down' });
    const rechain = jest.fn(async () => {
      throw failure;
    });
    const creds = new SessionCredentials(session(1, 0, 60_000), rechain, () => now);
    await expect(creds.provider()).rejects.toBe(failure);

    now = 55_000;
    await expect(creds.provider()).resolves.toMatchObject({ accessKeyId: 'AK1' });
    now = 60_000;
    const expired = { code: 'CREDENTIALS_EXPIRED', cause: failure };
    await expect(creds.provider()).rejects.toMatchObject(expired);
    await expect(creds.refresh('ExpiredToken')).rejects.toMatchObject(expired);
    await expect(creds.provider()).rejects.toThrow(/re-chaining it failed: token endpoint down/);
    expect(rechain).toHaveBeenCalledTimes(1);
  });
});
