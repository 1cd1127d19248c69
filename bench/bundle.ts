// What a bundle is made of: esbuild metafile inputs grouped by npm package. Pure.

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
