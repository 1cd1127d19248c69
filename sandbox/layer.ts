/**
 * TEST DOUBLE: a thin HTTP layer between the action and moto (AWS_ENDPOINT_URL points here).
 * Everything moto does, moto does; the layer only adds what moto lacks, each for a reason:
 *
 * 1. Web identity trust. moto never reads the token nor checks trust, and rejects the unsigned
 *    AssumeRoleWithWebIdentity once permission checks are on. The layer verifies the JWT
 *    (signature with the sandbox key, issuer, expiry) and evaluates the role's synthesized trust
 *    policy on the GitHub claims; on a mismatch it answers STS's own AccessDenied. On a match it
 *    opens moto's check for exactly that one request (reset-auth 1, all other traffic held back,
 *    closed again right after). AssumeRole: the target role's trust must name the caller's role.
 * 2. ECS denials: moto answers them in XML the SDK cannot parse; the layer rewrites them into the
 *    JSON AccessDeniedException real ECS sends.
 * 3. Rolling deployments (see rollouts.ts): UpdateService starts a PRIMARY deployment that
 *    completes or fails (circuit breaker, events, stopped tasks, ECS's own rollback) on a clock.
 * 4. Faults on demand: throttling, 5xx, connection resets, slow answers, short-lived and expired
 *    credentials; and `latencyMs` on every AWS call. Every call is recorded for assertions.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import {
  advance,
  baselineRollout,
  renderService,
  startDeployment,
  type MotoService,
  type RollbackEffect,
  type RolloutFlip,
  type RolloutPlan,
  type ServiceRollout,
} from './rollouts';
import { closeServer, listen, verifyJwt } from './oidc';
import { resetAuth } from './moto-admin';
import { evaluateRoleTrust, evaluateWebIdentityTrust, type PolicyDocument } from './trust';
import type { KeyObject } from 'node:crypto';

/** One AWS call as the layer saw it. */
export interface CallRecord {
  at: number;
  durationMs: number;
  service: string;
  operation: string;
  account: string;
  status: number;
  errorCode?: string;
  fault?: FaultKind;
}

/** Fault kinds the layer can play. */
export type FaultKind = 'throttle' | 'server-error' | 'reset' | 'slow' | 'expired';

/** Which calls a fault applies to (all AWS calls when empty). */
export interface CallMatch {
  service?: 'sts' | 'ecs';
  operation?: string;
}

interface FaultRule {
  kind: Exclude<FaultKind, 'expired'>;
  remaining: number;
  ms: number;
  match: CallMatch;
}

/** A credential the layer saw STS hand out. */
export interface IssuedCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  arn: string;
  account: string;
  expiresAt: number;
}

/** A role the sandbox created, with the trust policy the layer evaluates. */
export interface RoleTrust {
  arn: string;
  trustPolicy: PolicyDocument;
}

/** How the failure of a service's next deployment is planned. */
export interface FailurePlan {
  reason: string;
  ecsRollback?: boolean;
}

/** Everything the layer needs from the sandbox. */
export interface LayerConfig {
  motoUrl: string;
  permissionChecks: boolean;
  latencyMs: number;
  rolloutMs: number;
  publicKey: KeyObject;
  oidcProviderArn: string;
  roles: RoleTrust[];
  adminKeys: Map<string, string>;
  /** Points a service back at a task definition in moto (ECS's own rollback). */
  updateServiceInMoto: (effect: RollbackEffect) => Promise<void>;
  debug: (line: string) => void;
}

/** Header that marks the sandbox's own calls: not logged, not delayed, no faults. */
export const ADMIN_HEADER = 'x-sandbox-admin';

interface Call {
  service: 'sts' | 'ecs' | 'other';
  operation: string;
  accessKeyId: string | undefined;
  account: string;
  body: Buffer;
  params: URLSearchParams;
  json: Record<string, unknown>;
  admin: boolean;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  errorCode?: string;
}

/** The running layer and its controls. */
export class Layer {
  readonly calls: CallRecord[] = [];
  readonly flips: RolloutFlip[] = [];
  readonly credentials = new Map<string, IssuedCredential>();
  rolloutMs: number;
  latencyMs: number;
  credentialLifetimeMs: number | undefined;
  url = '';

  private readonly faults: FaultRule[] = [];
  private readonly failures = new Map<string, FailurePlan>();
  private readonly rollouts = new Map<string, ServiceRollout>();
  private readonly gate = new MotoGate();
  private server: Server | undefined;
  private readonly delays = new Map<NodeJS.Timeout, () => void>();

