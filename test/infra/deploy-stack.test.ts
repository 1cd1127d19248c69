import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig, type DeployConfig } from '../../infra/lib/config';
import { EcsDeployRole } from '../../infra/lib/ecs-deploy-role';
import { createApp, loadConfig } from '../../infra/testing/template-policies';

const example = loadConfig(join(__dirname, '../../infra/config/example.json'));
const ECS = 'arn:aws:ecs:eu-west-1:222222222222';
const TOOLING_ROLE = 'arn:aws:iam::111111111111:role/github-ecs-tooling';

function deployTemplate(config: DeployConfig = example): Template {
  return Template.fromStack(createApp(config).stacks.deploy);
}

function statements(template: Template): Array<Record<string, unknown>> {
  const roles = Object.values(template.findResources('AWS::IAM::Role'));
  const policies = roles.flatMap((role) => role.Properties.Policies);
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function statement(template: Template, sid: string): Record<string, unknown> | undefined {
  return statements(template).find((item) => item.Sid === sid);
}

describe('DeployStack', () => {
  it('trusts the tooling role ARN alone, not account A root, for a 1 h session', () => {
    const template = deployTemplate();

    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'github-ecs-deploy',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: Match.exact({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: TOOLING_ROLE } },
        ],
      }),
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/:root|TagSession|SetSourceIdentity/);
  });

  it('scopes service actions to the configured services of the cluster', () => {
    const template = deployTemplate();
    const services = [
      `${ECS}:service/checkout/checkout-api`,
      `${ECS}:service/checkout/checkout-worker`,
    ];

    expect(statement(template, 'UpdateNamedServices')).toEqual({
      Sid: 'UpdateNamedServices',
      Effect: 'Allow',
      Action: ['ecs:DescribeServices', 'ecs:ListServiceDeployments', 'ecs:UpdateService'],
      Resource: services,
    });
    expect(statement(template, 'FollowDeploymentsOfNamedServices')?.Resource).toEqual([
      `${ECS}:service-deployment/checkout/checkout-api/*`,
      `${ECS}:service-deployment/checkout/checkout-worker/*`,
      ...services,
    ]);
    expect(statement(template, 'DescribeTasksInCluster')?.Resource).toBe(`${ECS}:task/checkout/*`);
  });

  it('registers task definitions in its account, reads them on "*", tags only on create', () => {
    const template = deployTemplate();

    expect(statement(template, 'RegisterTaskDefinitions')?.Resource).toBe(
      `${ECS}:task-definition/*`,
    );
    expect(statement(template, 'ReadTaskDefinitions')).toMatchObject({
      Action: 'ecs:DescribeTaskDefinition',
      Resource: '*',
    });
    expect(statement(template, 'TagTaskDefinitionsOnlyWhenRegistering')).toMatchObject({
      Action: 'ecs:TagResource',
      Resource: `${ECS}:task-definition/*`,
      Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
    });
  });

  it('passes only the task and execution roles, only to ecs-tasks', () => {
    expect(statement(deployTemplate(), 'PassTaskRolesToEcsTasksOnly')).toEqual({
      Sid: 'PassTaskRolesToEcsTasksOnly',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: [
        'arn:aws:iam::222222222222:role/checkout-execution',
        'arn:aws:iam::222222222222:role/checkout-task',
      ],
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
  });

  it('has no action wildcard and "*" only for DescribeTaskDefinition', () => {
    const all = statements(deployTemplate());
    const actions = all.flatMap((item) => [item.Action].flat() as string[]);
    const onStar = all.filter(
      (item) => item.Resource === '*' || [item.Resource].flat().includes('*'),
    );

    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(onStar.map((item) => item.Action)).toEqual(['ecs:DescribeTaskDefinition']);
    expect(all.every((item) => item.Effect === 'Allow')).toBe(true);
  });

  it('narrows registration to the configured task definition families', () => {
    const config = parseConfig({
      ...example,
      deploy: { ...example.deploy, taskDefinitionFamilies: ['checkout-api'] },
    });
    const template = deployTemplate(config);

    expect(statement(template, 'RegisterTaskDefinitions')?.Resource).toBe(
      `${ECS}:task-definition/checkout-api:*`,
    );
    expect(statement(template, 'TagTaskDefinitionsOnlyWhenRegistering')?.Resource).toBe(
      `${ECS}:task-definition/checkout-api:*`,
    );
  });

  it('leaves PassRole out when no role is configured', () => {
    const config = parseConfig({
      ...example,
      deploy: { ...example.deploy, taskRoleArns: [], executionRoleArns: [] },
    });

    expect(statement(deployTemplate(config), 'PassTaskRolesToEcsTasksOnly')).toBeUndefined();
  });

  it('outputs both role ARNs and the role-chain value', () => {
    const outputs = deployTemplate().toJSON().Outputs as Record<string, { Value: unknown }>;

    expect(Object.keys(outputs).sort()).toEqual(['DeployRoleArn', 'RoleChain', 'ToolingRoleArn']);
    expect(outputs.ToolingRoleArn?.Value).toBe(TOOLING_ROLE);
    expect(JSON.stringify(outputs.RoleChain?.Value)).toContain(`${TOOLING_ROLE},`);
  });
});

describe('DeployStack under cdk-nag AwsSolutions', () => {
  it('has no finding left, and every acknowledgement carries its reason', () => {
    const app = createApp(example);
    const report = new AwsSolutionsChecks(app).validateScope(app.stacks.deploy);
    const cfnRole = app.stacks.deploy.deploy.role.node.defaultChild;
    const acknowledged = (cfnRole?.node.metadata ?? [])
      .filter((entry) => entry.type === 'aws:cdk:acknowledged-rules')
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>));

    expect(report.violations).toEqual([]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(5);
    for (const [id, reason] of acknowledged) {
      expect(id).toMatch(/^Annotation::AwsSolutions-IAM5\[Resource::.+\]$/);
      expect(reason.length).toBeGreaterThan(30);
    }
  });

  it('still reports a wildcard the construct did not vouch for', () => {
    const app = createApp(example);
    app.stacks.deploy.deploy.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecs:DeleteService'], resources: ['*'] }),
    );
    app.stacks.deploy.deploy.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecs:*'], resources: [`${ECS}:cluster/checkout`] }),
    );
    const report = new AwsSolutionsChecks(app).validateScope(app.stacks.deploy);

    expect(report.success).toBe(false);
    expect(report.violations.map((violation) => violation.ruleName).sort()).toEqual([
      'AwsSolutions-IAM5[Action::ecs:*]',
      'AwsSolutions-IAM5[Resource::*]',
    ]);
  });
});

describe('EcsDeployRole', () => {
  const props = {
    trustedRoleArns: [TOOLING_ROLE],
    cluster: 'checkout',
    services: ['checkout-api'],
  };

  it.each([
    [
      'an account root',
      { trustedRoleArns: ['arn:aws:iam::111111111111:root'] },
      'no account roots',
    ],
    ['no trusted role', { trustedRoleArns: [] }, 'trustedRoleArns must name'],
    ['a wildcard service', { services: ['*'] }, 'not an exact ECS name'],
    ['a wildcard cluster', { cluster: 'check*' }, 'not an exact ECS name'],
    ['no service', { services: [] }, 'services must name'],
  ])('refuses %s', (_case, change, message) => {
    expect(() => new EcsDeployRole(new Stack(), 'Deploy', { ...props, ...change })).toThrow(
      message,
    );
  });
});
