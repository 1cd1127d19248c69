import { ActionError } from './errors';

/**
 * A task definition as JSON: the fields the action checks, and any others kept as they
 * are.
 */
export interface TaskDefinitionDocument {
  family: string;
  containerDefinitions: Array<{ name: string; image: string; [field: string]: unknown }>;
  [field: string]: unknown;
}

const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;
const MAX_FILE_CHARS = 1_000_000;

function fileError(path: string, problem: string, cause?: unknown): ActionError {
  return new ActionError({
    code: 'TASK_DEFINITION_FILE_INVALID',
    message: `Input 'task-definition': file ${JSON.stringify(path)} ${problem}`,
    hint:
      'Give a JSON task definition with "family" and "containerDefinitions" (each with "name" ' +
      'and "image"), e.g. the "taskDefinition" object of `aws ecs describe-task-definition`.',
    cause,
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string, path: string): unknown {
  if (text.length > MAX_FILE_CHARS) throw fileError(path, 'is larger than 1 MB.');
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw fileError(path, 'is not valid JSON.', cause);
  }
}

function checkContainers(value: unknown, path: string): void {
  if (!Array.isArray(value) || value.length === 0) {
    throw fileError(path, 'needs a non-empty "containerDefinitions" array.');
  }
  const names = new Set<string>();
  value.forEach((container: unknown, i) => {
    const ok =
      isObject(container) &&
      typeof container.name === 'string' &&
      FAMILY.test(container.name) &&
      typeof container.image === 'string' &&
      container.image.trim() !== '';
    if (!ok)
      throw fileError(path, `has a containerDefinitions[${i}] without a valid name and image.`);
    if (names.has(container.name as string)) {
      throw fileError(path, `names container '${String(container.name)}' twice.`);
    }
    names.add(container.name as string);
  });
}

/**
 * Parses a task definition file. Accepts the bare definition or the whole
 * `describe-task-definition` answer ({ taskDefinition, tags }), whose tags are then
 * kept.
 */
export function parseTaskDefinitionFile(text: string, path: string): TaskDefinitionDocument {
  const parsed = parseJson(text, path);
  if (!isObject(parsed)) throw fileError(path, 'must hold a JSON object.');
  const body = isObject(parsed.taskDefinition)
    ? { ...parsed.taskDefinition, ...(Array.isArray(parsed.tags) ? { tags: parsed.tags } : {}) }
    : parsed;
  if (typeof body.family !== 'string' || !FAMILY.test(body.family)) {
    throw fileError(path, `needs a "family" of letters, digits, '-' or '_' (1-255).`);
  }
  checkContainers(body.containerDefinitions, path);
  return body as TaskDefinitionDocument;
}
