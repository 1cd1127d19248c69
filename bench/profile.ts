// `npm run bench -- --profile`: where the action's start-up goes. Rebuilds action/index.ts the
// way scripts/build.mjs does, plus a source map, into .cache/bench-profile/; runs it with no
// inputs under `node --cpu-prof` (load, then the input error: the start-up path); attributes every
// CPU sample to the npm package its code came from; and times the shipped bundle beside bundles
// of its parts alone.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { join, resolve } from 'node:path';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { groupByPackage, packageOf } from './bundle';

const ROOT = resolve(__dirname, '..');
const SHIPPED = join(ROOT, 'dist', 'index.js');
const OUT_DIR = join(ROOT, '.cache', 'bench-profile');
const SAMPLE_INTERVAL_US = 100;
const VARIANT_RUNS = 9;

/** Packages scripts/build.mjs replaces with stubs; the rebuild does the same, and says so when
 * its size drifts from dist/index.js (the build script changed). */
const SHIPPED_STUBS = ['@actions/http-client'];

/** scripts/build.mjs's options, for the rebuild and the part bundles. */
const BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  keepNames: true,
  plugins: [stubPlugin(SHIPPED_STUBS)],
  logLevel: 'silent',
};

/** Parts of the action bundled alone: what each costs to load. */
const PARTS: Array<{ name: string; contents: string }> = [
  {
    name: 'AWS SDK clients alone (ECS + STS)',
    contents:
      "import { ECSClient } from '@aws-sdk/client-ecs';\n" +
      "import { STSClient } from '@aws-sdk/client-sts';\n" +
      'console.log(typeof ECSClient, typeof STSClient);',
  },
  {
    name: '@actions/core alone (as shipped: http-client stubbed)',
    contents: "import * as core from '@actions/core';\nconsole.log(typeof core.info);",
  },
];

/** The parts of a V8 .cpuprofile this reads. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  }>;
  samples: number[];
  timeDeltas: number[];
}

/** Names where a sampled frame's time goes: a package, node's own code, or a VM state. */
export type FrameResolver = (frame: CpuProfile['nodes'][number]['callFrame']) => string;

/** Self time in ms by the name the resolver gives each sampled frame, largest first. */
export function attributeSamples(
  profile: CpuProfile,
  resolveFrame: FrameResolver,
): Array<{ name: string; ms: number }> {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = frames.get(id);
    const name = frame ? resolveFrame(frame) : '(unknown)';
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...totals].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

/** Maps bundle frames through the source map to their package; the rest by node's own kinds. */
export function bundleResolver(bundleUrl: string, map: SourceMap): FrameResolver {
  return (frame) => {
    if (frame.url.endsWith(bundleUrl)) {
      const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
      const source = 'originalSource' in entry ? entry.originalSource : undefined;
      // esbuild's module wrappers: module init, including the lazy compile of each module body
      return source ? packageOf(source) : '(bundle: module wrappers, init)';
    }
    if (frame.functionName === 'wrapSafe') return '(node: compiling the bundle)';
    if (frame.url.startsWith('node:') || frame.url.startsWith('internal/')) return '(node itself)';
    return frame.url === '' ? `(${frame.functionName || 'vm'})` : frame.url;
  };
}

function stubPlugin(names: string[]): Plugin {
  const filter = new RegExp(`^(${names.join('|')})(/.*)?$`);
  return {
    name: 'bench-stub',
    setup(bundler) {
      bundler.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'bench-stub' }));
      bundler.onLoad({ filter: /.*/, namespace: 'bench-stub' }, () => ({
        contents: 'module.exports = {};',
      }));
    },
  };
}

async function rebuildWithMap(): Promise<Array<{ name: string; bytes: number }>> {
  const result = await build({
    ...BUILD_OPTIONS,
    entryPoints: [join(ROOT, 'action', 'index.ts')],
    outfile: join(OUT_DIR, 'index.js'),
    sourcemap: 'external',
    metafile: true,
  });
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint);
  return output ? groupByPackage(output.inputs) : [];
}

async function buildPart(index: number): Promise<string> {
  const part = PARTS[index];
  if (!part) throw new Error(`no part ${index}`);
  const file = join(OUT_DIR, `part-${index}.js`);
  await build({
    ...BUILD_OPTIONS,
    stdin: { contents: part.contents, resolveDir: ROOT, loader: 'ts' },
    outfile: file,
  });
  return file;
}

