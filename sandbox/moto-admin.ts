/**
 * Setup calls straight to moto before permission checks are on. moto picks the account from the
 * `x-moto-account-id` header and does not verify signatures while checks are off, so a fixed
 * placeholder Authorization header naming the service is enough for its routing.
 */

const PLACEHOLDER_KEY = 'AKIASANDBOXSETUP0000';

/** Raised when a setup call to moto fails. */
export class MotoSetupError extends Error {
  readonly code = 'SANDBOX_SETUP';
}

/** Calls an IAM (query protocol) action in `account`; returns the XML answer. */
export async function iamCall(
  motoUrl: string,
  account: string,
  params: Record<string, string>,
): Promise<string> {
  const response = await fetch(`${motoUrl}/`, {
    method: 'POST',
    headers: {
      authorization: placeholderAuth('us-east-1', 'iam'),
      'x-moto-account-id': account,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ ...params, Version: '2010-05-08' }),
  });
  const text = await response.text();
  if (!response.ok) throw new MotoSetupError(`IAM ${params.Action} in ${account}: ${text}`);
  return text;
}

/** Calls an EC2 (query protocol) action in `account` and `region`; returns the XML answer. */
export async function ec2Call(
  motoUrl: string,
  account: string,
  region: string,
  params: Record<string, string>,
): Promise<string> {
  const response = await fetch(`${motoUrl}/`, {
    method: 'POST',
    headers: {
      authorization: placeholderAuth(region, 'ec2'),
      'x-moto-account-id': account,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ ...params, Version: '2016-11-15' }),
  });
  const text = await response.text();
  if (!response.ok) throw new MotoSetupError(`EC2 ${params.Action} in ${account}: ${text}`);
  return text;
}

/** Calls an ECS (JSON protocol) operation in `account`; returns the parsed answer. */
export async function ecsCall(
  motoUrl: string,
  account: string,
  region: string,
  operation: string,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${motoUrl}/`, {
    method: 'POST',
    headers: {
      authorization: placeholderAuth(region, 'ecs'),
      'x-moto-account-id': account,
      'x-amz-target': `AmazonEC2ContainerServiceV20141113.${operation}`,
      'content-type': 'application/x-amz-json-1.1',
    },
    body: JSON.stringify(input),
  });
  const text = await response.text();
  if (!response.ok) throw new MotoSetupError(`ECS ${operation} in ${account}: ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** Switches moto's permission checks on for every request after the next `unchecked`. */
export async function resetAuth(motoUrl: string, unchecked: number): Promise<void> {
  const response = await fetch(`${motoUrl}/moto-api/reset-auth`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: String(unchecked),
  });
  if (!response.ok) throw new MotoSetupError(`moto reset-auth ${unchecked}: ${response.status}`);
}

function placeholderAuth(region: string, service: string): string {
  const scope = `${PLACEHOLDER_KEY}/20260101/${region}/${service}/aws4_request`;
  return `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host, Signature=0`;
}

/** Reads one XML element's text. */
export function xmlField(xml: string, name: string): string {
  return new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '';
}
