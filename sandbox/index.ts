/**
 * The local sandbox: moto, a GitHub OIDC token endpoint and a thin layer in front of moto, with
 * account A (tooling role) and account B (deploy role, ECS cluster, services) set up from the CDK
 * app's synthesized policies. Loopback only; `stop()` ends everything it started.
 */
import { randomInt } from 'node:crypto';
import { exampleRoles, setUpAccounts, type Accounts } from './accounts';
import { AdminClients, createInspector, type SandboxInspector } from './inspector';
import { Layer, type CallMatch, type FailurePlan } from './layer';
import { resetAuth } from './moto-admin';
import { launchMoto, type MotoServer } from './moto';
import { startTokenEndpoint, type GitHubClaims, type TokenEndpoint } from './oidc';

export type { SandboxInspector } from './inspector';
export type { CallRecord, CallMatch } from './layer';
export type { RolloutFlip } from './rollouts';
export type { GitHubClaims } from './oidc';

/** How to build a sandbox. */
export interface SandboxOptions {
  /** Services to create in account B. @default the example config's services */
  services?: string[];
  /** How long a rolling deployment takes. @default 0 (COMPLETED at the first look) */
  rolloutMs?: number;
  /** Delay added to every AWS call. @default 0 (the benchmark uses 40) */
  latencyMs?: number;
  /** moto's IAM permission checks. @default true */
  permissionChecks?: boolean;
  /** Claims to put in every OIDC token instead of the defaults (trust mistakes). @default none */
  claims?: Partial<GitHubClaims>;
  /** Actions to remove from the synthesized roles (a role missing a permission). @default none */
  withoutActions?: string[];
  /** Where debug lines go (which policies were widened, faults played). @default dropped */
  debug?: (line: string) => void;
}

/** Scenarios the sandbox plays on demand. */
export interface FaultControl {
  /** The next deployment of `service` (any service if absent) fails the circuit breaker. */
  failNextDeployment(options?: {
    service?: string;
    reason?: string;
    /** ECS rolls back by itself. @default the service's circuit breaker setting (true here) */
    ecsRollback?: boolean;
  }): void;
  /** Deployments started from now on take `ms` to finish. */
  slowRollout(ms: number): void;
  /** The next `n` matching calls get ThrottlingException (ECS) / Throttling (STS). */
  throttle(n: number, match?: CallMatch): void;
  /** The next `n` matching calls get a 5xx answer. */
  serverErrors(n: number, match?: CallMatch): void;
  /** The next `n` matching calls have their connection reset without an answer. */
  resetConnections(n: number, match?: CallMatch): void;
  /** The next `n` matching calls are answered `ms` late. */
  slowAnswers(n: number, ms: number, match?: CallMatch): void;
  /** Credentials STS hands out from now on expire `ms` after they are issued. */
  expireCredentialsAfter(ms: number): void;
  /** Every credential handed out so far is expired from now on. */
  expireCredentialsNow(): void;
  /** The token endpoint answers normally, fails with a 500, or answers after `slowMs`. */
  tokenEndpoint(mode: 'ok' | 'fail' | 'slow', slowMs?: number): void;
  /** Tokens issued from now on carry these claims (a trust mismatch, for instance). */
  tokenClaims(overrides: Partial<GitHubClaims>): void;
  /** Deletes a service of account B at once. */
  deleteService(name: string): Promise<void>;
  /** Changes the delay added to every AWS call. */
  latency(ms: number): void;
  /** Back to normal: no pending faults, full credential lifetimes, token endpoint ok. */
  reset(): void;
}

/** A running sandbox. */
export interface Sandbox {
  /** AWS_ENDPOINT_URL, ACTIONS_ID_TOKEN_REQUEST_URL (contains '?'), _TOKEN, GITHUB_* metadata. */
  env: Record<string, string>;
  /** 'role-chain', 'aws-region', 'cluster', 'service' (the first service), ready to use. */
  inputs: Record<string, string>;
  faults: FaultControl;
  inspect: SandboxInspector;
  /** Role ARNs, accounts and services of this sandbox. */
  info: SandboxInfo;
  /** Every credential and token the sandbox handed out (for the secret scan). */
  secrets(): string[];
  /** Stops every process and server it started. */
  stop(): Promise<void>;
}

/** Facts about a sandbox, for tests and the CLI. */
export interface SandboxInfo {
  toolingAccount: string;
  deployAccount: string;
  region: string;
  cluster: string;
  services: string[];
  toolingRoleArn: string;
  deployRoleArn: string;
  motoUrl: string;
  endpointUrl: string;
}

