import * as core from '@actions/core';

/** How the retry policy sees an error. */
export type ErrorClass = 'throttling' | 'transient' | 'expired' | 'fatal';

/** Knobs of the retry policy; tests inject sleep and random to run instantly. */
export interface RetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * Retrying stops when the next delay would pass this much time since the first
   * attempt.
   */
  maxTotalMs: number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
}

/** The defaults every AWS call and the token fetch use. */
export const RETRY_DEFAULTS: RetryOptions = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 4_000,
  maxTotalMs: 20_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
  now: Date.now,
};

const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  'SlowDown',
  'PriorRequestNotComplete',
]);
const TRANSIENT = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalFailure',
  'InternalError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'ServerException',
  'IDPCommunicationError',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException']);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  statusCode?: unknown;
  $metadata?: { httpStatusCode?: number };
}

function isNetworkError(error: ErrorShape, depth = 0): boolean {
  if (typeof error.code === 'string' && NETWORK_CODES.has(error.code)) return true;
  if (typeof error.message === 'string' && /socket hang up/i.test(error.message)) return true;
  const cause = error.cause;
  return (
    depth < 3 && typeof cause === 'object' && cause !== null && isNetworkError(cause, depth + 1)
  );
}

/**
 * Sorts an error into what the policy does with it; anything unknown is never retried.
 */
export function classifyError(error: unknown): ErrorClass {
  if (typeof error !== 'object' || error === null) return 'fatal';
  const shape = error as ErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const status =
    shape.$metadata?.httpStatusCode ??
    (typeof shape.statusCode === 'number' ? shape.statusCode : undefined);
  if (EXPIRED.has(name)) return 'expired';
  if (THROTTLING.has(name) || status === 429) return 'throttling';
  if (TRANSIENT.has(name) || (status !== undefined && status >= 500)) return 'transient';
  if (isNetworkError(shape)) return 'transient';
  return 'fatal';
}

/** Jittered exponential delay: between half and all of base * 2^(retry-1), capped. */
export function retryDelayMs(retry: number, options: RetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (options.random() * ceiling) / 2);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.name : String(error);
}

/**
 * Runs `call`, retrying throttling, 5xx, timeouts and connection resets with jittered
 * backoff
 * within a bounded total. Other errors (access denied, validation, not found) fail at
 * once.
 */
export async function withRetry<T>(
  operation: string,
  call: () => Promise<T>,
  overrides: Partial<RetryOptions> = {},
): Promise<T> {
  const options = { ...RETRY_DEFAULTS, ...overrides };
  const started = options.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const kind = classifyError(error);
      const delay = retryDelayMs(attempt, options);
      const late = options.now() - started + delay > options.maxTotalMs;
      if (kind === 'fatal' || kind === 'expired' || attempt >= options.maxAttempts || late) {
        throw error;
      }
      const next = `attempt ${attempt + 1} of ${options.maxAttempts}`;
      core.info(`Retrying ${operation} (${next}) in ${delay} ms after ${describe(error)}.`);
      await options.sleep(delay);
    }
  }
}

/** Renews the credentials a call signs with, when AWS says they expired. */
export type CredentialRefresher = (reason: string) => Promise<void>;

/**
 * The one way the action calls AWS: the retry policy, and on an expired token one
 * refresh
 * of the credentials followed by one more try of the same call.
 */
export async function callAws<T>(
  operation: string,
  call: () => Promise<T>,
  refresh?: CredentialRefresher,
  overrides: Partial<RetryOptions> = {},
): Promise<T> {
  try {
    return await withRetry(operation, call, overrides);
  } catch (error) {
    if (refresh === undefined || classifyError(error) !== 'expired') throw error;
    await refresh(`${operation} answered ${describe(error)}`);
    return withRetry(operation, call, overrides);
  }
}
