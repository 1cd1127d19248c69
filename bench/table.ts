// Renders results as a Markdown table (readable in a terminal and pasted into the README). Pure.
import { OFFICIAL_PIPELINE } from './targets';
import type { BenchResults, Metric, TargetResult, Unit } from './results';

/** A value in the unit a reader expects: ms as is, memory in MiB, sizes in KiB. */
export function formatValue(value: number, unit: Unit): string {
  if (Number.isNaN(value)) return 'n/a';
  switch (unit) {
    case 'ms':
      return `${Math.round(value)} ms`;
    case 'calls':
      return `${Math.round(value * 10) / 10}`;
    case 'KiB':
      return `${(value / 1024).toFixed(1)} MiB`;
    case 'bytes':
      return `${(value / 1024).toFixed(1)} KiB`;
  }
}

function spread(metric: Metric): string {
  if (metric.samples.length < 2) return '';
  const low = Math.min(...metric.samples);
  const high = Math.max(...metric.samples);
  return `${formatValue(low, metric.unit)} – ${formatValue(high, metric.unit)}`;
}

function targetCell(target: TargetResult | undefined, unit: Unit): string {
  if (!target) return '';
  const sign = target.id === 'startup' ? '<' : '≤';
  const verdict = target.pass ? 'pass' : 'FAIL';
  return `${sign} ${formatValue(target.limit, unit)}: ${verdict}`;
}

function previousCell(name: string, metric: Metric, previous: Record<string, Metric>): string {
  const before = previous[name];
  if (!before || before.unit !== metric.unit) return '';
  const change = before.value === 0 ? 0 : ((metric.value - before.value) / before.value) * 100;
  const sign = change > 0 ? '+' : '';
  return `${formatValue(before.value, before.unit)} (${sign}${change.toFixed(0)}%)`;
}

/** The metrics table: median, range over the runs, previous results, target and verdict. */
export function renderTable(results: BenchResults, previous: Record<string, Metric> = {}): string {
  const header = [
    '| measurement | median | range | previous | target |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  const rows = Object.entries(results.metrics).map(([name, metric]) => {
    const target = results.targets.find((candidate) => candidate.metric === name);
    const cells = [
      metric.label,
      formatValue(metric.value, metric.unit),
      spread(metric),
      previousCell(name, metric, previous),
      targetCell(target, metric.unit),
    ];
    return `| ${cells.join(' | ')} |`;
  });
  return [...header, ...rows].join('\n');
}

/** The lines under the table: machine, comparison with the official pipeline, regressions. */
export function renderFooter(results: BenchResults): string {
  const { machine, settings } = results;
  const load = machine.loadAverage.before.map((n) => n.toFixed(2)).join(' ');
  const failed = results.targets.filter((target) => !target.pass).map((target) => target.id);
  const lines = [
    `${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, ` +
      `load average ${load} at start; median of ${settings.runs} runs, ` +
      `${settings.latencyMs} ms added to every AWS call.`,
    `Peak memory: ${settings.memory}.`,
    `For comparison (stated in issue 7, not measured here): the official four-step pipeline ` +
      `makes ${OFFICIAL_PIPELINE.awsCalls} AWS calls for the same deploy and its wait polls ` +
      `every ${OFFICIAL_PIPELINE.pollIntervalMs / 1000} s or more.`,
    failed.length === 0 ? 'Targets: all met.' : `Targets missed: ${failed.join(', ')}.`,
  ];
  lines.push(...renderRegressions(results));
  return lines.join('\n');
}

function renderRegressions(results: BenchResults): string[] {
  if (!results.comparedWith) return ['No previous results to compare with.'];
  const against = `results of ${results.comparedWith.commit} (${results.comparedWith.recordedAt})`;
  if (results.regressions.length === 0) return [`No regression against the ${against}.`];
  return [
    `REGRESSIONS against the ${against}:`,
    ...results.regressions.map(
      (r) =>
        `  ${r.metric}: ${formatValue(r.previous, r.unit)} -> ${formatValue(r.current, r.unit)}`,
    ),
  ];
}
