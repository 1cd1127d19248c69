import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** How long to wait for a TCP connection to AWS. */
export const CONNECTION_TIMEOUT_MS = 3_000;
/** How long one AWS request may take before it counts as timed out (and is retried). */
export const REQUEST_TIMEOUT_MS = 10_000;

/** Configuration shared by every SDK client the action builds. */
export interface SharedClientConfig {
  region: string;
  maxAttempts: number;
  requestHandler: {
    connectionTimeout: number;
    requestTimeout: number;
    throwOnRequestTimeout: boolean;
  };
  credentials?: AwsCredentialIdentityProvider;
}

/**
 * Client settings: the SDK's own retries are off (`maxAttempts: 1`) because every call
 * goes
 * through the action's one retry policy; endpoints come from the SDK (AWS_ENDPOINT_URL
 * works).
 */
export function clientConfig(
  region: string,
  credentials?: AwsCredentialIdentityProvider,
): SharedClientConfig {
  const config: SharedClientConfig = {
    region,
    maxAttempts: 1,
    // Without throwOnRequestTimeout the handler only warns past requestTimeout and waits on.
    requestHandler: {
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  };
  if (credentials !== undefined) config.credentials = credentials;
  return config;
}
