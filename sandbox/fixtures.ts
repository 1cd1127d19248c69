/**
 * What the sandbox puts into account B besides the roles: the realistic task definition each
 * service starts on, and the service settings. Plain data builders, no I/O.
 */

/** The account B facts the fixtures are built from. */
export interface FixtureContext {
  account: string;
  region: string;
  cluster: string;
  taskRoleArn: string;
  executionRoleArn: string;
}

/** The image each service's app container starts on. */
export function initialImage(ctx: FixtureContext, service: string): string {
  return `${ctx.account}.dkr.ecr.${ctx.region}.amazonaws.com/${service}:1.0.0`;
}

/** The sidecar every task definition carries (the deploy must leave it alone). */
export const SIDECAR_IMAGE = 'public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1';

/** A FARGATE task definition, app container and sidecar, as RegisterTaskDefinition takes it. */
export function taskDefinitionInput(ctx: FixtureContext, service: string): Record<string, unknown> {
  return {
    family: service,
    taskRoleArn: ctx.taskRoleArn,
    executionRoleArn: ctx.executionRoleArn,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    runtimePlatform: { cpuArchitecture: 'ARM64', operatingSystemFamily: 'LINUX' },
    containerDefinitions: [appContainer(ctx, service), sidecarContainer(ctx, service)],
    tags: [
      { key: 'team', value: 'payments' },
      { key: 'service', value: service },
      { key: 'cost-center', value: 'cc-4711' },
    ],
  };
}

function appContainer(ctx: FixtureContext, service: string): Record<string, unknown> {
  return {
    name: 'app',
    image: initialImage(ctx, service),
    essential: true,
    cpu: 384,
    memoryReservation: 768,
    portMappings: [{ containerPort: 8080, protocol: 'tcp', name: 'http' }],
    environment: [
      { name: 'NODE_ENV', value: 'production' },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://localhost:4317' },
      { name: 'PORT', value: '8080' },
    ],
    secrets: [
      {
        name: 'DATABASE_URL',
        valueFrom: `arn:aws:ssm:${ctx.region}:${ctx.account}:parameter/${service}/database-url`,
      },
    ],
    dependsOn: [{ containerName: 'otel-collector', condition: 'START' }],
    healthCheck: {
      command: ['CMD-SHELL', 'curl -fsS http://localhost:8080/health || exit 1'],
      interval: 15,
      timeout: 5,
      retries: 3,
      startPeriod: 20,
    },
    logConfiguration: awsLogs(ctx, service, 'app'),
  };
}

function sidecarContainer(ctx: FixtureContext, service: string): Record<string, unknown> {
  return {
    name: 'otel-collector',
    image: SIDECAR_IMAGE,
    essential: false,
    cpu: 128,
    memoryReservation: 256,
    command: ['--config=/etc/ecs/ecs-default-config.yaml'],
    environment: [{ name: 'AWS_REGION', value: ctx.region }],
    logConfiguration: awsLogs(ctx, service, 'otel'),
  };
}

function awsLogs(ctx: FixtureContext, service: string, prefix: string): Record<string, unknown> {
  return {
    logDriver: 'awslogs',
    options: {
      'awslogs-group': `/ecs/${ctx.cluster}/${service}`,
      'awslogs-region': ctx.region,
      'awslogs-stream-prefix': prefix,
    },
  };
}

/** CreateService input for `service` on its first task definition revision. */
export function serviceInput(
  ctx: FixtureContext,
  service: string,
  taskDefinitionArn: string,
  network: { subnets: string[]; securityGroups: string[] },
): Record<string, unknown> {
  return {
    cluster: ctx.cluster,
    serviceName: service,
    taskDefinition: taskDefinitionArn,
    desiredCount: 2,
    launchType: 'FARGATE',
    deploymentConfiguration: {
      maximumPercent: 200,
      minimumHealthyPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    },
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: network.subnets,
        securityGroups: network.securityGroups,
        assignPublicIp: 'DISABLED',
      },
    },
    tags: [{ key: 'team', value: 'payments' }],
  };
}
