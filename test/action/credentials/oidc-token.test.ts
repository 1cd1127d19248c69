import { fetchIdToken } from '../../../action/credentials/oidc-token';
import { ActionError } from '../../../action/errors';
import { captureStdout, type Captured } from '../support/capture';

const ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'bearer',
};
const FAST = { sleep: async () => undefined, random: () => 0 };

let out: Captured;
let fetchSpy: jest.SpyInstance;
beforeEach(() => {
  out = captureStdout();
  fetchSpy = jest.spyOn(globalThis, 'fetch');
});
afterEach(() => {
  out.restore();
  fetchSpy.mockRestore();
});

describe('fetchIdToken', () => {
  it('adds the audience with ? when the URL has no query, and masks the token', async () => {
    fetchSpy.mockResolvedValue(new Response(JSON.stringify({ value: 'tok' })));
    await expect(fetchIdToken('my aud', ENV, FAST)).resolves.toBe('tok');
    expect(fetchSpy.mock.calls[0]![0]).toBe('http://127.0.0.1:1/token?audience=my%20aud');
    expect(out.masks()).toEqual(['bearer', 'tok']);
  });

  it('retries a 5xx answer and a connection reset, then gets the token', async () => {
    fetchSpy
      .mockResolvedValueOnce(new Response('oops', { status: 502 }))
      .mockRejectedValueOnce(
        Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }),
      )
      .mockResolvedValueOnce(new Response(JSON.stringify({ value: 'tok' })));
    await expect(fetchIdToken('sts.amazonaws.com', ENV, FAST)).resolves.toBe('tok');
    expect(fetchSpy).toHaveBeenCalledTimes(3);
    expect(out.info()).toEqual([
      'Retrying GetIDToken (attempt 2 of 5) in 125 ms after TokenEndpointError.',
      'Retrying GetIDToken (attempt 3 of 5) in 250 ms after TypeError.',
    ]);
  });

  it('fails at once on a 4xx answer or a body without a token, with OIDC_TOKEN_FAILED', async () => {
    fetchSpy.mockResolvedValueOnce(new Response('no', { status: 403 }));
    const denied = await fetchIdToken('sts.amazonaws.com', ENV, FAST).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ActionError);
    expect((denied as ActionError).code).toBe('OIDC_TOKEN_FAILED');
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    fetchSpy.mockResolvedValueOnce(new Response(JSON.stringify({})));
    const empty = (await fetchIdToken('a', ENV, FAST).catch((e: unknown) => e)) as ActionError;
    expect((empty.cause as Error).message).toMatch(/without a token value/);
  });
});
