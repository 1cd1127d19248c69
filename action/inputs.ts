import { ActionError, inputError } from './errors';
import { parseTaskDefinitionFile, type TaskDefinitionDocument } from './task-definition-file';

/** Where hop 1's credentials come from. */
export type CredentialSource = 'oidc' | 'ambient';

/** One `container=image` pair of the `images` input. */
export interface ImageOverride {
  container: string;
  image: string;
}

/**
 * What to deploy instead of images: a file to register, or an existing revision as it
 * is.
 */
export type TaskDefinitionSource =
  | { kind: 'file'; path: string; document: TaskDefinitionDocument }
  | { kind: 'arn'; taskDefinitionArn: string };

/** Every input, parsed and validated; nothing here has touched AWS. */
export interface DeployRequest {
  roleChain: string[];
  region: string;
  audience: string;
  /** The sanitized `role-session-name`, or undefined to derive one from the run. */
  roleSessionName: string | undefined;
  durationSeconds: number;
  cluster: string;
  services: string[];
  images: ImageOverride[];
  taskDefinition: TaskDefinitionSource | undefined;
  forceNewDeployment: boolean;
  wait: boolean;
  waitTimeoutMs: number;
  rollback: boolean;
  dryRun: boolean;
  exportCredentials: boolean;
  credentialSource: CredentialSource;
}

/** Reads one input by name, '' when unset (what core.getInput returns). */
export type InputReader = (name: string) => string;

/** Reads a file's text, given a path (used for `task-definition`). */
export type FileReader = (path: string) => string;

const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const NAME = /^[A-Za-z0-9_-]{1,255}$/;
const ECS_ARN_PREFIX = String.raw`^arn:aws(-[a-z]+)*:ecs:[a-z0-9-]+:\d{12}:`;
const ECS_NAME = '[A-Za-z0-9_-]{1,255}';
const CLUSTER_ARN = new RegExp(`${ECS_ARN_PREFIX}cluster/${ECS_NAME}$`);
const SERVICE_ARN = new RegExp(`${ECS_ARN_PREFIX}service/(${ECS_NAME}/)?${ECS_NAME}$`);
const TASK_DEFINITION_ARN = new RegExp(
  String.raw`${ECS_ARN_PREFIX}task-definition/${ECS_NAME}:\d+$`,
);
const IMAGE = /^[^\s=]{1,2048}$/;
const CHAINED_MAX_SECONDS = 3600;
const MAX_HOPS = 5;
const MAX_SERVICES = 100;

/** Splits a multi-line (or comma separated) input into trimmed, non-empty items. */
export function splitList(value: string, commas: boolean): string[] {
  const separator = commas ? /[\n,]/ : /\n/;
  return value
    .split(separator)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Parses `role-chain`: 1 to 5 IAM role ARNs, one a line or comma separated. */
export function parseRoleChain(value: string): string[] {
  const roles = splitList(value, true);
  if (roles.length === 0 || roles.length > MAX_HOPS) {
    throw inputError('role-chain', value, `needs 1 to ${MAX_HOPS} role ARNs, one a line.`);
  }
  for (const role of roles) {
    if (!ROLE_ARN.test(role)) {
      const rule =
        `'${role}' is not an IAM role ARN ` + '(arn:aws:iam::<12-digit account>:role/<name>).';
      throw inputError('role-chain', value, rule);
    }
  }
  return roles;
}

/** Parses `images`: `container=image` pairs, one a line, each container named once. */
export function parseImages(value: string): ImageOverride[] {
  const overrides: ImageOverride[] = [];
  for (const line of splitList(value, false)) {
    overrides.push(parseImageLine(value, line));
  }
  const names = overrides.map((o) => o.container);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) {
    throw inputError('images', value, `names container '${repeated}' more than once.`);
  }
  return overrides;
}

function parseImageLine(value: string, line: string): ImageOverride {
  const at = line.indexOf('=');
  const container = line.slice(0, Math.max(at, 0)).trim();
  const image = line.slice(at + 1).trim();
  if (at < 0 || !NAME.test(container) || !IMAGE.test(image)) {
    const rule =
      `each line must be container=image (container: letters, digits, '-' or '_'; ` +
      `image: no spaces), e.g. app=123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1.2.3.`;
    throw inputError('images', value, rule);
  }
  return { container, image };
}

/** Parses a boolean input the way YAML 1.2 spells them; '' gives the default. */
export function parseBoolean(name: string, value: string, fallback: boolean): boolean {
  const text = value.trim();
  if (text === '') return fallback;
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  throw inputError(name, value, 'must be true or false.');
}

/** Sanitizes a session name to STS's alphabet `[\w+=,.@-]` and 64 characters. */
export function sanitizeSessionName(name: string): string {
  return name.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

function parseSessionName(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const sanitized = sanitizeSessionName(value.trim());
  if (sanitized.length < 2) {
    throw inputError('role-session-name', value, 'needs 2 to 64 characters of [\\w+=,.@-].');
  }
  return sanitized;
}

function parseDuration(value: string, hops: number): number {
  const text = value.trim() === '' ? '3600' : value.trim();
  const seconds = Number(text);
  if (!/^\d+$/.test(text) || seconds < 900 || seconds > 43200) {
    const rule = 'must be a whole number from 900 to 43200.';
    throw inputError('role-duration-seconds', value, rule);
  }
  if (hops > 1 && seconds > CHAINED_MAX_SECONDS) {
    const rule =
      `exceeds ${CHAINED_MAX_SECONDS}: STS limits roles assumed by role chaining (hops 2 to ` +
      `${hops}) to 1 hour. Use ${CHAINED_MAX_SECONDS} or less; the action re-chains by itself ` +
      `when a long deployment outlives the session.`;
    throw inputError('role-duration-seconds', value, rule);
  }
  return seconds;
}

function parseTimeoutMs(value: string): number {
  const text = value.trim() === '' ? '30' : value.trim();
  const minutes = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || minutes <= 0 || minutes > 1440) {
    throw inputError(
      'wait-timeout-minutes',
      value,
      'must be a number of minutes, above 0, up to 1440.',
    );
  }
  return Math.round(minutes * 60_000);
}

