/**
 * Starts and stops `moto_server` (the local AWS emulator) for one sandbox.
 *
 * Each server gets a tiny shell watchdog that kills it when this process goes away, so a crashed
 * or killed test worker never leaves a server behind; `stop()` and a process `exit` hook stop it
 * in the ordinary case.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';

const MOTO_VERSION = '5.2.1';
const READY_TIMEOUT_MS = 30_000;
const READY_POLL_MS = 50;
const VENV_DIR = resolve(__dirname, '..', '.cache', 'moto-venv');

/** A running moto server. */
export interface MotoServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Raised when moto cannot be found, installed or started. */
export class MotoStartError extends Error {
  readonly code = 'SANDBOX_MOTO_START';
}

const running = new Set<ChildProcess>();
const watchdogs = new Map<ChildProcess, ChildProcess>();
let exitHookInstalled = false;

/** Starts moto on a free loopback port and resolves once it answers. */
export async function startMoto(log: (line: string) => void = () => {}): Promise<MotoServer> {
  const launched = await launchMoto(log);
  await launched.ready();
  return launched;
}

/** A moto process that was spawned but may not answer yet. */
export interface LaunchedMoto extends MotoServer {
  /** Resolves once moto answers; stops it and rejects if it never does. */
  ready(): Promise<void>;
}

/** Spawns moto and returns at once, so the caller can work while it boots (~1.5 s). */
export async function launchMoto(log: (line: string) => void = () => {}): Promise<LaunchedMoto> {
  const command = resolveMotoCommand(log);
  const port = await freePort();
  const child = spawnWatched(command, port);
  const url = `http://127.0.0.1:${port}`;
  const ready = async (): Promise<void> => {
    try {
      await waitUntilReady(url, child);
    } catch (error) {
      await stopChild(child);
      throw error;
    }
  };
  return { url, pid: child.pid ?? -1, stop: () => stopChild(child), ready };
}

/** Finds a free TCP port on 127.0.0.1 by binding port 0 and releasing it. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Where to look for moto, and where to install it. */
export interface MotoLocation {
  path: string;
  venvDir: string;
}

/** moto_server from PATH, else from the project venv, else installed there with python3. */
export function resolveMotoCommand(
  log: (line: string) => void,
  where: MotoLocation = { path: process.env.PATH ?? '', venvDir: VENV_DIR },
): string {
  const onPath = findOnPath('moto_server', where.path);
  if (onPath) return onPath;

  const venvMoto = join(where.venvDir, 'bin', 'moto_server');
  if (existsSync(venvMoto)) return venvMoto;

  const python = findOnPath('python3', where.path);
  if (!python) {
    throw new MotoStartError(
      'moto_server is not on PATH and there is no python3 to install it with. ' +
        `Install Python 3, or run: pip install 'moto[server]==${MOTO_VERSION}'`,
    );
  }
  const venv = where.venvDir;
  log(`moto_server not found on PATH: installing moto[server]==${MOTO_VERSION} into ${venv}`);
  run(python, ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', `moto[server]==${MOTO_VERSION}`]);
  return venvMoto;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) {
    const detail = result.stderr?.toString().trim().slice(-800) ?? '';
    throw new MotoStartError(`${command} ${args.join(' ')} failed: ${detail}`);
  }
}

function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function spawnWatched(command: string, port: number): ChildProcess {
  // MOTO_ACCOUNT_ID forces one account for every call and would break the role chain.
  const env = { ...process.env };
  delete env.MOTO_ACCOUNT_ID;
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    env,
    detached: true,
    stdio: 'ignore',
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (child.pid !== undefined) watchdogs.set(child, spawnWatchdog(child.pid));
  installExitHook();
  return child;
}

/**
 * A shell whose `read` returns when our end of its stdin closes, that is when this process exits
 * or dies (a killed jest worker included); it then kills moto's process group.
 */
function spawnWatchdog(pid: number): ChildProcess {
  const script = 'read _; kill -KILL -- "-$0" 2>/dev/null';
  const watchdog = spawn('sh', ['-c', script, String(pid)], {
    detached: true,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.unref();
  return watchdog;
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new MotoStartError('moto_server exited while starting');
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  throw new MotoStartError(`moto_server did not answer on ${url} within ${READY_TIMEOUT_MS} ms`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // moto keeps nothing worth flushing, and its server takes seconds to honour SIGTERM.
  killGroup(child, 'SIGKILL');
  await exited;
  watchdogs.get(child)?.stdin?.end();
  watchdogs.delete(child);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}
