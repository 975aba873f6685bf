/**
 * Entry point of the embedding worker thread. Model inference (tokenising, onnxruntime) and
 * HTTP calls to an embedding API happen here, so the main thread's event loop keeps answering
 * MCP requests while thousands of chunks are embedded. Queries jump the queue, and document
 * batches run in slices sized to take about 40 ms, so a query waits for at most one of them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isAppError, errorMessage } from '../core/errors.js';
import { createFixedSliceSizer, createSliceSizer, type SliceSizer } from './adaptive-slice.js';
import type { Embedder } from './embedder.js';
import { createHashingEmbedder } from './hashing-embedder.js';
import type { FromWorker, ToWorker, WireError, WorkerInit } from './worker-protocol.js';

/** Slice size for the openai provider, as before slices adapted. */
const NETWORK_SLICE = 8;

interface Job {
  id: number;
  texts: string[];
  query: boolean;
}

async function build(init: WorkerInit): Promise<Embedder> {
  switch (init.kind) {
    case 'transformers': {
      const { loadTransformersEmbedder } = await import('./transformers-embedder.js');
      return loadTransformersEmbedder(init.options);
    }
    case 'openai': {
      const { openOpenAiEmbedder } = await import('./openai-embedder.js');
      return openOpenAiEmbedder(init.options);
    }
    case 'test':
      return withCost(createHashingEmbedder(init.dimension), init.costMs ?? 0);
  }
}

function withCost(embedder: Embedder, costMs: number): Embedder {
  if (costMs <= 0) return embedder;
  const burn = (n: number): void => {
    const until = performance.now() + costMs * n;
    while (performance.now() < until);
  };
  return {
    ...embedder,
    embedDocuments: async (texts) => (burn(texts.length), embedder.embedDocuments(texts)),
    embedQuery: async (text) => (burn(1), embedder.embedQuery(text)),
  };
}

/** Each distinct buffer once: transferring the same buffer twice throws. */
function buffersOf(vectors: Float32Array[]): ArrayBuffer[] {
  return [...new Set(vectors.map((v) => v.buffer as ArrayBuffer))];
}

function toWire(err: unknown): WireError {
  if (isAppError(err)) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}) };
  return { code: 'EMBEDDER_FAILED', message: errorMessage(err) };
}

/**
 * An API call's time is mostly latency, not work per text: timing it would shrink slices to one
 * text per request, multiplying requests without shortening a query's wait much.
 */
function sliceSizerFor(init: WorkerInit): SliceSizer {
  return init.kind === 'openai' ? createFixedSliceSizer(NETWORK_SLICE) : createSliceSizer();
}

function main(): void {
  const port = parentPort;
  if (!port) return;
  const init = workerData as WorkerInit;
  const slices = sliceSizerFor(init);
  const post = (msg: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);
  const queries: Job[] = [];
  const documents: Job[] = [];
  let embedder: Embedder | null = null;
  let running = false;
  let closing = false;

  const pump = async (): Promise<void> => {
    if (running || embedder === null) return;
    running = true;
    try {
      for (;;) {
        const job = queries.shift() ?? documents.shift();
        if (!job) break;
        try {
          const vectors: Float32Array[] = [];
          for (let i = 0; i < job.texts.length; ) {
            const slice = job.texts.slice(i, i + slices.next());
            i += slice.length;
            const started = performance.now();
            vectors.push(...(await (job.query ? Promise.all(slice.map((t) => embedder!.embedQuery(t))) : embedder.embedDocuments(slice))));
            if (!job.query) slices.record(slice.length, performance.now() - started);
            // Between slices, let queued messages in (a provider that computes synchronously
            // never yields on its own), then answer any query that arrived meanwhile.
            await new Promise((resolve) => setImmediate(resolve));
            while (!job.query && queries.length > 0) await runQuery(queries.shift()!);
          }
          post({ type: 'result', id: job.id, vectors }, buffersOf(vectors));
        } catch (err) {
          post({ type: 'error', id: job.id, error: toWire(err) });
        }
      }
    } finally {
      running = false;
    }
  };

  const runQuery = async (job: Job): Promise<void> => {
    try {
      const vectors = await Promise.all(job.texts.map((t) => embedder!.embedQuery(t)));
      post({ type: 'result', id: job.id, vectors }, buffersOf(vectors));
    } catch (err) {
      post({ type: 'error', id: job.id, error: toWire(err) });
    }
  };

  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'close') {
      closing = true;
      void (async () => {
        await embedder?.close().catch(() => undefined);
        post({ type: 'closed' });
        port.close();
      })();
      return;
    }
    if (closing) return;
    (msg.query ? queries : documents).push({ id: msg.id, texts: msg.texts, query: msg.query });
    void pump();
  });

  build(init).then(
    (built) => {
      embedder = built;
      post({ type: 'ready', id: built.id, dimension: built.dimension });
      void pump();
    },
    (err: unknown) => post({ type: 'failed', error: toWire(err) }),
  );
}

main();
