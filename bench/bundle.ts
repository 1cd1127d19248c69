// What dist/index.js is made of: esbuild's metafile for the same entry and options as
// scripts/build.mjs, bytes grouped by npm package. Read-only: nothing is written.
import { build } from 'esbuild';

/** The package an input path belongs to (`@scope/name` or `name`), or `(project)`. */
export function packageOf(inputPath: string): string {
  const parts = inputPath.split('node_modules/');
  const last = parts[parts.length - 1];
  if (parts.length < 2 || last === undefined) return '(project)';
  const [first, second] = last.split('/');
  return first?.startsWith('@') ? `${first}/${second}` : (first ?? '(project)');
}

/** Bytes in the bundle by package, largest first. */
export function groupByPackage(
  inputs: Record<string, { bytesInOutput: number }>,
): Array<{ name: string; bytes: number }> {
  const totals = new Map<string, number>();
  for (const [path, input] of Object.entries(inputs)) {
    const name = packageOf(path);
    totals.set(name, (totals.get(name) ?? 0) + input.bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Bundles action/index.ts in memory as scripts/build.mjs does and groups the output. */
export async function bundleComposition(): Promise<Array<{ name: string; bytes: number }>> {
  const result = await build({
    entryPoints: ['action/index.ts'],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    keepNames: true,
    write: false,
    metafile: true,
    outfile: 'bundle-composition.js',
    logLevel: 'silent',
  });
  const output = Object.values(result.metafile.outputs).find((out) => out.entryPoint);
  return output ? groupByPackage(output.inputs) : [];
}
