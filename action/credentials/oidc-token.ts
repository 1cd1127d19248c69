import * as core from '@actions/core';
import { withRetry, type RetryOptions } from '../aws/retry';
import { ActionError } from '../errors';

/** How long one request to the runner's token endpoint may take. */
export const TOKEN_TIMEOUT_MS = 10_000;

class TokenEndpointError extends Error {
  /** Read by the retry policy: 429 and 5xx are retried, other statuses are not. */
  readonly statusCode: number;

  constructor(status: number) {
    super(`The OIDC token endpoint answered HTTP ${status}.`);
    this.name = 'TokenEndpointError';
    this.statusCode = status;
  }
}

function tokenUrl(base: string, audience: string): string {
  const separator = base.includes('?') ? '&' : '?';
  return `${base}${separator}audience=${encodeURIComponent(audience)}`;
}

async function requestToken(url: string, bearer: string): Promise<string> {
  const response = await fetch(url, {
    headers: { Authorization: `bearer ${bearer}`, Accept: 'application/json' },
    signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
  });
  if (!response.ok) throw new TokenEndpointError(response.status);
  const body = (await response.json()) as { value?: unknown };
  if (typeof body.value !== 'string' || body.value === '') {
    throw new Error('The OIDC token endpoint answered without a token value.');
  }
  core.setSecret(body.value);
  return body.value;
}

/**
 * Fetches a fresh GitHub OIDC token for `audience` (never cached: it lives about 5
 * minutes),
 * masked the moment it arrives, through the action's one retry policy.
 */
export async function fetchIdToken(
  audience: string,
  env: NodeJS.ProcessEnv,
  retry: Partial<RetryOptions> = {},
): Promise<string> {
  const base = env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '';
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '';
  if (bearer !== '') core.setSecret(bearer);
  try {
    return await withRetry(
      'GetIDToken',
      () => requestToken(tokenUrl(base, audience), bearer),
      retry,
    );
  } catch (cause) {
    throw new ActionError({
      code: 'OIDC_TOKEN_FAILED',
      message: `Fetching the GitHub OIDC token for audience '${audience}' failed.`,
      hint: 'Re-run the job; if it persists, check githubstatus.com for Actions.',
      cause,
    });
  }
}
