import { join } from 'node:path';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { parseConfig, type DeployConfig } from '../../infra/lib/config';
import {
  loadConfig,
  rolePolicies,
  synthesizeTemplates,
  type PolicyDocument,
  type RolePolicies,
} from '../../infra/testing/template-policies';
import deployRequests from './fixtures/deploy-role-requests.json';
import webIdentity from './fixtures/web-identity-cases.json';
import { simulate, simulateWebIdentity } from './iam-simulator';

const example = loadConfig(join(__dirname, '../../infra/config/example.json'));
const A = { account: '111111111111', region: 'eu-west-1' };
const B = { account: '222222222222', region: 'eu-west-1' };
const TOOLING_ROLE = 'arn:aws:iam::111111111111:role/github-ecs-tooling';
const DEPLOY_ROLE = 'arn:aws:iam::222222222222:role/github-ecs-deploy';
const TOOLING_SESSION = 'arn:aws:sts::111111111111:assumed-role/github-ecs-tooling/gha-42-1';
const DEPLOY_SESSION = 'arn:aws:sts::222222222222:assumed-role/github-ecs-deploy/gha-42-1';
const ECS_PREFIX = 'arn:aws:ecs:eu-west-1:222222222222:';
const ADMIN: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

type Claims = Record<string, string | null>;

/** The roles of both synthesized templates, every intrinsic resolved. */
function synthesizedRoles(config: DeployConfig): { tooling: RolePolicies; deploy: RolePolicies } {
  const templates = synthesizeTemplates(config);
  const [tooling] = rolePolicies(templates.tooling, A);
  const [deploy] = rolePolicies(templates.deploy, B);
  if (tooling === undefined || deploy === undefined) throw new Error('a role is missing');
  return { tooling, deploy };
}

/** The intended job's claims with some replaced; `null` removes a claim. */
function claimsWith(changes: Claims): Record<string, string> {
  const merged: Claims = { ...webIdentity.intended, ...changes };
  const present = Object.entries(merged).filter(([, value]) => value !== null);
  return Object.fromEntries(present) as Record<string, string>;
}

function assumeTooling(trust: PolicyDocument, changes: Claims, provider = webIdentity.provider) {
  return simulateWebIdentity(trust, TOOLING_ROLE, provider, claimsWith(changes));
}

const roles = synthesizedRoles(example);

describe('hop 1: AssumeRoleWithWebIdentity into the synthesized tooling role', () => {
  const trust = roles.tooling.trustPolicy;

  it('lets the intended job in', () => {
    expect(assumeTooling(trust, {})).toBe('Allowed');
  });

  it('has at least 15 impostors in the matrix', () => {
    expect(webIdentity.impostors.length).toBeGreaterThanOrEqual(15);
  });

  it.each(webIdentity.impostors.map((impostor) => [impostor.case, impostor] as const))(
    'keeps out %s',
    (_case, impostor) => {
      const claims = impostor.claims as Claims;

      expect(assumeTooling(trust, claims, impostor.provider ?? webIdentity.provider)).toBe(
        'ImplicitlyDenied',
      );
    },
  );

  it('is not run through runSimulation, which drops the GitHub keys (REFERENCE.md)', async () => {
    const answer = await runSimulation(
      {
        request: {
          principal: webIdentity.provider,
          action: 'sts:AssumeRoleWithWebIdentity',
          resource: { resource: TOOLING_ROLE, accountId: A.account },
          contextVariables: { 'token.actions.githubusercontent.com:sub': 'anything' },
        },
        identityPolicies: [],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        resourcePolicy: trust,
      },
      {},
    );
    const ignored = answer.resultType === 'single' ? answer.result.ignoredContextKeys : [];

    expect(ignored).toContain('token.actions.githubusercontent.com:sub');
  });
});

describe('hop 1 with other subject shapes', () => {
  it('takes only the immutable form when the config says so', () => {
    const config = parseConfig({
      ...example,
      github: { ...example.github, subjectForm: 'immutable' },
    });
    const trust = synthesizedRoles(config).tooling.trustPolicy;
    const immutable = 'repo:octo-org@71234567/checkout-api@892345671:environment:production';

    expect(assumeTooling(trust, { sub: immutable })).toBe('Allowed');
    expect(assumeTooling(trust, {})).toBe('ImplicitlyDenied');
    expect(
      assumeTooling(trust, {
        sub: 'repo:octo-org@71234567/checkout-api@111111111:environment:production',
      }),
    ).toBe('ImplicitlyDenied');
    expect(
      assumeTooling(trust, {
        sub: 'repo:octo-org@1/checkout-api@892345671:environment:production',
      }),
    ).toBe('ImplicitlyDenied');
  });

  it('takes exactly the listed refs when refs are configured', () => {
    const github = { ...example.github, environments: [], refs: ['refs/heads/main'] };
    const trust = synthesizedRoles(parseConfig({ ...example, github })).tooling.trustPolicy;

    expect(assumeTooling(trust, { sub: 'repo:octo-org/checkout-api:ref:refs/heads/main' })).toBe(
      'Allowed',
    );
    expect(assumeTooling(trust, {})).toBe('ImplicitlyDenied');
    expect(
      assumeTooling(trust, { sub: 'repo:octo-org/checkout-api:ref:refs/heads/mainline' }),
    ).toBe('ImplicitlyDenied');
    expect(assumeTooling(trust, { sub: 'repo:octo-org/checkout-api:ref:refs/tags/main' })).toBe(
      'ImplicitlyDenied',
    );
  });
});

