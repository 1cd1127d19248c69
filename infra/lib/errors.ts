/** Typed errors of the CDK app. */

/** A config value or construct prop that synthesis refuses; `field` says where it is. */
export class ConfigError extends Error {
  /** Stable code for every refused config value. */
  readonly code = 'InvalidConfig';

  constructor(
    readonly field: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${field}: ${message}`, options);
    this.name = 'ConfigError';
  }
}
