import type { DeployRequest } from '../../../action/inputs';

export const TOOLING = 'arn:aws:iam::111111111111:role/github-ecs-tooling';
export const DEPLOY = 'arn:aws:iam::222222222222:role/github-ecs-deploy';

/** A valid request as parseRequest would build it, with overrides. */
export function makeRequest(overrides: Partial<DeployRequest> = {}): DeployRequest {
  return {
    roleChain: [TOOLING, DEPLOY],
    region: 'eu-west-1',
    audience: 'sts.amazonaws.com',
    roleSessionName: undefined,
    durationSeconds: 3600,
    cluster: 'checkout',
    services: ['checkout-api'],
    images: [{ container: 'app', image: 'repo/app:2' }],
    taskDefinition: undefined,
    forceNewDeployment: false,
    wait: true,
    waitTimeoutMs: 60_000,
    rollback: true,
    dryRun: false,
    exportCredentials: false,
    credentialSource: 'oidc',
    ...overrides,
  };
}
