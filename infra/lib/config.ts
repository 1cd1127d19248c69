/**
 * The deploy config file: its types, and a loader that refuses every shape that would let
 * another repository, branch or service through. Every error names the field it rejects.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';
import { checkExact, validateSubjectSource } from './subject-rules';

/** How GitHub writes the `sub` claim: `repo:OWNER/REPO:...` or `repo:OWNER@ID/REPO@ID:...`. */
export type SubjectForm = 'legacy' | 'immutable';

/** Which GitHub jobs may start the chain. */
export interface GitHubConfig {
  /** `owner/name`, exactly as GitHub spells it (the `sub` claim is compared case-sensitively). */
  readonly repository: string;
  /** Numeric repository id (`gh api repos/OWNER/REPO --jq .id`). */
  readonly repositoryId: string;
  /** Numeric id of the owner (`gh api repos/OWNER/REPO --jq .owner.id`). */
  readonly ownerId: string;
  /** Environments whose jobs may deploy (`sub` = `repo:...:environment:NAME`). */
  readonly environments: readonly string[];
  /** Full refs whose jobs may deploy, e.g. `refs/heads/main` (`sub` = `repo:...:ref:REF`). */
  readonly refs: readonly string[];
  /** Form of the `sub` claim GitHub issues for this repository. */
  readonly subjectForm: SubjectForm;
}

/** Account A: the GitHub OIDC provider and the tooling role. */
export interface ToolingConfig {
  /** 12-digit id of account A. */
  readonly account: string;
  /** Name of the tooling role. */
  readonly roleName: string;
  /** ARN of a GitHub OIDC provider account A already has; absent: the stack creates one. */
  readonly oidcProviderArn?: string;
  /** Region the tooling stack is deployed to; absent: `deploy.region`. */
  readonly region?: string;
}

/** Account B: the deploy role and what it may touch. */
export interface DeployAccountConfig {
  /** 12-digit id of account B. */
  readonly account: string;
  /** Region of the ECS cluster. */
  readonly region: string;
  /** Name of the deploy role. */
  readonly roleName: string;
  /** ECS cluster name. */
  readonly cluster: string;
  /** ECS service names the deploy role may update. */
  readonly services: readonly string[];
  /** Task roles the deploy role may pass to ECS tasks. */
  readonly taskRoleArns: readonly string[];
  /** Task execution roles the deploy role may pass to ECS tasks. */
  readonly executionRoleArns: readonly string[];
  /** Task definition families the deploy role may register; absent: any family in account B. */
  readonly taskDefinitionFamilies?: readonly string[];
}

/** The whole config file (`infra/config/example.json`). */
export interface DeployConfig {
  /** Which GitHub jobs may deploy. */
  readonly github: GitHubConfig;
  /** Account A. */
  readonly tooling: ToolingConfig;
  /** Account B. */
  readonly deploy: DeployAccountConfig;
}

export { ConfigError };

type Json = Record<string, unknown>;

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const ECS_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ROLE_ARN = /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):role\/[\w+=,.@/-]{1,512}$/;
const OIDC_PROVIDER_ARN =
  /^arn:aws(-cn|-us-gov)?:iam::(\d{12}):oidc-provider\/token\.actions\.githubusercontent\.com$/;

/** Reads, parses and validates a config file. */
export function loadConfig(path: string): DeployConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError('(file)', `cannot read ${path}`, { cause: error });
  }
  try {
    return parseConfig(JSON.parse(text));
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError('(file)', `${path} is not valid JSON`, { cause: error });
  }
}

/** Validates an already-parsed config object; throws ConfigError naming the first bad field. */
export function parseConfig(value: unknown): DeployConfig {
  const root = readObject(value, '(root)', ['github', 'tooling', 'deploy']);
  const deploy = parseDeploy(root.deploy);
  const config = { github: parseGitHub(root.github), tooling: parseTooling(root.tooling), deploy };
  checkOnePartition(config);
  return config;
}

