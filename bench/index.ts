// `npm run bench [-- --strict] [-- --runs N] [-- --profile]`: what one deploy costs, measured on
// the sandbox with 40 ms added to every AWS call, printed as a table and written to
// bench/results.json. Exits non-zero on a failed scenario, and with --strict also on a missed
// target or a regression. --profile instead shows where the action's start-up goes.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { describeTimeline, median } from './analyze';
import { findRegressions } from './compare';
import { MEMORY_METHOD } from './memory';
import { profileStartup } from './profile';
import type { BenchResults, Metric, Unit } from './results';
import { expectOutcome, noticeRun, timedRun, timeProcess, type RunSample } from './scenarios';
import { renderFooter, renderTable } from './table';
import { checkTargets } from './targets';

const ROOT = resolve(__dirname, '..');
const ENTRY = join(ROOT, 'dist', 'index.js');
const RESULTS_PATH = 'bench/results.json';
const LATENCY_MS = 40;
/** Long enough that the action is already polling when the rollout flips. */
const ROLLOUT_MS = 3000;
const SCALES = [1, 5, 20] as const;
const DEFAULT_RUNS = 5;

interface Options {
  strict: boolean;
  runs: number;
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { strict: false, runs: DEFAULT_RUNS, profile: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--strict') options.strict = true;
    else if (arg === '--runs') options.runs = Number(argv[++i]);
    else if (arg === '--profile') options.profile = true;
    else throw new Error(`unknown argument ${String(arg)}: use --strict, --runs N or --profile`);
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) {
    throw new Error(`--runs must be a whole number of at least 1, got ${String(options.runs)}`);
  }
  return options;
}

function metric(label: string, unit: Unit, samples: number[]): Metric {
  return { value: median(samples), unit, samples, label };
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Process-level costs that need no sandbox: bundle size, bare node, the bundle's load. */
async function measureProcess(runs: number): Promise<Record<string, Metric>> {
  const boot: number[] = [];
  const noInputs: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    boot.push(await timeProcess(['-e', '0']));
    noInputs.push(await timeProcess([ENTRY]));
  }
  return {
    'bundle.entryBytes': metric('dist/index.js size', 'bytes', [statSync(ENTRY).size]),
    'bundle.bytes': metric('dist/*.js size (all the action ships)', 'bytes', [shippedBytes()]),
    'node.bootMs': metric('bare `node -e 0`: start to exit (context)', 'ms', boot),
    'startup.noInputsMs': metric(
      '`node dist/index.js` with no inputs: start to exit (load + input error)',
      'ms',
      noInputs,
    ),
  };
}

/** Every script in dist/: index.js and the chunks it loads later (dist/aws-sdk.js). */
function shippedBytes(): number {
  const dist = join(ROOT, 'dist');
  const scripts = readdirSync(dist).filter((name) => name.endsWith('.js'));
  return scripts.reduce((sum, name) => sum + statSync(join(dist, name)).size, 0);
}

function serviceNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
}

/** Steady deploys (rollout COMPLETED at the first look) of 1, 5 and 20 services in one step. */
async function measureScale(sandbox: Sandbox, runs: number): Promise<Map<number, RunSample[]>> {
  const samples = new Map<number, RunSample[]>(SCALES.map((n) => [n, []]));
  for (let i = 0; i < runs; i += 1) {
    for (const n of SCALES) {
      const sample = await timedRun(sandbox, serviceNames(n));
      expectOutcome(sample, 0, 'deployed');
      samples.get(n)?.push(sample);
      log(
        `  run ${i + 1}/${runs}: ${n} service(s) in ${sample.wallMs} ms, ${sample.awsCalls} calls`,
      );
    }
  }
  return samples;
}

const OWN_LABEL = '  after start-up, no request in flight (own work)';

function scaleMetrics(samples: Map<number, RunSample[]>): Record<string, Metric> {
  const one = samples.get(1) ?? [];
  const metrics: Record<string, Metric> = {
    'deploy.wallMs': metric('1 service, steady rollout: start to exit', 'ms', wall(one)),
    'deploy.startupMs': metric('  start-up: start to token request', 'ms', pick(one, 'startupMs')),
    'deploy.credentialsMs': metric('  credential chain', 'ms', pick(one, 'credentialsMs')),
    'deploy.deployMs': metric('  deploy calls', 'ms', pick(one, 'deployMs')),
    'deploy.waitMs': metric('  wait: last update to exit', 'ms', pick(one, 'waitMs')),
    'deploy.ownMs': metric(OWN_LABEL, 'ms', own(one)),
    'deploy.awsCalls': metric('1 service: AWS calls', 'calls', calls(one)),
  };
  for (const n of SCALES.slice(1)) {
    const runs = samples.get(n) ?? [];
    metrics[`scale.${n}.wallMs`] = metric(`${n} services: start to exit`, 'ms', wall(runs));
    metrics[`scale.${n}.ownMs`] = metric(`  ${OWN_LABEL.trim()}`, 'ms', own(runs));
    metrics[`scale.${n}.awsCalls`] = metric(`${n} services: AWS calls`, 'calls', calls(runs));
  }
  return metrics;
}

