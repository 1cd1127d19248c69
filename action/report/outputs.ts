import type { ServiceDeploy } from '../ecs/outcome';

/** The per-service values of the `services` output. */
export interface ServiceOutput {
  'task-definition-arn': string;
  'previous-task-definition-arn': string;
  'deployment-id': string;
  result: string;
}

/** The task definition a service runs once the run is over. */
export function currentTaskDefinition(deploy: ServiceDeploy): string {
  if (deploy.result === 'rolled-back' || deploy.result === 'dry-run') {
    return deploy.previousTaskDefinitionArn;
  }
  return deploy.taskDefinitionArn;
}

function serviceOutput(deploy: ServiceDeploy): ServiceOutput {
  return {
    'task-definition-arn': currentTaskDefinition(deploy),
    'previous-task-definition-arn': deploy.previousTaskDefinitionArn,
    'deployment-id': deploy.deploymentId ?? '',
    result: deploy.result ?? 'failed',
  };
}

/** Every output of the step, by name, from the run's outcome (pure). */
export function buildOutputs(
  services: ServiceDeploy[],
  result: string,
  session: { assumedRoleArn: string; accountId: string } | undefined,
): Record<string, string> {
  const perService = Object.fromEntries(services.map((s) => [s.service, serviceOutput(s)]));
  const first = services[0] ? serviceOutput(services[0]) : undefined;
  return {
    'task-definition-arn': first?.['task-definition-arn'] ?? '',
    'previous-task-definition-arn': first?.['previous-task-definition-arn'] ?? '',
    'deployment-id': first?.['deployment-id'] ?? '',
    'aws-account-id': session?.accountId ?? '',
    'role-arn': session?.assumedRoleArn ?? '',
    result,
    services: JSON.stringify(perService),
  };
}
