import { ActionError } from '../errors';
import type { WaitOutcome } from './wait';

/** A service's result, in the contract's words. */
export type ServiceResult = 'deployed' | 'unchanged' | 'dry-run' | 'rolled-back' | 'failed';

/** Everything the run knows about one service; the report is written from it. */
export interface ServiceDeploy {
  service: string;
  previousTaskDefinitionArn: string;
  taskDefinitionArn: string;
  imageChanges: Array<{ container: string; from: string; to: string }>;
  changedFields: string[];
  deploymentId: string | undefined;
  /** True once this run's UpdateService succeeded: rollback applies to it. */
  updated: boolean;
  result: ServiceResult | undefined;
  /** One line on where the service stands, for the summary. */
  detail: string;
  durationMs: number;
  seenEventIds: Set<string>;
  /** Revisions of this service's family a lost register answer left behind, unused. */
  unusedRevisions?: string[];
}

/** The services and, when the run failed, the one error it fails with. */
export interface DeployOutcome {
  services: ServiceDeploy[];
  error: ActionError | undefined;
}

/**
 * The result the whole step reports: failed while any service this run changed is left
 * on the
 * new revision after a failure; rolled-back when every changed service was pointed back.
 */
export function overallResult(services: ServiceDeploy[], error: ActionError | undefined) {
  const results = services.map((s) => s.result);
  if (services.some((s) => s.result === 'failed' && s.updated)) return 'failed';
  if (results.includes('rolled-back')) return 'rolled-back';
  if (error) return 'failed';
  if (results.length > 0 && results.every((r) => r === 'dry-run')) return 'dry-run';
  if (results.length > 0 && results.every((r) => r === 'unchanged')) return 'unchanged';
  return 'deployed';
}

/** The error a service's failed wait turns into; undefined when it completed. */
export function waitError(deploy: ServiceDeploy, outcome: WaitOutcome): ActionError | undefined {
  const subject = `service ${deploy.service}, deployment ${deploy.deploymentId ?? '?'}`;
  const back = `previous task definition ${deploy.previousTaskDefinitionArn}`;
  switch (outcome.verdict.state) {
    case 'completed':
    case 'abandoned':
    case 'in-progress':
      return undefined;
    case 'failed':
    case 'superseded':
      return new ActionError({
        code: 'DEPLOYMENT_FAILED',
        message: `The deployment failed (${subject}): ${outcome.detail}`,
        hint: 'Fix what stopped the tasks (reasons above), then deploy again.',
      });
    case 'rolled-back-by-ecs':
      return new ActionError({
        code: 'DEPLOYMENT_FAILED',
        message: `ECS rolled the deployment back to the ${back} (${subject}): ${outcome.detail}`,
        hint: 'Fix what stopped the tasks (reasons above), then deploy again.',
      });
    case 'timed-out':
      return new ActionError({
        code: 'DEPLOYMENT_TIMED_OUT',
        message: `The deployment did not finish in time (${subject}).`,
        hint: "Raise 'wait-timeout-minutes', or see in the service events why it is slow.",
      });
    case 'cancelled':
      return new ActionError({
        code: 'CANCELLED',
        message: `The run was cancelled while following the deployment (${subject}).`,
      });
    case 'missing':
      return new ActionError({
        code: 'SERVICE_NOT_FOUND',
        message: `The service was deleted during the deployment (${subject}).`,
        hint: 'Recreate the service or remove it from the service input.',
      });
    case 'inactive':
      return new ActionError({
        code: 'SERVICE_INACTIVE',
        message: `The service became ${outcome.verdict.status} during the deployment (${subject}).`,
        hint: 'Deploy to an ACTIVE service.',
      });
  }
}
