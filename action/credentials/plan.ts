import { ActionError } from '../errors';
import { sanitizeSessionName, type DeployRequest } from '../inputs';

/** How one hop gets its credentials. */
export type HopMethod = 'web-identity' | 'ambient' | 'assume-role';

/** One hop of the role chain. */
export interface Hop {
  /** 1-based position in the chain. */
  index: number;
  total: number;
  roleArn: string;
  method: HopMethod;
}

/** Everything the STS module needs to assume the chain, decided before any call. */
export interface ChainPlan {
  hops: Hop[];
  region: string;
  audience: string;
  roleSessionName: string;
  durationSeconds: number;
}

/** Run metadata the session name is derived from (GITHUB_* variables). */
export interface RunContext {
  repository: string;
  runId: string;
  runAttempt: string;
}

/** Reads the run metadata from the runner's environment. */
export function readRunContext(env: NodeJS.ProcessEnv): RunContext {
  return {
    repository: env.GITHUB_REPOSITORY ?? 'local',
    runId: env.GITHUB_RUN_ID ?? String(Date.now()),
    runAttempt: env.GITHUB_RUN_ATTEMPT ?? '1',
  };
}

/**
 * Derives `gh-<repo>-<runId>-<attempt>`, shortening the repository part first so the
 * run id,
 * which finds the run from CloudTrail, always survives the 64-character limit.
 */
export function deriveSessionName(run: RunContext): string {
  const suffix = sanitizeSessionName(`-${run.runId}-${run.runAttempt}`).slice(-40);
  const repo = sanitizeSessionName(run.repository.split('/').pop() ?? 'repo');
  const room = 64 - 'gh-'.length - suffix.length;
  return `gh-${repo.slice(0, Math.max(room, 0))}${suffix}`;
}

/** Refuses the credential source when the runner cannot provide it; names the fix. */
export function checkCredentialSource(request: DeployRequest, env: NodeJS.ProcessEnv): void {
  if (request.credentialSource === 'ambient') {
    if (env.GITHUB_ACTIONS === 'true' && !env.ACT) {
      throw new ActionError({
        code: 'AMBIENT_REFUSED',
        message:
          "Input 'credential-source': ambient is refused on a GitHub-hosted or self-hosted " +
          'runner; it exists for local runs with act against real AWS.',
        hint: "Remove 'credential-source' (oidc is the default); grant 'id-token: write'.",
      });
    }
    return;
  }
  if (!env.ACTIONS_ID_TOKEN_REQUEST_URL || !env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new ActionError({
      code: 'OIDC_UNAVAILABLE',
      message:
        'No GitHub OIDC token is available to this job (ACTIONS_ID_TOKEN_REQUEST_URL is unset).',
      hint:
        "Add 'permissions: id-token: write' to the job (fork pull requests never get it); " +
        'under act pass --env ACTIONS_ID_TOKEN_REQUEST_URL=... --env ' +
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN=...; or set 'credential-source: ambient' for a local run.",
    });
  }
}

/**
 * Plans the chain: hop 1 by web identity (or ambient credentials), every later hop
 * chained.
 */
export function planChain(request: DeployRequest, run: RunContext): ChainPlan {
  const total = request.roleChain.length;
  const first: HopMethod = request.credentialSource === 'ambient' ? 'ambient' : 'web-identity';
  return {
    hops: request.roleChain.map((roleArn, i) => ({
      index: i + 1,
      total,
      roleArn,
      method: i === 0 ? first : 'assume-role',
    })),
    region: request.region,
    audience: request.audience,
    roleSessionName: request.roleSessionName ?? deriveSessionName(run),
    durationSeconds: request.durationSeconds,
  };
}
