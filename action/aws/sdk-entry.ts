// The AWS SDK clients the action uses, in one module so the build can ship them as a
// second
// file (dist/aws-sdk.js) that loads while the first network request is in flight.
export * as ecs from '@aws-sdk/client-ecs';
export * as sts from '@aws-sdk/client-sts';