/** Starts moto, the token endpoint and the layer, and sets up both accounts. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const debug = options.debug ?? (() => {});
  const moto = await launchMoto((line) => process.stderr.write(`${line}\n`));
  try {
    await exampleRoles(); // synthesizes (or reads the cache) while moto boots
    await moto.ready();
    return await assemble(moto, options, debug);
  } catch (error) {
    await moto.stop();
    throw error;
  }
}

async function assemble(
  moto: MotoServer,
  options: SandboxOptions,
  debug: (line: string) => void,
): Promise<Sandbox> {
  const permissionChecks = options.permissionChecks ?? true;
  const accounts = await setUpAccounts(
    moto.url,
    { services: options.services, withoutActions: options.withoutActions },
    debug,
  );
  const { config } = accounts;
  const runId = String(randomInt(1_000_000_000, 9_999_999_999));
  const token = await startTokenEndpoint({
    repository: config.github.repository,
    repositoryId: config.github.repositoryId,
    ownerId: config.github.ownerId,
    environment: config.github.environments[0] ?? 'production',
    runId,
    runAttempt: '1',
  });
  token.claimOverrides = { ...options.claims };
  const adminKeys = new Map([...accounts.admins.values()].map((a) => [a.accessKeyId, a.account]));
  const clients: AdminClients = new AdminClients(
    () => layer.url,
    config.deploy.region,
    accounts.admins,
  );
  const layer = new Layer({
    motoUrl: moto.url,
    permissionChecks,
    latencyMs: options.latencyMs ?? 0,
    rolloutMs: options.rolloutMs ?? 0,
    publicKey: token.publicKey,
    oidcProviderArn: accounts.oidcProviderArn,
    roles: accounts.roles,
    adminKeys,
    updateServiceInMoto: (e): Promise<void> =>
      clients.updateService(e.account, e.clusterArn, e.serviceName, e.taskDefinition),
    debug,
  });
  const endpointUrl = await layer.start();
  token.onRequest = (r) =>
    layer.calls.push({
      at: r.at,
      durationMs: Date.now() - r.at,
      service: 'oidc',
      operation: 'GetIDToken',
      account: '',
      status: r.status,
    });
  if (permissionChecks) await resetAuth(moto.url, 0);
  const claims = { ...options.claims };
  return buildSandbox({ moto, token, layer, clients, accounts, runId, endpointUrl, claims });
}

interface Parts {
  moto: MotoServer;
  token: TokenEndpoint;
  layer: Layer;
  clients: AdminClients;
  accounts: Accounts;
  runId: string;
  endpointUrl: string;
  claims: Partial<GitHubClaims>;
}

function buildSandbox(parts: Parts): Sandbox {
  const { layer, clients, accounts } = parts;
  const { config } = accounts;
  const info: SandboxInfo = {
    toolingAccount: config.tooling.account,
    deployAccount: config.deploy.account,
    region: config.deploy.region,
    cluster: config.deploy.cluster,
    services: accounts.services,
    toolingRoleArn: accounts.toolingRoleArn,
    deployRoleArn: accounts.deployRoleArn,
    motoUrl: parts.moto.url,
    endpointUrl: parts.endpointUrl,
  };
  let stopped: Promise<void> | undefined;
  return {
    env: sandboxEnv(parts),
    inputs: {
      'role-chain': `${accounts.toolingRoleArn}\n${accounts.deployRoleArn}`,
      'aws-region': config.deploy.region,
      cluster: config.deploy.cluster,
      service: accounts.services[0] ?? '',
    },
    faults: faultControl(parts),
    inspect: createInspector(clients, layer, config.deploy.account, config.deploy.cluster),
    info,
    secrets: () => handedOut(parts),
    stop: () => (stopped ??= stopAll(parts)),
  };
}

function sandboxEnv(parts: Parts): Record<string, string> {
  const { config } = parts.accounts;
  const [owner = ''] = config.github.repository.split('/');
  return {
    AWS_ENDPOINT_URL: parts.endpointUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    ACTIONS_ID_TOKEN_REQUEST_URL: parts.token.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: parts.token.requestToken,
    GITHUB_REPOSITORY: config.github.repository,
    GITHUB_REPOSITORY_ID: config.github.repositoryId,
    GITHUB_REPOSITORY_OWNER: owner,
    GITHUB_REPOSITORY_OWNER_ID: config.github.ownerId,
    GITHUB_RUN_ID: parts.runId,
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_RUN_NUMBER: '42',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: 'f3c1e0b9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b3',
    GITHUB_WORKFLOW: 'deploy',
    GITHUB_JOB: 'deploy',
    GITHUB_ACTOR: 'octocat',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
  };
}

function faultControl(parts: Parts): FaultControl {
  const { layer, token, clients, accounts, claims } = parts;
  const { deploy } = accounts.config;
  return {
    failNextDeployment: (o = {}) => {
      const plan: FailurePlan = {
        reason:
          o.reason ?? 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
      };
      if (o.ecsRollback !== undefined) plan.ecsRollback = o.ecsRollback;
      layer.failNextDeployment(o.service ?? '*', plan);
    },
    slowRollout: (ms) => (layer.rolloutMs = ms),
    throttle: (n, match) => layer.addFault('throttle', n, 0, match),
    serverErrors: (n, match) => layer.addFault('server-error', n, 0, match),
    resetConnections: (n, match) => layer.addFault('reset', n, 0, match),
    slowAnswers: (n, ms, match) => layer.addFault('slow', n, ms, match),
    expireCredentialsAfter: (ms) => (layer.credentialLifetimeMs = ms),
    expireCredentialsNow: () => layer.expireAllCredentials(),
    tokenEndpoint: (mode, slowMs) => {
      token.mode = mode;
      if (slowMs !== undefined) token.slowMs = slowMs;
    },
    tokenClaims: (overrides) => (token.claimOverrides = { ...overrides }),
    deleteService: async (name) => {
      await clients.deleteService(deploy.account, deploy.cluster, name);
      layer.forgetService(deploy.account, name);
    },
    latency: (ms) => (layer.latencyMs = ms),
    reset: () => {
      layer.clearFaults();
      token.mode = 'ok';
      token.claimOverrides = { ...claims };
    },
  };
}

function handedOut(parts: Parts): string[] {
  const secrets = [parts.token.requestToken, ...parts.token.issued];
  for (const c of parts.layer.credentials.values()) {
    secrets.push(c.accessKeyId, c.secretAccessKey, c.sessionToken);
  }
  for (const admin of parts.accounts.admins.values()) {
    secrets.push(admin.accessKeyId, admin.secretAccessKey);
  }
  return secrets.filter((s) => s.length > 0);
}

async function stopAll(parts: Parts): Promise<void> {
  parts.clients.destroy();
  await Promise.allSettled([parts.layer.stop(), parts.token.stop()]);
  await parts.moto.stop();
}
