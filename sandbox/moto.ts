/**
 * Starts and stops moto (the local AWS emulator) for one sandbox: moto's own application, served
 * by sandbox/moto_host.py, which answers twice as fast as `moto_server` (see that file).
 *
 * Each server gets a tiny shell watchdog that kills it when this process goes away, so a crashed
 * or killed test worker never leaves a server behind; `stop()` and a process `exit` hook stop it
 * in the ordinary case.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';

const HOST_SCRIPT = resolve(__dirname, 'moto_host.py');
const REQUIREMENTS = resolve(__dirname, 'requirements.txt');
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

const STDERR_TAIL_CHARS = 2000;

const running = new Set<ChildProcess>();
const stderrTails = new WeakMap<ChildProcess, () => string>();
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
  const python = resolveMotoPython(log);
  const port = await freePort();
  const child = spawnWatched(python, port);
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

/** Where to look for a Python with moto and waitress, and where to install them. */
export interface MotoLocation {
  path: string;
  venvDir: string;
}

/**
 * A Python that can run sandbox/moto_host.py: the project venv's, else python3 from PATH, else a
 * venv made with that python3 (seeing its packages, so an installed moto is reused) and filled
 * from sandbox/requirements.txt.
 */
export function resolveMotoPython(
  log: (line: string) => void,
  where: MotoLocation = { path: process.env.PATH ?? '', venvDir: VENV_DIR },
): string {
  const venvPython = join(where.venvDir, 'bin', 'python');
  if (existsSync(venvPython) && canHostMoto(venvPython)) return venvPython;

  const python = findOnPath('python3', where.path);
  if (!python) {
    throw new MotoStartError(
      'The sandbox needs python3 to run moto, and there is none on PATH. ' +
        `Install Python 3, then: pip install -r ${REQUIREMENTS}`,
    );
  }
  if (canHostMoto(python)) return python;

  const venv = where.venvDir;
  log(`${python} lacks moto or waitress: installing ${REQUIREMENTS} into ${venv}`);
  if (!existsSync(venvPython)) run(python, ['-m', 'venv', '--system-site-packages', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '-r', REQUIREMENTS]);
  return venvPython;
}

const hostable = new Map<string, boolean>();

/** Whether `python` has moto and waitress; asked without importing moto (0.6 s), once each. */
function canHostMoto(python: string): boolean {
  let known = hostable.get(python);
  if (known === undefined) {
    const probe =
      'import importlib.util as u, sys; ' +
      'sys.exit(0 if u.find_spec("moto") and u.find_spec("waitress") else 1)';
    known = spawnSync(python, ['-c', probe], { stdio: 'ignore' }).status === 0;
    hostable.set(python, known);
  }
  return known;
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

function spawnWatched(python: string, port: number): ChildProcess {
  // MOTO_ACCOUNT_ID forces one account for every call and would break the role chain.
  const env = { ...process.env };
  delete env.MOTO_ACCOUNT_ID;
  const child = spawn(python, [HOST_SCRIPT, String(port)], {
    env,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Kept for the error if moto dies while starting (an ImportError, a taken port).
  let stderrTail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-STDERR_TAIL_CHARS);
  });
  stderrTails.set(child, () => stderrTail.trim());
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
    if (child.exitCode !== null) {
      const detail = stderrTails.get(child)?.() ?? '';
      throw new MotoStartError(`moto exited while starting${detail ? `: ${detail}` : ''}`);
    }
    try {
      const response = await fetch(`${url}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, READY_POLL_MS));
  }
  throw new MotoStartError(`moto did not answer on ${url} within ${READY_TIMEOUT_MS} ms`);
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
