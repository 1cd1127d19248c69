/** A role in account A that only chosen GitHub Actions jobs can assume, and that only hops on. */
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { SubjectForm } from './config';
import { validateSubjectSource } from './subject-rules';
import {
  GITHUB_OIDC_HOST,
  STS_AUDIENCE,
  assumeDeployRoleStatement,
  githubTrustConditions,
} from './policies';

/** Props of {@link GitHubToolingRole}. */
export interface GitHubToolingRoleProps {
  /** `owner/name` of the repository whose jobs may assume the role. */
  readonly repository: string;
  /** Numeric id of that repository, pinned beside `sub`. */
  readonly repositoryId: string;
  /** Numeric id of the repository's owner, pinned beside `sub`. */
  readonly ownerId: string;
  /**
   * Environments whose jobs may assume the role.
   * @default [] (then `refs` must name at least one ref)
   */
  readonly environments?: readonly string[];
  /**
   * Full refs (`refs/heads/main`, `refs/tags/v1.0.0`) whose jobs may assume the role.
   * @default [] (then `environments` must name at least one environment)
   */
  readonly refs?: readonly string[];
  /**
   * Form of the `sub` claim GitHub issues for the repository.
   * @default 'legacy'
   */
  readonly subjectForm?: SubjectForm;
  /** ARNs of the deploy roles this role may assume; the only thing it may do. */
  readonly deployRoleArns: readonly string[];
  /**
   * Physical name of the role.
   * @default a name CloudFormation generates
   */
  readonly roleName?: string;
  /**
   * The account's GitHub OIDC provider.
   * @default a new `OidcProviderNative` for token.actions.githubusercontent.com
   */
  readonly oidcProvider?: iam.IOidcProvider;
}

/** The tooling role: trusted by exact GitHub subjects; may only assume the deploy roles. */
export class GitHubToolingRole extends Construct {
  /** The role itself. */
  readonly role: iam.Role;

  /** The OIDC provider the role trusts (created here or passed in). */
  readonly oidcProvider: iam.IOidcProvider;

  constructor(scope: Construct, id: string, props: GitHubToolingRoleProps) {
    super(scope, id);
    const source = {
      repository: props.repository,
      repositoryId: props.repositoryId,
      ownerId: props.ownerId,
      environments: props.environments ?? [],
      refs: props.refs ?? [],
      subjectForm: props.subjectForm ?? 'legacy',
    };
    validateSubjectSource(source, this.node.path);
    validateDeployRoleArns(props.deployRoleArns, this.node.path);

    this.oidcProvider = props.oidcProvider ?? createGitHubProvider(this);
    const principal = new iam.WebIdentityPrincipal(
      this.oidcProvider.oidcProviderArn,
      githubTrustConditions(source),
    );
    this.role = new iam.Role(this, 'Role', {
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
      description: `Assumed by GitHub Actions jobs of ${props.repository}; may only hop on`,
      assumedBy: principal,
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        AssumeDeployRoles: new iam.PolicyDocument({
          statements: [assumeDeployRoleStatement(props.deployRoleArns)],
        }),
      },
    });
  }
}

function createGitHubProvider(scope: Construct): iam.IOidcProvider {
  return new iam.OidcProviderNative(scope, 'GitHubOidcProvider', {
    url: `https://${GITHUB_OIDC_HOST}`,
    clientIds: [STS_AUDIENCE],
  });
}

function validateDeployRoleArns(arns: readonly string[], path: string): void {
  if (arns.length === 0) throw new Error(`${path}: deployRoleArns must name at least one role`);
  const loose = arns.find((arn) => /[*?]/.test(arn));
  if (loose !== undefined) {
    throw new Error(`${path}: deployRoleArns holds a wildcard (${loose}); name each role exactly`);
  }
}
