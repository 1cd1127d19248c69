// Peak memory of the action's process: the kernel's VmHWM (peak resident set size) from
// /proc/<pid>/status, read every few milliseconds while the process lives. VmHWM only grows, so
// the last read before exit is the peak up to a few milliseconds before the end. Linux only.
import { readFile } from 'node:fs/promises';

/** How often /proc is read while the action runs. */
export const SAMPLE_INTERVAL_MS = 5;

/** Describes the method, for the results file and the table. */
export const MEMORY_METHOD =
  'VmHWM (peak RSS) of the action process from /proc/<pid>/status, sampled every ' +
  `${SAMPLE_INTERVAL_MS} ms until it exits, in runs of its own (the timed runs are not sampled)`;

/** Reads a `Vm...:  1234 kB` line out of a /proc status text; undefined when absent. */
export function parseStatusKiB(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

async function readPeak(pid: number): Promise<number | undefined> {
  try {
    return parseStatusKiB(await readFile(`/proc/${pid}/status`, 'utf8'), 'VmHWM');
  } catch {
    return undefined; // gone, or a zombie without memory fields
  }
}

/** Samples the peak RSS of `pid` until stopped; resolves to the highest VmHWM read (KiB). */
export function samplePeakMemory(pid: number): { stop: () => Promise<number | undefined> } {
  let peakKiB: number | undefined;
  let running = true;

  const loop = (async () => {
    while (running) {
      const sample = await readPeak(pid);
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
