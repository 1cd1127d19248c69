/** Stable error codes: the README's troubleshooting table is keyed by them. */
export type ErrorCode =
  | 'INPUT_INVALID'
  | 'TASK_DEFINITION_FILE_INVALID'
  | 'OIDC_UNAVAILABLE'
  | 'OIDC_TOKEN_FAILED'
  | 'AMBIENT_REFUSED'
  | 'HOP_ACCESS_DENIED'
  | 'HOP_INVALID_TOKEN'
  | 'HOP_FAILED'
  | 'CREDENTIALS_EXPIRED'
  | 'ECS_ACCESS_DENIED'
  | 'SERVICE_NOT_FOUND'
  | 'SERVICE_INACTIVE'
  | 'TASK_DEFINITION_NOT_FOUND'
  | 'ECS_REQUEST_FAILED'
  | 'AWS_UNAVAILABLE'
  | 'DEPLOYMENT_FAILED'
  | 'DEPLOYMENT_TIMED_OUT'
  | 'ROLLBACK_FAILED'
  | 'CANCELLED'
  | 'INTERNAL';

const CREDENTIAL_CODES: ReadonlySet<ErrorCode> = new Set([
  'OIDC_UNAVAILABLE',
  'OIDC_TOKEN_FAILED',
  'HOP_ACCESS_DENIED',
  'HOP_INVALID_TOKEN',
  'HOP_FAILED',
  'CREDENTIALS_EXPIRED',
]);

/** True for a failure to get or renew the role chain's credentials (not an ECS answer). */
export function isCredentialFailure(error: unknown): error is ActionError {
  return error instanceof ActionError && CREDENTIAL_CODES.has(error.code);
}

/** What an AWS SDK error tells us, kept so the request can be found in CloudTrail. */
export interface AwsErrorDetails {
  name: string;
  message: string;
  requestId?: string;
  httpStatusCode?: number;
}

/** Fields an ActionError is built from. */
export interface ActionErrorInit {
  code: ErrorCode;
  message: string;
  /** One concrete next step for the user. */
  hint?: string;
  cause?: unknown;
}

/**
 * The only error type the action reports: a stable code, a next step and the original
 * cause.
 */
export class ActionError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(init: ActionErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ActionError';
    this.code = init.code;
    this.hint = init.hint;
  }

  /** The SDK error name and request id of the cause, when the cause came from AWS. */
  get aws(): AwsErrorDetails | undefined {
    return this.cause === undefined ? undefined : awsErrorDetails(this.cause);
  }
}

/** Reads the SDK error's name, message, request id and HTTP status, if it is one. */
export function awsErrorDetails(error: unknown): AwsErrorDetails | undefined {
  if (!(error instanceof Error)) return undefined;
  const meta = (error as { $metadata?: { requestId?: string; httpStatusCode?: number } }).$metadata;
  const details: AwsErrorDetails = { name: error.name, message: error.message };
  if (meta?.requestId !== undefined) details.requestId = meta.requestId;
  if (meta?.httpStatusCode !== undefined) details.httpStatusCode = meta.httpStatusCode;
  return details;
}

/**
 * Builds an INPUT_INVALID error that names the input, shows the value and the allowed
 * form.
 */
export function inputError(input: string, value: string, rule: string, cause?: unknown) {
  return new ActionError({
    code: 'INPUT_INVALID',
    message: `Input '${input}': ${rule} Got: ${JSON.stringify(clip(value))}.`,
    hint: `Fix the '${input}' input of this step.`,
    cause,
  });
}

/** Formats any error as the one failure line set on the step, plus its next step. */
export function formatError(error: unknown): string {
  if (!(error instanceof ActionError)) {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return `[INTERNAL] ${text}`;
  }
  const hint = error.hint ? `\nWhat to do: ${error.hint}` : '';
  return `[${error.code}] ${error.message}${origin(error.aws)}${hint}`;
}

/**
 * Names the AWS error and request id, or the underlying error when it did not come from
 * AWS.
 */
function origin(details: AwsErrorDetails | undefined): string {
  if (details === undefined) return '';
  if (details.requestId === undefined && details.httpStatusCode === undefined) {
    return ` (cause: ${details.name}: ${details.message})`;
  }
  const id = details.requestId ? `, request id ${details.requestId}` : '';
  return ` (AWS: ${details.name}${id})`;
}

/** Shortens long user values so an error stays readable. */
function clip(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
