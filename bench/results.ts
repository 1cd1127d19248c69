// The shape of bench/results.json: medians as flat, named metrics, so runs compare key by key.

/** What a metric counts; the comparison picks its regression threshold by unit. */
export type Unit = 'ms' | 'calls' | 'KiB' | 'bytes';

/** One measured value: the median over the runs, with the spread it came from. */
export interface Metric {
  value: number;
  unit: Unit;
  /** Every run's value, in run order. */
  samples: number[];
  label: string;
}

/** A target from issue 7, checked against this run's metrics. */
export interface TargetResult {
  id: string;
  label: string;
  metric: string;
  value: number;
  limit: number;
  pass: boolean;
}

/** A metric that got worse than the compared results by more than its threshold. */
export interface Regression {
  metric: string;
  previous: number;
  current: number;
  unit: Unit;
}

/** The machine the numbers came from; load average as os.loadavg() before and after. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  loadAverage: { before: number[]; after: number[] };
}

/** The whole of bench/results.json. */
export interface BenchResults {
  schema: 1;
  recordedAt: string;
  /** HEAD when measured; `dirty` when the work tree had uncommitted changes. */
  commit: string;
  dirty: boolean;
  machine: MachineInfo;
  settings: {
    latencyMs: number;
    runs: number;
    rolloutMs: number;
    memory: string;
  };
  metrics: Record<string, Metric>;
  /** AWS calls by operation, per scenario, from the sandbox's call log (last run). */
  calls: Record<string, Record<string, number>>;
  /** The 1-service run with the median wall time, call by call (ms from process start). */
  timeline: string;
  targets: TargetResult[];
  comparedWith: { commit: string; recordedAt: string } | null;
  regressions: Regression[];
}
