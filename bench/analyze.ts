// Pure arithmetic over what one benchmark run recorded: no I/O, so it is tested on literal data.

/** One request the sandbox saw, on the benchmark's clock (epoch milliseconds). */
export interface BenchCall {
  /** `oidc` for the token endpoint, otherwise the AWS service (`sts`, `ecs`). */
  service: string;
  /** AWS operation name, or `GetIDToken` for the token endpoint. */
  operation: string;
  startMs: number;
  endMs: number;
  status: number;
}

/** Where one deploy's wall time went; the four parts add up to the wall time. */
export interface Phases {
  startupMs: number;
  credentialsMs: number;
  deployMs: number;
  waitMs: number;
}

/** The token endpoint is not an AWS call: it is counted apart. */
export const TOKEN_SERVICE = 'oidc';

/** Splits a run at the first request, the end of the role chain and the end of the updates. */
export function splitPhases(calls: BenchCall[], startedAt: number, exitedAt: number): Phases {
  const ordered = [...calls].sort((a, b) => a.startMs - b.startMs);
  const first = ordered[0];
  if (!first) {
    return { startupMs: exitedAt - startedAt, credentialsMs: 0, deployMs: 0, waitMs: 0 };
  }

  const firstEcs = ordered.findIndex((call) => call.service === 'ecs');
  const chain = firstEcs < 0 ? ordered : ordered.slice(0, firstEcs);
  const chainEnd = latestEnd(chain);

  const updates = deployUpdates(ordered);
  const updateEnd = updates.length > 0 ? latestEnd(updates) : chainEnd;

  return {
    startupMs: first.startMs - startedAt,
    credentialsMs: chainEnd - first.startMs,
    deployMs: updateEnd - chainEnd,
    waitMs: exitedAt - updateEnd,
  };
}

/** The UpdateService calls of the deploy itself: those started before the wait's first look. */
function deployUpdates(ordered: BenchCall[]): BenchCall[] {
  const firstUpdate = ordered.findIndex((call) => call.operation === 'UpdateService');
  if (firstUpdate < 0) return [];

  const rest = ordered.slice(firstUpdate);
  const firstLook = rest.findIndex((call) => call.operation === 'DescribeServices');
  const wave = firstLook < 0 ? rest : rest.slice(0, firstLook);
  return wave.filter((call) => call.operation === 'UpdateService');
}

function latestEnd(calls: BenchCall[]): number {
  return Math.max(...calls.map((call) => call.endMs));
}

/** Time from the first request to exit during which no request was in flight: the action's own
 * work between calls (SDK set-up, signing, rendering) and its exit. */
export function ownTimeMs(calls: BenchCall[], exitedAt: number): number {
  const ordered = [...calls].sort((a, b) => a.startMs - b.startMs);
  const first = ordered[0];
  if (!first) return 0;

  let busy = 0;
  let coveredUntil = first.startMs;
  for (const call of ordered) {
    const from = Math.max(call.startMs, coveredUntil);
    if (call.endMs > from) busy += call.endMs - from;
    coveredUntil = Math.max(coveredUntil, call.endMs);
  }
  return exitedAt - first.startMs - busy;
}

/** One run call by call, in ms from process start, each with how long it took:
 * `+352 GetIDToken 3, +380 AssumeRoleWithWebIdentity 55, ..., exit +973`. */
export function describeTimeline(calls: BenchCall[], startedAt: number, exitedAt: number): string {
  const ordered = [...calls].sort((a, b) => a.startMs - b.startMs);
  const steps = ordered.map(
    (call) => `+${call.startMs - startedAt} ${call.operation} ${call.endMs - call.startMs}`,
  );
  return [...steps, `exit +${exitedAt - startedAt}`].join(', ');
}

/** AWS calls by operation (the token request excluded), keys sorted for stable output. */
export function countCalls(calls: BenchCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    if (call.service === TOKEN_SERVICE) continue;
    counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** Sum of a per-operation count. */
export function totalCalls(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : (upper + (sorted[mid - 1] as number)) / 2;
}