describe('self-check: the matrix catches loose trust policies', () => {
  const principal = { Federated: webIdentity.provider };
  const loose = (condition: Record<string, unknown>): PolicyDocument =>
    ({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: principal,
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: condition,
        },
      ],
    }) as PolicyDocument;
  const attacker = webIdentity.impostors[0]?.claims as Claims;
  const sibling = webIdentity.impostors[1]?.claims as Claims;

  it('lets another owner in when only aud is pinned', () => {
    const trust = loose({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
    });

    expect(assumeTooling(trust, attacker)).toBe('Allowed');
  });

  it('lets a sibling repository in with StringLike repo:owner/*', () => {
    const trust = loose({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' },
    });

    expect(assumeTooling(trust, sibling)).toBe('Allowed');
  });

  it('lets a token without sub in with ForAllValues on sub', () => {
    const trust = loose({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      'ForAllValues:StringEquals': {
        'token.actions.githubusercontent.com:sub': [webIdentity.intended.sub],
      },
    });

    expect(assumeTooling(trust, { sub: null })).toBe('Allowed');
  });
});

describe('hop 2: AssumeRole into the synthesized deploy role', () => {
  const hop = (principal: string, identityPolicies: PolicyDocument[], resource = DEPLOY_ROLE) =>
    simulate({
      principal,
      action: 'sts:AssumeRole',
      resource,
      identityPolicies,
      resourcePolicy: roles.deploy.trustPolicy,
    });

  it('lets the tooling role session in', async () => {
    expect(await hop(TOOLING_SESSION, roles.tooling.identityPolicies)).toEqual({
      result: 'Allowed',
      ignoredContextKeys: [],
    });
  });

  it.each([
    [
      'another role of account A, even with admin rights',
      'arn:aws:sts::111111111111:assumed-role/admin/x',
    ],
    ['the root user of account A', 'arn:aws:iam::111111111111:root'],
    ['an IAM user of account A', 'arn:aws:iam::111111111111:user/ci'],
    [
      'a role of the same name in another account',
      'arn:aws:sts::333333333333:assumed-role/github-ecs-tooling/x',
    ],
    ['a role of account B itself', 'arn:aws:sts::222222222222:assumed-role/admin/x'],
  ])('keeps out %s', async (_case, principal) => {
    const answer = await hop(principal, [ADMIN]);

    expect(answer.ignoredContextKeys).toEqual([]);
    expect(answer.result).not.toBe('Allowed');
  });
});

describe('the tooling role can assume nothing else', () => {
  const permissiveTrust = (account: string): PolicyDocument => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  });

  it.each([
    ['an admin role in account B that trusts account A', 'arn:aws:iam::222222222222:role/admin'],
    ['a role in account A', 'arn:aws:iam::111111111111:role/admin'],
    [
      'a deploy role of the same name in another account',
      'arn:aws:iam::333333333333:role/github-ecs-deploy',
    ],
  ])('cannot assume %s', async (_case, roleArn) => {
    const answer = await simulate({
      principal: TOOLING_SESSION,
      action: 'sts:AssumeRole',
      resource: roleArn,
      identityPolicies: roles.tooling.identityPolicies,
      resourcePolicy: permissiveTrust('111111111111'),
    });

    expect(answer).toEqual({ result: 'ImplicitlyDenied', ignoredContextKeys: [] });
  });

  it.each([
    ['sts:TagSession', DEPLOY_ROLE],
    ['sts:SetSourceIdentity', DEPLOY_ROLE],
    ['ecs:UpdateService', `${ECS_PREFIX}service/checkout/checkout-api`],
    ['iam:PassRole', 'arn:aws:iam::222222222222:role/checkout-task'],
    ['iam:CreateRole', 'arn:aws:iam::111111111111:role/new'],
  ])('cannot call %s', async (action, resource) => {
    const answer = await simulate({
      principal: TOOLING_SESSION,
      action,
      resource,
      identityPolicies: roles.tooling.identityPolicies,
    });

    expect(answer).toEqual({ result: 'ImplicitlyDenied', ignoredContextKeys: [] });
  });
});

describe('what the deploy role session may do', () => {
  interface DeployRequest {
    case?: string;
    action: string;
    resource: string;
    context?: Record<string, string>;
  }
  const absolute = (resource: string) =>
    resource === '*' || resource.startsWith('arn:') ? resource : `${ECS_PREFIX}${resource}`;
  const ask = (request: DeployRequest) =>
    simulate({
      principal: DEPLOY_SESSION,
      action: request.action,
      resource: absolute(request.resource),
      identityPolicies: roles.deploy.identityPolicies,
      ...(request.context === undefined ? {} : { context: request.context }),
    });

  it.each(
    (deployRequests.allowed as DeployRequest[]).map((r) => [r.action, r.resource, r] as const),
  )('may %s on %s', async (_action, _resource, request) => {
    expect(await ask(request)).toEqual({ result: 'Allowed', ignoredContextKeys: [] });
  });

  it.each((deployRequests.denied as DeployRequest[]).map((r) => [r.case, r] as const))(
    'may not: %s',
    async (_case, request) => {
      expect(await ask(request)).toEqual({ result: 'ImplicitlyDenied', ignoredContextKeys: [] });
    },
  );
});
