/** The AWS SDK clients, loaded on first use. */
export type AwsSdk = typeof import('./sdk-entry');

let sdk: Promise<AwsSdk> | undefined;

/**
 * Loads the SDK once (dist/aws-sdk.js, most of the bundle). Loading compiles it synchronously,
 * so callers that can start it while a request of theirs is on the wire do so (the token fetch
 * starts it when its request has left), and start-up never pays for it.
 */
export function loadAwsSdk(): Promise<AwsSdk> {
  sdk ??= import('./sdk-entry');
  return sdk;
}
