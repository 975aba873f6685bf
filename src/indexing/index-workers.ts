import type { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { AppError } from '../core/errors.js';
import { startWorker } from '../embed/start-worker.js';
import type { BuiltSegment } from '../indices/keyword.js';
import type { MergeRequest } from './merge-job.js';
import type { KnownFile, PrepareOptions, PreparedBatch } from './prepare.js';
import type { WorkerRequest } from './index-worker.js';

/** Index workers: batches are prepared and segments merged off the main thread. */
export interface IndexWorkers {
  /** How many batches can be prepared at once. */
  readonly size: number;
  prepare(paths: string[], known: Map<string, KnownFile>, opts: PrepareOptions): Promise<PreparedBatch>;
  merge(req: MergeRequest): Promise<BuiltSegment | null>;
  close(): Promise<void>;
}

/** A request without its id (distributes over the union). */
type Job = WorkerRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/**
 * V8 lets a worker's heap grow far beyond what it needs before collecting (two workers reached
 * 300 MB each on a 50k-chunk build); a cap makes it collect sooner (measured on 50k chunks:
 * peak RSS of `index` 700 → 480 MB, same time). A batch that does not fit (one huge file) kills
 * the worker; the manager then prepares that batch on the main thread.
 */
const WORKER_LIMITS = { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 16 };

type Reply = { id: number; result: unknown } | { id: number; error: string };

interface Slot {
  worker: Worker | null;
  busy: number;
}

/**
 * A small pool (one worker per core, at most `max`), each started on first use and again after
 * it died. A failed job rejects; the caller retries the batch later (nothing is dropped).
 */
export function createIndexWorkers(max = 2): IndexWorkers {
  const size = Math.max(1, Math.min(max, availableParallelism()));
  const slots: Slot[] = Array.from({ length: size }, () => ({ worker: null, busy: 0 }));
  let nextId = 1;
  const pending = new Map<number, { slot: Slot; resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  const failSlot = (slot: Slot, reason: string): void => {
    for (const [id, p] of pending) {
      if (p.slot !== slot) continue;
      pending.delete(id);
      p.reject(new AppError('INTERNAL', `an index worker stopped: ${reason}`));
    }
    slot.busy = 0;
  };
  const ensure = (slot: Slot): Worker => {
    if (slot.worker) return slot.worker;
    const w = startWorker(import.meta.url, 'index-worker', null, WORKER_LIMITS);
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      if (p === undefined) return;
      pending.delete(reply.id);
      slot.busy--;
      // Held while a job runs; an idle pool must not keep a finished command alive.
      if (slot.busy === 0) w.unref();
      if ('error' in reply) p.reject(new AppError('INTERNAL', `index worker: ${reply.error}`));
      else p.resolve(reply.result);
    });
    const died = (reason: string): void => {
      if (slot.worker === w) slot.worker = null;
      failSlot(slot, reason);
    };
    w.on('error', (err) => died(err.message));
    w.on('exit', (code) => died(`exit code ${code}`));
    slot.worker = w;
    return w;
  };
  const run = <T>(req: Job): Promise<T> => {
    const slot = slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const w = ensure(slot);
    const id = nextId++;
    slot.busy++;
    w.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { slot, resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ ...req, id });
    });
  };

  return {
    size,
    prepare: (paths, known, opts) => run<PreparedBatch>({ op: 'prepare', paths, known: [...known], opts }),
    merge: (merge) => run<BuiltSegment | null>({ op: 'merge', merge }),
    async close() {
      const workers = slots.map((s) => s.worker);
      for (const slot of slots) {
        slot.worker = null;
        failSlot(slot, 'closed');
      }
      await Promise.all(workers.map((w) => w?.terminate()));
    },
  };
}
