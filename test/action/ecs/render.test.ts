import type { TaskDefinition } from '@aws-sdk/client-ecs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  changedFields,
  familyOf,
  imageChanges,
  isRegistrationOf,
  READ_ONLY_FIELDS,
  renderTaskDefinition,
  revisionOf,
  type TaskDefinitionData,
} from '../../../action/ecs/render';
import { ActionError } from '../../../action/errors';

const RUNNING = JSON.parse(
  readFileSync(join(__dirname, '..', 'fixtures', 'task-definition.json'), 'utf8'),
) as TaskDefinition & Record<string, unknown>;
const TAGS = [{ key: 'team', value: 'payments' }];
const APP_V2 = '222222222222.dkr.ecr.eu-west-1.amazonaws.com/checkout-api:2.0.0';

function render(images: Array<{ container: string; image: string }>) {
  return renderTaskDefinition(RUNNING, TAGS, images) as unknown as TaskDefinitionData;
}

describe('renderTaskDefinition', () => {
  it('changes only the named container image and keeps everything else, unknown fields too', () => {
    const next = render([{ container: 'app', image: APP_V2 }]);
    const [app, envoy, router] = next.containerDefinitions!;
    expect(app).toEqual({ ...RUNNING.containerDefinitions![0], image: APP_V2 });
    expect(app!.futureContainerField).toBe('kept');
    expect(envoy).toEqual(RUNNING.containerDefinitions![1]);
    expect(router).toEqual(RUNNING.containerDefinitions![2]);
    expect(next.futureTopLevelField).toEqual({ kept: true });
    expect(next.runtimePlatform).toEqual(RUNNING.runtimePlatform);
    expect(next.taskRoleArn).toBe(RUNNING.taskRoleArn);
  });

  it('drops every read-only field and carries the tags', () => {
    const next = render([{ container: 'app', image: APP_V2 }]);
    for (const field of READ_ONLY_FIELDS) expect(next).not.toHaveProperty(field);
    expect(next.tags).toEqual(TAGS);
    expect(renderTaskDefinition(RUNNING, [], [])).not.toHaveProperty('tags');
  });

  it('changes several containers at once', () => {
    const next = render([
      { container: 'app', image: APP_V2 },
      { container: 'envoy', image: 'envoy:v1.30' },
    ]);
    expect(next.containerDefinitions!.map((c) => c.image)).toEqual([
      APP_V2,
      'envoy:v1.30',
      RUNNING.containerDefinitions![2]!.image,
    ]);
  });

  it('does not touch the definition it was given', () => {
    const before = JSON.stringify(RUNNING);
    render([{ container: 'app', image: APP_V2 }]);
    expect(JSON.stringify(RUNNING)).toBe(before);
  });

  it('refuses a container the task definition does not have, naming the ones it has', () => {
    let error: unknown;
    try {
      render([{ container: 'web', image: 'x:1' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActionError);
    expect((error as ActionError).message).toMatch(
      /^Input 'images': names container 'web', which task definition family 'checkout-api' does not have \(containers: app, envoy, log-router\)\./,
    );
  });
});

describe('changedFields and imageChanges', () => {
  it('lists only the changed image for an image deploy', () => {
    const next = render([{ container: 'app', image: APP_V2 }]);
    expect(changedFields(RUNNING as TaskDefinitionData, next)).toEqual([
      `containerDefinitions[app].image: "${RUNNING.containerDefinitions![0]!.image}" -> "${APP_V2}"`,
    ]);
    expect(imageChanges(RUNNING as TaskDefinitionData, next)).toEqual([
      { container: 'app', from: RUNNING.containerDefinitions![0]!.image, to: APP_V2 },
    ]);
  });

  it('finds nothing when the image is already the running one (unchanged)', () => {
    const same = render([{ container: 'app', image: RUNNING.containerDefinitions![0]!.image! }]);
    expect(changedFields(RUNNING as TaskDefinitionData, same)).toEqual([]);
    expect(imageChanges(RUNNING as TaskDefinitionData, same)).toEqual([]);
  });

  it('treats empty and missing lists as equal, and reports added, removed and top-level changes', () => {
    const before: TaskDefinitionData = {
      family: 'f',
      cpu: '256',
      volumes: [],
      containerDefinitions: [{ name: 'a', image: 'i', environment: [] }],
    };
    const after: TaskDefinitionData = {
      family: 'f',
      cpu: '512',
      containerDefinitions: [{ name: 'b', image: 'i' }],
    };
    expect(changedFields(before, after)).toEqual([
      'cpu: "256" -> "512"',
      'containerDefinitions[a]: removed',
      'containerDefinitions[b]: added',
    ]);
    expect(imageChanges(before, after)).toEqual([{ container: 'b', from: '-', to: 'i' }]);
  });
  it('does not count key order or absent keys as a change (a file written by hand)', () => {
    const before: TaskDefinitionData = {
      family: 'f',
      containerDefinitions: [
        {
          name: 'a',
          image: 'i',
          logConfiguration: { logDriver: 'awslogs', options: { group: 'g', region: 'r' } },
        },
      ],
    };
    const after: TaskDefinitionData = {
      family: 'f',
      containerDefinitions: [
        {
          image: 'i',
          name: 'a',
          logConfiguration: { options: { region: 'r', group: 'g' }, logDriver: 'awslogs' },
          cpu: undefined,
        },
      ],
    };
    expect(changedFields(before, after)).toEqual([]);
    const moved: TaskDefinitionData = {
      family: 'f',
      containerDefinitions: [
        {
          name: 'a',
          image: 'i',
          logConfiguration: { options: { region: 'r', group: 'h' }, logDriver: 'awslogs' },
        },
      ],
    };
    expect(changedFields(before, moved)).toEqual([
      'containerDefinitions[a].logConfiguration: ' +
        '{"logDriver":"awslogs","options":{"group":"g","region":"r"}} -> ' +
        '{"options":{"region":"r","group":"h"},"logDriver":"awslogs"}',
    ]);
  });
});

describe('isRegistrationOf', () => {
  it('knows a described revision for the input it was registered from, and no other', () => {
    const input = renderTaskDefinition(RUNNING, TAGS, [{ container: 'app', image: APP_V2 }]);
    const landed = { ...(input as TaskDefinition), taskDefinitionArn: 'arn:td:9', revision: 9 };
    expect(isRegistrationOf(landed, input)).toBe(true);
    expect(isRegistrationOf(RUNNING, input)).toBe(false);
  });
});

describe('ARN helpers', () => {
  it('reads family and revision', () => {
    const arn = 'arn:aws:ecs:eu-west-1:222222222222:task-definition/checkout-api:7';
    expect(familyOf(arn)).toBe('checkout-api');
    expect(revisionOf(arn)).toBe(7);
    expect(revisionOf('checkout-api')).toBe(0);
  });
});
