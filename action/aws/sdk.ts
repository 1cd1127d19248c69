/** The AWS SDK clients, loaded on first use. */
export type AwsSdk = typeof import('./sdk-entry');

let sdk: Promise<AwsSdk> | undefined;

/**
 * Loads the SDK once. Start-up does not pay for it: the first caller starts it a turn
 * after its
 * own request left, so compiling the SDK overlaps the wait for the answer.
 */
export function loadAwsSdk(): Promise<AwsSdk> {
  sdk ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => import('./sdk-entry'));
  return sdk;
}
