import { AppError, type ErrorCode } from '../core/errors.js';
import type { Embedder } from './embedder.js';
import { startWorker } from './start-worker.js';
import type { FromWorker, ToWorker, WireError, WorkerInit } from './worker-protocol.js';

export interface WorkerEmbedderOptions {
  /** How long loading the model (or probing the API) may take. */
  startTimeoutMs?: number;
  /** Called once if the worker dies on its own (crash, out of memory): the embedder is then unusable. */
  onExit?: (reason: string) => void;
}

/** An Embedder whose work runs in a worker thread; everything else is a thin message proxy. */
export interface WorkerEmbedder extends Embedder {
  /** False once the worker died or was closed. */
  readonly alive: boolean;
}

/**
 * Starts the embedding worker and resolves once its embedder is built (model loaded, API
 * probed). Rejects with the worker's own error (MODEL_INVALID, EMBEDDER_UNAVAILABLE…).
 */
export function openWorkerEmbedder(init: WorkerInit, opts: WorkerEmbedderOptions = {}): Promise<WorkerEmbedder> {
  const worker = startWorker(import.meta.url, 'embed-worker', init);
  const pending = new Map<number, { resolve: (v: Float32Array[]) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let alive = true;
  let closing: Promise<void> | null = null;

  const failAll = (err: Error): void => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  return new Promise<WorkerEmbedder>((resolveStart, rejectStart) => {
    let started = false;
    const timer = setTimeout(() => {
      if (started) return;
      started = true;
      void worker.terminate();
      rejectStart(new AppError('EMBEDDER_UNAVAILABLE', `the embedder did not start within ${opts.startTimeoutMs ?? 120_000} ms`));
    }, opts.startTimeoutMs ?? 120_000);
    timer.unref();

    const send = (msg: ToWorker): void => worker.postMessage(msg);
    const request = (texts: readonly string[], query: boolean): Promise<Float32Array[]> => {
      if (!alive) return Promise.reject(new AppError('EMBEDDER_FAILED', 'the embedding worker is not running'));
      if (texts.length === 0) return Promise.resolve([]);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        send({ type: 'embed', id, texts: [...texts], query });
      });
    };

    const embedder: WorkerEmbedder = {
      id: '',
      dimension: 0,
      get alive() {
        return alive;
      },
      embedDocuments: (texts) => request(texts, false),
      embedQuery: async (text) => {
        const [vec] = await request([text], true);
        if (!vec) throw new AppError('EMBEDDER_FAILED', 'the embedder returned no vector for the query');
        return vec;
      },
      close: () => {
        closing ??= (async () => {
          if (!alive) return;
          alive = false;
          failAll(new AppError('EMBEDDER_FAILED', 'the embedder was closed'));
          const exited = new Promise<void>((r) => worker.once('exit', () => r()));
          send({ type: 'close' });
          const t = setTimeout(() => void worker.terminate(), 2000);
          await exited;
          clearTimeout(t);
        })();
        return closing;
      },
    };

    worker.on('message', (msg: FromWorker) => {
      switch (msg.type) {
        case 'ready':
          if (started) return;
          started = true;
          clearTimeout(timer);
          Object.assign(embedder, { id: msg.id, dimension: msg.dimension });
          resolveStart(embedder);
          return;
        case 'failed':
          if (started) return;
          started = true;
          clearTimeout(timer);
          alive = false;
          void worker.terminate();
          rejectStart(fromWire(msg.error));
          return;
        case 'result':
          pending.get(msg.id)?.resolve(msg.vectors);
          pending.delete(msg.id);
          return;
        case 'error':
          pending.get(msg.id)?.reject(fromWire(msg.error));
          pending.delete(msg.id);
          return;
        case 'closed':
          return;
      }
    });
    const died = (reason: string): void => {
      const wasAlive = alive;
      alive = false;
      const err = new AppError('EMBEDDER_FAILED', `the embedding worker stopped: ${reason}`);
      failAll(err);
      if (!started) {
        started = true;
        clearTimeout(timer);
        rejectStart(err);
      } else if (wasAlive && closing === null) opts.onExit?.(reason);
    };
    worker.on('error', (err) => died(err.message));
    worker.on('exit', (code) => died(`exit code ${code}`));
  });
}

function fromWire(e: WireError): AppError {
  return new AppError(e.code as ErrorCode, e.message, e.hint === undefined ? undefined : { hint: e.hint });
}
