import { ActionError } from '../../action/errors';
import { parseTaskDefinitionFile } from '../../action/task-definition-file';

function failure(text: string): ActionError {
  try {
    parseTaskDefinitionFile(text, 'td.json');
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
  throw new Error('expected a file error');
}

describe('parseTaskDefinitionFile', () => {
  it('keeps every field of a valid definition', () => {
    const text = JSON.stringify({
      family: 'f',
      containerDefinitions: [{ name: 'app', image: 'i:1', x: 1 }],
      y: 2,
    });
    expect(parseTaskDefinitionFile(text, 'td.json')).toEqual(JSON.parse(text));
  });

  it('unwraps a describe-task-definition answer and keeps its tags', () => {
    const text = JSON.stringify({
      taskDefinition: { family: 'f', containerDefinitions: [{ name: 'app', image: 'i:1' }] },
      tags: [{ key: 'team', value: 'pay' }],
    });
    expect(parseTaskDefinitionFile(text, 'td.json')).toEqual({
      family: 'f',
      containerDefinitions: [{ name: 'app', image: 'i:1' }],
      tags: [{ key: 'team', value: 'pay' }],
    });
  });

  it.each([
    ['{', /is not valid JSON/],
    ['[]', /must hold a JSON object/],
    ['{"containerDefinitions":[{"name":"a","image":"b"}]}', /needs a "family"/],
    ['{"family":"f"}', /non-empty "containerDefinitions"/],
    ['{"family":"f","containerDefinitions":[]}', /non-empty "containerDefinitions"/],
    [
      '{"family":"f","containerDefinitions":[{"name":"a"}]}',
      /containerDefinitions\[0\] without a valid name and image/,
    ],
    [
      '{"family":"f","containerDefinitions":[{"name":"a","image":"b"},{"name":"a","image":"c"}]}',
      /names container 'a' twice/,
    ],
  ])('refuses %s', (text, message) => {
    const error = failure(text);
    expect(error.code).toBe('TASK_DEFINITION_FILE_INVALID');
    expect(error.message).toMatch(/^Input 'task-definition': file "td.json" /);
    expect(error.message).toMatch(message);
  });

  it('refuses a file over 1 MB before parsing it', () => {
    expect(failure(' '.repeat(1_000_001)).message).toMatch(/larger than 1 MB/);
  });
});
