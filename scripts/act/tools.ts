import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

/** The repository root, where the workflows, action.yml and scripts live. */
export const REPO_ROOT = resolve(__dirname, '..', '..');

/** Where scripts/act/install-tools.sh puts the tools it builds. */
export const CACHE_BIN = join(REPO_ROOT, '.cache', 'bin');

const INSTALL_SCRIPT = join(REPO_ROOT, 'scripts', 'act', 'install-tools.sh');

/** Finds an executable on PATH, then in the tool cache; undefined when neither has it. */
export function findTool(name: string): string | undefined {
  const folders = [...(process.env.PATH ?? '').split(delimiter), CACHE_BIN];
  return folders
    .filter((folder) => folder !== '')
    .map((folder) => join(folder, name))
    .find((path) => existsSync(path));
}

/**
 * Returns the path of act or actionlint, running the install script (PATH, cache, or the pinned
 * `go install`) when it is not there yet. The first build of act can take minutes.
 */
export function ensureTool(name: 'act' | 'actionlint'): string {
  const found = findTool(name);
  if (found !== undefined) return found;

  execFileSync(INSTALL_SCRIPT, { cwd: REPO_ROOT, stdio: 'inherit' });
  const installed = findTool(name);
  if (installed === undefined) {
    throw new Error(`${name} is still missing after ${INSTALL_SCRIPT}; see its output above`);
  }
  return installed;
}
