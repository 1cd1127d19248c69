import * as core from '@actions/core';
import type {
  ECSClient,
  RegisterTaskDefinitionCommandInput,
  Service,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { clientConfig } from '../aws/client-config';
import { loadAwsSdk, type AwsSdk } from '../aws/sdk';
import { callAws, classifyError, type CredentialRefresher, type RetryOptions } from '../aws/retry';
import { ActionError, awsErrorDetails, type ErrorCode } from '../errors';
import { isRegistrationOf, revisionOf } from './render';

/** DescribeServices takes at most this many services a call. */
export const DESCRIBE_SERVICES_BATCH = 10;
/** DescribeTasks takes at most this many tasks a call. */
export const DESCRIBE_TASKS_BATCH = 100;

/**
 * One DescribeServices answer for many services: found ones by the name asked, and the
 * rest.
 */
export interface ServicesAnswer {
  services: Map<string, Service>;
  missing: string[];
}

/** A stopped task's id and why it stopped. */
export interface StoppedTask {
  taskId: string;
  reason: string;
}

function codeFor(operation: string, error: unknown): ErrorCode {
  const details = awsErrorDetails(error);
  const name = details?.name ?? '';
  if (classifyError(error) === 'expired') return 'CREDENTIALS_EXPIRED';
  if (operation === 'DescribeTaskDefinition' && name === 'ClientException') {
    return 'TASK_DEFINITION_NOT_FOUND';
  }
  if (name === 'AccessDeniedException' || details?.httpStatusCode === 403)
    return 'ECS_ACCESS_DENIED';
  if (name === 'ServiceNotFoundException' || name === 'ClusterNotFoundException') {
    return 'SERVICE_NOT_FOUND';
  }
  if (name === 'ServiceNotActiveException') return 'SERVICE_INACTIVE';
  if (classifyError(error) === 'throttling' || classifyError(error) === 'transient') {
    return 'AWS_UNAVAILABLE';
  }
  return 'ECS_REQUEST_FAILED';
}

const HINTS: Record<string, (operation: string) => string> = {
  ECS_ACCESS_DENIED: (op) =>
    `Allow the deploy role (the last role of 'role-chain') ecs:${op} on this resource` +
    (op === 'RegisterTaskDefinition' ? ', and iam:PassRole on its task and execution roles.' : '.'),
  SERVICE_NOT_FOUND: () => "Check the 'cluster' and 'service' inputs and the 'aws-region'.",
  SERVICE_INACTIVE: () => 'The service is being deleted; deploy to an ACTIVE service.',
  CREDENTIALS_EXPIRED: () =>
    'AWS still refused the credentials after a fresh re-chain; check the clock of the runner ' +
    'and that no policy revokes older sessions of the deploy role.',
  TASK_DEFINITION_NOT_FOUND: () =>
    'The service runs a task definition this account cannot read; check the deploy account.',
  AWS_UNAVAILABLE: () => 'ECS kept failing after retries; re-run the job.',
  ECS_REQUEST_FAILED: () => 'Read the ECS message; fix the task definition or service.',
};

/**
 * Wraps an ECS failure with the operation, what it was about, the SDK error and a next
 * step.
 */
export function ecsError(operation: string, subject: string, error: unknown): ActionError {
  const code = codeFor(operation, error);
  const reason = error instanceof Error ? error.message : String(error);
  const hint = (HINTS[code] ?? HINTS.ECS_REQUEST_FAILED!)(operation);
  return new ActionError({
    code,
    message: `ECS ${operation} (${subject}) failed: ${reason}`,
    hint,
    cause: error,
  });
}

function nameOf(serviceOrArn: string): string {
  return serviceOrArn.split('/').pop() ?? serviceOrArn;
}

/** A register that lost answers: each lost request may still land as a revision of its own. */
interface LostRegister {
  input: RegisterTaskDefinitionCommandInput;
  taskDefinitionArn: string;
  lost: number;
}

/** The ECS client module. */
export type EcsSdk = AwsSdk['ecs'];

/** Builds the gateway with a client signed by `credentials`. */
export async function createEcsGateway(
  region: string,
  credentials: AwsCredentialIdentityProvider,
  refresh?: CredentialRefresher,
  retry: Partial<RetryOptions> = {},
): Promise<EcsGateway> {
  const sdk = (await loadAwsSdk()).ecs;
  return new EcsGateway(sdk, new sdk.ECSClient(clientConfig(region, credentials)), refresh, retry);
}

/**
 * The ECS calls the action makes, each through the one retry policy and credential
 * refresh.
 */
export class EcsGateway {
  constructor(
    private readonly sdk: EcsSdk,
    private readonly client: ECSClient,
    private readonly refresh?: CredentialRefresher,
    private readonly retry: Partial<RetryOptions> = {},
  ) {}

  private readonly lostRegisters: LostRegister[] = [];

  private call<T>(operation: string, subject: string, send: () => Promise<T>): Promise<T> {
    core.debug(`ECS ${operation}: ${subject}`);
    return callAws(operation, send, this.refresh, this.retry).catch((error: unknown) => {
      // A failed re-chain inside the credentials provider already says what went wrong.
      throw error instanceof ActionError ? error : ecsError(operation, subject, error);
    });
  }

  /** Describes services, 10 a call, and sorts the answer by the names asked. */
  async describeServices(cluster: string, services: string[]): Promise<ServicesAnswer> {
    const answer: ServicesAnswer = { services: new Map(), missing: [] };
    const batches: string[][] = [];
    for (let i = 0; i < services.length; i += DESCRIBE_SERVICES_BATCH) {
      batches.push(services.slice(i, i + DESCRIBE_SERVICES_BATCH));
    }
    const subject = `cluster ${cluster}`;
    const results = await Promise.all(
      batches.map((batch) =>
        this.call('DescribeServices', subject, () =>
          this.client.send(new this.sdk.DescribeServicesCommand({ cluster, services: batch })),
        ),
      ),
    );
    const found = results.flatMap((r) => r.services ?? []);
    for (const asked of services) {
      const service = found.find((s) => s.serviceArn === asked || s.serviceName === nameOf(asked));
      if (service) answer.services.set(asked, service);
      else answer.missing.push(asked);
    }
    return answer;
  }

  /** Reads a task definition with its tags. */
  async describeTaskDefinition(
    taskDefinition: string,
  ): Promise<{ definition: TaskDefinition; tags: Tag[] }> {
    const answer = await this.call('DescribeTaskDefinition', taskDefinition, () =>
      this.client.send(
        new this.sdk.DescribeTaskDefinitionCommand({ taskDefinition, include: ['TAGS'] }),
      ),
    );
    if (answer.taskDefinition === undefined) {
      throw new ActionError({
        code: 'TASK_DEFINITION_NOT_FOUND',
        message: `ECS DescribeTaskDefinition returned nothing for ${taskDefinition}.`,
        hint: 'Check the task definition exists in the deploy account and region.',
      });
    }
    return { definition: answer.taskDefinition, tags: answer.tags ?? [] };
  }

  /**
   * Registers a new revision and returns its ARN. RegisterTaskDefinition is not idempotent:
   * a request whose answer was lost (timeout, reset, 5xx) may still have registered, and
   * sending it again would leave a revision nobody reports. So before re-sending after such
   * a failure, it reads the family's latest revision and uses it when it is exactly what was
   * asked for (an identical revision is as good as a new one). Throttled requests were not
   * processed and are re-sent at once. A lost request that is processed only after that
   * read lands as a later revision: lateRegistrations() finds it for the report.
   */
  async registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Promise<string> {
    const subject = `family ${input.family}`;
    let lost = 0;
    const arn = await this.call('RegisterTaskDefinition', subject, async () => {
      const landed = lost > 0 ? await this.registeredAlready(input) : undefined;
      if (landed !== undefined) return landed;
      try {
        const answer = await this.client.send(new this.sdk.RegisterTaskDefinitionCommand(input));
        return answer.taskDefinition?.taskDefinitionArn;
      } catch (error) {
        if (classifyError(error) === 'transient') lost++;
        throw error;
      }
    });
    if (arn === undefined) throw ecsError('RegisterTaskDefinition', subject, 'no ARN returned');
    if (lost > 0) this.lostRegisters.push({ input, taskDefinitionArn: arn, lost });
    return arn;
  }

  /**
   * Revisions that registers whose answers were lost made after the one used (the next
   * `lost` revisions of the family, when they are exactly what was asked): unused, to be
   * reported. Best effort: a revision it cannot read is not named.
   */
  async lateRegistrations(): Promise<string[]> {
    const late: string[] = [];
    for (const { input, taskDefinitionArn, lost } of this.lostRegisters) {
      const used = revisionOf(taskDefinitionArn);
      for (let next = used + 1; next <= used + lost; next++) {
        const arn = await this.sameRevision(`${input.family}:${next}`, input);
        if (arn !== undefined) late.push(arn);
      }
    }
    return late;
  }

  private async sameRevision(taskDefinition: string, input: RegisterTaskDefinitionCommandInput) {
    try {
      const command = new this.sdk.DescribeTaskDefinitionCommand({ taskDefinition });
      const found = (await this.client.send(command)).taskDefinition;
      return found !== undefined && isRegistrationOf(found, input)
        ? found.taskDefinitionArn
        : undefined;
    } catch (error) {
      core.debug(`DescribeTaskDefinition ${taskDefinition} for late revisions: ${String(error)}`);
      return undefined;
    }
  }

  /** The family's latest revision when it is the one `input` asks for, else undefined. */
  private async registeredAlready(input: RegisterTaskDefinitionCommandInput) {
    const family = String(input.family);
    let latest: TaskDefinition | undefined;
    try {
      const command = new this.sdk.DescribeTaskDefinitionCommand({ taskDefinition: family });
      latest = (await this.client.send(command)).taskDefinition;
    } catch (error) {
      // A family that does not exist yet (a new file) registered nothing: send it.
      if (classifyError(error) === 'fatal') return undefined;
      throw error;
    }
    if (latest?.taskDefinitionArn === undefined || !isRegistrationOf(latest, input)) {
      return undefined;
    }
    const arn = latest.taskDefinitionArn;
    core.info(
      `RegisterTaskDefinition (family ${family}) lost its answer, but had registered ` +
        `${arn}; using that revision.`,
    );
    return arn;
  }

  /** Points a service at a task definition; returns the service as ECS answered. */
  async updateService(cluster: string, service: string, taskDefinition: string, force: boolean) {
    const answer = await this.call('UpdateService', `service ${service}`, () =>
      this.client.send(
        new this.sdk.UpdateServiceCommand({
          cluster,
          service,
          taskDefinition,
          forceNewDeployment: force,
        }),
      ),
    );
    return answer.service;
  }

  /** Reads why tasks stopped (the deploy role may DescribeTasks but not ListTasks). */
  async stoppedTasks(cluster: string, taskIds: string[]): Promise<StoppedTask[]> {
    const ids = taskIds.slice(0, DESCRIBE_TASKS_BATCH);
    if (ids.length === 0) return [];
    const answer = await this.call('DescribeTasks', `cluster ${cluster}`, () =>
      this.client.send(new this.sdk.DescribeTasksCommand({ cluster, tasks: ids })),
    );
    return (answer.tasks ?? [])
      .filter((task) => task.stoppedReason !== undefined)
      .map((task) => ({
        taskId: nameOf(task.taskArn ?? ''),
        reason: [task.stoppedReason, ...(task.containers ?? []).map((c) => c.reason)]
          .filter((r): r is string => typeof r === 'string' && r !== '')
          .join('; '),
      }));
  }
}
