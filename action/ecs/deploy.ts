import * as core from '@actions/core';
import type {
  RegisterTaskDefinitionCommandInput,
  Service,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ActionError, isCredentialFailure } from '../errors';
import type { DeployRequest } from '../inputs';
import type { EcsGateway } from './gateway';
import { startedDeploymentId } from './judge';
import { overallResult, waitError, type DeployOutcome, type ServiceDeploy } from './outcome';
import {
  changedFields,
  familyOf,
  imageChanges,
  renderTaskDefinition,
  revisionOf,
  stripReadOnly,
  type TaskDefinitionData,
} from './render';
import { waitForDeployments, type WaitOutcome } from './wait';

/** What the deploy needs from outside; tests pass fakes. */
export interface DeployContext {
  request: DeployRequest;
  gateway: Pick<
    EcsGateway,
    | 'describeServices'
    | 'describeTaskDefinition'
    | 'registerTaskDefinition'
    | 'updateService'
    | 'stoppedTasks'
    | 'lateRegistrations'
  >;
  signal: AbortSignal;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Told the services once read, to keep a cancel's last-moment report current. */
  onServices?: (services: ServiceDeploy[]) => void;
}

/** One new revision (or none) shared by every service of a task family. */
interface Revision {
  input: RegisterTaskDefinitionCommandInput | undefined;
  taskDefinitionArn: string;
  fields: string[];
  images: ServiceDeploy['imageChanges'];
  services: ServiceDeploy[];
}

function newDeploy(name: string, service: Service): ServiceDeploy {
  const previous = service.taskDefinition ?? '';
  return {
    service: name,
    previousTaskDefinitionArn: previous,
    taskDefinitionArn: previous,
    imageChanges: [],
    changedFields: [],
    deploymentId: undefined,
    updated: false,
    result: undefined,
    detail: '',
    durationMs: 0,
    seenEventIds: new Set((service.events ?? []).map((e) => e.id ?? '')),
  };
}

async function readServices(ctx: DeployContext): Promise<ServiceDeploy[]> {
  const { cluster, services } = ctx.request;
  const answer = await ctx.gateway.describeServices(cluster, services);
  const missing = answer.missing.join(', ');
  if (answer.missing.length > 0) {
    throw new ActionError({
      code: 'SERVICE_NOT_FOUND',
      message: `Service(s) ${missing} not found in cluster ${cluster}.`,
      hint: "Check the 'service', 'cluster' and 'aws-region' inputs and the account.",
    });
  }
  return services.map((name) => {
    const service = answer.services.get(name) as Service;
    if (service.status !== 'ACTIVE') {
      throw new ActionError({
        code: 'SERVICE_INACTIVE',
        message: `Service ${name} in cluster ${cluster} is ${service.status ?? 'not ACTIVE'}.`,
        hint: 'Deploy to an ACTIVE service.',
      });
    }
    return newDeploy(name, service);
  });
}

function groupByFamily(deploys: ServiceDeploy[]): Map<string, ServiceDeploy[]> {
  const families = new Map<string, ServiceDeploy[]>();
  for (const deploy of deploys) {
    const family = familyOf(deploy.previousTaskDefinitionArn);
    families.set(family, [...(families.get(family) ?? []), deploy]);
  }
  return families;
}

async function reviseFamily(ctx: DeployContext, members: ServiceDeploy[]): Promise<Revision> {
  const base = members.reduce((a, b) =>
    revisionOf(b.previousTaskDefinitionArn) > revisionOf(a.previousTaskDefinitionArn) ? b : a,
  );
  const { definition, tags } = await ctx.gateway.describeTaskDefinition(
    base.previousTaskDefinitionArn,
  );
  const input = renderTaskDefinition(definition, tags, ctx.request.images);
  return planRevision(definition, input, base.previousTaskDefinitionArn, members);
}

async function reviseFromFile(ctx: DeployContext, deploys: ServiceDeploy[]): Promise<Revision> {
  const source = ctx.request.taskDefinition;
  if (source?.kind !== 'file') throw new Error('reviseFromFile needs a file source.');
  const first = deploys[0] as ServiceDeploy;
  const { definition } = await ctx.gateway.describeTaskDefinition(first.previousTaskDefinitionArn);
  const document = stripReadOnly(source.document as TaskDefinitionData);
  const input = document as unknown as RegisterTaskDefinitionCommandInput;
  return planRevision(definition, input, first.previousTaskDefinitionArn, deploys);
}

/** What registering `input` would change against the running definition; no input if nothing. */
function planRevision(
  running: TaskDefinition,
  input: RegisterTaskDefinitionCommandInput,
  runningArn: string,
  services: ServiceDeploy[],
): Revision {
  const before = running as TaskDefinitionData;
  const after = input as unknown as TaskDefinitionData;
  const fields = changedFields(before, after);
  return {
    input: fields.length > 0 ? input : undefined,
    taskDefinitionArn: runningArn,
    fields,
    images: imageChanges(before, after),
    services,
  };
}