function wall(samples: RunSample[]): number[] {
  return samples.map((s) => s.wallMs);
}

function own(samples: RunSample[]): number[] {
  return samples.map((s) => s.ownMs);
}

function calls(samples: RunSample[]): number[] {
  return samples.map((s) => s.awsCalls);
}

function peaks(samples: RunSample[]): number[] {
  return samples.flatMap((s) => (s.peakKiB === undefined ? [] : [s.peakKiB]));
}

/** Peak memory of steady one-service deploys, in runs of their own: the sampler's reads of /proc
 * would otherwise take CPU from the timed runs. */
async function measureMemory(sandbox: Sandbox, runs: number): Promise<Record<string, Metric>> {
  const samples: RunSample[] = [];
  for (let i = 0; i < runs; i += 1) {
    const sample = await timedRun(sandbox, serviceNames(1), { sampleMemory: true });
    expectOutcome(sample, 0, 'deployed');
    samples.push(sample);
  }
  const peakKiB = peaks(samples);
  log(
    `  peak RSS of ${runs} runs: ${peakKiB.map((k) => `${Math.round(k / 1024)} MiB`).join(', ')}`,
  );
  return { 'deploy.peakRssKiB': metric('1 service: peak memory (VmHWM)', 'KiB', peakKiB) };
}

function pick(samples: RunSample[], phase: keyof RunSample['phases']): number[] {
  return samples.map((s) => s.phases[phase]);
}

/** Rollouts that flip at a known moment (ROLLOUT_MS after the update): COMPLETED, then FAILED
 * with ECS's own rollback; how long after the flip the action's process exits. */
async function measureNotice(sandbox: Sandbox, runs: number): Promise<Record<string, Metric>> {
  const [service] = serviceNames(1);
  if (!service) throw new Error('no service to deploy');
  const completed: RunSample[] = [];
  const failed: RunSample[] = [];
  const completedMs: number[] = [];
  const failedMs: number[] = [];

  sandbox.faults.slowRollout(ROLLOUT_MS);
  try {
    for (let i = 0; i < runs; i += 1) {
      const done = await noticeRun(sandbox, service, 'COMPLETED');
      completed.push(done.sample);
      completedMs.push(done.noticeMs);

      sandbox.faults.failNextDeployment({ service, ecsRollback: true });
      const fail = await noticeRun(sandbox, service, 'FAILED');
      failed.push(fail.sample);
      failedMs.push(fail.noticeMs);
      log(
        `  run ${i + 1}/${runs}: COMPLETED exit +${done.noticeMs} ms, FAILED +${fail.noticeMs} ms`,
      );
    }
  } finally {
    sandbox.faults.slowRollout(0);
  }

  const rollout = `rollout of ${ROLLOUT_MS / 1000} s`;
  return {
    'notice.completedMs': metric(`COMPLETED at a known moment: exit after it`, 'ms', completedMs),
    'notice.failedMs': metric(`FAILED at a known moment: exit after it`, 'ms', failedMs),
    'notice.completedWallMs': metric(
      `${rollout} that completes: start to exit`,
      'ms',
      wall(completed),
    ),
    'notice.completedAwsCalls': metric(
      `${rollout} that completes: AWS calls`,
      'calls',
      calls(completed),
    ),
    'notice.failedAwsCalls': metric(`${rollout} that fails: AWS calls`, 'calls', calls(failed)),
  };
}

interface Measured {
  metrics: Record<string, Metric>;
  calls: Record<string, Record<string, number>>;
  timeline: string;
  errors: string[];
}

/** The run with the median wall time (the upper middle for an even count). */
function medianRun(samples: RunSample[]): RunSample | undefined {
  return [...samples].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(samples.length / 2)];
}

