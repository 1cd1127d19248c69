/**
 * Reads the accounts with each account's admin credentials, through the layer (so services show
 * their deployments) but marked as the sandbox's own calls: not logged, not delayed, no faults.
 */
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  UpdateServiceCommand,
  type Service,
  type Tag,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { AdminKey } from './accounts';
import { ADMIN_HEADER, type CallRecord, type Layer } from './layer';
import type { RolloutFlip } from './rollouts';

/** Reads what is in the sandbox's accounts and what the action asked of them. */
export interface SandboxInspector {
  /** The service in account B's cluster, or undefined when it does not exist (any more). */
  service(name: string): Promise<Service | undefined>;
  /** A task definition of account B by ARN or family[:revision], with its tags. */
  taskDefinition(arnOrFamily: string): Promise<{ taskDefinition: TaskDefinition; tags: Tag[] }>;
  /** Every task definition ARN registered in `account` (A or B), oldest first. */
  taskDefinitionArns(account: string): Promise<string[]>;
  /** Every AWS call and token request the sandbox answered, in order. */
  calls(): CallRecord[];
  /** Calls counted by `service:Operation`. */
  callCounts(): Record<string, number>;
  /** When each deployment reached COMPLETED or FAILED (epoch ms). */
  rolloutFlips(): RolloutFlip[];
}

/** ECS clients signed as each account's admin, aimed at the layer. */
export class AdminClients {
  private readonly clients = new Map<string, ECSClient>();

  constructor(
    private readonly endpoint: () => string,
    private readonly region: string,
    private readonly admins: Map<string, AdminKey>,
  ) {}

  /** The admin ECS client of `account`. */
  ecs(account: string): ECSClient {
    let client = this.clients.get(account);
    if (client) return client;
    const admin = this.admins.get(account);
    if (!admin) throw new Error(`the sandbox has no account ${account}`);
    client = new ECSClient({
      endpoint: this.endpoint(),
      region: this.region,
      credentials: { accessKeyId: admin.accessKeyId, secretAccessKey: admin.secretAccessKey },
      maxAttempts: 1,
    });
    client.middlewareStack.add(
      (next) => (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) request.headers[ADMIN_HEADER] = '1';
        return next(args);
      },
      { step: 'build', name: 'sandboxAdminHeader' },
    );
    this.clients.set(account, client);
    return client;
  }

  /** Points a service at a task definition (ECS's own rollback, played by the layer). */
  async updateService(account: string, cluster: string, service: string, taskDefinition: string) {
    await this.ecs(account).send(new UpdateServiceCommand({ cluster, service, taskDefinition }));
  }

  /** Deletes a service at once (the "deleted mid-deploy" fault). */
  async deleteService(account: string, cluster: string, service: string): Promise<void> {
    await this.ecs(account).send(new DeleteServiceCommand({ cluster, service, force: true }));
  }

  /** Closes every client. */
  destroy(): void {
    for (const client of this.clients.values()) client.destroy();
  }
}

/** Builds the inspector over account B's cluster. */
export function createInspector(
  clients: AdminClients,
  layer: Layer,
  deployAccount: string,
  cluster: string,
): SandboxInspector {
  const ecs = (): ECSClient => clients.ecs(deployAccount);
  return {
    async service(name) {
      const answer = await ecs().send(new DescribeServicesCommand({ cluster, services: [name] }));
      const service = answer.services?.[0];
      return service && service.status !== 'INACTIVE' ? service : undefined;
    },
    async taskDefinition(arnOrFamily) {
      const answer = await ecs().send(
        new DescribeTaskDefinitionCommand({ taskDefinition: arnOrFamily, include: ['TAGS'] }),
      );
      if (!answer.taskDefinition) throw new Error(`no task definition ${arnOrFamily}`);
      return { taskDefinition: answer.taskDefinition, tags: answer.tags ?? [] };
    },
    async taskDefinitionArns(account) {
      const answer = await clients.ecs(account).send(new ListTaskDefinitionsCommand({}));
      return answer.taskDefinitionArns ?? [];
    },
    calls: () => [...layer.calls],
    callCounts: () => countCalls(layer.calls),
    rolloutFlips: () => [...layer.flips],
  };
}

/** Counts calls by `service:Operation`. */
export function countCalls(calls: CallRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const key = `${call.service}:${call.operation}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
