/** Builds an unsigned JWT with the given payload (the action only decodes it). */
export function jwt(payload: object): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'RS256' })}.${part(payload)}.signature`;
}
