// `npm run bench -- --profile`: where one deploy's CPU time goes, on the files dist/ ships. One
// deploy runs on the sandbox as in the benchmark, under V8's sampling profiler, which a small
// wrapper starts before it requires dist/index.js (node refuses --cpu-prof in NODE_OPTIONS, and
// runAction starts `node <entry>`). Each sample goes to the phase of the run it fell in and to
// the script it ran in. Then the shipped scripts are timed alone, start to exit.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Sandbox } from '../sandbox/index';
import { runAction } from '../sandbox/run-action';
import { splitPhases, type Phases } from './analyze';
import { nextImages, timeProcess, toBenchCall } from './scenarios';

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');
const OUT_DIR = join(ROOT, '.cache', 'bench-profile');
const SAMPLE_INTERVAL_US = 100;
const TIMING_RUNS = 9;

/** The parts of a V8 .cpuprofile this reads, plus the epoch time the wrapper started it. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
  startedAtMs?: number;
}

/** Names where a sampled frame's time goes: a script, node's own code, or a VM state. */
export type FrameResolver = (frame: CpuProfile['nodes'][number]['callFrame']) => string;

/** Self time in ms by phase (from each sample's ms since the profile started), then by name. */
export function attributeByPhase(
  profile: CpuProfile,
  resolveFrame: FrameResolver,
  phaseAt: (offsetMs: number) => string,
): Map<string, Array<{ name: string; ms: number }>> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map<string, Map<string, number>>();
  let offsetUs = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    offsetUs += delta;
    const frame = frames.get(id);
    const name = frame ? resolveFrame(frame) : '(unknown)';
    const phase = phaseAt(offsetUs / 1000);
    const names = totals.get(phase) ?? new Map<string, number>();
    names.set(name, (names.get(name) ?? 0) + delta / 1000);
    totals.set(phase, names);
  });
  return new Map(
    [...totals].map(([phase, names]) => [
      phase,
      [...names].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms),
    ]),
  );
}

const VM_STATES = new Set(['(idle)', '(program)', '(garbage collector)']);

/** Shipped scripts by file name; node's own code, compiling, and VM states by kind. */
export const resolveByScript: FrameResolver = (frame) => {
  const script = /\/dist\/([^/]+\.js)$/.exec(frame.url)?.[1];
  if (script) return `dist/${script}`;
  if (frame.functionName === 'wrapSafe') return '(node: compiling scripts)';
  if (frame.url.startsWith('node:') || frame.url.startsWith('internal/')) return '(node itself)';
  if (VM_STATES.has(frame.functionName)) return frame.functionName;
  if (frame.url === '') return '(node itself)'; // native bindings: file reads, writes, timers
  return '(profiler wrapper)';
};

function wrapperSource(profilePath: string): string {
  return `const { Session } = require('node:inspector');
const { writeFileSync } = require('node:fs');
const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: ${SAMPLE_INTERVAL_US} });
session.post('Profiler.start');
const startedAtMs = Date.now();
process.on('exit', () => {
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    const profile = { ...result.profile, startedAtMs };
    writeFileSync(${JSON.stringify(profilePath)}, JSON.stringify(profile));
  });
});
require(${JSON.stringify(join(DIST, 'index.js'))});
`;
}

const PHASES: Array<keyof Phases> = ['startupMs', 'credentialsMs', 'deployMs', 'waitMs'];
const PHASE_NAMES = ['start-up', 'chain', 'deploy', 'wait'];

/** One deploy of one service under the profiler: CPU ms by script and phase. */
async function profileDeploy(sandbox: Sandbox): Promise<string[]> {
  const profilePath = join(OUT_DIR, 'deploy.cpuprofile');
  const wrapper = join(OUT_DIR, 'wrapper.js');
  writeFileSync(wrapper, wrapperSource(profilePath));

  const seen = sandbox.inspect.calls().length;
  const run = await runAction({
    inputs: { ...sandbox.inputs, images: nextImages() },
    env: sandbox.env,
    entry: wrapper,
  });
  const exitedAt = run.startedAt + run.durationMs;
  const calls = sandbox.inspect.calls().slice(seen).map(toBenchCall);
  const phases = splitPhases(calls, run.startedAt, exitedAt);
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;

  const bounds: number[] = [];
  let end = run.startedAt;
  for (const phase of PHASES) {
    end += phases[phase];
    bounds.push(end);
  }
  const profiledFrom = profile.startedAtMs ?? run.startedAt;
  const phaseAt = (offsetMs: number): string => {
    const index = bounds.findIndex((bound) => profiledFrom + offsetMs <= bound);
    return PHASE_NAMES[index < 0 ? PHASE_NAMES.length - 1 : index] ?? 'wait';
  };
  return renderByPhase(attributeByPhase(profile, resolveByScript, phaseAt), run.exitCode);
}

function renderByPhase(
  byPhase: Map<string, Array<{ name: string; ms: number }>>,
  exitCode: number | null,
): string[] {
  const totals = new Map<string, number>();
  for (const row of [...byPhase.values()].flat()) {
    totals.set(row.name, (totals.get(row.name) ?? 0) + row.ms);
  }
  const names = [...totals].sort((a, b) => b[1] - a[1]).map(([name]) => name);
  const cell = (phase: string, name: string): string => {
    const ms = byPhase.get(phase)?.find((row) => row.name === name)?.ms ?? 0;
    return ms.toFixed(1).padStart(9);
  };
  return [
    `CPU of one deploy by script and phase, in ms (V8 sampling profiler, ` +
      `${SAMPLE_INTERVAL_US} µs; the action exited ${String(exitCode)}; ` +
      '(idle) is waiting on the network):',
    `  ${''.padEnd(28)}${PHASE_NAMES.map((name) => name.padStart(9)).join('')}`,
    ...names.map(
      (name) => `  ${name.padEnd(28)}${PHASE_NAMES.map((phase) => cell(phase, name)).join('')}`,
    ),
  ];
}

/** Start to exit of bare node and of each shipped script alone, runs interleaved so that the
 * machine's load hits them alike. */
async function timeScripts(): Promise<string[]> {
  const rows = [
    { name: 'bare `node -e 0`', args: ['-e', '0'] },
    { name: '`node dist/index.js`, no inputs (input error)', args: [join(DIST, 'index.js')] },
    {
      name: "require('dist/aws-sdk.js') alone",
      args: ['-e', `require(${JSON.stringify(join(DIST, 'aws-sdk.js'))})`],
    },
  ];
  const times = rows.map((): number[] => []);
  for (let run = 0; run < TIMING_RUNS; run += 1) {
    for (const [i, row] of rows.entries()) times[i]?.push(await timeProcess(row.args));
  }
  return [
    `Start to exit, ${TIMING_RUNS} runs each, interleaved:`,
    ...rows.map((row, i) => {
      const sorted = [...(times[i] ?? [])].sort((a, b) => a - b);
      const middle = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
      const min = sorted[0] ?? Number.NaN;
      const [median, fastest] = [middle, min].map((ms) => ms.toFixed(0).padStart(4));
      return `  ${median} ms median, ${fastest} ms min  ${row.name}`;
    }),
  ];
}

/** The profile of one deploy and the shipped scripts' start-up, as lines of text. */
export async function profileStartup(sandbox: Sandbox): Promise<string[]> {
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const deploy = await profileDeploy(sandbox);
  return [
    ...deploy,
    ...(await timeScripts()),
    `Profile kept in ${join(OUT_DIR, 'deploy.cpuprofile')} (open it in Chrome DevTools).`,
  ];
}
