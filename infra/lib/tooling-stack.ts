/** Account A: the GitHub OIDC provider (or an existing one) and the tooling role. */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { DeployConfig } from './config';
import { GitHubToolingRole } from './github-tooling-role';
import { roleArn, roleChain } from './policies';

/** Props of {@link ToolingStack}. */
export interface ToolingStackProps extends StackProps {
  /** The validated deploy config. */
  readonly config: DeployConfig;
}

/** The stack for account A. */
export class ToolingStack extends Stack {
  /** The tooling role construct. */
  readonly tooling: GitHubToolingRole;

  constructor(scope: Construct, id: string, props: ToolingStackProps) {
    super(scope, id, props);
    const { github, tooling, deploy } = props.config;
    const deployRoleArn = roleArn(this.partition, deploy.account, deploy.roleName);
    const provider =
      tooling.oidcProviderArn === undefined
        ? undefined
        : iam.OidcProviderNative.fromOidcProviderArn(this, 'GitHubOidc', tooling.oidcProviderArn);

    this.tooling = new GitHubToolingRole(this, 'Tooling', {
      ...github,
      roleName: tooling.roleName,
      deployRoleArns: [deployRoleArn],
      ...(provider === undefined ? {} : { oidcProvider: provider }),
    });

    const toolingRoleArn = this.tooling.role.roleArn;
    new CfnOutput(this, 'ToolingRoleArn', { value: toolingRoleArn });
    new CfnOutput(this, 'DeployRoleArn', { value: deployRoleArn });
    new CfnOutput(this, 'RoleChain', {
      description: 'The action input role-chain',
      value: roleChain([toolingRoleArn, deployRoleArn]),
    });
  }
}
