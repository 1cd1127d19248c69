import {
  countCalls,
  describeTimeline,
  median,
  ownTimeMs,
  splitPhases,
  totalCalls,
} from '../../bench/analyze';
import type { BenchCall } from '../../bench/analyze';

function call(service: string, operation: string, startMs: number, endMs: number): BenchCall {
  return { service, operation, startMs, endMs, status: 200 };
}

// One steady deploy: process started at 1000, exited at 1700.
const STEADY: BenchCall[] = [
  call('oidc', 'GetIDToken', 1120, 1125),
  call('sts', 'AssumeRoleWithWebIdentity', 1130, 1180),
  call('sts', 'AssumeRole', 1185, 1240),
  call('ecs', 'DescribeServices', 1245, 1290),
  call('ecs', 'DescribeTaskDefinition', 1292, 1340),
  call('ecs', 'RegisterTaskDefinition', 1345, 1400),
  call('ecs', 'UpdateService', 1405, 1460),
  call('ecs', 'DescribeServices', 1462, 1510),
];

describe('splitPhases', () => {
  it('splits at the first request, the end of the chain and the end of the update', () => {
    expect(splitPhases(STEADY, 1000, 1700)).toEqual({
      startupMs: 120,
      credentialsMs: 120,
      deployMs: 220,
      waitMs: 240,
    });
  });

  it('adds up to the wall time whatever order the log is in', () => {
    const phases = splitPhases([...STEADY].reverse(), 1000, 1700);
    const sum = phases.startupMs + phases.credentialsMs + phases.deployMs + phases.waitMs;
    expect(sum).toBe(700);
  });

  it('ends the deploy phase with the last parallel update, not with a later rollback', () => {
    const calls = [
      ...STEADY.slice(0, 6),
      call('ecs', 'UpdateService', 1400, 1480),
      call('ecs', 'DescribeServices', 1490, 1530),
      call('ecs', 'UpdateService', 1600, 1650),
    ];
    expect(splitPhases(calls, 1000, 1700).deployMs).toBe(240);
  });

  it('puts everything into start-up when the action made no request', () => {
    expect(splitPhases([], 1000, 1300)).toEqual({
      startupMs: 300,
      credentialsMs: 0,
      deployMs: 0,
      waitMs: 0,
    });
  });
});

describe('ownTimeMs', () => {
  it('counts the time from the first request to exit with no request in flight', () => {
    // 580 ms from the token request to exit; requests in flight 5+50+55+45+48+55+55+48 = 361 ms
    expect(ownTimeMs(STEADY, 1700)).toBe(219);
  });

  it('counts overlapping parallel requests once', () => {
    const parallel = [
      call('ecs', 'UpdateService', 100, 200),
      call('ecs', 'UpdateService', 150, 250),
      call('ecs', 'UpdateService', 160, 170),
      call('ecs', 'DescribeServices', 300, 350),
    ];
    expect(ownTimeMs(parallel, 400)).toBe(300 - 200);
  });

  it('is zero when nothing was asked', () => {
    expect(ownTimeMs([], 500)).toBe(0);
  });
});

describe('describeTimeline', () => {
  it('lists each request from process start with its duration, then the exit', () => {
    const calls = STEADY.slice(0, 2).reverse();
    expect(describeTimeline(calls, 1000, 1700)).toBe(
      '+120 GetIDToken 5, +130 AssumeRoleWithWebIdentity 50, exit +700',
    );
  });
});

describe('countCalls', () => {
  it('counts AWS calls by operation and leaves the token request out', () => {
    const counts = countCalls(STEADY);
    expect(counts).toEqual({
      AssumeRole: 1,
      AssumeRoleWithWebIdentity: 1,
      DescribeServices: 2,
      DescribeTaskDefinition: 1,
      RegisterTaskDefinition: 1,
      UpdateService: 1,
    });
    expect(totalCalls(counts)).toBe(7);
  });
});

describe('median', () => {
  it('takes the middle of an odd count and the mean of the middle two of an even one', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow('empty');
  });
});