function arnRevision(deploy: ServiceDeploy, arn: string): Revision {
  const from = deploy.previousTaskDefinitionArn;
  return {
    input: undefined,
    taskDefinitionArn: arn,
    fields: from === arn ? [] : [`taskDefinition: ${from} -> ${arn}`],
    images: [],
    services: [deploy],
  };
}

/**
 * How to plan every revision: one per family, per service (ARN), or the file. Each start sends
 * the revision's first request.
 */
function revisionStarts(
  ctx: DeployContext,
  deploys: ServiceDeploy[],
): Array<() => Promise<Revision>> {
  const source = ctx.request.taskDefinition;
  if (source?.kind === 'arn') {
    return deploys.map((d) => () => Promise.resolve(arnRevision(d, source.taskDefinitionArn)));
  }
  if (source?.kind === 'file') return [() => reviseFromFile(ctx, deploys)];
  return [...groupByFamily(deploys).values()].map((members) => () => reviseFamily(ctx, members));
}

/** Resolves on the event loop's next turn, after pending I/O. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Starts every revision's job, each on its own turn of the event loop. Started in one turn, the
 * SDK calls interleave their preparation and none is sent before all are ready: measured with
 * 20 families, the first request left 35-75 ms after the services were read, against 10 ms
 * with one family. The jobs run in parallel all the same.
 */
async function startJobs<T>(
  starts: Array<() => Promise<Revision>>,
  job: (planned: Promise<Revision>) => Promise<T>,
): Promise<Array<Promise<T>>> {
  const jobs: Array<Promise<T>> = [];
  for (const [index, start] of starts.entries()) {
    if (index > 0) await nextTurn();
    const running = job(start());
    // Marked handled at once: a job may fail while later ones are still being started.
    running.catch(() => undefined);
    jobs.push(running);
  }
  return jobs;
}

function showPlan(revisions: Revision[], dryRun: boolean): void {
  for (const revision of revisions) {
    const names = revision.services.map((s) => s.service).join(', ');
    if (revision.fields.length === 0) {
      core.info(`${names}: the task definition is unchanged.`);
      continue;
    }
    const verb = dryRun ? 'would change' : 'changes';
    core.info(`${names}: ${verb} ${revision.fields.length} field(s):`);
    for (const line of revision.fields) core.info(`  ${line}`);
    for (const service of revision.services) {
      service.changedFields = revision.fields;
      service.imageChanges = revision.images;
    }
  }
}

async function registerRevision(ctx: DeployContext, revision: Revision): Promise<void> {
  if (revision.input !== undefined) {
    revision.taskDefinitionArn = await ctx.gateway.registerTaskDefinition(revision.input);
    core.info(`Registered ${revision.taskDefinitionArn}`);
  }
  for (const service of revision.services) service.taskDefinitionArn = revision.taskDefinitionArn;
}

function needsUpdate(ctx: DeployContext, deploy: ServiceDeploy): boolean {
  const moved = deploy.taskDefinitionArn !== deploy.previousTaskDefinitionArn;
  return ctx.request.forceNewDeployment || moved;
}

/** One revision from render to update, so task families do not wait for each other. */
async function rollOutRevision(ctx: DeployContext, planned: Promise<Revision>) {
  const revision = await planned;
  showPlan([revision], false);
  await registerRevision(ctx, revision);
  const changed = revision.services.filter((d) => needsUpdate(ctx, d));
  for (const d of revision.services.filter((x) => !changed.includes(x))) {
    d.result = 'unchanged';
    d.detail = 'Already on this task definition; nothing deployed.';
  }
  if (changed.length === 0) return undefined;
  throwIfCancelled(ctx.signal);
  return updateServices(ctx, changed);
}

/**
 * Renders, registers and updates every family in parallel; returns the first failure.
 */
async function rollOut(ctx: DeployContext, deploys: ServiceDeploy[]) {
  const starts = revisionStarts(ctx, deploys);
  const jobs = await startJobs(starts, (planned) => rollOutRevision(ctx, planned));
  const settled = await Promise.allSettled(jobs);
  for (const outcome of settled) {
    if (outcome.status === 'rejected') return asActionError(outcome.reason);
    if (outcome.value !== undefined) return outcome.value;
  }
  return undefined;
}

function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) {
    throw new ActionError({
      code: 'CANCELLED',
      message: 'The run was cancelled before any change.',
    });
  }
}

