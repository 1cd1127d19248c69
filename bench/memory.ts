// Peak memory of the action's process: the kernel's VmHWM (peak resident set size) from
// /proc/<pid>/status, read every few milliseconds while the process lives. VmHWM only grows, so
// the last read before exit is the peak up to a few milliseconds before the end. Linux only.
import { readdir, readFile } from 'node:fs/promises';

/** How often /proc is read while the action runs. */
export const SAMPLE_INTERVAL_MS = 5;

/** Describes the method, for the results file and the table. */
export const MEMORY_METHOD =
  'VmHWM (peak RSS) of the action process from /proc/<pid>/status, sampled every ' +
  `${SAMPLE_INTERVAL_MS} ms`;

/** Reads a `Vm...:  1234 kB` line out of a /proc status text; undefined when absent. */
export function parseStatusKiB(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

/** Children of a process: /proc/<pid>/task/<tid>/children, one cheap read per thread. */
async function childPids(parentPid: number): Promise<string[]> {
  const tasks = await readdir(`/proc/${parentPid}/task`);
  const lists = await Promise.all(
    tasks.map((tid) => readFile(`/proc/${parentPid}/task/${tid}/children`, 'utf8').catch(() => '')),
  );
  return lists.join(' ').split(/\s+/).filter(Boolean);
}

async function findChild(parentPid: number, pattern: RegExp): Promise<string | undefined> {
  for (const pid of await childPids(parentPid)) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (pattern.test(cmdline.split('\0').join(' '))) return pid;
  }
  return undefined;
}

async function readPeak(pid: string): Promise<number | undefined> {
  try {
    return parseStatusKiB(await readFile(`/proc/${pid}/status`, 'utf8'), 'VmHWM');
  } catch {
    return undefined;
  }
}

/** Samples the peak RSS of this process's child whose command line matches, until stopped. */
export function samplePeakMemory(pattern: RegExp): { stop: () => Promise<number | undefined> } {
  let peakKiB: number | undefined;
  let pid: string | undefined;
  let running = true;

  const loop = (async () => {
    while (running) {
      pid ??= await findChild(process.pid, pattern);
      const sample = pid === undefined ? undefined : await readPeak(pid);
      if (sample !== undefined) peakKiB = Math.max(peakKiB ?? 0, sample);
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
    }
  })();

  return {
    stop: async () => {
      running = false;
      await loop;
      return peakKiB;
    },
  };
}
