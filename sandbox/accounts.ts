/**
 * Stands up the two accounts in moto: the roles with the policies the CDK app synthesizes (taken
 * from the templates, never hand-written), the GitHub OIDC provider, an admin user per account
 * for the inspector, and in account B the ECS cluster, task definitions and services.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DeployConfig, RolePolicies } from '../infra/testing/template-policies';
import { taskDefinitionInput, serviceInput, type FixtureContext } from './fixtures';
import { ec2Call, ecsCall, iamCall, xmlField } from './moto-admin';
import type { PolicyDocument, PolicyStatement } from './trust';
import type { RoleTrust } from './layer';

/** The example config every sandbox is built from. */
export const EXAMPLE_CONFIG_PATH = resolve(__dirname, '..', 'infra', 'config', 'example.json');
const GITHUB_PROVIDER_URL = 'https://token.actions.githubusercontent.com';

/** Access keys of an account's admin user (for the inspector and the layer's own calls). */
export interface AdminKey {
  account: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** What setup created. */
export interface Accounts {
  config: DeployConfig;
  toolingRoleArn: string;
  deployRoleArn: string;
  oidcProviderArn: string;
  roles: RoleTrust[];
  admins: Map<string, AdminKey>;
  services: string[];
}

/** Roles as synthesized, resolved for their accounts. */
export interface SynthesizedRoles {
  tooling: RolePolicies[];
  deploy: RolePolicies[];
}

const ROOT = resolve(__dirname, '..');
const CACHE_DIR = join(ROOT, '.cache', 'sandbox');

/** The config and its synthesized roles. */
export interface ExampleRoles {
  config: DeployConfig;
  roles: SynthesizedRoles;
}

let synthesized: ExampleRoles | undefined;

/**
 * Loads the example config and its roles as the CDK app synthesizes them. Synthesis takes 6-15 s,
 * so the result is cached in .cache/sandbox under a hash of everything it depends on (the infra
 * sources, the config, cdk.json and the aws-cdk-lib version): any change synthesizes again.
 */
export async function exampleRoles(): Promise<ExampleRoles> {
  if (synthesized) return synthesized;
  const cacheFile = join(CACHE_DIR, `roles-${infraHash()}.json`);
  try {
    synthesized = JSON.parse(readFileSync(cacheFile, 'utf8')) as ExampleRoles;
    return synthesized;
  } catch {
    // not cached yet
  }
  synthesized = await synthesizeExample();
  mkdirSync(CACHE_DIR, { recursive: true });
  // Written aside then renamed: a parallel jest worker never reads half a file.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  writeFileSync(partial, JSON.stringify(synthesized));
  renameSync(partial, cacheFile);
  return synthesized;
}

async function synthesizeExample(): Promise<ExampleRoles> {
  // Loaded only on a cache miss: aws-cdk-lib alone takes seconds to load.
  const infra = await import('../infra/testing/template-policies');
  const config = infra.loadConfig(EXAMPLE_CONFIG_PATH);
  const templates = infra.synthesizeTemplates(config);
  const region = config.deploy.region;
  return {
    config,
    roles: {
      tooling: infra.rolePolicies(templates.tooling, { account: config.tooling.account, region }),
      deploy: infra.rolePolicies(templates.deploy, { account: config.deploy.account, region }),
    },
  };
}

function infraHash(): string {
  const hash = createHash('sha256');
  const files = [
    EXAMPLE_CONFIG_PATH,
    join(ROOT, 'cdk.json'), // its feature flags shape the templates
    join(ROOT, 'node_modules', 'aws-cdk-lib', 'package.json'),
  ];
  files.push(
    ...listFiles(join(ROOT, 'infra', 'lib')),
    ...listFiles(join(ROOT, 'infra', 'testing')),
  );
  for (const file of files) {
    hash.update(file);
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('missing');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

function listFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/**
 * moto cannot match ECS resource ARNs under its permission checks, so ECS statements get
 * `Resource: "*"`; actions and conditions stay as synthesized. The scoping itself is proven by the
 * CDK app's IAM simulation tests.
 */
export function widenEcsResources(
  document: PolicyDocument,
  debug: (line: string) => void,
): PolicyDocument {
  const statements = (
    Array.isArray(document.Statement) ? document.Statement : [document.Statement]
  ).map((s) => widenStatement(s, debug));
  return { ...document, Statement: statements };
}

function widenStatement(s: PolicyStatement, debug: (line: string) => void): PolicyStatement {
  const actions = Array.isArray(s.Action) ? s.Action : s.Action ? [s.Action] : [];
  const isEcs = actions.length > 0 && actions.every((a) => a.startsWith('ecs:'));
  if (!isEcs || s.Resource === '*') return s;
  debug(`sandbox: widening Resource to "*" for ${actions.join(', ')} (moto cannot match ECS ARNs)`);
  return { ...s, Resource: '*' };
}

/** Creates everything in moto; permission checks must still be off. */
export async function setUpAccounts(
  motoUrl: string,
  options: { services?: string[] | undefined; withoutActions?: string[] | undefined },
  debug: (line: string) => void,
): Promise<Accounts> {
  const { config, roles } = await exampleRoles();
  const oidcProviderArn = await ensureOidcProvider(motoUrl, config);
  const without = options.withoutActions ?? [];
  const shape = (role: RolePolicies): RolePolicies => removeActions(role, without, debug);
  const created = [
    ...(await createRoles(motoUrl, config.tooling.account, roles.tooling.map(shape), debug)),
    ...(await createRoles(motoUrl, config.deploy.account, roles.deploy.map(shape), debug)),
  ];
  await createTaskRoles(motoUrl, config);
  const admins = new Map<string, AdminKey>();
  for (const account of [config.tooling.account, config.deploy.account]) {
    admins.set(account, await createAdmin(motoUrl, account));
  }
  const serviceNames = options.services ?? [...config.deploy.services];
  await createEcs(motoUrl, config, serviceNames);
  return {
    config,
    toolingRoleArn: roleArn(config.tooling.account, config.tooling.roleName),
    deployRoleArn: roleArn(config.deploy.account, config.deploy.roleName),
    oidcProviderArn,
    roles: created,
    admins,
    services: serviceNames,
  };
}

/** Drops `actions` from a role's identity policies (tests of a role missing a permission). */
export function removeActions(
  role: RolePolicies,
  actions: string[],
  debug: (line: string) => void,
): RolePolicies {
  if (actions.length === 0) return role;
  const identityPolicies = role.identityPolicies.map((document) => {
    const statements = document.Statement.flatMap((s) => {
      const list = s.Action === undefined ? [] : Array.isArray(s.Action) ? s.Action : [s.Action];
      const kept = list.filter((a) => !actions.includes(a));
      if (kept.length === list.length) return [s];
      debug(`sandbox: removed ${actions.join(', ')} from ${role.roleName} as asked`);
      return kept.length > 0 ? [{ ...s, Action: kept }] : [];
    });
    return { ...document, Statement: statements };
  });
  return { ...role, identityPolicies };
}

function roleArn(account: string, name: string): string {
  return `arn:aws:iam::${account}:role/${name}`;
}

async function ensureOidcProvider(motoUrl: string, config: DeployConfig): Promise<string> {
  if (config.tooling.oidcProviderArn) return config.tooling.oidcProviderArn;
  const xml = await iamCall(motoUrl, config.tooling.account, {
    Action: 'CreateOpenIDConnectProvider',
    Url: GITHUB_PROVIDER_URL,
    'ClientIDList.member.1': 'sts.amazonaws.com',
  });
  return xmlField(xml, 'OpenIDConnectProviderArn');
}

async function createRoles(
  motoUrl: string,
  account: string,
  roles: RolePolicies[],
  debug: (line: string) => void,
): Promise<RoleTrust[]> {
  const created: RoleTrust[] = [];
  for (const role of roles) {
    const trustPolicy = role.trustPolicy as PolicyDocument;
    await iamCall(motoUrl, account, {
      Action: 'CreateRole',
      RoleName: role.roleName,
      AssumeRolePolicyDocument: JSON.stringify(trustPolicy),
      MaxSessionDuration: '3600',
    });
    for (const [index, document] of role.identityPolicies.entries()) {
      if (document.Statement.length === 0) continue; // every action removed: no policy at all
      const widened = widenEcsResources(document as PolicyDocument, debug);
      await iamCall(motoUrl, account, {
        Action: 'PutRolePolicy',
        RoleName: role.roleName,
        PolicyName: `${role.logicalId}-policy-${index + 1}`,
        PolicyDocument: JSON.stringify(widened),
      });
    }
    created.push({ arn: roleArn(account, role.roleName), trustPolicy });
  }
  return created;
}

async function createTaskRoles(motoUrl: string, config: DeployConfig): Promise<void> {
  const trust = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Action: 'sts:AssumeRole',
      },
    ],
  };
  const arns = [...config.deploy.taskRoleArns, ...config.deploy.executionRoleArns];
  for (const arn of arns) {
    const [, account = config.deploy.account, name = ''] =
      /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(arn) ?? [];
    await iamCall(motoUrl, account, {
      Action: 'CreateRole',
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify(trust),
    });
  }
}

