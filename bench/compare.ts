// Regression check against the previously committed results. Pure.
import type { Metric, Regression, Unit } from './results';

/** A metric regresses only past both: a relative rise and an absolute floor (noise on 2 cores). */
export interface Threshold {
  ratio: number;
  floor: number;
}

/** Default thresholds by unit. Calls are deterministic: one more call is a regression. */
export const THRESHOLDS: Record<Unit, Threshold> = {
  ms: { ratio: 0.25, floor: 100 },
  calls: { ratio: 0, floor: 1 },
  KiB: { ratio: 0.25, floor: 10 * 1024 },
  bytes: { ratio: 0.25, floor: 50 * 1024 },
};

/** Whether `current` is worse than `previous` past the threshold (higher is worse everywhere). */
export function isRegression(previous: number, current: number, threshold: Threshold): boolean {
  const rise = current - previous;
  return rise >= threshold.floor && rise > previous * threshold.ratio;
}

/** Metrics present in both runs that regressed; metrics new or dropped are not regressions. */
export function findRegressions(
  previous: Record<string, Metric>,
  current: Record<string, Metric>,
  thresholds: Record<Unit, Threshold> = THRESHOLDS,
): Regression[] {
  const regressions: Regression[] = [];
  for (const [name, metric] of Object.entries(current)) {
    const before = previous[name];
    if (!before || before.unit !== metric.unit) continue;
    if (isRegression(before.value, metric.value, thresholds[metric.unit])) {
      regressions.push({
        metric: name,
        previous: before.value,
        current: metric.value,
        unit: metric.unit,
      });
    }
  }
  return regressions;
}
