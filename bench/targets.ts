// Issue 7's targets, checked against one run's metrics. Pure.
import type { Metric, TargetResult } from './results';

/** AWS calls of one steady one-service deploy: 2 STS, DescribeServices, DescribeTaskDefinition,
 * RegisterTaskDefinition, UpdateService, one DescribeServices. */
export const MAX_DEPLOY_CALLS = 7;
export const MAX_STARTUP_MS = 150;
export const MAX_NOTICE_COMPLETED_MS = 2000;
export const MAX_NOTICE_FAILED_MS = 3000;
export const MAX_SCALE_20_RATIO = 1.5;

/** The official four-step pipeline, for comparison: a stated fact from issue 7, not measured. */
export const OFFICIAL_PIPELINE = { awsCalls: 10, pollIntervalMs: 15_000 };

interface TargetSpec {
  id: string;
  label: string;
  metric: string;
  limit: (metrics: Record<string, Metric>) => number | undefined;
  /** `below`: value < limit; `atMost`: value <= limit. */
  compare: 'below' | 'atMost';
}

const TARGETS: TargetSpec[] = [
  {
    id: 'calls',
    label: `one steady deploy: AWS calls <= ${MAX_DEPLOY_CALLS}`,
    metric: 'deploy.awsCalls',
    limit: () => MAX_DEPLOY_CALLS,
    compare: 'atMost',
  },
  {
    id: 'startup',
    label: `start-up to first request < ${MAX_STARTUP_MS} ms`,
    metric: 'deploy.startupMs',
    limit: () => MAX_STARTUP_MS,
    compare: 'below',
  },
  {
    id: 'notice-completed',
    label: `COMPLETED rollout noticed (exit) within ${MAX_NOTICE_COMPLETED_MS} ms`,
    metric: 'notice.completedMs',
    limit: () => MAX_NOTICE_COMPLETED_MS,
    compare: 'atMost',
  },
  {
    id: 'notice-failed',
    label: `FAILED rollout noticed (exit) within ${MAX_NOTICE_FAILED_MS} ms`,
    metric: 'notice.failedMs',
    limit: () => MAX_NOTICE_FAILED_MS,
    compare: 'atMost',
  },
  {
    id: 'scale',
    label: `20 services within ${MAX_SCALE_20_RATIO}x the wall time of 1`,
    metric: 'scale.20.wallMs',
    limit: (metrics) => scaled(metrics['deploy.wallMs'], MAX_SCALE_20_RATIO),
    compare: 'atMost',
  },
];

function scaled(metric: Metric | undefined, ratio: number): number | undefined {
  return metric === undefined ? undefined : Math.round(metric.value * ratio);
}

/** Every target whose metric was measured; a target whose metric is missing fails. */
export function checkTargets(metrics: Record<string, Metric>): TargetResult[] {
  return TARGETS.map((spec) => {
    const value = metrics[spec.metric]?.value;
    const limit = spec.limit(metrics);
    const measured = value !== undefined && limit !== undefined;
    const pass = measured && (spec.compare === 'below' ? value < limit : value <= limit);
    return {
      id: spec.id,
      label: spec.label,
      metric: spec.metric,
      value: value ?? Number.NaN,
      limit: limit ?? Number.NaN,
      pass,
    };
  });
}