async function updateServices(
  ctx: DeployContext,
  deploys: ServiceDeploy[],
): Promise<ActionError | undefined> {
  const { cluster, forceNewDeployment } = ctx.request;
  const settled = await Promise.allSettled(
    deploys.map(async (deploy) => {
      const service = await ctx.gateway.updateService(
        cluster,
        deploy.service,
        deploy.taskDefinitionArn,
        forceNewDeployment,
      );
      deploy.updated = true;
      deploy.deploymentId = startedDeploymentId(service, deploy.taskDefinitionArn);
      core.info(
        `Updated ${deploy.service} to ${deploy.taskDefinitionArn} (${deploy.deploymentId ?? '-'})`,
      );
    }),
  );
  const failure = settled.find((s) => s.status === 'rejected');
  return failure === undefined ? undefined : asActionError(failure.reason);
}

function asActionError(error: unknown): ActionError {
  if (error instanceof ActionError) return error;
  return new ActionError({ code: 'INTERNAL', message: String(error), cause: error });
}

/** Points every service this run changed back at its previous task definition. */
export async function rollbackServices(
  ctx: DeployContext,
  deploys: ServiceDeploy[],
): Promise<ActionError | undefined> {
  let failure: ActionError | undefined;
  await Promise.all(
    deploys.map(async (deploy) => {
      const before = deploy.detail;
      // What a cancel that runs out of time reports until AWS confirms the rollback.
      deploy.result = undefined;
      const target = deploy.previousTaskDefinitionArn;
      deploy.detail = `Rollback to ${target} requested, not confirmed.`;
      try {
        await ctx.gateway.updateService(ctx.request.cluster, deploy.service, target, false);
        deploy.result = 'rolled-back';
        deploy.detail = `Rolled back to ${target}. ${before}`.trim();
        core.info(`Rolled back ${deploy.service} to ${target}`);
      } catch (cause) {
        deploy.result = 'failed';
        deploy.detail = `Rollback failed: ${asActionError(cause).message}`;
        failure ??= new ActionError({
          code: 'ROLLBACK_FAILED',
          message: `Pointing ${deploy.service} back at ${target} failed.`,
          hint: `Run: ${updateServiceCommand(ctx.request.cluster, deploy.service, target)}`,
          cause,
        });
      }
    }),
  );
  return failure;
}

function applyOutcomes(
  deploys: ServiceDeploy[],
  outcomes: Map<string, WaitOutcome>,
): ActionError | undefined {
  let first: ActionError | undefined;
  for (const deploy of deploys) {
    const outcome = outcomes.get(deploy.service);
    if (outcome === undefined) continue;
    deploy.detail = outcome.detail;
    const state = outcome.verdict.state;
    deploy.result =
      state === 'completed'
        ? 'deployed'
        : state === 'rolled-back-by-ecs'
          ? 'rolled-back'
          : 'failed';
    first ??= waitError(deploy, outcome);
  }
  return first;
}

/**
 * Services that need our rollback: changed by this run, not already rolled back by ECS.
 */
function toRollBack(deploys: ServiceDeploy[], outcomes: Map<string, WaitOutcome>): ServiceDeploy[] {
  const skip = new Set(['rolled-back-by-ecs', 'missing', 'inactive']);
  return deploys.filter(
    (d) => d.updated && !skip.has(outcomes.get(d.service)?.verdict.state ?? ''),
  );
}

async function finishFailure(
  ctx: DeployContext,
  deploys: ServiceDeploy[],
  error: ActionError,
  outcomes = new Map<string, WaitOutcome>(),
) {
  if (!ctx.request.rollback) {
    for (const d of deploys) if (d.updated && d.result !== 'rolled-back') d.result = 'failed';
    return error;
  }
  const targets = toRollBack(deploys, outcomes);
  const rollbackError =
    targets.length > 0
      ? await core.group('Roll back', () => rollbackServices(ctx, targets))
      : undefined;
  return rollbackError === undefined ? error : withRollbackFailure(error, rollbackError);
}

/**
 * A failed rollback is the step's error, except after a credentials failure: that one
 * (usually the same cause) keeps its code, and says the rollback could not run and how to
 * run it by hand.
 */
function withRollbackFailure(error: ActionError, rollbackError: ActionError): ActionError {
  if (!isCredentialFailure(error)) return rollbackError;
  const cause = rollbackError.cause instanceof Error ? rollbackError.cause.message : '';
  const rollback = `${rollbackError.message.replace(/\.$/, '')}: ${cause}`;
  return new ActionError({
    code: error.code,
    message: `${error.message} The rollback could not run: ${rollback}`,
    hint: rollbackError.hint ?? '',
    cause: error.cause,
  });
}

