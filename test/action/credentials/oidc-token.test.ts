import { fetchIdToken } from '../../../action/credentials/oidc-token';
import { ActionError } from '../../../action/errors';
import { captureStdout, type Captured } from '../support/capture';
import {
  jsonAnswer,
  resetAnswer,
  startTokenServer,
  type TokenServer,
} from '../support/token-server';

const FAST = { sleep: async () => undefined, random: () => 0 };

let server: TokenServer;
let env: NodeJS.ProcessEnv;
let out: Captured;

beforeAll(async () => {
  server = await startTokenServer('tok');
  env = { ACTIONS_ID_TOKEN_REQUEST_URL: server.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'bearer-1' };
});
afterAll(() => server.close());

beforeEach(() => {
  server.requests.length = 0;
  server.answers.length = 0;
  out = captureStdout();
});
afterEach(() => out.restore());

describe('fetchIdToken', () => {
  it('adds the audience with ? when the URL has no query, and masks the token', async () => {
    await expect(fetchIdToken('my aud', env, FAST)).resolves.toBe('tok');
    expect(server.requests).toEqual([
      { url: '/token?audience=my%20aud', authorization: 'bearer bearer-1' },
    ]);
    expect(out.masks()).toEqual(['bearer-1', 'tok']);
  });

  it('adds the audience with & when the URL already has a query', async () => {
    const url = `${server.url}?api-version=2.0`;
    await fetchIdToken('sts.amazonaws.com', { ...env, ACTIONS_ID_TOKEN_REQUEST_URL: url }, FAST);
    expect(server.requests[0]?.url).toBe('/token?api-version=2.0&audience=sts.amazonaws.com');
  });

  it('says when the request has left, before the answer is read', async () => {
    const order: string[] = [];
    server.answers.push((req, res) => {
      order.push('answered');
      jsonAnswer(200, { value: 'tok' })(req, res);
    });
    await fetchIdToken('a', env, FAST, () => order.push('sent'));
    expect(order).toEqual(['sent', 'answered']);
  });

  it('retries a 5xx answer and a connection reset, then gets the token', async () => {
    server.answers.push(jsonAnswer(502, { message: 'oops' }), resetAnswer);
    await expect(fetchIdToken('sts.amazonaws.com', env, FAST)).resolves.toBe('tok');
    expect(server.requests).toHaveLength(3);
    expect(out.info()).toEqual([
      'Retrying GetIDToken (attempt 2 of 5) in 125 ms after TokenEndpointError.',
      'Retrying GetIDToken (attempt 3 of 5) in 250 ms after Error: socket hang up.',
    ]);
  });

  it('fails at once on a 4xx answer or a body without a token, with OIDC_TOKEN_FAILED', async () => {
    server.answers.push(jsonAnswer(403, { message: 'no' }));
    const denied = await fetchIdToken('sts.amazonaws.com', env, FAST).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ActionError);
    expect((denied as ActionError).code).toBe('OIDC_TOKEN_FAILED');
    expect(server.requests).toHaveLength(1);

    server.answers.push(jsonAnswer(200, {}));
    const empty = (await fetchIdToken('a', env, FAST).catch((e: unknown) => e)) as ActionError;
    expect((empty.cause as Error).message).toMatch(/without a token value/);
    expect(server.requests).toHaveLength(2);
  });

  it('fails with OIDC_TOKEN_FAILED after its retries when nothing listens', async () => {
    const closed = { ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:1/token' };
    const error = (await fetchIdToken('a', closed, FAST).catch((e: unknown) => e)) as ActionError;
    expect(error.code).toBe('OIDC_TOKEN_FAILED');
    expect(out.info().filter((line) => line.startsWith('Retrying GetIDToken'))).toHaveLength(4);
  });
});
