/**
 * Role trust evaluation, which moto never does. Pure functions over plain policy documents.
 *
 * Deliberately small: it understands the shapes our CDK app synthesizes (Allow/Deny, Federated
 * and AWS principals, StringEquals/StringLike and their negations on the GitHub claim keys) and
 * fails closed on anything else, so a policy it cannot read never lets a request through.
 */

/** An IAM policy document as synthesized. */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement[] | PolicyStatement;
}

/** One statement of a policy document. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  Resource?: string | string[];
  Principal?: string | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

/** Outcome of a trust evaluation, with the reason when denied. */
export type TrustDecision = { allowed: true } | { allowed: false; reason: string };

const GITHUB_KEY_PREFIX = 'token.actions.githubusercontent.com:';
const SUPPORTED_OPERATORS = ['StringEquals', 'StringLike', 'StringNotEquals', 'StringNotLike'];

/** Lists a document's statements. */
export function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

/** Decides whether a GitHub token with `claims` may assume a role with `trustPolicy`. */
export function evaluateWebIdentityTrust(
  trustPolicy: PolicyDocument,
  claims: Record<string, unknown>,
  providerArn: string,
): TrustDecision {
  const action = 'sts:AssumeRoleWithWebIdentity';
  const applies = (s: PolicyStatement): boolean =>
    matchesAction(s, action) && principalValues(s, 'Federated').includes(providerArn);
  const context = githubContext(claims);
  return decide(statementsOf(trustPolicy).filter(applies), context, `${action} via ${providerArn}`);
}

/** Decides whether the session `callerArn` (an assumed-role ARN) may assume a role by trust. */
export function evaluateRoleTrust(trustPolicy: PolicyDocument, callerArn: string): TrustDecision {
  const candidates = principalCandidates(callerArn);
  const applies = (s: PolicyStatement): boolean =>
    matchesAction(s, 'sts:AssumeRole') &&
    principalValues(s, 'AWS').some((p) => p === '*' || candidates.includes(p));
  return decide(statementsOf(trustPolicy).filter(applies), {}, `sts:AssumeRole by ${callerArn}`);
}

/** The ARNs a trust policy may name to admit the assumed-role session `callerArn`. */
export function principalCandidates(callerArn: string): string[] {
  const match = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  if (!match) return [callerArn];
  const [, partition, account, roleName] = match;
  return [
    callerArn,
    `arn:${partition}:iam::${account}:role/${roleName}`,
    `arn:${partition}:iam::${account}:root`,
    account ?? '',
  ];
}

function decide(
  statements: PolicyStatement[],
  context: Record<string, string>,
  what: string,
): TrustDecision {
  const results = statements.map((s) => ({ s, match: conditionsMatch(s, context) }));
  const unreadable = results.find((r) => typeof r.match === 'string');
  if (unreadable) return { allowed: false, reason: unreadable.match as string };
  if (results.some((r) => r.s.Effect === 'Deny' && r.match === true)) {
    return { allowed: false, reason: `an explicit Deny in the trust policy matches ${what}` };
  }
  if (results.some((r) => r.s.Effect === 'Allow' && r.match === true)) return { allowed: true };
  return { allowed: false, reason: `no statement of the trust policy allows ${what}` };
}

/** true, false, or the reason the conditions cannot be evaluated. */
function conditionsMatch(s: PolicyStatement, context: Record<string, string>): boolean | string {
  for (const [operator, entries] of Object.entries(s.Condition ?? {})) {
    if (!SUPPORTED_OPERATORS.includes(operator)) {
      return `the sandbox cannot evaluate the condition operator ${operator}`;
    }
    for (const [key, expected] of Object.entries(entries)) {
      const value = context[key.toLowerCase()];
      if (!operatorMatches(operator, value, toList(expected))) return false;
    }
  }
  return true;
}

function operatorMatches(operator: string, value: string | undefined, expected: string[]): boolean {
  const like = operator.includes('Like');
  const hit =
    value !== undefined && expected.some((e) => (like ? wildcardMatch(e, value) : e === value));
  return operator.includes('Not') ? !hit : hit;
}

/** IAM's `*` and `?` wildcards, case-sensitive like StringLike. */
export function wildcardMatch(pattern: string, value: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${source.replace(/\?/g, '.')}$`).test(value);
}

function githubContext(claims: Record<string, unknown>): Record<string, string> {
  const context: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (typeof value === 'string' || typeof value === 'number') {
      context[`${GITHUB_KEY_PREFIX}${name}`.toLowerCase()] = String(value);
    }
  }
  return context;
}

function matchesAction(s: PolicyStatement, action: string): boolean {
  return toList(s.Action).some((a) => a === '*' || a === 'sts:*' || a === action);
}

function principalValues(s: PolicyStatement, kind: 'Federated' | 'AWS'): string[] {
  if (s.Principal === '*') return ['*'];
  if (!s.Principal || typeof s.Principal === 'string') return [];
  return toList(s.Principal[kind]);
}

function toList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
