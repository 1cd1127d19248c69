import * as core from '@actions/core';
import type { Credentials } from '@aws-sdk/client-sts';
import { clientConfig } from '../aws/client-config';
import { loadAwsSdk } from '../aws/sdk';
import { callAws, classifyError, type RetryOptions } from '../aws/retry';
import { ActionError, awsErrorDetails } from '../errors';
import { decodeClaims, explainWebIdentityDenial } from './claims';
import { fetchIdToken } from './oidc-token';
import type { ChainPlan, Hop } from './plan';

/** The last hop's credentials and who they belong to. */
export interface ChainResult {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** When these credentials arrived, to size the refresh margin. */
  obtainedAt: Date;
  /** AssumedRoleUser.Arn of the last hop. */
  assumedRoleArn: string;
  accountId: string;
}

/**
 * Options of one chain run: whether to fold hops into log groups, and the retry knobs.
 */
export interface ChainOptions {
  env: NodeJS.ProcessEnv;
  /** False when re-chaining inside another group (the runner does not nest groups). */
  grouped: boolean;
  retry?: Partial<RetryOptions>;
}

interface HopAnswer {
  Credentials?: Credentials | undefined;
  AssumedRoleUser?: { Arn?: string | undefined } | undefined;
}

function maskCredentials(credentials: Credentials | undefined): void {
  if (credentials?.AccessKeyId) core.setSecret(credentials.AccessKeyId);
  if (credentials?.SecretAccessKey) core.setSecret(credentials.SecretAccessKey);
  if (credentials?.SessionToken) core.setSecret(credentials.SessionToken);
}

/**
 * Reads the 12-digit account from an ARN such as arn:aws:sts::222222222222:assumed-
 * role/x/y.
 */
export function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function hopName(hop: Hop): string {
  return `Assume role ${hop.index}/${hop.total} (${hop.roleArn})`;
}

function toResult(hop: Hop, answer: HopAnswer, now: Date): ChainResult {
  const c = answer.Credentials;
  const arn = answer.AssumedRoleUser?.Arn;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration || !arn) {
    throw new ActionError({
      code: 'HOP_FAILED',
      message: `${hopName(hop)}: STS answered without credentials.`,
      hint: 'Check AWS_ENDPOINT_URL points at STS; re-run the job.',
    });
  }
  return {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
    obtainedAt: now,
    assumedRoleArn: arn,
    accountId: accountOf(arn),
  };
}

function hopHint(hop: Hop, previousRoleArn: string | undefined, kind: string): string {
  if (kind === 'duration') {
    return "Lower 'role-duration-seconds' to 3600 or less (chained sessions last 1 hour).";
  }
  if (hop.method === 'web-identity') {
    return `Make the trust policy of ${hop.roleArn} admit the claims above.`;
  }
  if (hop.method === 'ambient') {
    const allow = `Allow your ambient identity sts:AssumeRole on ${hop.roleArn}`;
    return `${allow}, and trust it there.`;
  }
  return (
    `Make the trust policy of ${hop.roleArn} name ${previousRoleArn ?? 'the previous role'} ` +
    `(not only its account), and allow that role sts:AssumeRole on ${hop.roleArn}.`
  );
}

/**
 * Turns an STS failure into an error naming the hop, the role, the SDK error and the
 * fix.
 */
export function diagnoseHopFailure(
  hop: Hop,
  error: unknown,
  context: { previousRoleArn?: string; token?: string; audience: string },
): ActionError {
  const name = awsErrorDetails(error)?.name ?? 'Error';
  const where = hopName(hop);
  const reason = error instanceof Error ? error.message : String(error);
  if (name === 'InvalidIdentityToken' || name === 'IDPRejectedClaim') {
    return new ActionError({
      code: 'HOP_INVALID_TOKEN',
      message: `${where} refused the OIDC token: ${reason}`,
      hint:
        'Check that account ' +
        accountOf(hop.roleArn) +
        ' has the IAM OIDC provider ' +
        "token.actions.githubusercontent.com with client id matching the 'audience' input.",
      cause: error,
    });
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    const claims =
      hop.method === 'web-identity' && context.token !== undefined
        ? `\n${explainWebIdentityDenial(decodeClaims(context.token), context.audience)}`
        : '';
    return new ActionError({
      code: 'HOP_ACCESS_DENIED',
      message: `${where} was denied: ${reason}${claims}`,
      hint: hopHint(hop, context.previousRoleArn, 'trust'),
      cause: error,
    });
  }
  const kind = /DurationSeconds/i.test(reason) ? 'duration' : 'other';
  const retriable = classifyError(error) !== 'fatal';
  return new ActionError({
    code: retriable ? 'AWS_UNAVAILABLE' : 'HOP_FAILED',
    message: `${where} failed: ${reason}`,
    hint: retriable
      ? 'STS kept failing after retries; re-run the job.'
      : hopHint(hop, context.previousRoleArn, kind),
    cause: error,
  });
}