async function followDeployments(
  ctx: DeployContext,
  changed: ServiceDeploy[],
): Promise<ActionError | undefined> {
  const targets = changed.map((d) => ({
    service: d.service,
    deploymentId: d.deploymentId ?? '',
    taskDefinitionArn: d.taskDefinitionArn,
    previousTaskDefinitionArn: d.previousTaskDefinitionArn,
    seenEventIds: d.seenEventIds,
  }));
  const follow = () =>
    waitForDeployments(targets, {
      gateway: ctx.gateway,
      cluster: ctx.request.cluster,
      timeoutMs: ctx.request.waitTimeoutMs,
      stopOnFailure: ctx.request.rollback,
      signal: ctx.signal,
      now: ctx.now,
      sleep: ctx.sleep,
    });
  let outcomes: Map<string, WaitOutcome>;
  try {
    outcomes = await core.group('Wait for deployment', follow);
  } catch (cause) {
    // The services are mid-deploy: a failed wait still rolls back what this run changed.
    return finishFailure(ctx, changed, asActionError(cause));
  }
  const error = applyOutcomes(changed, outcomes);
  return error === undefined ? undefined : finishFailure(ctx, changed, error, outcomes);
}

async function applyChanges(
  ctx: DeployContext,
  deploys: ServiceDeploy[],
): Promise<ActionError | undefined> {
  throwIfCancelled(ctx.signal);
  const error = await core.group('Register and update', () => rollOut(ctx, deploys));
  const changed = deploys.filter((d) => d.updated);
  if (error) return finishFailure(ctx, changed, error);
  if (changed.length === 0) return undefined;
  if (!ctx.request.wait) {
    for (const d of changed) {
      d.result = 'deployed';
      d.detail = 'Deployment started; not waited for.';
    }
    return undefined;
  }
  return followDeployments(ctx, changed);
}

/**
 * Names the revisions a register whose answer was lost made after the one this run used
 * (see EcsGateway.registerTaskDefinition): on each service of that family, and in a warning.
 */
async function reportLateRevisions(ctx: DeployContext, deploys: ServiceDeploy[]) {
  for (const arn of await ctx.gateway.lateRegistrations()) {
    const family = familyOf(arn);
    const owners = deploys.filter((d) => familyOf(d.taskDefinitionArn) === family);
    for (const d of owners) d.unusedRevisions = [...(d.unusedRevisions ?? []), arn];
    core.warning(
      `RegisterTaskDefinition also registered ${arn}: a request whose answer was lost landed ` +
        `late. Nothing runs it; remove it with: aws ecs deregister-task-definition ` +
        `--task-definition ${arn}`,
    );
  }
}

function finishTimes(deploys: ServiceDeploy[], startedAt: number, now: number): void {
  for (const deploy of deploys) deploy.durationMs = now - startedAt;
}

/**
 * Deploys every requested service: read; then per task family, in parallel, render one
 * revision, register it and update its services; follow; and roll back all that this run
 * changed when one fails.
 */
export async function deployServices(ctx: DeployContext): Promise<DeployOutcome> {
  const startedAt = ctx.now();
  let deploys: ServiceDeploy[] = [];
  try {
    deploys = await core.group('Read services', () => readServices(ctx));
    ctx.onServices?.(deploys);
    const all = deploys;
    if (ctx.request.dryRun) return await core.group('Dry run', () => dryRun(ctx, all));
    const error = await applyChanges(ctx, deploys);
    await reportLateRevisions(ctx, deploys);
    return { services: deploys, error };
  } catch (error) {
    return { services: deploys, error: asActionError(error) };
  } finally {
    finishTimes(deploys, startedAt, ctx.now());
  }
}

/** Marks services the run never got to finish (an update or a read failed) as failed. */
export function settleUnfinished(outcome: DeployOutcome): DeployOutcome {
  for (const deploy of outcome.services) {
    if (deploy.result !== undefined) continue;
    deploy.result = 'failed';
    deploy.detail = outcome.error?.message ?? 'Not deployed.';
  }
  return outcome;
}

async function dryRun(ctx: DeployContext, deploys: ServiceDeploy[]): Promise<DeployOutcome> {
  const planned = await startJobs(revisionStarts(ctx, deploys), (revision) => revision);
  const revisions = await Promise.all(planned);
  showPlan(revisions, true);
  for (const revision of revisions) {
    for (const deploy of revision.services) {
      deploy.result = 'dry-run';
      deploy.detail =
        revision.fields.length === 0
          ? 'Nothing would change.'
          : `Would change ${revision.fields.length} field(s).`;
    }
  }
  return { services: deploys, error: undefined };
}

export { overallResult };

/** The AWS CLI command that points a service back by hand, for the hint of a failed rollback. */
function updateServiceCommand(cluster: string, service: string, taskDefinition: string): string {
  return (
    `aws ecs update-service --cluster ${cluster} --service ${service} ` +
    `--task-definition ${taskDefinition}`
  );
}
