import { checkTargets } from '../../bench/targets';
import type { Metric, Unit } from '../../bench/results';

function metric(value: number, unit: Unit): Metric {
  return { value, unit, samples: [value], label: 'x' };
}

const GOOD: Record<string, Metric> = {
  'deploy.wallMs': metric(1000, 'ms'),
  'deploy.awsCalls': metric(7, 'calls'),
  'deploy.startupMs': metric(149, 'ms'),
  'notice.completedMs': metric(2000, 'ms'),
  'notice.failedMs': metric(2500, 'ms'),
  'scale.20.wallMs': metric(1500, 'ms'),
};

function verdicts(metrics: Record<string, Metric>): Record<string, boolean> {
  return Object.fromEntries(checkTargets(metrics).map((target) => [target.id, target.pass]));
}

describe('checkTargets', () => {
  it('passes every target at its limit', () => {
    expect(verdicts(GOOD)).toEqual({
      calls: true,
      startup: true,
      'notice-completed': true,
      'notice-failed': true,
      scale: true,
    });
  });

  it('fails each target just past its limit', () => {
    const worse = {
      ...GOOD,
      'deploy.awsCalls': metric(8, 'calls'),
      'deploy.startupMs': metric(150, 'ms'),
      'notice.completedMs': metric(2001, 'ms'),
      'notice.failedMs': metric(3001, 'ms'),
      'scale.20.wallMs': metric(1501, 'ms'),
    };
    expect(Object.values(verdicts(worse))).toEqual([false, false, false, false, false]);
  });

  it('derives the scale limit from the one-service wall time', () => {
    const scale = checkTargets(GOOD).find((target) => target.id === 'scale');
    expect(scale?.limit).toBe(1500);
  });

  it('fails a target whose metric was not measured', () => {
    const measured = { ...GOOD };
    delete measured['notice.failedMs'];
    const failed = checkTargets(measured).find((target) => target.id === 'notice-failed');
    expect(failed?.pass).toBe(false);
    expect(failed?.value).toBeNaN();
  });
});
