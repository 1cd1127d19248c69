import * as core from '@actions/core';
import type { Service } from '@aws-sdk/client-ecs';
import { classifyError } from '../aws/retry';
import { ActionError } from '../errors';
import type { EcsGateway } from './gateway';
import { judgeDeployment, taskIdsInEvents, type Verdict, type WatchedDeployment } from './judge';

/** How often the wait looks at the deployments while nothing throttles. */
export const POLL_INTERVAL_MS = 1_000;
/** The longest pause between looks, reached only under throttling. */
export const MAX_POLL_INTERVAL_MS = 15_000;
/** How many recent service events a failure quotes. */
export const EVENTS_QUOTED = 5;

/** A deployment to follow, with the events already shown for its service. */
export interface WaitTarget extends WatchedDeployment {
  service: string;
  seenEventIds: Set<string>;
}

/** How the wait ended for one service. */
export type WaitVerdict =
  Verdict | { state: 'timed-out' } | { state: 'cancelled' } | { state: 'abandoned' };

/** A verdict and, for failures, the reason with recent events and stopped tasks. */
export interface WaitOutcome {
  verdict: WaitVerdict;
  detail: string;
}

/** What the wait needs from outside: ECS, the clock, a sleep, and the cancel signal. */
export interface WaitContext {
  gateway: Pick<EcsGateway, 'describeServices' | 'stoppedTasks'>;
  cluster: string;
  timeoutMs: number;
  /** Stop following the others as soon as one fails (all-or-nothing rollback). */
  stopOnFailure: boolean;
  signal: AbortSignal;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A sleep that ends early when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Prints the service's events not shown yet, oldest first, and remembers them. */
export function showNewEvents(target: WaitTarget, service: Service | undefined): void {
  const fresh = (service?.events ?? []).filter((e) => e.id && !target.seenEventIds.has(e.id));
  for (const event of fresh.reverse()) {
    target.seenEventIds.add(event.id ?? '');
    core.info(`${target.service}: ${event.message ?? ''}`);
  }
}

async function failureDetail(ctx: WaitContext, reason: string, service: Service | undefined) {
  const recent = (service?.events ?? []).slice(0, EVENTS_QUOTED);
  const messages = recent.map((e) => e.message ?? '');
  const lines = [reason];
  if (messages.length > 0) lines.push('Last events:', ...messages.map((m) => `  - ${m}`));
  try {
    const stopped = await ctx.gateway.stoppedTasks(ctx.cluster, taskIdsInEvents(messages));
    if (stopped.length > 0) {
      lines.push('Stopped tasks:', ...stopped.map((t) => `  - ${t.taskId}: ${t.reason}`));
    }
  } catch (error) {
    core.debug(`DescribeTasks for the failure's stopped tasks failed: ${String(error)}`);
  }
  return lines.join('\n');
}

async function outcomeOf(ctx: WaitContext, verdict: Verdict, service: Service | undefined) {
  switch (verdict.state) {
    case 'failed':
    case 'rolled-back-by-ecs':
      return { verdict, detail: await failureDetail(ctx, verdict.reason, service) };
    case 'inactive':
      return { verdict, detail: `The service became ${verdict.status} during the deployment.` };
    case 'missing':
      return { verdict, detail: 'The service went MISSING during the deployment.' };
    case 'superseded':
      return { verdict, detail: `Another deployment took over (${verdict.taskDefinitionArn}).` };
    default:
      return { verdict, detail: 'Deployment completed.' };
  }
}

/**
 * A look that ECS itself answered with throttling or a 5xx after its retries: it may work
 * later, so keep following, more slowly. Anything else ends the wait, above all a failed
 * re-chain (OIDC_TOKEN_FAILED, HOP_*): its cause may look transient too, but each further
 * look would only spend another whole token retry budget until wait-timeout-minutes.
 */
function isPassing(error: unknown): error is ActionError {
  return error instanceof ActionError && error.code === 'AWS_UNAVAILABLE';
}

async function look(ctx: WaitContext, pending: WaitTarget[], outcomes: Map<string, WaitOutcome>) {
  const answer = await ctx.gateway.describeServices(
    ctx.cluster,
    pending.map((t) => t.service),
  );
  for (const target of pending) {
    const service = answer.services.get(target.service);
    showNewEvents(target, service);
    const verdict = judgeDeployment(service, target);
    if (verdict.state !== 'in-progress') {
      outcomes.set(target.service, await outcomeOf(ctx, verdict, service));
    }
  }
}

function failedOne(outcomes: Map<string, WaitOutcome>): boolean {
  return [...outcomes.values()].some((o) => o.verdict.state !== 'completed');
}

const UNFINISHED = {
  'timed-out': 'The deployment did not finish within wait-timeout-minutes.',
  cancelled: 'The run was cancelled while the deployment was in progress.',
  abandoned: 'Stopped following: another service of this run failed.',
};

function finishRest(
  pending: WaitTarget[],
  outcomes: Map<string, WaitOutcome>,
  state: keyof typeof UNFINISHED,
): Map<string, WaitOutcome> {
  for (const target of pending) {
    outcomes.set(target.service, { verdict: { state }, detail: UNFINISHED[state] });
  }
  return outcomes;
}

/**
 * Follows each deployment by id: looks right away, then every POLL_INTERVAL_MS with one
 * batched DescribeServices, slowing down only while ECS throttles or fails (until the
 * timeout).
 */
export async function waitForDeployments(
  targets: WaitTarget[],
  ctx: WaitContext,
): Promise<Map<string, WaitOutcome>> {
  const outcomes = new Map<string, WaitOutcome>();
  const deadline = ctx.now() + ctx.timeoutMs;
  let interval = POLL_INTERVAL_MS;
  for (;;) {
    const pending = targets.filter((t) => !outcomes.has(t.service));
    if (ctx.signal.aborted) return finishRest(pending, outcomes, 'cancelled');
    try {
      await look(ctx, pending, outcomes);
      interval = POLL_INTERVAL_MS;
    } catch (error) {
      if (!isPassing(error)) throw error;
      interval = Math.min(interval * 2, MAX_POLL_INTERVAL_MS);
      const reason = classifyError(error.cause);
      core.info(`ECS look failed (${reason}); next look in ${interval} ms.`);
    }
    const left = targets.filter((t) => !outcomes.has(t.service));
    if (left.length === 0) return outcomes;
    if (ctx.stopOnFailure && failedOne(outcomes)) return finishRest(left, outcomes, 'abandoned');
    if (ctx.now() >= deadline) return finishRest(left, outcomes, 'timed-out');
    await ctx.sleep(Math.min(interval, Math.max(deadline - ctx.now(), 0)), ctx.signal);
  }
}
