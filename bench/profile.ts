// `npm run bench -- --profile`: where the action's start-up goes. Bundles action/index.ts as
// scripts/build.mjs does, plus a source map, into .cache/bench-profile/; runs it with no inputs
// under `node --cpu-prof` (load, then the input error: the start-up path); and attributes every
// CPU sample to the npm package its code came from.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { join, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { groupByPackage, packageOf } from './bundle';

const ROOT = resolve(__dirname, '..');
const OUT_DIR = join(ROOT, '.cache', 'bench-profile');
const SAMPLE_INTERVAL_US = 100;

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

/** Bundles that show what each part of the action costs at start-up (no inputs: load, exit). */
const VARIANTS: Array<{ name: string; contents: string; stub?: string[] }> = [
  { name: 'the action, as bundled', contents: "import './action/index';" },
  {
    name: 'the action with undici stubbed out',
    contents: "import './action/index';",
    stub: ['undici'],
  },
  {
    name: 'AWS SDK clients only (ECS + STS)',
    contents:
      "import { ECSClient } from '@aws-sdk/client-ecs';\n" +
      "import { STSClient } from '@aws-sdk/client-sts';\n" +
      'console.log(typeof ECSClient, typeof STSClient);',
  },
  {
    name: '@actions/core only',
    contents: "import * as core from '@actions/core';\nconsole.log(typeof core.info);",
  },
  {
    name: '@actions/core only, undici stubbed out',
    contents: "import * as core from '@actions/core';\nconsole.log(typeof core.info);",
    stub: ['undici'],
  },
];
const VARIANT_RUNS = 9;

function stubPlugin(names: string[]): Plugin {
  const filter = new RegExp(`^(${names.join('|')})$`);
  return {
    name: 'stub',
    setup(bundler) {
      bundler.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'stub' }));
      bundler.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
        contents: 'module.exports = {};',
      }));
    },
  };
}

async function buildVariant(index: number): Promise<{ file: string; bytes: number }> {
  const variant = VARIANTS[index];
  if (!variant) throw new Error(`no variant ${index}`);
  const file = join(OUT_DIR, `variant-${index}.js`);
  await build({
    stdin: { contents: variant.contents, resolveDir: ROOT, loader: 'ts' },
    outfile: file,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true,
    plugins: variant.stub ? [stubPlugin(variant.stub)] : [],
    logLevel: 'silent',
  });
  return { file, bytes: statSync(file).size };
}

function timeStart(args: string[]): number {
  const started = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Start-to-exit of bare node and of each variant, runs interleaved so load hits all alike. */
async function measureVariants(): Promise<string[]> {
  const built = await Promise.all(VARIANTS.map((_, i) => buildVariant(i)));
  const times: number[][] = [[], ...built.map(() => [])];
  for (let run = 0; run < VARIANT_RUNS; run += 1) {
    times[0]?.push(timeStart(['-e', '0']));
    built.forEach((variant, i) => times[i + 1]?.push(timeStart([variant.file])));
  }
  const rows = [
    { name: 'bare `node -e 0`', bytes: 0 },
    ...built.map((b, i) => ({ ...b, name: VARIANTS[i]?.name ?? '' })),
  ];
  return rows.map((row, i) => {
    const sorted = [...(times[i] ?? [])].sort((a, b) => a - b);
    const size = row.bytes > 0 ? kib(row.bytes) : ' '.repeat(11);
    const middle = sorted[Math.floor(sorted.length / 2)];
    return `  ${ms(middle)} median, ${ms(sorted[0])} min  ${size}  ${row.name}`;
  });
}

function ms(value: number | undefined): string {
  return `${(value ?? Number.NaN).toFixed(0).padStart(4)} ms`;
}

async function buildWithMap(): Promise<Array<{ name: string; bytes: number }>> {
  const result = await build({
    entryPoints: [join(ROOT, 'action', 'index.ts')],
    outfile: join(OUT_DIR, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true,
    sourcemap: 'external',
    metafile: true,
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint);
  return output ? groupByPackage(output.inputs) : [];
}

function runProfiled(profileDir: string): CpuProfile {
  spawnSync(
    process.execPath,
    [
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      `--cpu-prof-interval=${SAMPLE_INTERVAL_US}`,
      'index.js',
    ],
    { cwd: OUT_DIR, env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' },
  );
  const [file] = readdirSync(profileDir).filter((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`node --cpu-prof wrote no profile into ${profileDir}`);
  return JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
}

/** Bundle composition and start-up CPU by package, as lines of text. */
export async function profileStartup(): Promise<string[]> {
  rmSync(OUT_DIR, { recursive: true, force: true });
  mkdirSync(OUT_DIR, { recursive: true });
  const composition = await buildWithMap();
  const payload = JSON.parse(readFileSync(join(OUT_DIR, 'index.js.map'), 'utf8'));
  const map = new SourceMap(payload as SourceMapPayload);

  const profileDir = join(OUT_DIR, 'profiles');
  mkdirSync(profileDir);
  const profile = runProfiled(profileDir);
  const cpu = attributeSamples(profile, bundleResolver('/index.js', map));
  const totalMs = cpu.reduce((sum, row) => sum + row.ms, 0);
  const totalBytes = composition.reduce((sum, row) => sum + row.bytes, 0);
  const variants = await measureVariants();

  return [
    `Bundle composition (${(totalBytes / 1024).toFixed(0)} KiB of minified code, by package):`,
    ...composition.slice(0, 12).map((row) => `  ${kib(row.bytes)}  ${row.name}`),
    `Start-up CPU by package: \`node --cpu-prof\` of the bundle with no inputs (load, then ` +
      `the input error), ${totalMs.toFixed(0)} ms sampled:`,
    ...cpu.slice(0, 12).map((row) => `  ${row.ms.toFixed(1).padStart(7)} ms  ${row.name}`),
    `Start to exit with no inputs, ${VARIANT_RUNS} runs each, interleaved:`,
    ...variants,
    `Profile and source-mapped bundle kept in ${OUT_DIR}`,
    '(open the .cpuprofile in Chrome DevTools).',
  ];
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1).padStart(7)} KiB`;
}
