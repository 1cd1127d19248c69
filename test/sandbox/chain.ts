/** Walks the two-hop chain against a sandbox with the SDK, for tests of the layer itself. */
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  STSClient,
  type Credentials,
} from '@aws-sdk/client-sts';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { Sandbox } from '../../sandbox';

/** Fetches an OIDC token from the sandbox's endpoint as @actions/core would. */
export async function fetchToken(sandbox: Sandbox, audience = 'sts.amazonaws.com') {
  const url = `${sandbox.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${audience}`;
  const token = sandbox.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '';
  return fetch(url, { headers: { authorization: `bearer ${token}` } });
}

/** SDK credentials from STS credentials. */
export function toIdentity(c: Credentials | undefined) {
  return {
    accessKeyId: c?.AccessKeyId ?? '',
    secretAccessKey: c?.SecretAccessKey ?? '',
    sessionToken: c?.SessionToken ?? '',
  };
}

/** An STS client aimed at the sandbox, no retries (faults must show). */
export function sts(sandbox: Sandbox, credentials?: Credentials): STSClient {
  return new STSClient({
    endpoint: sandbox.env.AWS_ENDPOINT_URL ?? '',
    region: sandbox.info.region,
    maxAttempts: 1,
    ...(credentials ? { credentials: toIdentity(credentials) } : {}),
  });
}

/** An ECS client with `credentials`, no retries. */
export function ecs(sandbox: Sandbox, credentials: Credentials | undefined): ECSClient {
  return new ECSClient({
    endpoint: sandbox.env.AWS_ENDPOINT_URL ?? '',
    region: sandbox.info.region,
    maxAttempts: 1,
    credentials: toIdentity(credentials),
  });
}

/** Hop 1 then hop 2; returns both hops' answers. */
export async function chain(sandbox: Sandbox) {
  const response = await fetchToken(sandbox);
  const { value } = (await response.json()) as { value: string };
  const [tooling = '', deploy = ''] = sandbox.inputs['role-chain']?.split('\n') ?? [];
  const hop1 = await sts(sandbox).send(
    new AssumeRoleWithWebIdentityCommand({
      RoleArn: tooling,
      RoleSessionName: 'layer-test',
      WebIdentityToken: value,
    }),
  );
  const hop2 = await sts(sandbox, hop1.Credentials).send(
    new AssumeRoleCommand({ RoleArn: deploy, RoleSessionName: 'layer-test' }),
  );
  return { token: value, hop1, hop2 };
}
