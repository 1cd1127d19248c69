import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPO_ROOT } from './tools';

/** What act needs to run deploy.yml as one workflow_dispatch. */
export interface ActDispatch {
  workflow: string;
  /**
   * As in GitHub's workflow_dispatch payload, every value is a string: act turns a boolean
   * input into `true` only when the event holds the string "true" (a JSON true reads as false).
   */
  inputs: Record<string, string>;
  vars: Record<string, string>;
  env: Record<string, string>;
}

/** Options of one act run. */
export interface ActRunOptions {
  /** Receives act's output as it comes (the log is collected either way). */
  onOutput?: (text: string) => void;
}

/** How one act run ended. */
export interface ActRun {
  exitCode: number | null;
  log: string;
}

/** The runner label act maps to the host: steps run here, with the host's node, no Docker. */
export const SELF_HOSTED_PLATFORM = 'ubuntu-latest=-self-hosted';

/**
 * Builds act's arguments. Inputs go in the event file because act ignores `--input` when `-e`
 * is given; `-P` is always passed or act asks which image to use.
 */
export function buildActArgs(dispatch: ActDispatch, eventPath: string): string[] {
  const pairs = (flag: string, values: Record<string, string>): string[] =>
    Object.entries(values).flatMap(([name, value]) => [flag, `${name}=${value}`]);

  return [
    'workflow_dispatch',
    '--workflows',
    dispatch.workflow,
    '--eventpath',
    eventPath,
    '--platform',
    SELF_HOSTED_PLATFORM,
    // act would otherwise start a cache server on the machine's outbound address.
    '--no-cache-server',
    ...pairs('--var', dispatch.vars),
    ...pairs('--env', dispatch.env),
  ];
}

/** Writes the workflow_dispatch event whose `inputs` act hands to the workflow. */
export function writeDispatchEvent(folder: string, inputs: ActDispatch['inputs']): string {
  const eventPath = join(folder, 'event.json');
  writeFileSync(eventPath, JSON.stringify({ inputs }, null, 2));
  return eventPath;
}

/**
 * Runs act in the repository with a clean environment: act copies the working tree into its own
 * cache (under a fresh XDG_CACHE_HOME, so runs never share state), and in self-hosted mode the
 * host's environment reaches the steps, so only PATH and the folders act needs are passed on.
 */
export function runAct(
  actPath: string,
  dispatch: ActDispatch,
  options: ActRunOptions = {},
): Promise<ActRun> {
  const home = mkdtempSync(join(tmpdir(), 'act-home-'));
  const eventPath = writeDispatchEvent(home, dispatch.inputs);
  const child = spawn(actPath, buildActArgs(dispatch, eventPath), {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CACHE_HOME: join(home, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  const chunks: Buffer[] = [];
  const collect = (chunk: Buffer): void => {
    chunks.push(chunk);
    options.onOutput?.(chunk.toString());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (exitCode) => {
      rmSync(home, { recursive: true, force: true });
      resolve({ exitCode, log: Buffer.concat(chunks).toString() });
    });
  });
}
