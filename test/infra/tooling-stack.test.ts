import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig, type DeployConfig } from '../../infra/lib/config';
import { GitHubToolingRole } from '../../infra/lib/github-tooling-role';
import { createApp, loadConfig } from '../../infra/testing/template-policies';

const example = loadConfig(join(__dirname, '../../infra/config/example.json'));
const GITHUB = 'token.actions.githubusercontent.com';
const PROVIDER_ARN = `arn:aws:iam::111111111111:oidc-provider/${GITHUB}`;

function toolingTemplate(config: DeployConfig = example): Template {
  return Template.fromStack(createApp(config).stacks.tooling);
}

function withGitHub(github: Partial<DeployConfig['github']>): DeployConfig {
  return parseConfig({ ...example, github: { ...example.github, ...github } });
}

describe('ToolingStack', () => {
  it('creates the GitHub OIDC provider natively, for sts.amazonaws.com only', () => {
    const template = toolingTemplate();

    template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: `https://${GITHUB}`,
      ClientIdList: ['sts.amazonaws.com'],
    });
    template.resourceCountIs('AWS::Lambda::Function', 0);
    template.resourceCountIs('Custom::AWSCDKOpenIdConnectProvider', 0);
  });

  it('trusts exactly the configured subject, audience and ids, with StringEquals only', () => {
    const template = toolingTemplate();

    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'github-ecs-tooling',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sts:AssumeRoleWithWebIdentity',
            Principal: { Federated: Match.anyValue() },
            Condition: Match.exact({
              StringEquals: {
                [`${GITHUB}:aud`]: 'sts.amazonaws.com',
                [`${GITHUB}:sub`]: ['repo:octo-org/checkout-api:environment:production'],
                [`${GITHUB}:repository_id`]: '892345671',
                [`${GITHUB}:repository_owner_id`]: '71234567',
              },
            }),
          },
        ],
      },
    });
  });

  it('allows only sts:AssumeRole on the deploy role: no TagSession, no SetSourceIdentity', () => {
    const template = toolingTemplate();

    template.hasResourceProperties('AWS::IAM::Role', {
      Policies: Match.exact([
        {
          PolicyName: 'AssumeDeployRoles',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'AssumeDeployRoles',
                Effect: 'Allow',
                Action: 'sts:AssumeRole',
                Resource: 'arn:aws:iam::222222222222:role/github-ecs-deploy',
              },
            ],
          },
        },
      ]),
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/TagSession|SetSourceIdentity/);
  });

  it('lists environments and refs in the immutable subject form', () => {
    const config = withGitHub({
      environments: ['production', 'eu-production'],
      refs: ['refs/heads/main'],
      subjectForm: 'immutable',
    });

    toolingTemplate(config).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              StringEquals: Match.objectLike({
                [`${GITHUB}:sub`]: [
                  'repo:octo-org@71234567/checkout-api@892345671:environment:production',
                  'repo:octo-org@71234567/checkout-api@892345671:environment:eu-production',
                  'repo:octo-org@71234567/checkout-api@892345671:ref:refs/heads/main',
                ],
              }),
            },
          }),
        ],
      },
    });
  });

  it('reuses an existing provider by ARN and creates none', () => {
    const config = parseConfig({
      ...example,
      tooling: { ...example.tooling, oidcProviderArn: PROVIDER_ARN },
    });
    const template = toolingTemplate(config);

    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Federated: PROVIDER_ARN } })],
      },
    });
  });

  it('outputs both role ARNs and the role-chain value', () => {
    const outputs = toolingTemplate().toJSON().Outputs as Record<string, { Value: unknown }>;

    expect(Object.keys(outputs).sort()).toEqual(['DeployRoleArn', 'RoleChain', 'ToolingRoleArn']);
    expect(outputs.DeployRoleArn?.Value).toBe('arn:aws:iam::222222222222:role/github-ecs-deploy');
    expect(JSON.stringify(outputs.RoleChain?.Value)).toContain(
      ',arn:aws:iam::222222222222:role/github-ecs-deploy',
    );
  });

  it('passes cdk-nag AwsSolutions with no finding left', () => {
    const app = createApp(example);
    const report = new AwsSolutionsChecks(app).validateScope(app.stacks.tooling);

    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });
});

describe('GitHubToolingRole', () => {
  const props = {
    repository: 'octo-org/checkout-api',
    repositoryId: '892345671',
    ownerId: '71234567',
    environments: ['production'],
    deployRoleArns: ['arn:aws:iam::222222222222:role/github-ecs-deploy'],
  };

  it.each([
    ['a wildcard repository', { repository: 'octo-org/*' }, 'Role.repository'],
    ['no environment and no ref', { environments: [] }, 'Role.environments'],
    ['a pull_request ref', { refs: ['refs/pull/1/merge'] }, 'Role.refs[0]'],
    ['a non-numeric owner id', { ownerId: 'octo-org' }, 'Role.ownerId'],
    ['no deploy role', { deployRoleArns: [] }, 'deployRoleArns must name'],
    ['a wildcard deploy role', { deployRoleArns: ['arn:aws:iam::2:role/*'] }, 'holds a wildcard'],
  ])('refuses %s, naming the prop', (_case, change, message) => {
    const stack = new Stack();

    expect(() => new GitHubToolingRole(stack, 'Role', { ...props, ...change })).toThrow(message);
  });

  it('uses the provider it is given and defaults to the legacy subject form', () => {
    const stack = new Stack();
    const provider = iam.OidcProviderNative.fromOidcProviderArn(stack, 'P', PROVIDER_ARN);
    new GitHubToolingRole(stack, 'Role', { ...props, oidcProvider: provider });
    const template = Template.fromStack(stack);

    template.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Condition: {
              StringEquals: Match.objectLike({
                [`${GITHUB}:sub`]: ['repo:octo-org/checkout-api:environment:production'],
              }),
            },
          }),
        ],
      },
    });
  });
});
