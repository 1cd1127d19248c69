import {
  callAws,
  classifyError,
  retryDelayMs,
  RETRY_DEFAULTS,
  withRetry,
} from '../../../action/aws/retry';
import { captureStdout, type Captured } from '../support/capture';

function awsError(name: string, status?: number): Error {
  const error = new Error(`${name} happened`);
  error.name = name;
  if (status !== undefined) Object.assign(error, { $metadata: { httpStatusCode: status } });
  return error;
}

function networkError(code: string): Error {
  return Object.assign(new Error('network'), { code });
}

let out: Captured;
beforeEach(() => (out = captureStdout()));
afterEach(() => out.restore());

function fakeTime() {
  let clock = 0;
  const delays: number[] = [];
  return {
    delays,
    options: {
      sleep: async (ms: number) => {
        delays.push(ms);
        clock += ms;
      },
      now: () => clock,
      random: () => 0.5,
    },
  };
}

describe('classifyError', () => {
  it.each([
    [awsError('ThrottlingException'), 'throttling'],
    [awsError('Throttling'), 'throttling'],
    [awsError('SomethingElse', 429), 'throttling'],
    [awsError('ServerException', 500), 'transient'],
    [awsError('InternalFailure'), 'transient'],
    [awsError('Unknown', 503), 'transient'],
    [awsError('TimeoutError'), 'transient'],
    [awsError('IDPCommunicationError', 400), 'transient'],
    [networkError('ECONNRESET'), 'transient'],
    [
      Object.assign(new TypeError('fetch failed'), { cause: networkError('UND_ERR_SOCKET') }),
      'transient',
    ],
    [new Error('socket hang up'), 'transient'],
    [awsError('ExpiredTokenException', 400), 'expired'],
    [awsError('ExpiredToken', 403), 'expired'],
    [awsError('AccessDenied', 403), 'fatal'],
    [awsError('AccessDeniedException', 400), 'fatal'],
    [awsError('ValidationError', 400), 'fatal'],
    [awsError('ServiceNotFoundException', 400), 'fatal'],
    [awsError('ClientException', 400), 'fatal'],
    ['a string', 'fatal'],
    [null, 'fatal'],
  ])('%s is %s', (error, kind) => {
    expect(classifyError(error)).toBe(kind);
  });
});

describe('withRetry', () => {
  it('retries throttling with growing jittered delays and logs each retry', async () => {
    const time = fakeTime();
    let calls = 0;
    const result = await withRetry(
      'DescribeServices',
      async () => {
        calls++;
        if (calls < 4) throw awsError('ThrottlingException', 400);
        return 'ok';
      },
      time.options,
    );
    expect(result).toBe('ok');
    expect(calls).toBe(4);
    expect(time.delays).toEqual([188, 375, 750]);
    expect(out.info()).toEqual([
      'Retrying DescribeServices (attempt 2 of 5) in 188 ms after ThrottlingException.',
      'Retrying DescribeServices (attempt 3 of 5) in 375 ms after ThrottlingException.',
      'Retrying DescribeServices (attempt 4 of 5) in 750 ms after ThrottlingException.',
    ]);
  });

  it('never retries access denied, validation or not found', async () => {
    for (const name of ['AccessDenied', 'ValidationError', 'ServiceNotFoundException']) {
      const time = fakeTime();
      let calls = 0;
      const call = async () => {
        calls++;
        throw awsError(name, 400);
      };
      await expect(withRetry('Op', call, time.options)).rejects.toThrow(`${name} happened`);
      expect(calls).toBe(1);
      expect(time.delays).toEqual([]);
    }
  });

  it('gives up after maxAttempts with the last error', async () => {
    const time = fakeTime();
    let calls = 0;
    const call = async () => {
      calls++;
      throw awsError('ServiceUnavailable', 503);
    };
    await expect(withRetry('Op', call, time.options)).rejects.toThrow(
      'ServiceUnavailable happened',
    );
    expect(calls).toBe(RETRY_DEFAULTS.maxAttempts);
  });

  it('stops when the next delay would pass the total bound', async () => {
    const time = fakeTime();
    let calls = 0;
    const call = async () => {
      calls++;
      throw networkError('ECONNRESET');
    };
    await expect(withRetry('Op', call, { ...time.options, maxTotalMs: 600 })).rejects.toThrow(
      'network',
    );
    expect(time.delays).toEqual([188, 375]);
    expect(calls).toBe(3);
  });

  it('caps the delay and keeps it within half to all of the ceiling', () => {
    const options = { ...RETRY_DEFAULTS, random: () => 0 };
    expect(retryDelayMs(1, options)).toBe(125);
    expect(retryDelayMs(10, options)).toBe(2000);
    expect(retryDelayMs(10, { ...options, random: () => 1 })).toBe(4000);
  });
});

describe('callAws', () => {
  it('refreshes the credentials once on an expired token and tries the call again', async () => {
    const reasons: string[] = [];
    let calls = 0;
    const result = await callAws(
      'UpdateService',
      async () => {
        calls++;
        if (calls === 1) throw awsError('ExpiredTokenException', 400);
        return 'done';
      },
      async (reason) => {
        reasons.push(reason);
      },
      fakeTime().options,
    );
    expect(result).toBe('done');
    expect(reasons).toEqual(['UpdateService answered ExpiredTokenException']);
  });

  it('refreshes only once: a second expiry fails', async () => {
    let refreshes = 0;
    const call = async () => {
      throw awsError('ExpiredToken', 403);
    };
    const refresh = async () => {
      refreshes++;
    };
    await expect(callAws('Op', call, refresh, fakeTime().options)).rejects.toThrow(
      'ExpiredToken happened',
    );
    expect(refreshes).toBe(1);
  });

  it('does not refresh for other errors or without a refresher', async () => {
    const refresh = jest.fn(async () => undefined);
    const denied = async () => {
      throw awsError('AccessDenied', 403);
    };
    await expect(callAws('Op', denied, refresh, fakeTime().options)).rejects.toThrow(
      'AccessDenied',
    );
    const expired = async () => {
      throw awsError('ExpiredToken', 403);
    };
    await expect(callAws('Op', expired, undefined, fakeTime().options)).rejects.toThrow(
      'ExpiredToken',
    );
    expect(refresh).not.toHaveBeenCalled();
  });

  it('uses real timers by default (one quick retry)', async () => {
    let calls = 0;
    const result = await withRetry(
      'Op',
      async () => {
        calls++;
        if (calls === 1) throw awsError('ThrottlingException');
        return calls;
      },
      { baseDelayMs: 1 },
    );
    expect(result).toBe(2);
  });
});
