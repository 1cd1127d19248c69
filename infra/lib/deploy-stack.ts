/** Account B: the deploy role. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DeployConfig } from './config';
import { EcsDeployRole } from './ecs-deploy-role';
import { roleArn, roleChain } from './policies';

/** Props of {@link DeployStack}. */
export interface DeployStackProps extends StackProps {
  /** The validated deploy config. */
  readonly config: DeployConfig;
}

/** The stack for account B. */
export class DeployStack extends Stack {
  /** The deploy role construct. */
  readonly deploy: EcsDeployRole;

  constructor(scope: Construct, id: string, props: DeployStackProps) {
    super(scope, id, props);
    const { tooling, deploy } = props.config;
    const toolingRoleArn = roleArn(this.partition, tooling.account, tooling.roleName);

    this.deploy = new EcsDeployRole(this, 'Deploy', {
      trustedRoleArns: [toolingRoleArn],
      roleName: deploy.roleName,
      cluster: deploy.cluster,
      services: deploy.services,
      taskRoleArns: deploy.taskRoleArns,
      executionRoleArns: deploy.executionRoleArns,
      ...(deploy.taskDefinitionFamilies === undefined
        ? {}
        : { taskDefinitionFamilies: deploy.taskDefinitionFamilies }),
    });

    const deployRoleArn = this.deploy.role.roleArn;
    new CfnOutput(this, 'ToolingRoleArn', { value: toolingRoleArn });
    new CfnOutput(this, 'DeployRoleArn', { value: deployRoleArn });
    new CfnOutput(this, 'RoleChain', {
      description: 'The action input role-chain',
      value: roleChain([toolingRoleArn, deployRoleArn]),
    });
  }
}
