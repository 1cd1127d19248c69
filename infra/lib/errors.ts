/** Typed errors of the CDK app. */

/** A config value or construct prop synthesis refuses; `field` is its path, e.g. `github.refs[0]`. */
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
