import { parseStatusKiB } from '../../bench/memory';
import { formatValue, renderFooter, renderTable } from '../../bench/table';
import type { BenchResults } from '../../bench/results';

function results(overrides: Partial<BenchResults> = {}): BenchResults {
  return {
    schema: 1,
    recordedAt: '2026-12-03T17:00:00.000Z',
    commit: 'abc1234',
    dirty: false,
    machine: {
      cpus: 2,
      cpuModel: 'Test CPU',
      node: 'v20.20.2',
      platform: 'linux',
      loadAverage: { before: [0.5, 0.4, 0.3], after: [0.9, 0.5, 0.3] },
    },
    settings: { latencyMs: 40, runs: 5, rolloutMs: 3000, memory: 'VmHWM' },
    metrics: {
      'deploy.startupMs': { value: 120, unit: 'ms', samples: [110, 120, 130], label: 'start-up' },
      'bundle.bytes': { value: 2048, unit: 'bytes', samples: [2048], label: 'bundle' },
    },
    calls: {},
    timeline: '',
    targets: [
      {
        id: 'startup',
        label: 'start-up',
        metric: 'deploy.startupMs',
        value: 120,
        limit: 150,
        pass: true,
      },
    ],
    comparedWith: null,
    regressions: [],
    ...overrides,
  };
}

describe('formatValue', () => {
  it('shows each unit the way a reader expects', () => {
    expect(formatValue(123.6, 'ms')).toBe('124 ms');
    expect(formatValue(7, 'calls')).toBe('7');
    expect(formatValue(51_200, 'KiB')).toBe('50.0 MiB');
    expect(formatValue(1536, 'bytes')).toBe('1.5 KiB');
    expect(formatValue(Number.NaN, 'ms')).toBe('n/a');
  });
});

describe('renderTable', () => {
  it('shows the median, the range, the previous value and the target verdict', () => {
    const previous = {
      'deploy.startupMs': { value: 100, unit: 'ms' as const, samples: [100], label: 'start-up' },
    };
    const lines = renderTable(results(), previous).split('\n');
    expect(lines[2]).toBe(
      '| start-up | 120 ms | 110 ms – 130 ms | 100 ms (+20%) | < 150 ms: pass |',
    );
    expect(lines[3]).toBe('| bundle | 2.0 KiB |  |  |  |');
  });

  it('marks a missed target', () => {
    const missed = results({
      targets: [
        {
          id: 'startup',
          label: 's',
          metric: 'deploy.startupMs',
          value: 120,
          limit: 100,
          pass: false,
        },
      ],
    });
    expect(renderTable(missed)).toContain('< 100 ms: FAIL');
  });
});

describe('renderFooter', () => {
  it('names the machine, the stated comparison and each regression', () => {
    const footer = renderFooter(
      results({
        comparedWith: { commit: 'def5678', recordedAt: '2026-12-02T10:00:00.000Z' },
        regressions: [{ metric: 'deploy.startupMs', previous: 80, current: 120, unit: 'ms' }],
      }),
    );
    expect(footer).toContain('2 × Test CPU, Node v20.20.2, load average 0.50 0.40 0.30');
    expect(footer).toContain('not measured here');
    expect(footer).toContain('deploy.startupMs: 80 ms -> 120 ms');
  });

  it('says when there is nothing to compare with', () => {
    expect(renderFooter(results())).toContain('No previous results to compare with.');
  });
});

describe('parseStatusKiB', () => {
  it('reads a field of /proc/<pid>/status in KiB', () => {
    const status = 'Name:\tnode\nVmPeak:\t  900000 kB\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\n';
    expect(parseStatusKiB(status, 'VmHWM')).toBe(51234);
    expect(parseStatusKiB(status, 'VmSwap')).toBeUndefined();
  });
});
