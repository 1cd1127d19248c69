/** The OIDC token claims a trust policy matches on; the token itself is never kept. */
export interface TokenClaims {
  sub?: string;
  aud?: string;
  repository?: string;
  repository_id?: string;
  repository_owner_id?: string;
  ref?: string;
  environment?: string;
  job_workflow_ref?: string;
}

const CLAIM_NAMES = [
  'sub',
  'aud',
  'repository',
  'repository_id',
  'repository_owner_id',
  'ref',
  'environment',
  'job_workflow_ref',
] as const;

/**
 * Decodes a JWT's payload (no verification: for diagnosis only) and keeps the trust
 * claims.
 */
export function decodeClaims(token: string): TokenClaims | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const claims: TokenClaims = {};
    for (const name of CLAIM_NAMES) {
      const value = (parsed as Record<string, unknown>)[name];
      if (typeof value === 'string' || typeof value === 'number') claims[name] = String(value);
      if (Array.isArray(value)) claims[name] = value.map(String).join(',');
    }
    return claims;
  } catch {
    return undefined;
  }
}

/** Lists the claims as `name=value` lines for the failure message. */
export function formatClaims(claims: TokenClaims): string {
  return CLAIM_NAMES.filter((name) => claims[name] !== undefined)
    .map((name) => `  ${name}: ${claims[name]}`)
    .join('\n');
}

/** The trust policy condition that would admit exactly this token. */
export function trustConditionFor(claims: TokenClaims): string {
  const key = (name: string) => `token.actions.githubusercontent.com:${name}`;
  const equals: Record<string, string> = {};
  if (claims.aud !== undefined) equals[key('aud')] = claims.aud;
  if (claims.sub !== undefined) equals[key('sub')] = claims.sub;
  if (claims.repository_id !== undefined) equals[key('repository_id')] = claims.repository_id;
  if (claims.repository_owner_id !== undefined) {
    equals[key('repository_owner_id')] = claims.repository_owner_id;
  }
  return JSON.stringify({ StringEquals: equals }, null, 2);
}

/** Explains an AccessDenied on the web identity hop from the token's claims. */
export function explainWebIdentityDenial(
  claims: TokenClaims | undefined,
  audience: string,
): string {
  if (claims === undefined) return 'The token could not be decoded to show its claims.';
  const lines = [`The token presented these claims:`, formatClaims(claims)];
  if (claims.sub !== undefined && /^repo:[^/:]+@\d+\//.test(claims.sub)) {
    lines.push(
      'The subject uses the immutable form repo:OWNER@ID/REPO@ID: a trust policy ' +
        'written for repo:OWNER/REPO never matches it.',
    );
  }
  if (claims.aud !== undefined && claims.aud !== audience) {
    const aud = `The token's aud (${claims.aud})`;
    lines.push(`${aud} differs from the 'audience' input (${audience}).`);
  }
  const condition = trustConditionFor(claims);
  lines.push('A trust policy condition that admits this job:', condition);
  return lines.join('\n');
}
