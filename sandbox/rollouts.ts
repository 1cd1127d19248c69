/**
 * Rolling deployments as ECS plays them, which moto does not (its UpdateService starts no new
 * deployment and never changes rolloutState). Pure state transitions: the layer owns the clock,
 * applies the side effects (pointing moto's service back on an ECS rollback) and renders the
 * state into DescribeServices / UpdateService / DescribeTasks answers.
 */
import { randomBytes, randomUUID } from 'node:crypto';

/** One service event as ECS writes it (newest first in answers). */
export interface EcsEvent {
  id: string;
  createdAt: number;
  message: string;
}

/** How a deployment will end, decided when it starts. */
export interface RolloutPlan {
  durationMs: number;
  failure?: { reason: string; ecsRollback: boolean };
}

/** One deployment of a service. */
export interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE';
  taskDefinition: string;
  previousTaskDefinition?: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  launchType: string;
  rolloutState: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason: string;
  settlesAt: number;
  plan: RolloutPlan;
}

/** A task the circuit breaker stopped, answerable by DescribeTasks. */
export interface StoppedTask {
  taskArn: string;
  clusterArn: string;
  taskDefinitionArn: string;
  group: string;
  launchType: string;
  lastStatus: 'STOPPED';
  desiredStatus: 'STOPPED';
  stopCode: 'TaskFailedToStart';
  stoppedReason: string;
  createdAt: number;
  stoppedAt: number;
  containers: Array<{ name: string; lastStatus: 'STOPPED' }>;
}

/** Everything the layer knows about one service beyond what moto keeps. */
export interface ServiceRollout {
  account: string;
  clusterArn: string;
  serviceArn: string;
  serviceName: string;
  deployments: Deployment[];
  events: EcsEvent[];
  stoppedTasks: StoppedTask[];
}

/** A moment a deployment reached its end (for the benchmark's "noticed within" measure). */
export interface RolloutFlip {
  at: number;
  account: string;
  service: string;
  deploymentId: string;
  taskDefinition: string;
  state: 'COMPLETED' | 'FAILED';
}

/** What the layer must do in moto after an advance: ECS's own rollback. */
export interface RollbackEffect {
  account: string;
  clusterArn: string;
  serviceName: string;
  taskDefinition: string;
}

/** The subset of moto's service JSON the model reads. */
export interface MotoService {
  serviceArn: string;
  serviceName: string;
  clusterArn: string;
  taskDefinition: string;
  desiredCount: number;
  launchType?: string;
  deployments?: Array<{ id?: string; createdAt?: number }>;
}

const CIRCUIT_BREAKER_REASON = 'ECS deployment circuit breaker: tasks failed to start.';
const FAILED_TASKS = 3;
const MAX_EVENTS = 100;

/** A deployment id as ECS makes them: ecs-svc/ and 19 digits. */
export function newDeploymentId(): string {
  const digits = Array.from(randomBytes(19), (b) => String(b % 10)).join('');
  return `ecs-svc/${digits.replace(/^0/, '1')}`;
}

/** The state of a service moto created: one steady deployment of its task definition. */
export function baselineRollout(
  account: string,
  service: MotoService,
  now: number,
): ServiceRollout {
  const deployment = newDeployment(service, service.taskDefinition, now, { durationMs: 0 });
  Object.assign(deployment, {
    rolloutState: 'COMPLETED',
    rolloutStateReason: `ECS deployment ${deployment.id} completed.`,
    runningCount: service.desiredCount,
    pendingCount: 0,
  });
  return {
    account,
    clusterArn: service.clusterArn,
    serviceArn: service.serviceArn,
    serviceName: service.serviceName,
    deployments: [deployment],
    events: [],
    stoppedTasks: [],
  };
}

/** Starts a new PRIMARY deployment of `taskDefinition`; the old PRIMARY turns ACTIVE. */
export function startDeployment(
  rollout: ServiceRollout,
  service: MotoService,
  taskDefinition: string,
  plan: RolloutPlan,
  now: number,
): Deployment {
  const primary = rollout.deployments.find((d) => d.status === 'PRIMARY');
  if (primary) {
    primary.status = 'ACTIVE';
    primary.updatedAt = now;
  }
  const deployment = newDeployment(service, taskDefinition, now, plan);
  if (primary) deployment.previousTaskDefinition = primary.taskDefinition;
  rollout.deployments.unshift(deployment);
  const taskIds = Array.from({ length: Math.min(service.desiredCount, 10) }, newTaskId);
  if (taskIds.length > 0) {
    const tasks = taskIds.map((id) => `(task ${id})`).join(' ');
    addEvent(rollout, now, `has started ${taskIds.length} tasks: ${tasks}.`);
  }
  return deployment;
}

/** Moves the service's deployments forward to `now`; returns what moto must be told. */
export function advance(
  rollout: ServiceRollout,
  now: number,
): { flips: RolloutFlip[]; effects: RollbackEffect[] } {
  // One transition per look: every state ECS passes through (a FAILED deployment before its
  // rollback completes, say) is seen by at least one DescribeServices, as with real ECS.
  const primary = rollout.deployments.find((d) => d.status === 'PRIMARY');
  if (!primary || primary.rolloutState !== 'IN_PROGRESS' || primary.settlesAt > now) {
    return { flips: [], effects: [] };
  }
  if (!primary.plan.failure) {
    completeDeployment(rollout, primary);
    return { flips: [flip(rollout, primary, 'COMPLETED')], effects: [] };
  }
  const effect = failDeployment(rollout, primary, primary.plan.failure);
  return { flips: [flip(rollout, primary, 'FAILED')], effects: effect ? [effect] : [] };
}