async function assumeFirst(hop: Hop, plan: ChainPlan, options: ChainOptions): Promise<HopAnswer> {
  if (hop.method === 'web-identity') return assumeWithToken(hop, plan, options);
  const { STSClient, AssumeRoleCommand } = (await loadAwsSdk()).sts;
  const client = new STSClient(clientConfig(plan.region));
  const command = new AssumeRoleCommand({
    RoleArn: hop.roleArn,
    RoleSessionName: plan.roleSessionName,
    DurationSeconds: plan.durationSeconds,
  });
  core.info('Hop 1 uses the ambient AWS credentials of this machine (credential-source: ambient).');
  return callAws('AssumeRole', () => client.send(command), undefined, options.retry);
}

async function assumeWithToken(hop: Hop, plan: ChainPlan, options: ChainOptions) {
  // The token request goes out first; the SDK loads once it has left, during the round trip.
  const token = await fetchIdToken(plan.audience, options.env, options.retry, () => {
    void loadAwsSdk();
  });
  const { sts } = await loadAwsSdk();
  const client = new sts.STSClient(clientConfig(plan.region));
  const command = new sts.AssumeRoleWithWebIdentityCommand({
    RoleArn: hop.roleArn,
    RoleSessionName: plan.roleSessionName,
    DurationSeconds: plan.durationSeconds,
    WebIdentityToken: token,
  });
  try {
    return await callAws(
      'AssumeRoleWithWebIdentity',
      () => client.send(command),
      undefined,
      options.retry,
    );
  } catch (error) {
    throw diagnoseHopFailure(hop, error, { token, audience: plan.audience });
  }
}

async function assumeNext(hop: Hop, plan: ChainPlan, previous: ChainResult, options: ChainOptions) {
  const credentials = {
    accessKeyId: previous.accessKeyId,
    secretAccessKey: previous.secretAccessKey,
    sessionToken: previous.sessionToken,
  };
  const { STSClient, AssumeRoleCommand } = (await loadAwsSdk()).sts;
  const client = new STSClient(clientConfig(plan.region, async () => credentials));
  const command = new AssumeRoleCommand({
    RoleArn: hop.roleArn,
    RoleSessionName: plan.roleSessionName,
    DurationSeconds: plan.durationSeconds,
  });
  return callAws('AssumeRole', () => client.send(command), undefined, options.retry);
}

async function assumeHop(
  hop: Hop,
  plan: ChainPlan,
  previous: ChainResult | undefined,
  options: ChainOptions,
): Promise<ChainResult> {
  let answer: HopAnswer;
  try {
    answer =
      previous === undefined
        ? await assumeFirst(hop, plan, options)
        : await assumeNext(hop, plan, previous, options);
  } catch (error) {
    if (error instanceof ActionError) throw error;
    const context = {
      audience: plan.audience,
      ...(previous ? { previousRoleArn: plan.hops[hop.index - 2]?.roleArn ?? '' } : {}),
    };
    throw diagnoseHopFailure(hop, error, context);
  }
  maskCredentials(answer.Credentials);
  const result = toResult(hop, answer, new Date());
  core.debug(
    `Hop ${hop.index}: ${result.assumedRoleArn}, expires ${result.expiration.toISOString()}`,
  );
  return result;
}

/**
 * Assumes every hop in order, each with the credentials of the hop before; returns the
 * last.
 */
export async function assumeChain(plan: ChainPlan, options: ChainOptions): Promise<ChainResult> {
  let current: ChainResult | undefined;
  for (const hop of plan.hops) {
    const previous = current;
    const run = () => assumeHop(hop, plan, previous, options);
    current = options.grouped
      ? await core.group(`Assume role ${hop.index}/${hop.total}: ${hop.roleArn}`, run)
      : await run();
    if (options.grouped) core.info(`Assumed ${current.assumedRoleArn}`);
  }
  if (current === undefined) throw new Error('The role chain is empty.');
  return current;
}