function parseRegion(value: string): string {
  const region = value.trim();
  if (!REGION.test(region)) {
    throw inputError('aws-region', value, 'must be a region code such as eu-west-1.');
  }
  return region;
}

function parseCluster(value: string): string {
  const cluster = value.trim();
  if (!NAME.test(cluster) && !CLUSTER_ARN.test(cluster)) {
    const rule = `must be an ECS cluster name (letters, digits, '-', '_') or cluster ARN.`;
    throw inputError('cluster', value, rule);
  }
  return cluster;
}

function parseServices(value: string): string[] {
  const services = splitList(value, false);
  const rule = `must list 1 to ${MAX_SERVICES} ECS service names or ARNs, one a line, each once.`;
  if (services.length === 0 || services.length > MAX_SERVICES) {
    throw inputError('service', value, rule);
  }
  const bad = services.find((s) => !NAME.test(s) && !SERVICE_ARN.test(s));
  if (bad !== undefined || new Set(services).size !== services.length) {
    throw inputError('service', value, rule);
  }
  return services;
}

function parseAudience(value: string): string {
  const audience = value.trim() === '' ? 'sts.amazonaws.com' : value.trim();
  if (!/^\S{1,255}$/.test(audience)) {
    throw inputError('audience', value, 'must be one word such as sts.amazonaws.com.');
  }
  return audience;
}

function parseCredentialSource(value: string): CredentialSource {
  const source = value.trim() === '' ? 'oidc' : value.trim();
  if (source !== 'oidc' && source !== 'ambient') {
    throw inputError('credential-source', value, 'must be oidc or ambient.');
  }
  return source;
}

function parseTaskDefinitionInput(value: string, read: FileReader): TaskDefinitionSource {
  const text = value.trim();
  if (text.startsWith('arn:')) {
    if (!TASK_DEFINITION_ARN.test(text)) {
      const rule = 'must be a file path or a task definition ARN ending in :<family>:<revision>.';
      throw inputError('task-definition', value, rule);
    }
    return { kind: 'arn', taskDefinitionArn: text };
  }
  let content: string;
  try {
    content = read(text);
  } catch (cause) {
    throw inputError('task-definition', value, 'must name a readable JSON file.', cause);
  }
  return { kind: 'file', path: text, document: parseTaskDefinitionFile(content, text) };
}

function parseDeploySource(
  read: InputReader,
  readFile: FileReader,
  force: boolean,
): Pick<DeployRequest, 'images' | 'taskDefinition'> {
  const imagesText = read('images');
  const fileText = read('task-definition');
  if (imagesText.trim() !== '' && fileText.trim() !== '') {
    const rule = 'cannot be used together with images: set one of the two.';
    throw inputError('task-definition', fileText, rule);
  }
  if (fileText.trim() !== '') {
    return { images: [], taskDefinition: parseTaskDefinitionInput(fileText, readFile) };
  }
  const images = parseImages(imagesText);
  if (images.length === 0 && !force) {
    const rule = 'is empty: set images (or task-definition, or force-new-deployment: true).';
    throw inputError('images', imagesText, rule);
  }
  return { images, taskDefinition: undefined };
}

function required(read: InputReader, name: string): string {
  const value = read(name);
  if (value.trim() === '') {
    throw new ActionError({
      code: 'INPUT_INVALID',
      message: `Input '${name}' is required and was not given.`,
      hint: `Add '${name}:' under 'with:' in the step that uses this action.`,
    });
  }
  return value;
}

/**
 * Parses and validates every input into a DeployRequest; throws the first input error.
 */
export function parseRequest(read: InputReader, readFile: FileReader): DeployRequest {
  const roleChain = parseRoleChain(required(read, 'role-chain'));
  const forceNewDeployment = parseBoolean(
    'force-new-deployment',
    read('force-new-deployment'),
    false,
  );
  return {
    roleChain,
    region: parseRegion(required(read, 'aws-region')),
    audience: parseAudience(read('audience')),
    roleSessionName: parseSessionName(read('role-session-name')),
    durationSeconds: parseDuration(read('role-duration-seconds'), roleChain.length),
    cluster: parseCluster(required(read, 'cluster')),
    services: parseServices(required(read, 'service')),
    ...parseDeploySource(read, readFile, forceNewDeployment),
    forceNewDeployment,
    wait: parseBoolean('wait', read('wait'), true),
    waitTimeoutMs: parseTimeoutMs(read('wait-timeout-minutes')),
    rollback: parseBoolean('rollback', read('rollback'), true),
    dryRun: parseBoolean('dry-run', read('dry-run'), false),
    exportCredentials: parseBoolean('export-credentials', read('export-credentials'), false),
    credentialSource: parseCredentialSource(read('credential-source')),
  };
}