  constructor(private readonly config: LayerConfig) {
    this.rolloutMs = config.rolloutMs;
    this.latencyMs = config.latencyMs;
  }

  /** Listens on a free loopback port. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    const port = await listen(this.server);
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  /** Stops listening and drops every connection. */
  async stop(): Promise<void> {
    // Pending delays (latency, slow answers) end now: nothing reaches moto after stop().
    for (const [timer, cancel] of this.delays) {
      clearTimeout(timer);
      cancel();
    }
    this.delays.clear();
    if (this.server) await closeServer(this.server);
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolveDelay, reject) => {
      const timer = setTimeout(() => {
        this.delays.delete(timer);
        resolveDelay();
      }, ms);
      this.delays.set(timer, () => reject(new Error('the sandbox stopped')));
    });
  }

  /** Queues a fault for the next `count` matching calls. */
  addFault(kind: FaultRule['kind'], count: number, ms = 0, match: CallMatch = {}): void {
    this.faults.push({ kind, remaining: count, ms, match });
  }

  /** Drops every pending fault and failure plan, and the shortened credential lifetime. */
  clearFaults(): void {
    this.faults.length = 0;
    this.failures.clear();
    this.credentialLifetimeMs = undefined;
  }

  /** Makes the next deployment of `service` ('*' for any) fail the circuit breaker. */
  failNextDeployment(service: string, plan: FailurePlan): void {
    this.failures.set(service, plan);
  }

  /** Marks every credential handed out so far as expired. */
  expireAllCredentials(): void {
    const past = Date.now() - 1;
    for (const credential of this.credentials.values()) credential.expiresAt = past;
  }

  /** Forgets the layer's state of a service (it was deleted in moto). */
  forgetService(account: string, serviceName: string): void {
    for (const [key, rollout] of this.rollouts) {
      if (rollout.account === account && rollout.serviceName === serviceName) {
        this.rollouts.delete(key);
      }
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const body = await readBody(req);
    const call = this.classify(req, body);
    let answer: Answer | 'reset';
    let fault: FaultKind | undefined;
    try {
      if (!call.admin && this.latencyMs > 0) await this.delay(this.latencyMs);
      const rule = call.admin ? undefined : this.takeFault(call);
      fault = rule?.kind;
      answer = rule
        ? await this.playFault(rule, call, req, body)
        : await this.serve(call, req, body);
      if (answer !== 'reset' && answer.errorCode?.startsWith('ExpiredToken')) fault = 'expired';
    } catch (error) {
      this.config.debug(`layer: ${call.operation} failed: ${String(error)}`);
      answer = internalError(call, String(error));
    }
    if (!call.admin) this.record(call, started, answer, fault);
    if (answer === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
    res.end(answer.body);
  }

  private record(call: Call, started: number, answer: Answer | 'reset', fault?: FaultKind): void {
    const status = answer === 'reset' ? 0 : answer.status;
    const entry: CallRecord = {
      at: started,
      durationMs: Date.now() - started,
      service: call.service,
      operation: call.operation,
      account: call.account,
      status,
    };
    if (answer !== 'reset' && answer.errorCode) entry.errorCode = answer.errorCode;
    if (fault) entry.fault = fault;
    this.calls.push(entry);
  }

  private classify(req: IncomingMessage, body: Buffer): Call {
    const target = header(req.headers, 'x-amz-target');
    const accessKeyId = /Credential=([^/]+)\//.exec(header(req.headers, 'authorization'))?.[1];
    const params = new URLSearchParams(target ? '' : body.toString('utf8'));
    const json = target ? parseJson(body) : {};
    const service = target?.startsWith('AmazonEC2ContainerService')
      ? 'ecs'
      : params.get('Action')
        ? 'sts'
        : 'other';
    const operation = target ? (target.split('.')[1] ?? target) : (params.get('Action') ?? '');
    const admin = header(req.headers, ADMIN_HEADER) === '1';
    return {
      service,
      operation,
      accessKeyId,
      account: this.accountOf(accessKeyId, params),
      body,
      params,
      json,
      admin,
    };
  }

  private accountOf(accessKeyId: string | undefined, params: URLSearchParams): string {
    if (accessKeyId) {
      const known =
        this.credentials.get(accessKeyId)?.account ?? this.config.adminKeys.get(accessKeyId);
      if (known) return known;
    }
    return /^arn:[^:]+:iam::(\d{12}):/.exec(params.get('RoleArn') ?? '')?.[1] ?? 'unknown';
  }

  private takeFault(call: Call): FaultRule | undefined {
    const rule = this.faults.find(
      (f) =>
        f.remaining > 0 &&
        (!f.match.service || f.match.service === call.service) &&
        (!f.match.operation || f.match.operation === call.operation),
    );
    if (rule) rule.remaining -= 1;
    return rule;
  }

  private async playFault(
    rule: FaultRule,
    call: Call,
    req: IncomingMessage,
    body: Buffer,
  ): Promise<Answer | 'reset'> {
    this.config.debug(`layer: fault ${rule.kind} on ${call.service}:${call.operation}`);
    if (rule.kind === 'reset') return 'reset';
    if (rule.kind === 'throttle') return throttled(call);
    if (rule.kind === 'server-error') return serverError(call);
    await this.delay(rule.ms);
    return this.serve(call, req, body);
  }

  private async serve(call: Call, req: IncomingMessage, body: Buffer): Promise<Answer> {
    const expired = this.expiredCredential(call);
    if (expired) return expired;
    if (call.service === 'sts' && call.operation === 'AssumeRoleWithWebIdentity') {
      return this.assumeRoleWithWebIdentity(call, req, body);
    }
    if (call.service === 'sts' && call.operation === 'AssumeRole') {
      const denied = this.checkRoleTrust(call);
      if (denied) return denied;
    }
    const answer = await this.gate.shared(() => forward(this.config.motoUrl, req, body));
    return this.postProcess(call, answer);
  }

  private expiredCredential(call: Call): Answer | undefined {
    const credential = call.accessKeyId ? this.credentials.get(call.accessKeyId) : undefined;
    if (!credential || credential.expiresAt > Date.now()) return undefined;
    const message = 'The security token included in the request is expired';
    return call.service === 'ecs'
      ? jsonError(400, 'ExpiredTokenException', message)
      : xmlError(400, 'ExpiredToken', message);
  }

  private async assumeRoleWithWebIdentity(
    call: Call,
    req: IncomingMessage,
    body: Buffer,
  ): Promise<Answer> {
    const token = call.params.get('WebIdentityToken') ?? '';
    const check = verifyJwt(token, this.config.publicKey, Math.floor(Date.now() / 1000));
    if (!check.ok) {
      const code = check.code === 'ExpiredTokenException' ? 'ExpiredTokenException' : check.code;
      return xmlError(400, code, check.message);
    }
    const role = this.config.roles.find((r) => r.arn === call.params.get('RoleArn'));
    const decision = role
      ? evaluateWebIdentityTrust(role.trustPolicy, check.claims, this.config.oidcProviderArn)
      : { allowed: false as const, reason: 'the role does not exist' };
    if (!decision.allowed) {
      this.config.debug(`layer: AssumeRoleWithWebIdentity denied: ${decision.reason}`);
      return xmlError(
        403,
        'AccessDenied',
        'Not authorized to perform sts:AssumeRoleWithWebIdentity',
      );
    }
    const answer = this.config.permissionChecks
      ? await this.gate.exclusive(() => this.forwardUnchecked(req, body))
      : await this.gate.shared(() => forward(this.config.motoUrl, req, body));
    return this.postProcess(call, answer);
  }

  /** Lets exactly this one request past moto's permission checks. */
  private async forwardUnchecked(req: IncomingMessage, body: Buffer): Promise<Answer> {
    await resetAuth(this.config.motoUrl, 1);
    try {
      return await forward(this.config.motoUrl, req, body);
    } finally {
      await resetAuth(this.config.motoUrl, 0);
    }
  }

  private checkRoleTrust(call: Call): Answer | undefined {
    const caller = call.accessKeyId ? this.credentials.get(call.accessKeyId)?.arn : undefined;
    const roleArn = call.params.get('RoleArn') ?? '';
    const role = this.config.roles.find((r) => r.arn === roleArn);
    if (!caller || !role) return undefined; // moto decides: unknown callers are checked there
    const decision = evaluateRoleTrust(role.trustPolicy, caller);
    if (decision.allowed) return undefined;
    this.config.debug(`layer: AssumeRole denied by trust: ${decision.reason}`);
    const message =
      `User: ${caller} is not authorized to perform: sts:AssumeRole ` + `on resource: ${roleArn}`;
    return xmlError(403, 'AccessDenied', message);
  }

  private async postProcess(call: Call, answer: Answer): Promise<Answer> {
    if (call.service === 'sts' && answer.status === 200) return this.recordCredentials(answer);
    if (call.service !== 'ecs') return answer;
    if (answer.status === 403 && answer.body.toString('utf8').trimStart().startsWith('<')) {
      return translateEcsDenial(answer);
    }
    if (answer.status !== 200) return answer;
    return this.emulateRollouts(call, answer);
  }

  private recordCredentials(answer: Answer): Answer {
    let text = answer.body.toString('utf8');
    const field = (name: string): string =>
      new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1] ?? '';
    const accessKeyId = field('AccessKeyId');
    if (!accessKeyId) return answer;
    const arn = field('Arn');
    let expiresAt = Date.parse(field('Expiration'));
    if (this.credentialLifetimeMs !== undefined) {
      expiresAt = Date.now() + this.credentialLifetimeMs;
      const iso = new Date(expiresAt).toISOString();
      text = text.replace(/<Expiration>[^<]*<\/Expiration>/, `<Expiration>${iso}</Expiration>`);
    }
    this.credentials.set(accessKeyId, {
      accessKeyId,
      secretAccessKey: field('SecretAccessKey'),
      sessionToken: field('SessionToken'),
      arn,
      account: /^arn:[^:]+:sts::(\d{12}):/.exec(arn)?.[1] ?? 'unknown',
      expiresAt,
    });
    return { ...answer, body: Buffer.from(text) };
  }

  private async emulateRollouts(call: Call, answer: Answer): Promise<Answer> {
    const payload = parseJson(answer.body);
    if (call.operation === 'UpdateService' && !call.admin) this.onUpdateService(call, payload);
    if (call.operation === 'UpdateService' || call.operation === 'DescribeServices') {
      // ECS answers UpdateService with the new deployment IN_PROGRESS, whatever comes next.
      await this.renderServices(call.account, payload, call.operation === 'DescribeServices');
    } else if (call.operation === 'DescribeTasks') {
      this.addStoppedTasks(call, payload);
    } else {
      return answer;
    }
    return { ...answer, body: Buffer.from(JSON.stringify(payload)) };
  }

  private onUpdateService(call: Call, payload: Record<string, unknown>): void {
    const service = payload.service as MotoService | undefined;
    if (!service) return;
    const rollout = this.rolloutOf(call.account, service);
    const primary = rollout.deployments.find((d) => d.status === 'PRIMARY');
    const changed = primary?.taskDefinition !== service.taskDefinition;
    if (!changed && call.json.forceNewDeployment !== true) return;
    const plan = this.planFor(service.serviceName, service);
    const deployment = startDeployment(rollout, service, service.taskDefinition, plan, Date.now());
    this.config.debug(`layer: ${service.serviceName}: deployment ${deployment.id} started`);
  }

  private planFor(serviceName: string, service: MotoService): RolloutPlan {
    const failure = this.failures.get(serviceName) ?? this.failures.get('*');
    this.failures.delete(this.failures.has(serviceName) ? serviceName : '*');
    if (!failure) return { durationMs: this.rolloutMs };
    // moto does not echo deploymentConfiguration; the sandbox creates every service with the
    // circuit breaker's rollback on (fixtures.ts), so that is the default.
    const breaker = (
      service as { deploymentConfiguration?: { deploymentCircuitBreaker?: { rollback?: boolean } } }
    ).deploymentConfiguration?.deploymentCircuitBreaker;
    const ecsRollback = failure.ecsRollback ?? breaker?.rollback ?? true;
    return { durationMs: this.rolloutMs, failure: { reason: failure.reason, ecsRollback } };
  }

  private rolloutOf(account: string, service: MotoService): ServiceRollout {
    const key = `${account}|${service.serviceArn}`;
    let rollout = this.rollouts.get(key);
    if (!rollout) {
      rollout = baselineRollout(account, service, Date.now());
      this.rollouts.set(key, rollout);
    }
    return rollout;
  }

  private async renderServices(
    account: string,
    payload: Record<string, unknown>,
    advanceClock: boolean,
  ): Promise<void> {
    const services = payload.service ? [payload.service] : ((payload.services as unknown[]) ?? []);
    for (const raw of services as Array<MotoService & Record<string, unknown>>) {
      if (raw.status && raw.status !== 'ACTIVE') continue;
      const rollout = this.rolloutOf(account, raw);
      const { flips, effects } = advanceClock
        ? advance(rollout, Date.now())
        : { flips: [], effects: [] };
      this.flips.push(...flips);
      for (const effect of effects) {
        await this.config.updateServiceInMoto(effect);
        raw.taskDefinition = effect.taskDefinition;
      }
      Object.assign(raw, renderService(rollout));
    }
  }

  private addStoppedTasks(call: Call, payload: Record<string, unknown>): void {
    const wanted = ((call.json.tasks as string[] | undefined) ?? []).map((t) => t.split('/').pop());
    const tasks = (payload.tasks as unknown[] | undefined) ?? [];
    const failures = (payload.failures as Array<{ arn?: string }> | undefined) ?? [];
    const found = new Set<string>();
    for (const rollout of this.rollouts.values()) {
      if (rollout.account !== call.account) continue;
      for (const task of rollout.stoppedTasks) {
        const id = task.taskArn.split('/').pop() ?? '';
        if (wanted.includes(id)) {
          tasks.push(task);
          found.add(id);
        }
      }
    }
    payload.tasks = tasks;
    payload.failures = failures.filter((f) => !found.has((f.arn ?? '').split('/').pop() ?? ''));
  }
}

