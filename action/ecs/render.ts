import type { RegisterTaskDefinitionCommandInput, Tag, TaskDefinition } from '@aws-sdk/client-ecs';
import { inputError } from '../errors';
import type { ImageOverride } from '../inputs';

/** Fields DescribeTaskDefinition returns that RegisterTaskDefinition refuses. */
export const READ_ONLY_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
] as const;

/** A task definition as plain data, unknown fields included. */
export type TaskDefinitionData = Record<string, unknown> & {
  family?: string | undefined;
  containerDefinitions?: Array<Record<string, unknown>> | undefined;
};

/** One container whose image changes. */
export interface ImageChange {
  container: string;
  from: string;
  to: string;
}

/** Drops the read-only fields, keeping everything else as it is. */
export function stripReadOnly(definition: TaskDefinitionData | TaskDefinition): TaskDefinitionData {
  const copy: Record<string, unknown> = { ...definition };
  for (const field of READ_ONLY_FIELDS) delete copy[field];
  return copy as TaskDefinitionData;
}

function containerNames(definition: TaskDefinitionData): string[] {
  return (definition.containerDefinitions ?? []).map((c) => String(c.name));
}

/**
 * Renders the next revision: only the containers named in `images` change their image;
 * every other field (unknown ones too) is kept; read-only fields go; tags carry over.
 */
export function renderTaskDefinition(
  current: TaskDefinitionData | TaskDefinition,
  tags: Tag[],
  images: ImageOverride[],
): RegisterTaskDefinitionCommandInput {
  const base = stripReadOnly(current);
  const names = containerNames(base);
  for (const { container } of images) {
    if (!names.includes(container)) {
      const rule =
        `names container '${container}', which task definition family '${String(base.family)}' ` +
        `does not have (containers: ${names.join(', ')}).`;
      throw inputError('images', images.map((i) => `${i.container}=${i.image}`).join('\n'), rule);
    }
  }
  const containerDefinitions = (base.containerDefinitions ?? []).map((container) => {
    const override = images.find((i) => i.container === container.name);
    return override ? { ...container, image: override.image } : container;
  });
  const rendered: Record<string, unknown> = { ...base, containerDefinitions };
  if (tags.length > 0) rendered.tags = tags;
  return rendered as unknown as RegisterTaskDefinitionCommandInput;
}

/** Lists the images that differ between two definitions, by container. */
export function imageChanges(before: TaskDefinitionData, after: TaskDefinitionData): ImageChange[] {
  const changes: ImageChange[] = [];
  for (const next of after.containerDefinitions ?? []) {
    const prior = (before.containerDefinitions ?? []).find((c) => c.name === next.name);
    if (prior?.image !== next.image) {
      changes.push({
        container: String(next.name),
        from: String(prior?.image ?? '-'),
        to: String(next.image),
      });
    }
  }
  return changes;
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && Object.keys(value).length === 0;
}

/** Equal as AWS reads them: key order is not significant, undefined means absent. */
function same(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (a === b) return true;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => same(item, b[i]))
    );
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const xKeys = presentKeys(x);
  return (
    xKeys.length === presentKeys(y).length &&
    xKeys.every((k) => y[k] !== undefined && same(x[k], y[k]))
  );
}

function presentKeys(o: Record<string, unknown>): string[] {
  return Object.keys(o).filter((k) => o[k] !== undefined);
}

function diffObjects(prefix: string, a: Record<string, unknown>, b: Record<string, unknown>) {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys
    .filter((key) => key !== 'tags' && key !== 'containerDefinitions' && !same(a[key], b[key]))
    .map(
      (key) =>
        `${prefix}${key}: ${JSON.stringify(a[key] ?? null)} -> ${JSON.stringify(b[key] ?? null)}`,
    );
}

/**
 * Names every field that differs between the running definition and the rendered one,
 * containers matched by name; empty means nothing to register. Tags are not compared.
 */
export function changedFields(before: TaskDefinitionData, after: TaskDefinitionData): string[] {
  const a = stripReadOnly(before);
  const b = stripReadOnly(after);
  const lines = diffObjects('', a, b);
  const names = [...new Set([...containerNames(a), ...containerNames(b)])];
  for (const name of names) {
    const ca = (a.containerDefinitions ?? []).find((c) => c.name === name);
    const cb = (b.containerDefinitions ?? []).find((c) => c.name === name);
    if (ca === undefined || cb === undefined) {
      lines.push(`containerDefinitions[${name}]: ${ca ? 'removed' : 'added'}`);
      continue;
    }
    lines.push(...diffObjects(`containerDefinitions[${name}].`, ca, cb));
  }
  return lines;
}

/**
 * The task family of a task definition ARN (arn:...:task-
 * definition/<family>:<revision>).
 */
export function familyOf(taskDefinitionArn: string): string {
  const name = taskDefinitionArn.split('/').pop() ?? taskDefinitionArn;
  return name.replace(/:\d+$/, '');
}

/** The revision number of a task definition ARN, or 0 when it has none. */
export function revisionOf(taskDefinitionArn: string): number {
  const match = /:(\d+)$/.exec(taskDefinitionArn);
  return match ? Number(match[1]) : 0;
}

/**
 * True when a described revision is exactly what a RegisterTaskDefinition input asks for
 * (read-only fields and tags aside): a register whose answer was lost may have made it.
 */
export function isRegistrationOf(
  definition: TaskDefinition,
  input: RegisterTaskDefinitionCommandInput,
): boolean {
  const asked = input as unknown as TaskDefinitionData;
  return changedFields(definition as TaskDefinitionData, asked).length === 0;
}
