import {
  checkCredentialSource,
  deriveSessionName,
  planChain,
  readRunContext,
} from '../../../action/credentials/plan';
import { ActionError } from '../../../action/errors';
import { DEPLOY, makeRequest as request, TOOLING } from '../support/request';

const OIDC_ENV = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'http://x/?a=1',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't',
};

function codeOf(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof ActionError ? error.code : 'not an ActionError';
  }
}

describe('deriveSessionName', () => {
  it('is gh-<repo>-<runId>-<attempt>', () => {
    const name = deriveSessionName({
      repository: 'octo-org/checkout-api',
      runId: '9876543210',
      runAttempt: '2',
    });
    expect(name).toBe('gh-checkout-api-9876543210-2');
  });

  it('sanitizes and shortens the repository, keeping the run id, within 64 characters', () => {
    const name = deriveSessionName({
      repository: `octo/${'very long name '.repeat(8)}`,
      runId: '123',
      runAttempt: '1',
    });
    expect(name).toHaveLength(64);
    expect(name).toMatch(/^gh-very-long-name-[\w+=,.@-]*-123-1$/);
  });

  it('reads run metadata from the environment, with fallbacks for local runs', () => {
    expect(
      readRunContext({ GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '5', GITHUB_RUN_ATTEMPT: '3' }),
    ).toEqual({
      repository: 'o/r',
      runId: '5',
      runAttempt: '3',
    });
    expect(readRunContext({})).toMatchObject({ repository: 'local', runAttempt: '1' });
  });
});

describe('planChain', () => {
  const run = { repository: 'octo-org/checkout-api', runId: '42', runAttempt: '1' };

  it('plans hop 1 by web identity and every later hop chained, in order', () => {
    expect(planChain(request(), run)).toEqual({
      hops: [
        { index: 1, total: 2, roleArn: TOOLING, method: 'web-identity' },
        { index: 2, total: 2, roleArn: DEPLOY, method: 'assume-role' },
      ],
      region: 'eu-west-1',
      audience: 'sts.amazonaws.com',
      roleSessionName: 'gh-checkout-api-42-1',
      durationSeconds: 3600,
    });
  });

  it('plans hop 1 with ambient credentials when asked, and keeps a given session name', () => {
    const plan = planChain(request({ credentialSource: 'ambient', roleSessionName: 'mine' }), run);
    expect(plan.hops.map((h) => h.method)).toEqual(['ambient', 'assume-role']);
    expect(plan.roleSessionName).toBe('mine');
  });
});

describe('checkCredentialSource', () => {
  it('needs the OIDC request variables for credential-source oidc, naming three ways out', () => {
    let error: unknown;
    try {
      checkCredentialSource(request(), {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).code).toBe('OIDC_UNAVAILABLE');
    expect((error as ActionError).hint).toMatch(/id-token: write/);
    expect((error as ActionError).hint).toMatch(/--env ACTIONS_ID_TOKEN_REQUEST_URL/);
    expect((error as ActionError).hint).toMatch(/credential-source: ambient/);
    expect(codeOf(() => checkCredentialSource(request(), OIDC_ENV))).toBeUndefined();
  });

  it('refuses ambient on a real runner, allows it under act or off GitHub', () => {
    const ambient = request({ credentialSource: 'ambient' });
    expect(codeOf(() => checkCredentialSource(ambient, { GITHUB_ACTIONS: 'true' }))).toBe(
      'AMBIENT_REFUSED',
    );
    expect(
      codeOf(() => checkCredentialSource(ambient, { GITHUB_ACTIONS: 'true', ACT: 'true' })),
    ).toBeUndefined();
    expect(codeOf(() => checkCredentialSource(ambient, {}))).toBeUndefined();
  });
});