async function createAdmin(motoUrl: string, account: string): Promise<AdminKey> {
  const userName = 'sandbox-admin';
  await iamCall(motoUrl, account, { Action: 'CreateUser', UserName: userName });
  await iamCall(motoUrl, account, {
    Action: 'PutUserPolicy',
    UserName: userName,
    PolicyName: 'administrator',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    }),
  });
  const xml = await iamCall(motoUrl, account, { Action: 'CreateAccessKey', UserName: userName });
  return {
    account,
    accessKeyId: xmlField(xml, 'AccessKeyId'),
    secretAccessKey: xmlField(xml, 'SecretAccessKey'),
  };
}

/** The fixture context of account B. */
export function fixtureContext(config: DeployConfig): FixtureContext {
  return {
    account: config.deploy.account,
    region: config.deploy.region,
    cluster: config.deploy.cluster,
    taskRoleArn: config.deploy.taskRoleArns[0] ?? '',
    executionRoleArn: config.deploy.executionRoleArns[0] ?? '',
  };
}

async function createEcs(motoUrl: string, config: DeployConfig, services: string[]): Promise<void> {
  const ctx = fixtureContext(config);
  const call = (operation: string, input: Record<string, unknown>) =>
    ecsCall(motoUrl, ctx.account, ctx.region, operation, input);
  await call('CreateCluster', { clusterName: ctx.cluster });
  const network = await createNetwork(motoUrl, ctx);
  for (const service of services) {
    const registered = await call('RegisterTaskDefinition', taskDefinitionInput(ctx, service));
    const arn = (registered.taskDefinition as { taskDefinitionArn: string }).taskDefinitionArn;
    await call('CreateService', serviceInput(ctx, service, arn, network));
  }
}

/** A VPC with two private subnets and a security group: awsvpc services need real ids. */
async function createNetwork(
  motoUrl: string,
  ctx: FixtureContext,
): Promise<{ subnets: string[]; securityGroups: string[] }> {
  const ec2 = (params: Record<string, string>) => ec2Call(motoUrl, ctx.account, ctx.region, params);
  const vpcId = xmlField(await ec2({ Action: 'CreateVpc', CidrBlock: '10.20.0.0/16' }), 'vpcId');
  const subnets: string[] = [];
  for (const [index, zone] of ['a', 'b'].entries()) {
    const xml = await ec2({
      Action: 'CreateSubnet',
      VpcId: vpcId,
      CidrBlock: `10.20.${index}.0/24`,
      AvailabilityZone: `${ctx.region}${zone}`,
    });
    subnets.push(xmlField(xml, 'subnetId'));
  }
  const group = await ec2({
    Action: 'CreateSecurityGroup',
    GroupName: `${ctx.cluster}-services`,
    GroupDescription: 'ECS services of the sandbox cluster',
    VpcId: vpcId,
  });
  return { subnets, securityGroups: [xmlField(group, 'groupId')] };
}
