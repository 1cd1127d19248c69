import * as core from '@actions/core';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

function tokenUrl(base: string, audience: string): URL {
  const separator = base.includes('?') ? '&' : '?';
  return new URL(`${base}${separator}audience=${encodeURIComponent(audience)}`);
}

function readToken(response: IncomingMessage, body: string): string {
  const status = response.statusCode ?? 0;
  if (status < 200 || status > 299) throw new TokenEndpointError(status);
  const value = (JSON.parse(body) as { value?: unknown }).value;
  if (typeof value !== 'string' || value === '') {
    throw new Error('The OIDC token endpoint answered without a token value.');
  }
  core.setSecret(value);
  return value;
}

// node:http rather than the global fetch: fetch loads Node's bundled undici on first use (tens
// of milliseconds) and writes the request several event-loop turns later, while 'finish' here
// tells exactly when the request has left, so the AWS SDK can load during the round trip.
function requestToken(url: URL, bearer: string, onSent: () => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const headers = { Authorization: `bearer ${bearer}`, Accept: 'application/json' };
    const req = send(url, { headers, timeout: TOKEN_TIMEOUT_MS }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('error', reject);
      response.on('end', () => {
        try {
          resolve(readToken(response, body));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(timeoutError()));
    req.on('error', reject);
    req.on('finish', onSent);
    req.end();
  });
}

function timeoutError(): Error {
  const error = new Error(`The OIDC token endpoint did not answer within ${TOKEN_TIMEOUT_MS} ms.`);
  error.name = 'TimeoutError';
  return error;
}

/**
 * Fetches a fresh GitHub OIDC token for `audience` (never cached: it lives about 5 minutes),
 * masked the moment it arrives, through the action's one retry policy. `onSent` runs each time
 * a request has left the process.
 */
export async function fetchIdToken(
  audience: string,
  env: NodeJS.ProcessEnv,
  retry: Partial<RetryOptions> = {},
  onSent: () => void = () => undefined,
): Promise<string> {
  const base = env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '';
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '';
  if (bearer !== '') core.setSecret(bearer);
  try {
    const url = tokenUrl(base, audience);
    return await withRetry('GetIDToken', () => requestToken(url, bearer, onSent), retry);
  } catch (cause) {
    throw new ActionError({
      code: 'OIDC_TOKEN_FAILED',
      message: `Fetching the GitHub OIDC token for audience '${audience}' failed.`,
      hint: 'Re-run the job; if it persists, check githubstatus.com for Actions.',
      cause,
    });
  }
}
