import type { Worker } from 'node:worker_threads';
import { AppError } from '../core/errors.js';
import { startWorker } from '../embed/start-worker.js';
import type { BuiltSegment, KeywordDoc, KeywordIndexParams } from '../indices/keyword.js';

/** Builds keyword segments in a worker thread, one at a time. */
export interface KeywordBuilder {
  build(docs: readonly KeywordDoc[], params: KeywordIndexParams): Promise<BuiltSegment>;
  close(): Promise<void>;
}

type Reply = { id: number; built: BuiltSegment } | { id: number; error: string };

/**
 * The worker starts on first use and again after it died; a failed build rejects, and the
 * caller builds on the main thread instead (slower for the event loop, never wrong).
 */
export function createKeywordBuilder(): KeywordBuilder {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, { resolve: (b: BuiltSegment) => void; reject: (e: Error) => void }>();

  const failAll = (reason: string): void => {
    for (const p of pending.values()) p.reject(new AppError('INTERNAL', `the keyword build worker stopped: ${reason}`));
    pending.clear();
  };
  const ensure = (): Worker => {
    if (worker) return worker;
    const w = startWorker(import.meta.url, 'keyword-build-worker', null);
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id);
      pending.delete(reply.id);
      // Held while a build is awaited; an idle builder must not keep a finished command alive.
      if (pending.size === 0) w.unref();
      if ('built' in reply) p?.resolve(reply.built);
      else p?.reject(new AppError('INTERNAL', `keyword segment build failed: ${reply.error}`));
    });
    const died = (reason: string): void => {
      if (worker === w) worker = null;
      failAll(reason);
    };
    w.on('error', (err) => died(err.message));
    w.on('exit', (code) => died(`exit code ${code}`));
    worker = w;
    return w;
  };

  return {
    build(docs, params) {
      const w = ensure();
      const id = nextId++;
      w.ref();
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        w.postMessage({ id, docs, params });
      });
    },
    async close() {
      const w = worker;
      worker = null;
      failAll('closed');
      await w?.terminate();
    },
  };
}
