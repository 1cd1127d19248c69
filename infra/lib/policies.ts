/**
 * Pure policy building: subjects, trust conditions and statements from plain data. No constructs
 * here, so every rule can be tested against literal values and reused outside the stacks.
 */
import * as iam from 'aws-cdk-lib/aws-iam';
import type { GitHubConfig } from './config';

/** Issuer host of GitHub Actions OIDC tokens, and the prefix of their condition keys. */
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** Audience the action asks for, and the OIDC provider's only client id. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/** Service principal the deploy role may pass task and execution roles to. */
export const ECS_TASKS_SERVICE = 'ecs-tasks.amazonaws.com';

/** The repository facts a `sub` claim is built from: the config's `github` section. */
export type SubjectSource = GitHubConfig;

/** The exact `sub` claims of the jobs allowed to deploy, one per environment and ref. */
export function githubSubjects(source: SubjectSource): string[] {
  const prefix = subjectPrefix(source);
  const environments = source.environments.map((name) => `${prefix}:environment:${name}`);
  const refs = source.refs.map((ref) => `${prefix}:ref:${ref}`);
  return [...environments, ...refs];
}

function subjectPrefix(source: SubjectSource): string {
  if (source.subjectForm === 'legacy') return `repo:${source.repository}`;
  const [owner, name] = source.repository.split('/');
  return `repo:${owner}@${source.ownerId}/${name}@${source.repositoryId}`;
}

/** Trust conditions: every claim pinned with StringEquals, no pattern anywhere. */
export function githubTrustConditions(source: SubjectSource): Record<string, unknown> {
  return {
    StringEquals: {
      [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
      [`${GITHUB_OIDC_HOST}:sub`]: githubSubjects(source),
      [`${GITHUB_OIDC_HOST}:repository_id`]: source.repositoryId,
      [`${GITHUB_OIDC_HOST}:repository_owner_id`]: source.ownerId,
    },
  };
}

/** The tooling role's only permission: assume the named deploy roles. */
export function assumeDeployRoleStatement(deployRoleArns: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'AssumeDeployRoles',
    actions: ['sts:AssumeRole'],
    resources: [...deployRoleArns],
  });
}

/** Where the deploy role's ECS permissions point. */
export interface EcsScope {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly cluster: string;
  readonly services: readonly string[];
  readonly taskRoleArns: readonly string[];
  readonly executionRoleArns: readonly string[];
  /** Task definition families the role may register; empty: any family in the account. */
  readonly taskDefinitionFamilies: readonly string[];
}

/** ARN of an ECS resource of the given type in the scope's account and region. */
export function ecsArn(scope: EcsScope, resource: string): string {
  return `arn:${scope.partition}:ecs:${scope.region}:${scope.account}:${resource}`;
}

/** Every statement of the deploy role, narrowest first. */
export function deployRoleStatements(scope: EcsScope): iam.PolicyStatement[] {
  const statements = [
    serviceStatement(scope),
    deploymentStatement(scope),
    taskStatement(scope),
    registerStatement(scope),
    readTaskDefinitionStatement(),
    tagOnRegisterStatement(scope),
  ];
  const passRole = passRoleStatement(scope);
  return passRole === undefined ? statements : [...statements, passRole];
}

function serviceStatement(scope: EcsScope): iam.PolicyStatement {
  const services = scope.services.map((name) => ecsArn(scope, `service/${scope.cluster}/${name}`));
  return new iam.PolicyStatement({
    sid: 'UpdateNamedServices',
    actions: ['ecs:DescribeServices', 'ecs:UpdateService', 'ecs:ListServiceDeployments'],
    resources: services,
  });
}

function deploymentStatement(scope: EcsScope): iam.PolicyStatement {
  // DescribeServiceDeployments is authorized against both the service and the deployment.
  const resources = scope.services.flatMap((name) => [
    ecsArn(scope, `service/${scope.cluster}/${name}`),
    ecsArn(scope, `service-deployment/${scope.cluster}/${name}/*`),
  ]);
  return new iam.PolicyStatement({
    sid: 'FollowDeploymentsOfNamedServices',
    actions: ['ecs:DescribeServiceDeployments'],
    resources,
  });
}

function taskStatement(scope: EcsScope): iam.PolicyStatement {
  // Task ids are random, so the cluster is as narrow as a task ARN can be named in advance.
  return new iam.PolicyStatement({
    sid: 'DescribeTasksInCluster',
    actions: ['ecs:DescribeTasks'],
    resources: [ecsArn(scope, `task/${scope.cluster}/*`)],
  });
}

/** Task definition ARNs the role may register and tag: the named families, or any. */
export function taskDefinitionArns(scope: EcsScope): string[] {
  const families = scope.taskDefinitionFamilies;
  if (families.length === 0) return [ecsArn(scope, 'task-definition/*')];
  return families.map((family) => ecsArn(scope, `task-definition/${family}:*`));
}

function registerStatement(scope: EcsScope): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'RegisterTaskDefinitions',
    actions: ['ecs:RegisterTaskDefinition'],
    resources: taskDefinitionArns(scope),
  });
}

function readTaskDefinitionStatement(): iam.PolicyStatement {
  // DescribeTaskDefinition has no resource type: IAM accepts only "*" for it.
  return new iam.PolicyStatement({
    sid: 'ReadTaskDefinitions',
    actions: ['ecs:DescribeTaskDefinition'],
    resources: ['*'],
  });
}

function tagOnRegisterStatement(scope: EcsScope): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'TagTaskDefinitionsOnlyWhenRegistering',
    actions: ['ecs:TagResource'],
    resources: taskDefinitionArns(scope),
    conditions: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
  });
}

function passRoleStatement(scope: EcsScope): iam.PolicyStatement | undefined {
  const roles = [...scope.taskRoleArns, ...scope.executionRoleArns];
  if (roles.length === 0) return undefined;
  return new iam.PolicyStatement({
    sid: 'PassTaskRolesToEcsTasksOnly',
    actions: ['iam:PassRole'],
    resources: [...new Set(roles)],
    conditions: { StringEquals: { 'iam:PassedToService': ECS_TASKS_SERVICE } },
  });
}

/** ARN of a role by name, for roles in another stack or account. */
export function roleArn(partition: string, account: string, roleName: string): string {
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

/** The `role-chain` input value for the action: the role ARNs, comma-separated. */
export function roleChain(roleArns: readonly string[]): string {
  return roleArns.join(',');
}
