/**
 * The synthesized templates' roles as concrete IAM policy JSON, for the IAM simulation tests and
 * the sandbox (which creates the same roles in moto). Intrinsics are resolved the way
 * CloudFormation would for a given account, region and partition; an unknown one is an error,
 * never a guess.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { addDeployStacks } from '../lib/app';
import type { DeployConfig } from '../lib/config';

export { loadConfig } from '../lib/config';
export type { DeployConfig } from '../lib/config';

/** One IAM policy statement as it appears in a template (after resolution: plain JSON). */
export interface PolicyStatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: '*' | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatementJson[];
}

/** One resource of a CloudFormation template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  [key: string]: unknown;
}

/** A synthesized CloudFormation template. */
export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
  [key: string]: unknown;
}

/** Where a template is deployed: what the pseudo parameters resolve to. */
export interface ResolveContext {
  account: string;
  region: string;
  /** @default 'aws' */
  partition?: string;
}

/** A role of a template with its policies, every intrinsic resolved. */
export interface RolePolicies {
  logicalId: string;
  roleName: string;
  trustPolicy: PolicyDocument;
  identityPolicies: PolicyDocument[];
}

const CDK_JSON = join(__dirname, '../../cdk.json');

/** An app with cdk.json's feature flags and both stacks, as `npm run synth` builds it. */
export function createApp(
  config: DeployConfig,
): App & { stacks: ReturnType<typeof addDeployStacks> } {
  const settings = JSON.parse(readFileSync(CDK_JSON, 'utf8')) as { context?: object };
  const app = new App({ analyticsReporting: false, context: { ...settings.context } });
  return Object.assign(app, { stacks: addDeployStacks(app, config) });
}

/** Synthesizes both stacks in memory, with cdk.json's feature flags, as `npm run synth` does. */
export function synthesizeTemplates(config: DeployConfig): {
  tooling: CfnTemplate;
  deploy: CfnTemplate;
} {
  const app = createApp(config);
  const assembly = app.synth();
  return {
    tooling: assembly.getStackArtifact(app.stacks.tooling.artifactId).template as CfnTemplate,
    deploy: assembly.getStackArtifact(app.stacks.deploy.artifactId).template as CfnTemplate,
  };
}

/** Every `AWS::IAM::Role` of the template with its trust policy and identity policies. */
export function rolePolicies(template: CfnTemplate, context: ResolveContext): RolePolicies[] {
  const resolver = new IntrinsicResolver(template, { partition: 'aws', ...context });
  return resourcesOfType(template, 'AWS::IAM::Role').map(([logicalId, role]) => {
    const props = role.Properties ?? {};
    const inline = (props.Policies ?? []) as Array<{ PolicyDocument: unknown }>;
    const attached = attachedPolicies(template, logicalId);
    return {
      logicalId,
      roleName: resolver.roleName(logicalId),
      trustPolicy: resolver.resolve(props.AssumeRolePolicyDocument) as PolicyDocument,
      identityPolicies: [...inline.map((p) => p.PolicyDocument), ...attached].map(
        (doc) => resolver.resolve(doc) as PolicyDocument,
      ),
    };
  });
}

/** The template's outputs by name, every intrinsic resolved. */
export function templateOutputs(
  template: CfnTemplate,
  context: ResolveContext,
): Record<string, string> {
  const resolver = new IntrinsicResolver(template, { partition: 'aws', ...context });
  const outputs = Object.entries(template.Outputs ?? {});
  return Object.fromEntries(outputs.map(([name, output]) => [name, resolver.text(output.Value)]));
}

function resourcesOfType(template: CfnTemplate, type: string): Array<[string, CfnResource]> {
  return Object.entries(template.Resources ?? {}).filter(([, resource]) => resource.Type === type);
}

/** Policy documents of `AWS::IAM::Policy` / `AWS::IAM::ManagedPolicy` resources naming the role. */
function attachedPolicies(template: CfnTemplate, roleLogicalId: string): unknown[] {
  const types = ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy'];
  return types.flatMap((type) =>
    resourcesOfType(template, type)
      .filter(([, policy]) => refersTo(policy.Properties?.Roles, roleLogicalId))
      .map(([, policy]) => policy.Properties?.PolicyDocument),
  );
}

