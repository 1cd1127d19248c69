import { findRegressions, isRegression, THRESHOLDS } from '../../bench/compare';
import type { Metric, Unit } from '../../bench/results';

function metric(value: number, unit: Unit): Metric {
  return { value, unit, samples: [value], label: 'x' };
}

describe('isRegression', () => {
  it('needs both the relative rise and the absolute floor', () => {
    const ms = THRESHOLDS.ms;
    expect(isRegression(1000, 1300, ms)).toBe(true);
    expect(isRegression(1000, 1200, ms)).toBe(false); // +20%: under the ratio
    expect(isRegression(100, 180, ms)).toBe(false); // +80%, but only 80 ms: under the floor
  });

  it('flags a single extra AWS call', () => {
    expect(isRegression(7, 8, THRESHOLDS.calls)).toBe(true);
    expect(isRegression(7, 7, THRESHOLDS.calls)).toBe(false);
  });

  it('never flags an improvement', () => {
    expect(isRegression(1000, 400, THRESHOLDS.ms)).toBe(false);
  });
});

describe('findRegressions', () => {
  it('reports metrics that got worse, and ignores new ones and changed units', () => {
    const previous = {
      'deploy.wallMs': metric(1000, 'ms'),
      'deploy.awsCalls': metric(7, 'calls'),
      'bundle.bytes': metric(500_000, 'bytes'),
    };
    const current = {
      'deploy.wallMs': metric(1500, 'ms'),
      'deploy.awsCalls': metric(7, 'calls'),
      'bundle.bytes': metric(500, 'KiB'),
      'scale.20.wallMs': metric(9000, 'ms'),
    };
    expect(findRegressions(previous, current)).toEqual([
      { metric: 'deploy.wallMs', previous: 1000, current: 1500, unit: 'ms' },
    ]);
  });
});