/** The deployments, events and counts a DescribeServices answer shows for this service. */
export function renderService(rollout: ServiceRollout): Record<string, unknown> {
  const deployments = rollout.deployments.map(renderDeployment);
  return {
    deployments,
    events: rollout.events.slice(0, MAX_EVENTS),
    runningCount: sum(rollout.deployments.map((d) => d.runningCount)),
    pendingCount: sum(rollout.deployments.map((d) => d.pendingCount)),
  };
}

function renderDeployment(d: Deployment): Record<string, unknown> {
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition,
    desiredCount: d.desiredCount,
    pendingCount: d.pendingCount,
    runningCount: d.runningCount,
    failedTasks: d.failedTasks,
    createdAt: d.createdAt / 1000,
    updatedAt: d.updatedAt / 1000,
    launchType: d.launchType,
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  };
}

function newDeployment(
  service: MotoService,
  taskDefinition: string,
  now: number,
  plan: RolloutPlan,
): Deployment {
  const id = newDeploymentId();
  return {
    id,
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: service.desiredCount,
    runningCount: 0,
    pendingCount: service.desiredCount,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    launchType: service.launchType ?? 'FARGATE',
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: `ECS deployment ${id} in progress.`,
    settlesAt: now + plan.durationMs,
    plan,
  };
}

function completeDeployment(rollout: ServiceRollout, primary: Deployment): void {
  const at = primary.settlesAt;
  Object.assign(primary, {
    rolloutState: 'COMPLETED',
    rolloutStateReason: `ECS deployment ${primary.id} completed.`,
    runningCount: primary.desiredCount,
    pendingCount: 0,
    updatedAt: at,
  });
  rollout.deployments = [primary];
  addEvent(rollout, at, `(deployment ${primary.id}) deployment completed.`);
  addEvent(rollout, at, 'has reached a steady state.');
}

function failDeployment(
  rollout: ServiceRollout,
  primary: Deployment,
  failure: { reason: string; ecsRollback: boolean },
): RollbackEffect | undefined {
  const at = primary.settlesAt;
  const tasks = Array.from({ length: FAILED_TASKS }, () => stoppedTask(rollout, primary, failure));
  rollout.stoppedTasks.push(...tasks);
  for (const task of tasks) {
    const id = task.taskArn.split('/').pop() ?? '';
    addEvent(rollout, at, `has stopped 1 running tasks: (task ${id}).`);
  }
  Object.assign(primary, {
    rolloutState: 'FAILED',
    rolloutStateReason: CIRCUIT_BREAKER_REASON,
    runningCount: 0,
    pendingCount: 0,
    failedTasks: FAILED_TASKS,
    updatedAt: at,
  });
  addEvent(rollout, at, `(deployment ${primary.id}) deployment failed: tasks failed to start.`);
  const previous = primary.previousTaskDefinition;
  if (!failure.ecsRollback || !previous) return undefined;
  return rollBack(rollout, primary, previous, at);
}

function rollBack(
  rollout: ServiceRollout,
  failed: Deployment,
  previous: string,
  at: number,
): RollbackEffect {
  const from = rollout.deployments.find(
    (d) => d.status === 'ACTIVE' && d.taskDefinition === previous,
  );
  const service = {
    serviceArn: rollout.serviceArn,
    serviceName: rollout.serviceName,
    clusterArn: rollout.clusterArn,
    taskDefinition: previous,
    desiredCount: failed.desiredCount,
    launchType: failed.launchType,
  };
  const back = startDeployment(
    rollout,
    service,
    previous,
    { durationMs: failed.plan.durationMs },
    at,
  );
  addEvent(rollout, at, `rolling back to deployment ${from?.id ?? back.id}.`);
  return {
    account: rollout.account,
    clusterArn: rollout.clusterArn,
    serviceName: rollout.serviceName,
    taskDefinition: previous,
  };
}

function stoppedTask(
  rollout: ServiceRollout,
  deployment: Deployment,
  failure: { reason: string },
): StoppedTask {
  const clusterName = rollout.clusterArn.split('/').pop() ?? '';
  const taskArn = rollout.clusterArn.replace(
    /:cluster\/.*$/,
    `:task/${clusterName}/${newTaskId()}`,
  );
  return {
    taskArn,
    clusterArn: rollout.clusterArn,
    taskDefinitionArn: deployment.taskDefinition,
    group: `service:${rollout.serviceName}`,
    launchType: deployment.launchType,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'TaskFailedToStart',
    stoppedReason: failure.reason,
    createdAt: deployment.createdAt / 1000,
    stoppedAt: deployment.settlesAt / 1000,
    containers: [{ name: 'app', lastStatus: 'STOPPED' }],
  };
}

function flip(rollout: ServiceRollout, d: Deployment, state: RolloutFlip['state']): RolloutFlip {
  return {
    at: d.settlesAt,
    account: rollout.account,
    service: rollout.serviceName,
    deploymentId: d.id,
    taskDefinition: d.taskDefinition,
    state,
  };
}

function addEvent(rollout: ServiceRollout, at: number, text: string): void {
  const message = `(service ${rollout.serviceName}) ${text}`;
  rollout.events.unshift({ id: randomUUID(), createdAt: at / 1000, message });
}

function newTaskId(): string {
  return randomBytes(16).toString('hex');
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
