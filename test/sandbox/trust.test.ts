/** Trust evaluation the layer does for moto, against the synthesized tooling and deploy roles. */
import { exampleRoles } from '../../sandbox/accounts';
import {
  evaluateRoleTrust,
  evaluateWebIdentityTrust,
  principalCandidates,
  wildcardMatch,
  type PolicyDocument,
} from '../../sandbox/trust';

jest.setTimeout(60_000);

const PROVIDER = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
const GOOD = {
  sub: 'repo:octo-org/checkout-api:environment:production',
  aud: 'sts.amazonaws.com',
  repository: 'octo-org/checkout-api',
  repository_id: '892345671',
  repository_owner_id: '71234567',
};

let tooling: PolicyDocument;
let deploy: PolicyDocument;

beforeAll(async () => {
  const { roles } = await exampleRoles();
  tooling = roles.tooling[0]?.trustPolicy as PolicyDocument;
  deploy = roles.deploy[0]?.trustPolicy as PolicyDocument;
});

describe('web identity trust of the synthesized tooling role', () => {
  it('admits the production environment job of the configured repository', () => {
    expect(evaluateWebIdentityTrust(tooling, GOOD, PROVIDER)).toEqual({ allowed: true });
  });

  it.each([
    ['another branch', { sub: 'repo:octo-org/checkout-api:ref:refs/heads/main' }],
    ['another environment', { sub: 'repo:octo-org/checkout-api:environment:staging' }],
    ['a look-alike repository', { sub: 'repo:octo-org/checkout-api2:environment:production' }],
    ['pull requests', { sub: 'repo:octo-org/checkout-api:pull_request' }],
    ['the default audience', { aud: 'https://github.com/octo-org' }],
    ['a recycled repository id', { repository_id: '999' }],
    ['another owner id', { repository_owner_id: '1' }],
    ['no sub at all', { sub: undefined }],
  ])('rejects %s', (_, change) => {
    const decision = evaluateWebIdentityTrust(tooling, { ...GOOD, ...change }, PROVIDER);
    expect(decision.allowed).toBe(false);
  });

  it('rejects a token from another identity provider', () => {
    const other = 'arn:aws:iam::111111111111:oidc-provider/gitlab.example.com';
    expect(evaluateWebIdentityTrust(tooling, GOOD, other).allowed).toBe(false);
  });

  it('fails closed on a condition operator it cannot evaluate', () => {
    const policy: PolicyDocument = {
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: PROVIDER },
          Condition: {
            'ForAllValues:StringLike': { 'token.actions.githubusercontent.com:sub': '*' },
          },
        },
      ],
    };
    const decision = evaluateWebIdentityTrust(policy, GOOD, PROVIDER);
    expect(decision).toEqual({
      allowed: false,
      reason: 'the sandbox cannot evaluate the condition operator ForAllValues:StringLike',
    });
  });

  it('honours an explicit Deny and StringLike patterns', () => {
    const policy: PolicyDocument = {
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: PROVIDER },
          Condition: {
            StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' },
          },
        },
        {
          Effect: 'Deny',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: PROVIDER },
          Condition: { StringEquals: { 'token.actions.githubusercontent.com:environment': 'dev' } },
        },
      ],
    };
    expect(evaluateWebIdentityTrust(policy, GOOD, PROVIDER).allowed).toBe(true);
    const dev = { ...GOOD, environment: 'dev' };
    expect(evaluateWebIdentityTrust(policy, dev, PROVIDER).allowed).toBe(false);
  });
});

describe('role trust of the synthesized deploy role', () => {
  const session = (role: string, account = '111111111111'): string =>
    `arn:aws:sts::${account}:assumed-role/${role}/gh-checkout-api-1-1`;

  it('admits a session of the tooling role', () => {
    expect(evaluateRoleTrust(deploy, session('github-ecs-tooling'))).toEqual({ allowed: true });
  });

  it('rejects a session of any other role of account A, or of another account', () => {
    expect(evaluateRoleTrust(deploy, session('admin')).allowed).toBe(false);
    expect(evaluateRoleTrust(deploy, session('github-ecs-tooling', '333333333333')).allowed).toBe(
      false,
    );
  });

  it('derives the ARNs a trust policy may name for a session', () => {
    expect(principalCandidates(session('github-ecs-tooling'))).toEqual([
      session('github-ecs-tooling'),
      'arn:aws:iam::111111111111:role/github-ecs-tooling',
      'arn:aws:iam::111111111111:root',
      '111111111111',
    ]);
  });
});

describe('wildcardMatch', () => {
  it.each([
    ['repo:octo-org/*', 'repo:octo-org/x:ref:refs/heads/main', true],
    ['repo:octo-org/?', 'repo:octo-org/ab', false],
    ['a.b', 'axb', false],
    ['REPO:*', 'repo:x', false],
  ])('%s against %s is %s', (pattern, value, expected) => {
    expect(wildcardMatch(pattern, value)).toBe(expected);
  });
});
