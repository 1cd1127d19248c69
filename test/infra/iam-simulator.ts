/**
 * Thin wrappers around @cloud-copilot/iam-simulate (AGPL: imported from tests only).
 * REFERENCE.md's trap: runSimulation drops the GitHub condition keys, so the web identity hop goes
 * through runUnsafeSimulation with a validated trust policy, and every other request through
 * runSimulation with a check that no context key was ignored.
 */
import { createValidatedPolicy, validateTrustPolicy } from '@cloud-copilot/iam-policy';
import {
  runSimulation,
  runUnsafeSimulation,
  type EvaluationResult,
} from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from '../../infra/testing/template-policies';

/** One request to a role or resource. */
export interface SimulatedRequest {
  principal: string;
  action: string;
  resource: string;
  context?: Record<string, string | string[]>;
  identityPolicies?: PolicyDocument[];
  resourcePolicy?: PolicyDocument;
}

/** The verdict, and the context keys the simulator left out of it. */
export interface SimulatedResult {
  result: EvaluationResult;
  ignoredContextKeys: string[];
}

/** Account id of an ARN (`arn:aws:iam::111111111111:role/x` gives 111111111111). */
export function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

/** AssumeRoleWithWebIdentity into the role whose trust policy is given. */
export function simulateWebIdentity(
  trustPolicy: PolicyDocument,
  roleArn: string,
  providerArn: string,
  claims: Record<string, string>,
): EvaluationResult {
  const validated = createValidatedPolicy(trustPolicy, validateTrustPolicy, { name: 'trust' });
  if (validated.errors.length > 0) {
    throw new Error(`invalid trust policy: ${JSON.stringify(validated.errors)}`);
  }
  const context = Object.fromEntries(
    Object.entries(claims).map(([claim, value]) => [
      `token.actions.githubusercontent.com:${claim}`,
      value,
    ]),
  );
  return runUnsafeSimulation(
    {
      request: {
        principal: providerArn,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: { resource: roleArn, accountId: accountOf(roleArn) },
        contextVariables: context,
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: validated,
    },
    {},
  );
}

/** Any other request, validated; throws when the simulator refuses the input. */
export async function simulate(request: SimulatedRequest): Promise<SimulatedResult> {
  const identityPolicies = (request.identityPolicies ?? []).map((policy, i) => ({
    name: `identity-${i}`,
    policy,
  }));
  const answer = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: {
          resource: request.resource,
          accountId:
            request.resource === '*' ? accountOf(request.principal) : accountOf(request.resource),
        },
        contextVariables: request.context ?? {},
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(request.resourcePolicy === undefined ? {} : { resourcePolicy: request.resourcePolicy }),
    },
    {},
  );
  if (answer.resultType === 'error') throw new Error(JSON.stringify(answer.errors));
  const results = answer.resultType === 'single' ? [answer.result] : answer.results;
  const ignored = results.flatMap((item) => item.ignoredContextKeys ?? []);
  return { result: answer.overallResult, ignoredContextKeys: ignored };
}
