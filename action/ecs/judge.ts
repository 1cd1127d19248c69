import type { Deployment, Service } from '@aws-sdk/client-ecs';

/** The deployment this run started, and what it replaced. */
export interface WatchedDeployment {
  deploymentId: string;
  taskDefinitionArn: string;
  previousTaskDefinitionArn: string;
}

/** What one DescribeServices answer says about the watched deployment. */
export type Verdict =
  | { state: 'in-progress' }
  | { state: 'completed' }
  | { state: 'failed'; reason: string }
  | { state: 'rolled-back-by-ecs'; reason: string; rollbackDeploymentId: string }
  | { state: 'inactive'; status: string }
  | { state: 'missing' }
  | { state: 'superseded'; taskDefinitionArn: string };

/** Verdicts that end the wait for a service. */
export function isFinal(verdict: Verdict): boolean {
  return verdict.state !== 'in-progress';
}

/** Verdicts that count as success. */
export function isSuccess(verdict: Verdict): boolean {
  return verdict.state === 'completed';
}

function ecsRollback(deployments: Deployment[], watch: WatchedDeployment) {
  return deployments.find(
    (d) =>
      d.id !== watch.deploymentId &&
      d.status === 'PRIMARY' &&
      d.taskDefinition === watch.previousTaskDefinitionArn,
  );
}

function judgeMissingDeployment(deployments: Deployment[], watch: WatchedDeployment): Verdict {
  const back = ecsRollback(deployments, watch);
  if (back !== undefined) {
    const id = back.id ?? '';
    return {
      state: 'rolled-back-by-ecs',
      reason: 'the deployment is gone',
      rollbackDeploymentId: id,
    };
  }
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const taskDefinitionArn = primary?.taskDefinition ?? 'unknown';
  return { state: 'superseded', taskDefinitionArn };
}

/**
 * The watched deployment by id, or (id unknown or gone) the PRIMARY one on its task
 * definition.
 */
function findOurs(deployments: Deployment[], watch: WatchedDeployment) {
  return (
    deployments.find((d) => d.id === watch.deploymentId) ??
    deployments.find((d) => d.status === 'PRIMARY' && d.taskDefinition === watch.taskDefinitionArn)
  );
}

function judgeWithoutRolloutState(service: Service, ours: Deployment): Verdict {
  const steady =
    ours.status === 'PRIMARY' &&
    (service.deployments ?? []).length === 1 &&
    ours.runningCount === ours.desiredCount;
  return steady ? { state: 'completed' } : { state: 'in-progress' };
}

/**
 * Judges the watched deployment from one DescribeServices answer for its service
 * (undefined when ECS reported the service missing). Pure: no I/O, no clock.
 */
export function judgeDeployment(service: Service | undefined, watch: WatchedDeployment): Verdict {
  if (service === undefined) return { state: 'missing' };
  if (service.status !== undefined && service.status !== 'ACTIVE') {
    return { state: 'inactive', status: service.status };
  }
  const deployments = service.deployments ?? [];
  const ours = findOurs(deployments, watch);
  if (ours === undefined) return judgeMissingDeployment(deployments, watch);
  const back = ecsRollback(deployments, watch);
  if (ours.rolloutState === 'FAILED' || (back !== undefined && ours.status !== 'PRIMARY')) {
    const reason = ours.rolloutStateReason ?? 'no reason given';
    return back
      ? { state: 'rolled-back-by-ecs', reason, rollbackDeploymentId: back.id ?? '' }
      : { state: 'failed', reason };
  }
  if (ours.rolloutState === 'COMPLETED') return { state: 'completed' };
  if (ours.rolloutState === undefined) return judgeWithoutRolloutState(service, ours);
  return { state: 'in-progress' };
}

/**
 * Finds the PRIMARY deployment an UpdateService answer started for `taskDefinitionArn`.
 */
export function startedDeploymentId(service: Service | undefined, taskDefinitionArn: string) {
  const deployments = service?.deployments ?? [];
  const ours =
    deployments.find((d) => d.status === 'PRIMARY' && d.taskDefinition === taskDefinitionArn) ??
    deployments.find((d) => d.status === 'PRIMARY');
  return ours?.id;
}

/** Task ids that service events mention as "(task <id>)", newest first, each once. */
export function taskIdsInEvents(messages: string[]): string[] {
  const ids: string[] = [];
  for (const message of messages) {
    for (const match of message.matchAll(/\(task ([0-9a-zA-Z-]+)\)/g)) {
      const id = match[1];
      if (id !== undefined && !ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}