/** Runs every scenario; a failing scenario is reported and the others still run. */
async function measureAll(options: Options): Promise<Measured> {
  const measured: Measured = { metrics: {}, calls: {}, timeline: '', errors: [] };
  const attempt = async (name: string, work: () => Promise<void>): Promise<void> => {
    log(`bench: ${name}`);
    try {
      await work();
    } catch (error) {
      measured.errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      log(`bench: ${name} FAILED: ${String(error)}`);
    }
  };

  await attempt('process start-up', async () => {
    Object.assign(measured.metrics, await measureProcess(options.runs));
  });

  const services = serviceNames(Math.max(...SCALES));
  log(`bench: starting the sandbox (${services.length} services, ${LATENCY_MS} ms per AWS call)`);
  const sandbox = await startSandbox({ services, latencyMs: LATENCY_MS });
  try {
    await attempt('steady deploys of 1, 5 and 20 services', async () => {
      const samples = await measureScale(sandbox, options.runs);
      Object.assign(measured.metrics, scaleMetrics(samples));
      for (const [n, runs] of samples) measured.calls[`${n} service(s)`] = runs.at(-1)?.calls ?? {};
      const typical = medianRun(samples.get(1) ?? []);
      if (typical) {
        const { requests, run, exitedAt } = typical;
        measured.timeline = describeTimeline(requests, run.startedAt, exitedAt);
      }
    });
    await attempt('peak memory of one steady deploy', async () => {
      Object.assign(measured.metrics, await measureMemory(sandbox, options.runs));
    });
    await attempt('noticing the end of a rollout', async () => {
      Object.assign(measured.metrics, await measureNotice(sandbox, options.runs));
    });
  } finally {
    await sandbox.stop();
  }
  return measured;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
}

/** The results committed at HEAD: the previous run to compare with. */
function previousResults(): BenchResults | undefined {
  const text = git(['show', `HEAD:${RESULTS_PATH}`]);
  return text ? (JSON.parse(text) as BenchResults) : undefined;
}

function describeMachine(loadBefore: number[]): BenchResults['machine'] {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: { before: loadBefore, after: loadavg() },
  };
}

function assemble(
  options: Options,
  measured: Measured,
  loadBefore: number[],
  previous: BenchResults | undefined,
): BenchResults {
  const status =
    git([
      'status',
      '--porcelain',
      '--',
      'action',
      'dist',
      'bench',
      'sandbox',
      ':!bench/results.json',
    ]) ?? '';
  return {
    schema: 1,
    recordedAt: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD'])?.trim() ?? 'unknown',
    dirty: status.trim().length > 0,
    machine: describeMachine(loadBefore),
    settings: {
      latencyMs: LATENCY_MS,
      runs: options.runs,
      rolloutMs: ROLLOUT_MS,
      memory: MEMORY_METHOD,
    },
    metrics: measured.metrics,
    calls: measured.calls,
    timeline: measured.timeline,
    targets: checkTargets(measured.metrics),
    comparedWith: previous ? { commit: previous.commit, recordedAt: previous.recordedAt } : null,
    regressions: previous ? findRegressions(previous.metrics, measured.metrics) : [],
  };
}

function printCalls(calls: BenchResults['calls']): void {
  for (const [scenario, counts] of Object.entries(calls)) {
    const list = Object.entries(counts).map(([operation, n]) => `${operation} ${n}`);
    process.stdout.write(`AWS calls, ${scenario}: ${list.join(', ')}\n`);
  }
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  // The sandbox's own SDK clients run in this process on Node 20; their upgrade notice is noise
  // here. The action's process gets its environment from runAction, not from this one.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (options.profile) {
    const sandbox = await startSandbox({ services: serviceNames(1), latencyMs: LATENCY_MS });
    try {
      process.stdout.write(`${(await profileStartup(sandbox)).join('\n')}\n`);
    } finally {
      await sandbox.stop();
    }
    return 0;
  }
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  const loadBefore = loadavg();
  if ((loadBefore[0] ?? 0) > cpus().length / 2) {
    log(
      `bench: load average ${loadBefore.join(' ')} on ${cpus().length} cores: numbers will be high`,
    );
  }

  const measured = await measureAll(options);
  const previous = previousResults();
  const results = assemble(options, measured, loadBefore, previous);

  process.stdout.write(`\n${renderTable(results, previous?.metrics)}\n\n`);
  printCalls(results.calls);
  process.stdout.write(`One deploy, call by call (ms from process start): ${results.timeline}\n`);
  process.stdout.write(`${renderFooter(results)}\n`);
  if (measured.errors.length > 0) {
    process.stdout.write(`\nScenarios that failed:\n${measured.errors.join('\n')}\n`);
    return 1;
  }

  writeFileSync(join(ROOT, RESULTS_PATH), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`Wrote ${RESULTS_PATH}.\n`);
  const missed = results.targets.some((target) => !target.pass);
  return options.strict && (missed || results.regressions.length > 0) ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    log(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