/** Serializes moto access: the permission-check window admits exactly one request. */
class MotoGate {
  private active = 0;
  private closed: Promise<void> = Promise.resolve();
  private drained: (() => void) | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    for (;;) {
      const current = this.closed;
      await current;
      if (current === this.closed) break;
    }
    this.active += 1;
    try {
      return await fn();
    } finally {
      this.active -= 1;
      if (this.active === 0) this.drained?.();
    }
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      let open: () => void = () => {};
      this.closed = new Promise<void>((r) => (open = r));
      if (this.active > 0) await new Promise<void>((r) => (this.drained = r));
      this.drained = undefined;
      try {
        return await fn();
      } finally {
        open();
      }
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

function forward(motoUrl: string, req: IncomingMessage, body: Buffer): Promise<Answer> {
  const target = new URL(req.url ?? '/', motoUrl);
  // The admin header stays: it is signed, and moto ignores it.
  const headers: IncomingHttpHeaders = { ...req.headers };
  return new Promise((resolveAnswer, reject) => {
    const outgoing = httpRequest(
      {
        hostname: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers,
      },
      (response) => {
        void readBody(response).then((responseBody) => {
          const copied: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (
              typeof value === 'string' &&
              !['content-length', 'transfer-encoding', 'connection'].includes(name)
            ) {
              copied[name] = value;
            }
          }
          resolveAnswer({
            status: response.statusCode ?? 502,
            headers: copied,
            body: responseBody,
          });
        }, reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

function translateEcsDenial(answer: Answer): Answer {
  const text = answer.body.toString('utf8');
  const moto = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? 'Access denied';
  const action = /perform: (ecs:\w+)/.exec(moto)?.[1];
  const because = action ? ` because no identity-based policy allows the ${action} action` : '';
  return jsonError(400, 'AccessDeniedException', `${unescapeXml(moto)}${because}`);
}

function throttled(call: Call): Answer {
  return call.service === 'ecs'
    ? jsonError(400, 'ThrottlingException', 'Rate exceeded')
    : xmlError(400, 'Throttling', 'Rate exceeded');
}

function serverError(call: Call): Answer {
  return call.service === 'ecs'
    ? jsonError(500, 'ServerException', 'Service unavailable. Please try again later.')
    : xmlError(503, 'ServiceUnavailable', 'Service unavailable. Please try again later.');
}

function internalError(call: Call, detail: string): Answer {
  return call.service === 'ecs'
    ? jsonError(500, 'ServerException', `sandbox layer error: ${detail}`)
    : xmlError(500, 'InternalFailure', `sandbox layer error: ${detail}`);
}

function jsonError(status: number, code: string, message: string): Answer {
  const requestId = randomUUID();
  return {
    status,
    errorCode: code,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': code,
    },
    body: Buffer.from(JSON.stringify({ __type: code, message })),
  };
}

function xmlError(status: number, code: string, message: string): Answer {
  const requestId = randomUUID();
  const type = status >= 500 ? 'Receiver' : 'Sender';
  const xml =
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">' +
    `<Error><Type>${type}</Type><Code>${code}</Code>` +
    `<Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return {
    status,
    errorCode: code,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: Buffer.from(xml),
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('end', () => resolveBody(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body.toString('utf8') || '{}');
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}
