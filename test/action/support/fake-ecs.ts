import type {
  Deployment,
  RegisterTaskDefinitionCommandInput,
  Service,
  ServiceEvent,
  Tag,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import type { ServicesAnswer, StoppedTask } from '../../../action/ecs/gateway';
import { ActionError } from '../../../action/errors';

/** How a service's next rollout goes: after `looks` DescribeServices it ends this way. */
export interface Rollout {
  looks: number;
  end: 'COMPLETED' | 'FAILED' | 'FAILED_ECS_ROLLBACK' | 'NEVER' | 'DELETED';
  reason?: string;
  stoppedTask?: StoppedTask;
}

interface FakeService {
  name: string;
  status: string;
  taskDefinition: string;
  deployments: Deployment[];
  events: ServiceEvent[];
  rollout: Rollout;
  looks: number;
}

const ARN = (family: string, revision: number) =>
  `arn:aws:ecs:eu-west-1:222222222222:task-definition/${family}:${revision}`;

/** An in-memory ECS for the deploy and wait tests; it logs every call it gets. */
export class FakeEcs {
  readonly calls: string[] = [];
  readonly definitions = new Map<string, { definition: TaskDefinition; tags: Tag[] }>();
  readonly services = new Map<string, FakeService>();
  readonly registered: Array<Record<string, unknown>> = [];
  failUpdateOf: string | undefined;
  failRegisterOf: string | undefined;
  private ids = 1000;
  private events = 0;

  addDefinition(
    family: string,
    revision: number,
    images: Record<string, string>,
    tags: Tag[] = [],
  ) {
    const arn = ARN(family, revision);
    const containerDefinitions = Object.entries(images).map(([name, image]) => ({ name, image }));
    this.definitions.set(arn, {
      definition: {
        taskDefinitionArn: arn,
        family,
        revision,
        status: 'ACTIVE',
        containerDefinitions,
      },
      tags,
    });
    return arn;
  }

  addService(
    name: string,
    taskDefinition: string,
    rollout: Rollout = { looks: 1, end: 'COMPLETED' },
  ) {
    const deployment: Deployment = {
      id: `ecs-svc/${this.ids++}`,
      status: 'PRIMARY',
      taskDefinition,
      rolloutState: 'COMPLETED',
    };
    const events = [
      { id: `old-${name}`, message: `(service ${name}) has reached a steady state.` },
    ];
    this.services.set(name, {
      name,
      status: 'ACTIVE',
      taskDefinition,
      deployments: [deployment],
      events,
      rollout,
      looks: 0,
    });
  }

  private event(service: FakeService, message: string) {
    service.events.unshift({
      id: `e${++this.events}`,
      message,
      createdAt: new Date(this.events * 1000),
    });
  }

  private advance(service: FakeService) {
    const primary = service.deployments[0]!;
    if (primary.rolloutState !== 'IN_PROGRESS') return;
    service.looks++;
    if (service.looks < service.rollout.looks)
      return this.event(
        service,
        `(service ${service.name}) has started 1 tasks: (task t${service.looks}).`,
      );
    const { end, reason = 'tasks failed to start', stoppedTask } = service.rollout;
    if (end === 'NEVER') return;
    if (end === 'DELETED') return void (service.status = 'INACTIVE');
    if (stoppedTask)
      this.event(
        service,
        `(service ${service.name}) (task ${stoppedTask.taskId}) failed to start.`,
      );
    if (end === 'COMPLETED') {
      primary.rolloutState = 'COMPLETED';
      service.deployments = [primary];
      return this.event(service, `(service ${service.name}) has reached a steady state.`);
    }
    primary.rolloutState = 'FAILED';
    primary.rolloutStateReason = `ECS deployment circuit breaker: ${reason}`;
    if (end === 'FAILED_ECS_ROLLBACK') {
      primary.status = 'ACTIVE';
      const previous = service.deployments[1]!.taskDefinition!;
      service.deployments.unshift({
        id: `ecs-svc/${this.ids++}`,
        status: 'PRIMARY',
        taskDefinition: previous,
        rolloutState: 'IN_PROGRESS',
      });
      service.taskDefinition = previous;
    }
  }

  async describeServices(_cluster: string, names: string[]): Promise<ServicesAnswer> {
    this.calls.push(`DescribeServices ${names.join(',')}`);
    const answer: ServicesAnswer = { services: new Map(), missing: [] };
    for (const name of names) {
      const service = this.services.get(name);
      if (!service) {
        answer.missing.push(name);
        continue;
      }
      this.advance(service);
      const view = {
        serviceName: name,
        status: service.status,
        taskDefinition: service.taskDefinition,
      };
      answer.services.set(
        name,
        structuredClone({
          ...view,
          deployments: service.deployments,
          events: service.events,
        }) as Service,
      );
    }
    return answer;
  }

  async describeTaskDefinition(arn: string) {
    this.calls.push(`DescribeTaskDefinition ${arn}`);
    const found = this.definitions.get(arn);
    if (!found) throw new ActionError({ code: 'TASK_DEFINITION_NOT_FOUND', message: arn });
    return structuredClone(found);
  }

  async registerTaskDefinition(input: RegisterTaskDefinitionCommandInput): Promise<string> {
    const family = String(input.family);
    const revisions = [...this.definitions.values()]
      .filter((d) => d.definition.family === family)
      .map((d) => d.definition.revision ?? 0);
    const arn = ARN(family, Math.max(0, ...revisions) + 1);
    this.calls.push(`RegisterTaskDefinition ${family}`);
    if (this.failRegisterOf === family) {
      throw new ActionError({ code: 'ECS_ACCESS_DENIED', message: `Register ${family} denied` });
    }
    this.registered.push(input as unknown as Record<string, unknown>);
    const revision = Number(arn.split(':').pop());
    const definition = { ...(input as TaskDefinition), taskDefinitionArn: arn, revision };
    this.definitions.set(arn, { definition, tags: (input.tags as Tag[]) ?? [] });
    return arn;
  }

  /** What lateRegistrations answers: revisions a lost register left behind. */
  late: string[] = [];

  async lateRegistrations(): Promise<string[]> {
    return this.late;
  }

  async updateService(_cluster: string, name: string, taskDefinition: string, force: boolean) {
    this.calls.push(
      `UpdateService ${name} ${taskDefinition.split('/').pop()}${force ? ' force' : ''}`,
    );
    if (this.failUpdateOf === name) {
      throw new ActionError({ code: 'ECS_ACCESS_DENIED', message: `UpdateService ${name} denied` });
    }
    const service = this.services.get(name)!;
    for (const d of service.deployments) d.status = 'ACTIVE';
    service.deployments.unshift({
      id: `ecs-svc/${this.ids++}`,
      status: 'PRIMARY',
      taskDefinition,
      rolloutState: 'IN_PROGRESS',
    });
    service.taskDefinition = taskDefinition;
    service.looks = 0;
    return structuredClone({ serviceName: name, deployments: service.deployments }) as Service;
  }

  async stoppedTasks(_cluster: string, ids: string[]): Promise<StoppedTask[]> {
    this.calls.push(`DescribeTasks ${ids.join(',')}`);
    return [...this.services.values()]
      .map((s) => s.rollout.stoppedTask)
      .filter((t): t is StoppedTask => t !== undefined && ids.includes(t.taskId));
  }
}
