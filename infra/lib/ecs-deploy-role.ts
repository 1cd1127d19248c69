/** A role in account B that can roll named ECS services forward and nothing else. */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { deployRoleStatements } from './policies';

/** Props of {@link EcsDeployRole}. */
export interface EcsDeployRoleProps {
  /** ARNs of the roles (the tooling role) whose sessions may assume this role; never an account root. */
  readonly trustedRoleArns: readonly string[];
  /** ECS cluster name the services run in. */
  readonly cluster: string;
  /** ECS service names this role may describe, update and follow. */
  readonly services: readonly string[];
  /**
   * Task roles this role may pass, only to `ecs-tasks.amazonaws.com`.
   * @default [] (task definitions without a task role)
   */
  readonly taskRoleArns?: readonly string[];
  /**
   * Task execution roles this role may pass, only to `ecs-tasks.amazonaws.com`.
   * @default [] (task definitions without an execution role)
   */
  readonly executionRoleArns?: readonly string[];
  /**
   * Physical name of the role.
   * @default a name CloudFormation generates
   */
  readonly roleName?: string;
}

/** The deploy role: trusted by the tooling role's ARN only, scoped to one cluster's services. */
export class EcsDeployRole extends Construct {
  /** The role itself. */
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: EcsDeployRoleProps) {
    super(scope, id);
    validateProps(props, this.node.path);

    const stack = Stack.of(this);
    const statements = deployRoleStatements({
      partition: stack.partition,
      region: stack.region,
      account: stack.account,
      cluster: props.cluster,
      services: props.services,
      taskRoleArns: props.taskRoleArns ?? [],
      executionRoleArns: props.executionRoleArns ?? [],
    });
    const principals = props.trustedRoleArns.map((arn) => new iam.ArnPrincipal(arn));
    this.role = new iam.Role(this, 'Role', {
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
      description: `Deploys services of ECS cluster ${props.cluster}; assumed by the tooling role`,
      assumedBy: new iam.CompositePrincipal(...principals),
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: { DeployEcsServices: new iam.PolicyDocument({ statements }) },
    });
  }
}

function validateProps(props: EcsDeployRoleProps, path: string): void {
  if (props.trustedRoleArns.length === 0) {
    throw new Error(`${path}: trustedRoleArns must name at least one role`);
  }
  const root = props.trustedRoleArns.find((arn) => !/^arn:[^:]+:iam::\d{12}:role\/\S+$/.test(arn));
  if (root !== undefined) {
    throw new Error(`${path}: trustedRoleArns must be role ARNs, got ${root} (no account roots)`);
  }
  if (props.services.length === 0) throw new Error(`${path}: services must name at least one`);
  const names = [props.cluster, ...props.services];
  const loose = names.find((name) => !/^[A-Za-z0-9_-]{1,255}$/.test(name));
  if (loose !== undefined) {
    throw new Error(`${path}: ${JSON.stringify(loose)} is not an exact ECS name (no wildcards)`);
  }
}