/** The AWS partition of a region: role chains cannot cross partitions. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function checkOnePartition(config: DeployConfig): void {
  const partition = partitionOf(config.deploy.region);
  const toolingRegion = config.tooling.region ?? config.deploy.region;
  if (partitionOf(toolingRegion) !== partition) {
    throw new ConfigError('tooling.region', `${toolingRegion} is not in partition ${partition}`);
  }
  const arns: Array<readonly [string, string | undefined]> = [
    ['tooling.oidcProviderArn', config.tooling.oidcProviderArn],
    ...config.deploy.taskRoleArns.map((arn, i) => [`deploy.taskRoleArns[${i}]`, arn] as const),
    ...config.deploy.executionRoleArns.map(
      (arn, i) => [`deploy.executionRoleArns[${i}]`, arn] as const,
    ),
  ];
  const stray = arns.find(([, arn]) => arn !== undefined && !arn.startsWith(`arn:${partition}:`));
  if (stray !== undefined) {
    const [field, arn] = stray;
    throw new ConfigError(
      field,
      `${String(arn)} is not in partition ${partition} (of deploy.region)`,
    );
  }
}

function parseGitHub(value: unknown): GitHubConfig {
  const keys = ['repository', 'repositoryId', 'ownerId', 'environments', 'refs', 'subjectForm'];
  const github = readObject(value, 'github', keys);
  const result = {
    repository: readString(github.repository, 'github.repository'),
    repositoryId: readNumericId(github.repositoryId, 'github.repositoryId'),
    ownerId: readNumericId(github.ownerId, 'github.ownerId'),
    environments: readList(github.environments, 'github.environments', true),
    refs: readList(github.refs, 'github.refs', true),
    subjectForm: readString(github.subjectForm, 'github.subjectForm') as SubjectForm,
  };
  validateSubjectSource(result, 'github');
  return result;
}

function parseTooling(value: unknown): ToolingConfig {
  const keys = ['account', 'roleName', 'oidcProviderArn', 'region'];
  const tooling = readObject(value, 'tooling', keys);
  const account = readAccount(tooling.account, 'tooling.account');
  const result = { account, roleName: readRoleName(tooling.roleName, 'tooling.roleName') };
  const region =
    tooling.region === undefined ? {} : { region: readRegion(tooling.region, 'tooling.region') };
  const provider =
    tooling.oidcProviderArn === undefined
      ? {}
      : { oidcProviderArn: readProviderArn(tooling.oidcProviderArn, account) };
  return { ...result, ...region, ...provider };
}

function parseDeploy(value: unknown): DeployAccountConfig {
  const keys = ['account', 'region', 'roleName', 'cluster', 'services'];
  const roles = ['taskRoleArns', 'executionRoleArns', 'taskDefinitionFamilies'];
  const deploy = readObject(value, 'deploy', [...keys, ...roles]);
  const account = readAccount(deploy.account, 'deploy.account');
  const families = deploy.taskDefinitionFamilies;
  const result: DeployAccountConfig = {
    account,
    region: readRegion(deploy.region, 'deploy.region'),
    roleName: readRoleName(deploy.roleName, 'deploy.roleName'),
    cluster: readEcsName(deploy.cluster, 'deploy.cluster'),
    services: readServices(deploy.services),
    taskRoleArns: readRoleArns(deploy.taskRoleArns, 'deploy.taskRoleArns', account),
    executionRoleArns: readRoleArns(deploy.executionRoleArns, 'deploy.executionRoleArns', account),
  };
  if (families === undefined) return result;
  return { ...result, taskDefinitionFamilies: readFamilies(families) };
}

function readFamilies(value: unknown): string[] {
  const families = readList(value, 'deploy.taskDefinitionFamilies', false);
  return families.map((name, i) => readEcsName(name, `deploy.taskDefinitionFamilies[${i}]`));
}

function readObject(value: unknown, field: string, allowed: readonly string[]): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(field, `expected an object with ${allowed.join(', ')}`);
  }
  const unknownKey = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknownKey !== undefined) {
    const where = field === '(root)' ? unknownKey : `${field}.${unknownKey}`;
    throw new ConfigError(where, `unknown field; allowed here: ${allowed.join(', ')}`);
  }
  return value as Json;
}

function readString(value: unknown, field: string): string {
  if (value === undefined) throw new ConfigError(field, 'missing');
  if (typeof value !== 'string') {
    throw new ConfigError(field, `expected a string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function readMatch(value: unknown, field: string, rule: RegExp, allowed: string): string {
  const text = readString(value, field);
  checkExact(text, field, rule, allowed);
  return text;
}

function readList(value: unknown, field: string, allowEmpty: boolean): string[] {
  if (value === undefined && allowEmpty) return [];
  if (!Array.isArray(value)) throw new ConfigError(field, 'expected an array of strings');
  if (value.length === 0 && !allowEmpty) throw new ConfigError(field, 'must list at least one');
  return value.map((item, i) => readString(item, `${field}[${i}]`));
}

function readNumericId(value: unknown, field: string): string {
  // Ids are kept as strings; a JSON number is accepted when it is exact.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (value === undefined) {
    throw new ConfigError(field, 'missing; find it with `gh api repos/OWNER/REPO`');
  }
  return readString(value, field);
}

function readRoleName(value: unknown, field: string): string {
  return readMatch(value, field, ROLE_NAME, '1-64 of [A-Za-z0-9+=,.@_-]');
}

function readRegion(value: unknown, field: string): string {
  return readMatch(value, field, REGION, 'a region name like eu-west-1');
}

function readAccount(value: unknown, field: string): string {
  return readMatch(value, field, ACCOUNT_ID, 'a 12-digit AWS account id');
}

function readEcsName(value: unknown, field: string): string {
  return readMatch(value, field, ECS_NAME, 'a name of 1-255 letters, digits, - and _');
}

function readServices(value: unknown): string[] {
  const services = readList(value, 'deploy.services', false);
  return services.map((name, i) => readEcsName(name, `deploy.services[${i}]`));
}

function readRoleArns(value: unknown, field: string, account: string): string[] {
  const arns = readList(value, field, true);
  return arns.map((arn, i) => readArnIn(arn, `${field}[${i}]`, ROLE_ARN, account));
}

function readProviderArn(value: unknown, account: string): string {
  return readArnIn(value, 'tooling.oidcProviderArn', OIDC_PROVIDER_ARN, account);
}

function readArnIn(value: unknown, field: string, rule: RegExp, account: string): string {
  const arn = readMatch(value, field, rule, `an ARN of the form ${rule.source}`);
  const arnAccount = rule.exec(arn)?.[2];
  if (arnAccount !== account) {
    throw new ConfigError(field, `${arn} is not in account ${account}`);
  }
  return arn;
}