function refersTo(roles: unknown, logicalId: string): boolean {
  if (!Array.isArray(roles)) return false;
  return roles.some((role) => isObject(role) && role.Ref === logicalId);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Select, Fn::Split, Fn::Sub and pseudo parameters. */
class IntrinsicResolver {
  constructor(
    private readonly template: CfnTemplate,
    private readonly context: Required<ResolveContext>,
  ) {}

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (!isObject(value)) return value;
    const keys = Object.keys(value);
    const key = keys[0];
    if (keys.length === 1 && key !== undefined && (key === 'Ref' || key.startsWith('Fn::'))) {
      return this.intrinsic(key, value[key]);
    }
    return Object.fromEntries(keys.map((k) => [this.resolveKey(k), this.resolve(value[k])]));
  }

  roleName(logicalId: string): string {
    const name = this.resource(logicalId).Properties?.RoleName;
    return name === undefined ? logicalId : this.text(name);
  }

  private resolveKey(key: string): string {
    if (key.includes('${Token[')) throw new Error(`unresolved token in policy key ${key}`);
    return key;
  }

  text(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') throw new Error(`expected a string, got ${String(resolved)}`);
    return resolved;
  }

  private intrinsic(name: string, arg: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(this.text(arg));
      case 'Fn::GetAtt':
        return this.getAtt(arg);
      case 'Fn::Join':
        return this.join(arg);
      case 'Fn::Select':
        return this.select(arg);
      case 'Fn::Split':
        return this.split(arg);
      case 'Fn::Sub':
        return this.sub(arg);
      default:
        throw new Error(`cannot resolve ${name}: ${JSON.stringify(arg)}`);
    }
  }

  private ref(name: string): string {
    const pseudo: Record<string, string> = {
      'AWS::AccountId': this.context.account,
      'AWS::Region': this.context.region,
      'AWS::Partition': this.context.partition,
      'AWS::URLSuffix': this.context.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    };
    const value = pseudo[name];
    if (value !== undefined) return value;
    const resource = this.resource(name);
    if (resource.Type === 'AWS::IAM::Role') return this.roleName(name);
    if (resource.Type === 'AWS::IAM::OIDCProvider') return this.providerArn(resource);
    throw new Error(`cannot resolve Ref to ${name} (${resource.Type})`);
  }

  private getAtt(arg: unknown): string {
    const [logicalId, attribute] = (Array.isArray(arg) ? arg : String(arg).split('.')) as string[];
    const resource = this.resource(logicalId ?? '');
    if (attribute === 'Arn' && resource.Type === 'AWS::IAM::Role') {
      return this.roleArn(logicalId ?? '', resource);
    }
    if (attribute === 'Arn' && resource.Type === 'AWS::IAM::OIDCProvider') {
      return this.providerArn(resource);
    }
    throw new Error(`cannot resolve Fn::GetAtt ${String(logicalId)}.${String(attribute)}`);
  }

  private roleArn(logicalId: string, role: CfnResource): string {
    const path = role.Properties?.Path === undefined ? '/' : this.text(role.Properties.Path);
    const { partition, account } = this.context;
    return `arn:${partition}:iam::${account}:role${path}${this.roleName(logicalId)}`;
  }

  private providerArn(provider: CfnResource): string {
    const host = this.text(provider.Properties?.Url).replace(/^https:\/\//, '');
    return `arn:${this.context.partition}:iam::${this.context.account}:oidc-provider/${host}`;
  }

  private join(arg: unknown): string {
    const [separator, parts] = arg as [string, unknown[]];
    return parts.map((part) => this.text(part)).join(separator);
  }

  private select(arg: unknown): unknown {
    const [index, list] = arg as [unknown, unknown];
    const items = this.resolve(list);
    if (!Array.isArray(items)) throw new Error('Fn::Select needs a list');
    return items[Number(this.resolve(index))];
  }

  private split(arg: unknown): string[] {
    const [separator, source] = arg as [string, unknown];
    return this.text(source).split(separator);
  }

  private sub(arg: unknown): string {
    const [format, variables] = (Array.isArray(arg) ? arg : [arg, {}]) as [string, unknown];
    const values = isObject(variables) ? variables : {};
    return format.replace(/\$\{([^}!]+)\}/g, (_, name: string) =>
      name in values ? this.text(values[name]) : this.subVariable(name),
    );
  }

  private subVariable(name: string): string {
    return name.includes('.') ? this.getAtt(name) : this.ref(name);
  }

  private resource(logicalId: string): CfnResource {
    const resource = this.template.Resources?.[logicalId];
    if (resource === undefined) throw new Error(`no resource ${logicalId} in the template`);
    return resource;
  }
}
