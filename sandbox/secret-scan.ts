/**
 * The secret scan: after every run, no credential or token the sandbox handed out may appear in
 * clear text in the log (as the runner shows it), the outputs, the job summary, or GITHUB_ENV
 * (unless export-credentials was asked for). Findings never quote the secret itself.
 */

/** Where a run left text. */
export interface ScannedRun {
  log: string;
  outputs: Record<string, string>;
  exportedEnv: Record<string, string>;
  summary: string;
}

/** One clear-text occurrence, described without the secret. */
export interface SecretLeak {
  where: 'log' | 'outputs' | 'summary' | 'exported env';
  kind: string;
  /** A recognisable but harmless hint: the first 4 characters and the length. */
  hint: string;
}

/** Raised by runAction when the scan finds a leak; keeps the run for inspection. */
export class SecretLeakError extends Error {
  readonly code = 'SANDBOX_SECRET_LEAK';

  constructor(
    readonly leaks: SecretLeak[],
    readonly run: ScannedRun,
  ) {
    super(
      `secret scan: ${leaks.length} credential(s) in clear text: ` +
        leaks.map((l) => `${l.kind} ${l.hint} in ${l.where}`).join('; '),
    );
  }
}

const MIN_SECRET_LENGTH = 8;

/** Finds every secret of `secrets` in the run's text; pure. */
export function scanForSecrets(
  run: ScannedRun,
  secrets: string[],
  options: { allowExportedEnv: boolean },
): SecretLeak[] {
  const places: Array<[SecretLeak['where'], string]> = [
    ['log', run.log],
    ['outputs', Object.values(run.outputs).join('\n')],
    ['summary', run.summary],
  ];
  if (!options.allowExportedEnv) {
    places.push(['exported env', Object.values(run.exportedEnv).join('\n')]);
  }
  const leaks: SecretLeak[] = [];
  for (const secret of new Set(secrets)) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    for (const [where, text] of places) {
      if (text.includes(secret)) leaks.push({ where, kind: kindOf(secret), hint: hintOf(secret) });
    }
  }
  return leaks;
}

/** Names what a secret is from its shape. */
export function kindOf(secret: string): string {
  if (/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/.test(secret)) return 'OIDC token';
  if (/^(AKIA|ASIA)[A-Z0-9]{12,}$/.test(secret)) return 'access key id';
  if (secret.length === 40 && /^[A-Za-z0-9/+]+$/.test(secret)) return 'secret access key';
  if (secret.length > 100) return 'session token';
  return 'token';
}

function hintOf(secret: string): string {
  return `${secret.slice(0, 4)}… (${secret.length} chars)`;
}