function timeStart(args: string[]): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Start to exit of bare node, the shipped bundle and each part, runs interleaved so that the
 * machine's load hits them alike. */
async function timeParts(): Promise<string[]> {
  const files = await Promise.all(PARTS.map((_, i) => buildPart(i)));
  const rows = [
    { name: 'bare `node -e 0`', args: ['-e', '0'], bytes: 0 },
    { name: 'dist/index.js as shipped', args: [SHIPPED], bytes: statSync(SHIPPED).size },
    ...files.map((file, i) => ({
      name: PARTS[i]?.name ?? '',
      args: [file],
      bytes: statSync(file).size,
    })),
  ];
  const times = rows.map((): number[] => []);
  for (let run = 0; run < VARIANT_RUNS; run += 1) {
    rows.forEach((row, i) => times[i]?.push(timeStart(row.args)));
  }
  return rows.map((row, i) => {
    const sorted = [...(times[i] ?? [])].sort((a, b) => a - b);
    const middle = sorted[Math.floor(sorted.length / 2)];
    const size = row.bytes > 0 ? kib(row.bytes) : ' '.repeat(11);
    return `  ${ms(middle)} median, ${ms(sorted[0])} min  ${size}  ${row.name}`;
  });
}

function runProfiled(profileDir: string): CpuProfile {
  const args = [
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
    `--cpu-prof-interval=${SAMPLE_INTERVAL_US}`,
    'index.js',
  ];
  spawnSync(process.execPath, args, {
    cwd: OUT_DIR,
    env: { PATH: process.env.PATH ?? '' },
    stdio: 'ignore',
  });
  const [file] = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`node --cpu-prof wrote no profile into ${profileDir}`);
  return JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
}

/** Bundle composition, start-up CPU by package and start-up of the parts, as lines of text. */
export async function profileStartup(): Promise<string[]> {
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(join(OUT_DIR, 'profiles'), { recursive: true });
  const composition = await rebuildWithMap();
  const payload = JSON.parse(readFileSync(join(OUT_DIR, 'index.js.map'), 'utf8'));
  const map = new SourceMap(payload as SourceMapPayload);

  const profile = runProfiled(join(OUT_DIR, 'profiles'));
  const cpu = attributeSamples(profile, bundleResolver('/index.js', map));
  const totalMs = cpu.reduce((sum, row) => sum + row.ms, 0);
  const parts = await timeParts();

  return [
    ...describeRebuild(statSync(join(OUT_DIR, 'index.js')).size),
    'Bundle composition by package (minified bytes):',
    ...composition.slice(0, 12).map((row) => `  ${kib(row.bytes)}  ${row.name}`),
    `Start-up CPU by package: \`node --cpu-prof\` of the rebuild with no inputs (load, then ` +
      `the input error), ${totalMs.toFixed(0)} ms sampled:`,
    ...cpu.slice(0, 12).map((row) => `  ${row.ms.toFixed(1).padStart(7)} ms  ${row.name}`),
    `Start to exit with no inputs, ${VARIANT_RUNS} runs each, interleaved:`,
    ...parts,
    `Profile and source-mapped rebuild kept in ${OUT_DIR}`,
    '(open the .cpuprofile in Chrome DevTools).',
  ];
}

function describeRebuild(rebuiltBytes: number): string[] {
  const shippedBytes = statSync(SHIPPED).size;
  const line =
    `Rebuild of action/index.ts with a source map: ${kib(rebuiltBytes).trim()}; ` +
    `dist/index.js: ${kib(shippedBytes).trim()}.`;
  if (Math.abs(rebuiltBytes - shippedBytes) <= shippedBytes * 0.02) return [line];
  return [
    line,
    'WARNING: the rebuild differs from dist/index.js by more than 2%: dist/ is stale, or ' +
      'scripts/build.mjs changed (update SHIPPED_STUBS in bench/profile.ts).',
  ];
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1).padStart(7)} KiB`;
}

function ms(value: number | undefined): string {
  return `${(value ?? Number.NaN).toFixed(0).padStart(4)} ms`;
}
