/** Puts both stacks into an app, one per account, from a validated config. */
import type { App } from 'aws-cdk-lib';
import type { DeployConfig } from './config';
import { DeployStack } from './deploy-stack';
import { ToolingStack } from './tooling-stack';

/** Name of the account A stack, stable so `cdk deploy <name>` can address it. */
export const TOOLING_STACK_NAME = 'GitHubEcsTooling';

/** Name of the account B stack. */
export const DEPLOY_STACK_NAME = 'GitHubEcsDeploy';

/** Adds the account A and account B stacks to `app`. */
export function addDeployStacks(
  app: App,
  config: DeployConfig,
): { tooling: ToolingStack; deploy: DeployStack } {
  const tooling = new ToolingStack(app, TOOLING_STACK_NAME, {
    config,
    env: { account: config.tooling.account, region: config.tooling.region ?? config.deploy.region },
    description: 'GitHub OIDC trust and the tooling role (account A)',
  });
  const deploy = new DeployStack(app, DEPLOY_STACK_NAME, {
    config,
    env: { account: config.deploy.account, region: config.deploy.region },
    description: 'ECS deploy role trusted by the tooling role (account B)',
  });
  return { tooling, deploy };
}
