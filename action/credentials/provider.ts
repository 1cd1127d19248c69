import * as core from '@actions/core';
import type { AwsCredentialIdentity } from '@smithy/types';
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
      if (needsRefresh(this.session, this.now()))
        await this.refresh('the session is about to expire');
      return {
        accessKeyId: this.session.accessKeyId,
        secretAccessKey: this.session.secretAccessKey,
        sessionToken: this.session.sessionToken,
        expiration: this.session.expiration,
      };
    },
    { memoized: true as const },
  );

  /** Re-chains once even when several calls ask at the same time. */
  async refresh(reason: string): Promise<void> {
    this.pending ??= this.rechain()
      .then((next) => {
        this.session = next;
        core.info(
          `Re-chained credentials: ${reason}; new session for ${next.assumedRoleArn} ` +
            `expires at ${next.expiration.toISOString()}.`,
        );
        return next;
      })
      .finally(() => {
        this.pending = undefined;
      });
    await this.pending;
  }
}
