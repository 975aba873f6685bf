/**
 * What bench/event-loop.ts measures around a piece of work: the main thread's event-loop delay
 * (`monitorEventLoopDelay`), its blocked stretches weighted by length, and the latency of a
 * closed loop of `DocsService.query` calls (one at a time, setImmediate between two).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Application } from '../src/app/application.js';
import { quantileOf } from './lib/stats.js';

/** The issue-4 goal: event-loop delay p99 below this during indexing. */
export const GOAL_P99_MS = 50;

/** A main-thread stall worth counting: as long as the goal. */
export const STALL_MS = GOAL_P99_MS;

const RESOLUTION_MS = 10;

/** Milliseconds. */
export interface PhaseSample {
  delay: { p50: number; p99: number; max: number };
  query: { p50: number; p95: number; p99: number; max: number };
  /** Queries answered on a non-empty index (the latency figures are over these). */
  answered: number;
  /** Answered before anything was indexed (not in the latency figures). */
  onEmpty: number;
  failed: number;
  /** Blocked stretches longer than STALL_MS (timer gap minus its interval): how many, their sum, the longest. */
  stalls: { count: number; totalMs: number; longestMs: number };
  /**
   * The wait a request arriving at a random moment would see before the loop is free, p99,
   * weighted by time: a 2 s stall is one histogram sample but 20 % of a 10 s run.
   */
  arrivalWaitP99: number;
  /** Measured wall time: the whole indexing run, or the idle window. */
  durationMs: number;
  /** Indexing phases: from start() until every file was in the keyword index (null when idle). */
  keywordDoneMs: number | null;
  chunks: number;
}

interface LoopResult {
  latencies: number[];
  failed: number;
  /** Started and answered before the first batch was applied: trivially fast, left out of `latencies`. */
  onEmpty: number;
}

/**
 * One query at a time until `stopped()`. Each is timed from before a yield to the event loop
 * (setImmediate), as a request arriving on stdin would wait for the task running then: a
 * keyword-only query otherwise runs in microtasks alone and never sees a stall.
 */
async function runQueryLoop(app: Application, queries: readonly string[], stopped: () => boolean): Promise<LoopResult> {
  const result: LoopResult = { latencies: [], failed: 0, onEmpty: 0 };
  for (let i = 0; !stopped(); i++) {
    const query = queries[i % queries.length] as string;
    const emptyBefore = app.manager.current().chunkCount === 0;
    const t = performance.now();
    await new Promise((r) => setImmediate(r));
    try {
      await app.service.query({ query, topN: 5 });
      // One that waited out the first batch's apply keeps its (long) latency.
      if (emptyBefore && app.manager.current().chunkCount === 0) result.onEmpty++;
      else result.latencies.push(performance.now() - t);
    } catch {
      result.failed++;
    }
  }
  return result;
}

/**
 * Blocked stretches of the main thread (how much later than its interval a repeating timer
 * fired), to weigh stalls by their length, which the histogram's per-tick samples do not.
 */
function watchBlocking(): { stop(): number[] } {
  const blocked: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - RESOLUTION_MS;
    if (late > 1) blocked.push(late);
    last = now;
  }, RESOLUTION_MS);
  return {
    stop() {
      clearInterval(timer);
      return blocked;
    },
  };
}

/**
 * The `q` quantile of the wait of an arrival uniform over `totalMs`: it lands in a blocked
 * stretch b with probability b / T and then waits U(0, b), so P(wait > w) = Σ max(0, b − w) / T.
 */
export function arrivalWaitQuantile(blocked: readonly number[], totalMs: number, q: number): number {
  const target = (1 - q) * totalMs;
  const desc = [...blocked].sort((a, b) => b - a);
  let sum = 0;
  for (let k = 1; k <= desc.length; k++) {
    sum += desc[k - 1] as number;
    // On [desc[k], desc[k-1]] the tail mass is sum − k·w.
    if (sum - k * (desc[k] ?? 0) >= target) return Math.max(0, (sum - target) / k);
  }
  return 0;
}

/**
 * Runs the query loop, the delay monitor and the blocking watch around `work` (started after
 * all three); `work` resolves to the keyword-complete time of an indexing run, or null.
 */
export async function measureAround(app: Application, queries: readonly string[], work: () => Promise<number | null>): Promise<PhaseSample> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.reset();
  histogram.enable();
  const blocking = watchBlocking();
  let stop = false;
  const t0 = performance.now();
  const loop = runQueryLoop(app, queries, () => stop);
  let keywordDoneMs: number | null;
  try {
    keywordDoneMs = await work();
  } finally {
    stop = true;
  }
  const { latencies, failed, onEmpty } = await loop;
  const durationMs = performance.now() - t0;
  histogram.disable();
  const blocked = blocking.stop();
  const stalled = blocked.filter((b) => b > STALL_MS);
  latencies.sort((a, b) => a - b);
  return {
    delay: { p50: histogram.percentile(50) / 1e6, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 },
    query: { p50: quantileOf(latencies, 0.5), p95: quantileOf(latencies, 0.95), p99: quantileOf(latencies, 0.99), max: latencies[latencies.length - 1] ?? Number.NaN },
    answered: latencies.length,
    onEmpty,
    failed,
    stalls: { count: stalled.length, totalMs: stalled.reduce((a, b) => a + b, 0), longestMs: Math.max(0, ...stalled) },
    arrivalWaitP99: arrivalWaitQuantile(blocked, durationMs, 0.99),
    durationMs,
    keywordDoneMs,
    chunks: app.manager.current().chunkCount,
  };
}
