import * as core from '@actions/core';
import type { AwsCredentialIdentity } from '@smithy/types';
import { ActionError } from '../errors';
import type { ChainResult } from './sts';

/** The largest refresh margin before expiry: the SDK's own window. */
export const MAX_REFRESH_MARGIN_MS = 5 * 60_000;

/** A credentials provider the SDK calls on every request (it does its own caching). */
export type RefreshingProvider = (() => Promise<AwsCredentialIdentity>) & { memoized: true };

/** Re-chains before expiry: margin = min(5 min, a fifth of the session's lifetime). */
export function refreshMarginMs(session: ChainResult): number {
  const lifetime = session.expiration.getTime() - session.obtainedAt.getTime();
  return Math.min(MAX_REFRESH_MARGIN_MS, Math.max(lifetime, 0) / 5);
}

/** True when the session is inside its refresh margin (or past its expiry). */
export function needsRefresh(session: ChainResult, nowMs: number): boolean {
  return session.expiration.getTime() - nowMs <= refreshMarginMs(session);
}

/**
 * Holds the last hop's session, hands it to SDK clients, and re-chains (with a fresh
 * OIDC
 * token every time) near expiry or when AWS reports an expired token.
 */
export class SessionCredentials {
  private pending: Promise<ChainResult> | undefined;
  /** Set once a re-chain failed: later calls get no new token budget, only the last session. */
  private failure: unknown;

  constructor(
    private session: ChainResult,
    private readonly rechain: () => Promise<ChainResult>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current session (for outputs and exports). */
  get current(): ChainResult {
    return this.session;
  }

  /**
   * The provider for SDK clients; flagged memoized so the SDK calls it on every
   * request.
   */
  readonly provider: RefreshingProvider = Object.assign(
    async (): Promise<AwsCredentialIdentity> => {
      if (needsRefresh(this.session, this.now())) await this.refreshOrKeep();
      return {
        accessKeyId: this.session.accessKeyId,
        secretAccessKey: this.session.secretAccessKey,
        sessionToken: this.session.sessionToken,
        expiration: this.session.expiration,
      };
    },
    { memoized: true as const },
  );

  /**
   * After a failed re-chain the last session still signs (a rollback may need it) until it
   * expires; the failure was reported once, and re-trying would spend a token budget a call.
   */
  private async refreshOrKeep(): Promise<void> {
    if (this.failure === undefined) return this.refresh('the session is about to expire');
    if (this.session.expiration.getTime() <= this.now()) throw this.expiredError();
  }

  private expiredError(): ActionError {
    const reason = this.failure instanceof Error ? this.failure.message : String(this.failure);
    return new ActionError({
      code: 'CREDENTIALS_EXPIRED',
      message:
        `The session of ${this.session.assumedRoleArn} expired at ` +
        `${this.session.expiration.toISOString()}, and re-chaining it failed: ${reason}`,
      hint: 'Re-run the job once the token endpoint and STS answer again.',
      cause: this.failure,
    });
  }

  /**
   * Re-chains once even when several calls ask at the same time; after one failed re-chain,
   * fails at once.
   */
  async refresh(reason: string): Promise<void> {
    if (this.failure !== undefined) throw this.expiredError();
    this.pending ??= this.rechain()
      .then((next) => {
        this.session = next;
        core.info(
          `Re-chained credentials: ${reason}; new session for ${next.assumedRoleArn} ` +
            `expires at ${next.expiration.toISOString()}.`,
        );
        return next;
      })
      .catch((error: unknown) => {
        this.failure = error;
        throw error;
      })
      .finally(() => {
        this.pending = undefined;
      });
    await this.pending;
  }
}
