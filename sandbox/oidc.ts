/**
 * A local stand-in for the GitHub Actions OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL).
 *
 * `GET /token?api-version=2.0&audience=<aud>` with `Authorization: bearer <request token>` answers
 * `{"value": "<RS256 JWT>"}` signed with a key pair generated for this sandbox only.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const TOKEN_LIFETIME_S = 300;
const SLOW_TOKEN_MS = 4_000;

/** The claims GitHub puts in a job's OIDC token (those trust policies match on, and more). */
export interface GitHubClaims {
  iss: string;
  sub: string;
  aud: string;
  repository: string;
  repository_id: string;
  repository_owner: string;
  repository_owner_id: string;
  ref: string;
  environment: string;
  job_workflow_ref: string;
  event_name: string;
  actor: string;
  actor_id: string;
  run_id: string;
  run_attempt: string;
  workflow: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
}

/** How the endpoint answers: normally, with a 500, or after a long delay. */
export type TokenEndpointMode = 'ok' | 'fail' | 'slow';

/** Per-request facts the caller wants to record. */
export interface TokenRequestRecord {
  /** When the request arrived (epoch ms); it is recorded once answered. */
  at: number;
  audience: string;
  status: number;
}

/** The running token endpoint. */
export interface TokenEndpoint {
  /** ACTIONS_ID_TOKEN_REQUEST_URL: already contains `?`, as on a runner. */
  requestUrl: string;
  requestToken: string;
  publicKey: KeyObject;
  issued: string[];
  mode: TokenEndpointMode;
  slowMs: number;
  claimOverrides: Partial<GitHubClaims>;
  onRequest: (record: TokenRequestRecord) => void;
  stop(): Promise<void>;
}

/** Static facts the default claims are built from. */
export interface ClaimsBase {
  repository: string;
  repositoryId: string;
  ownerId: string;
  environment: string;
  runId: string;
  runAttempt: string;
}

/** Builds the claims a job bound to `environment` in `repository` would get. */
export function defaultClaims(base: ClaimsBase, audience: string, nowS: number): GitHubClaims {
  const [owner = ''] = base.repository.split('/');
  return {
    iss: GITHUB_ISSUER,
    sub: `repo:${base.repository}:environment:${base.environment}`,
    aud: audience,
    repository: base.repository,
    repository_id: base.repositoryId,
    repository_owner: owner,
    repository_owner_id: base.ownerId,
    ref: 'refs/heads/main',
    environment: base.environment,
    job_workflow_ref: `${base.repository}/.github/workflows/deploy.yml@refs/heads/main`,
    event_name: 'workflow_dispatch',
    actor: 'octocat',
    actor_id: '583231',
    run_id: base.runId,
    run_attempt: base.runAttempt,
    workflow: 'deploy',
    iat: nowS,
    nbf: nowS - 5,
    exp: nowS + TOKEN_LIFETIME_S,
    jti: randomBytes(16).toString('hex'),
  };
}

/** Signs `claims` as an RS256 JWT. */
export function signJwt(claims: object, privateKey: KeyObject, kid: string): string {
  const header = { alg: 'RS256', typ: 'JWT', kid };
  const body = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign('RSA-SHA256', Buffer.from(body), privateKey);
  return `${body}.${signature.toString('base64url')}`;
}

/** Result of checking a web identity token the way STS would. */
export type JwtCheck =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; code: 'InvalidIdentityToken' | 'ExpiredTokenException'; message: string };

/** Verifies signature, issuer, expiry and audience of a token from this endpoint. */
export function verifyJwt(token: string, publicKey: KeyObject, nowS: number): JwtCheck {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || !signature) {
    return { ok: false, code: 'InvalidIdentityToken', message: 'Token is not a JWT' };
  }
  const signed = Buffer.from(`${header}.${payload}`);
  if (!verify('RSA-SHA256', signed, publicKey, Buffer.from(signature, 'base64url'))) {
    return { ok: false, code: 'InvalidIdentityToken', message: 'Token signature is invalid' };
  }
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
  if (claims.iss !== GITHUB_ISSUER) {
    return { ok: false, code: 'InvalidIdentityToken', message: 'No OpenIDConnect provider found' };
  }
  if (typeof claims.exp !== 'number' || claims.exp <= nowS) {
    return { ok: false, code: 'ExpiredTokenException', message: 'Token is expired' };
  }
  return { ok: true, claims };
}

/** Starts the endpoint on a free loopback port. */
export async function startTokenEndpoint(base: ClaimsBase): Promise<TokenEndpoint> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const server = createServer();
  const pending = new Set<NodeJS.Timeout>();
  const endpoint: TokenEndpoint = {
    requestUrl: '',
    requestToken: randomBytes(24).toString('base64url'),
    publicKey: createPublicKey(privateKey),
    issued: [],
    mode: 'ok',
    slowMs: SLOW_TOKEN_MS,
    claimOverrides: {},
    onRequest: () => {},
    stop: () => {
      for (const timer of pending) clearTimeout(timer);
      return closeServer(server);
    },
  };
  server.on('request', (req, res) => {
    const receivedAt = Date.now(); // the benchmark's start-up ends when the request arrives
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const audience = url.searchParams.get('audience') ?? 'https://github.com/octo-org';
    const answer = (status: number, body: object): void => {
      endpoint.onRequest({ at: receivedAt, audience, status });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `bearer ${endpoint.requestToken}`) {
      answer(401, { message: 'Bad credentials' });
      return;
    }
    if (endpoint.mode === 'fail') {
      answer(500, { message: 'Internal server error' });
      return;
    }
    const delay = endpoint.mode === 'slow' ? endpoint.slowMs : 0;
    const timer = setTimeout(() => {
      pending.delete(timer);
      // A client that gave up (timeout, exit) gets nothing: no token is handed out.
      if (res.destroyed || req.socket.destroyed) return;
      const claims = { ...defaultClaims(base, audience, nowSeconds()), ...endpoint.claimOverrides };
      const token = signJwt(claims, privateKey, kid);
      endpoint.issued.push(token);
      answer(200, { value: token });
    }, delay);
    pending.add(timer);
  });
  const port = await listen(server);
  endpoint.requestUrl = `http://127.0.0.1:${port}/token?api-version=2.0`;
  return endpoint;
}

/** Listens on a free loopback port. */
export function listen(server: Server): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });
}

/** Closes a server and every connection it holds. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((r) => {
    server.close(() => r());
    server.closeAllConnections();
  });
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
