import type { Service } from '@aws-sdk/client-ecs';
import { ActionError } from '../../../action/errors';
import {
  abortableSleep,
  MAX_POLL_INTERVAL_MS,
  POLL_INTERVAL_MS,
  waitForDeployments,
  type WaitContext,
} from '../../../action/ecs/wait';
import { captureStdout, type Captured } from '../support/capture';

const TARGET = {
  service: 'checkout-api',
  deploymentId: 'ecs-svc/1',
  taskDefinitionArn: 'td:8',
  previousTaskDefinitionArn: 'td:7',
  seenEventIds: new Set<string>(),
};

function inProgress(): Service {
  return {
    status: 'ACTIVE',
    deployments: [
      { id: 'ecs-svc/1', status: 'PRIMARY', taskDefinition: 'td:8', rolloutState: 'IN_PROGRESS' },
    ],
    events: [],
  };
}

function throttled(): ActionError {
  const cause = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
  return new ActionError({ code: 'AWS_UNAVAILABLE', message: 'throttled', cause });
}

let out: Captured;
beforeEach(() => (out = captureStdout()));
afterEach(() => out.restore());

function ctx(answers: Array<Service | Error>): { ctx: WaitContext; sleeps: number[] } {
  let clock = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    ctx: {
      gateway: {
        describeServices: async () => {
          const next = answers.shift() ?? inProgress();
          if (next instanceof Error) throw next;
          return { services: new Map([['checkout-api', next]]), missing: [] };
        },
        stoppedTasks: async () => {
          throw new Error('DescribeTasks denied');
        },
      },
      cluster: 'checkout',
      timeoutMs: 60_000,
      stopOnFailure: true,
      signal: new AbortController().signal,
      now: () => clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock += ms;
      },
    },
  };
}

describe('waitForDeployments', () => {
  it('polls every POLL_INTERVAL_MS, and backs off only while ECS throttles', async () => {
    const done: Service = {
      status: 'ACTIVE',
      deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', rolloutState: 'COMPLETED' }],
    };
    const { ctx: c, sleeps } = ctx([inProgress(), throttled(), throttled(), inProgress(), done]);
    const outcomes = await waitForDeployments([{ ...TARGET, seenEventIds: new Set() }], c);
    expect(outcomes.get('checkout-api')?.verdict).toEqual({ state: 'completed' });
    expect(sleeps).toEqual([
      POLL_INTERVAL_MS,
      2 * POLL_INTERVAL_MS,
      4 * POLL_INTERVAL_MS,
      POLL_INTERVAL_MS,
    ]);
    expect(out.info()).toContain('ECS look failed (throttling); next look in 2000 ms.');
  });

  it('keeps following through a 5xx outage that outlasts one look', async () => {
    const cause = Object.assign(new Error('down'), { $metadata: { httpStatusCode: 503 } });
    const outage = new ActionError({ code: 'AWS_UNAVAILABLE', message: 'down', cause });
    const done: Service = {
      status: 'ACTIVE',
      deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', rolloutState: 'COMPLETED' }],
    };
    const { ctx: c, sleeps } = ctx([outage, outage, done]);
    const outcomes = await waitForDeployments([{ ...TARGET, seenEventIds: new Set() }], c);
    expect(outcomes.get('checkout-api')?.verdict).toEqual({ state: 'completed' });
    expect(sleeps).toEqual([2 * POLL_INTERVAL_MS, 4 * POLL_INTERVAL_MS]);
    expect(out.info()).toContain('ECS look failed (transient); next look in 2000 ms.');
  });

  it('caps the throttled interval', async () => {
    const { ctx: c, sleeps } = ctx(Array.from({ length: 8 }, throttled));
    c.timeoutMs = 100_000;
    await waitForDeployments([{ ...TARGET, seenEventIds: new Set() }], c);
    expect(Math.max(...sleeps)).toBe(MAX_POLL_INTERVAL_MS);
  });

  it('ends at once when a re-chain fails, even when its cause looks transient', async () => {
    const cause = Object.assign(new Error('token endpoint'), {
      $metadata: { httpStatusCode: 500 },
    });
    const rechain = new ActionError({ code: 'OIDC_TOKEN_FAILED', message: 'no token', cause });
    const { ctx: c, sleeps } = ctx([rechain, inProgress()]);
    await expect(
      waitForDeployments([{ ...TARGET, seenEventIds: new Set() }], c),
    ).rejects.toMatchObject({ code: 'OIDC_TOKEN_FAILED' });
    expect(sleeps).toEqual([]);
    expect(out.info()).not.toContain('ECS look failed');
  });

  it('passes on errors that are not throttling', async () => {
    const { ctx: c } = ctx([new ActionError({ code: 'ECS_ACCESS_DENIED', message: 'denied' })]);
    await expect(waitForDeployments([{ ...TARGET, seenEventIds: new Set() }], c)).rejects.toThrow(
      'denied',
    );
  });

  it('still reports a failure when the stopped tasks cannot be read', async () => {
    const failed: Service = {
      status: 'ACTIVE',
      deployments: [
        {
          id: 'ecs-svc/1',
          status: 'PRIMARY',
          rolloutState: 'FAILED',
          rolloutStateReason: 'circuit breaker',
        },
      ],
      events: [{ id: 'e1', message: '(service checkout-api) (task abc) failed.' }],
    };
    const { ctx: c } = ctx([failed]);
    const outcome = (await waitForDeployments([{ ...TARGET, seenEventIds: new Set() }], c)).get(
      'checkout-api',
    );
    expect(outcome?.detail).toBe(
      'circuit breaker\nLast events:\n  - (service checkout-api) (task abc) failed.',
    );
  });

  it('describes the other final states', async () => {
    const verdicts = [
      [{ status: 'DRAINING' }, 'The service became DRAINING during the deployment.'],
      [
        {
          status: 'ACTIVE',
          deployments: [{ id: 'x', status: 'PRIMARY', taskDefinition: 'other' }],
        },
        'Another deployment took over (other).',
      ],
    ] as const;
    for (const [service, detail] of verdicts) {
      const { ctx: c } = ctx([service as Service]);
      expect(
        (await waitForDeployments([{ ...TARGET, seenEventIds: new Set() }], c)).get('checkout-api')
          ?.detail,
      ).toBe(detail);
    }
    const { ctx: gone } = ctx([]);
    gone.gateway.describeServices = async () => ({
      services: new Map(),
      missing: ['checkout-api'],
    });
    expect(
      (await waitForDeployments([{ ...TARGET, seenEventIds: new Set() }], gone)).get('checkout-api')
        ?.verdict,
    ).toEqual({ state: 'missing' });
  });
});

describe('abortableSleep', () => {
  it('ends early on abort, and at once when already aborted', async () => {
    const controller = new AbortController();
    const sleeping = abortableSleep(60_000, controller.signal);
    controller.abort();
    await expect(sleeping).resolves.toBeUndefined();
    await expect(abortableSleep(60_000, controller.signal)).resolves.toBeUndefined();
    await expect(abortableSleep(1, new AbortController().signal)).resolves.toBeUndefined();
  });
});
