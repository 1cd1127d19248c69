import type { Sandbox } from '../../sandbox';
import type { ActDispatch } from './act-run';

/** The workflow act runs: the manual deploy. */
export const DEPLOY_WORKFLOW = '.github/workflows/deploy.yml';

/** One container of the running task definition. */
export interface ContainerImage {
  name: string;
  image: string;
}

/** The first service the sandbox created in account B. */
export function sandboxService(sandbox: Sandbox): string {
  const [first] = sandbox.info.services;
  if (first === undefined) throw new Error('the sandbox created no service');
  return first;
}

/** The containers of the task definition the sandbox service runs now, in order. */
export async function runningContainers(sandbox: Sandbox): Promise<ContainerImage[]> {
  const name = sandboxService(sandbox);
  const service = await sandbox.inspect.service(name);
  if (service?.taskDefinition === undefined) throw new Error(`service ${name} is gone`);
  const { taskDefinition } = await sandbox.inspect.taskDefinition(service.taskDefinition);
  return (taskDefinition.containerDefinitions ?? []).map((c) => ({
    name: c.name ?? '',
    image: c.image ?? '',
  }));
}

/**
 * A workflow_dispatch of deploy.yml aimed at the sandbox: its roles, region, cluster and service
 * as the environment's variables, its token endpoint and AWS endpoint as `--env`. The GITHUB_*
 * run metadata is left to act, as a runner provides its own.
 */
export function sandboxDispatch(
  sandbox: Sandbox,
  deploy: { container: string; image: string; dryRun: boolean },
): ActDispatch {
  const { info } = sandbox;
  return {
    workflow: DEPLOY_WORKFLOW,
    inputs: { environment: 'production', image: deploy.image, 'dry-run': String(deploy.dryRun) },
    vars: {
      TOOLING_ROLE_ARN: info.toolingRoleArn,
      DEPLOY_ROLE_ARN: info.deployRoleArn,
      AWS_REGION: info.region,
      ECS_CLUSTER: info.cluster,
      ECS_SERVICE: sandboxService(sandbox),
      ECS_CONTAINER: deploy.container,
    },
    env: Object.fromEntries(
      Object.entries(sandbox.env).filter(([name]) => !name.startsWith('GITHUB_')),
    ),
  };
}
