// The benchmark's runs: the real bundled dist/index.js started by the sandbox's runAction, timed
// on the sandbox's own clock (epoch ms) and counted from its call log.
import { spawn } from 'node:child_process';
import { runAction, type ActionRun } from '../sandbox/run-action';
import type { CallRecord, Sandbox } from '../sandbox/index';
import {
  countCalls,
  ownTimeMs,
  splitPhases,
  totalCalls,
  type BenchCall,
  type Phases,
} from './analyze';
import { samplePeakMemory } from './memory';

/** The container every sandbox service's task definition runs the app in. */
export const APP_CONTAINER = 'app';

/** What one timed run of the action left: where its time went and what it asked AWS. */
export interface RunSample {
  wallMs: number;
  phases: Phases;
  /** After the first request, time with no request in flight (the action's own work). */
  ownMs: number;
  calls: Record<string, number>;
  awsCalls: number;
  peakKiB: number | undefined;
  /** The requests the sandbox saw during the run, on the sandbox's clock. */
  requests: BenchCall[];
  exitedAt: number;
  run: ActionRun;
}

let imageCounter = 0;

/** A fresh image for every run, so no deploy is ever `unchanged`. */
export function nextImages(): string {
  imageCounter += 1;
  return `${APP_CONTAINER}=registry.example.com/checkout/app:bench-${imageCounter}`;
}

/** A sandbox call record on the benchmark's terms. */
export function toBenchCall(record: CallRecord): BenchCall {
  return {
    service: record.service,
    operation: record.operation,
    startMs: record.at,
    endMs: record.at + record.durationMs,
    status: record.status,
  };
}

/** Runs the action once against the sandbox with `services` and a new image; never throws on
 * the action's exit code (the caller judges it), but does on a leaked secret. With
 * `sampleMemory`, /proc is read every few ms for the peak RSS; timed runs go without, since the
 * reads take CPU from the action and moto on a 2-core machine. */
export async function timedRun(
  sandbox: Sandbox,
  services: string[],
  options: { sampleMemory?: boolean } = {},
): Promise<RunSample> {
  const seen = sandbox.inspect.calls().length;
  let memory: ReturnType<typeof samplePeakMemory> | undefined;

  // The sampler stops even when the run throws (a leaked secret): it would keep the bench alive.
  const run = await runAction({
    inputs: { ...sandbox.inputs, service: services.join('\n'), images: nextImages() },
    env: sandbox.env,
    secrets: () => sandbox.secrets(),
    onSpawn: (pid) => {
      if (options.sampleMemory) memory = samplePeakMemory(pid);
    },
  }).finally(() => memory?.stop());
  const peakKiB = await memory?.stop();

  const exitedAt = run.startedAt + run.durationMs;
  const calls = sandbox.inspect.calls().slice(seen).map(toBenchCall);
  const counts = countCalls(calls);
  return {
    wallMs: run.durationMs,
    phases: splitPhases(calls, run.startedAt, exitedAt),
    ownMs: ownTimeMs(calls, exitedAt),
    calls: counts,
    awsCalls: totalCalls(counts),
    peakKiB,
    requests: calls,
    exitedAt,
    run,
  };
}

/** Fails loudly when a run did not end the way its scenario needs: a number from a broken
 * deploy would measure the wrong thing. */
export function expectOutcome(sample: RunSample, exitCode: number, result: string): void {
  const { run } = sample;
  if (run.exitCode === exitCode && run.outputs.result === result) return;
  const tail = run.log.split('\n').slice(-15).join('\n');
  throw new Error(
    `expected exit ${exitCode} with result=${result}, got exit ${String(run.exitCode)} with ` +
      `result=${run.outputs.result ?? '(none)'}; last lines of the action's log:\n${tail}`,
  );
}

/** Runs one deploy whose rollout flips at a known moment, and returns how long after that
 * moment the action's process exited. */
export async function noticeRun(
  sandbox: Sandbox,
  service: string,
  expected: 'COMPLETED' | 'FAILED',
): Promise<{ sample: RunSample; noticeMs: number }> {
  const flipsSeen = sandbox.inspect.rolloutFlips().length;
  const sample = await timedRun(sandbox, [service]);
  if (expected === 'COMPLETED') expectOutcome(sample, 0, 'deployed');
  else expectOutcome(sample, 1, 'rolled-back');

  const flip = sandbox.inspect
    .rolloutFlips()
    .slice(flipsSeen)
    .find((candidate) => candidate.service === service && candidate.state === expected);
  if (!flip) throw new Error(`the sandbox recorded no ${expected} flip for ${service}`);
  return { sample, noticeMs: sample.exitedAt - flip.at };
}

/** Wall time of a process that only starts and exits, as `node` (or any command) is spawned. */
export function timeProcess(args: string[], env: Record<string, string> = {}): Promise<number> {
  const started = Date.now();
  const child = spawn(process.execPath, args, { stdio: 'ignore', env: { PATH: '', ...env } });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', () => resolve(Date.now() - started));
  });
}
