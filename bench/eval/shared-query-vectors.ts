/**
 * One query-vector cache for many DocsServices. Each DocsService keeps its own cache, so the
 * fusion sweep (35 services over one index) would embed every query 35 times — minutes with a real
 * model, for vectors that are identical. The services get this view of the runtime instead.
 */
import type { Embedder } from '../../src/embed/embedder.js';
import type { EmbedderRuntime } from '../../src/embed/runtime.js';

/** An Embedder that remembers query vectors (failures are not remembered). */
export function cacheQueryVectors(embedder: Embedder): Embedder {
  const vectors = new Map<string, Promise<Float32Array>>();
  return {
    id: embedder.id,
    dimension: embedder.dimension,
    embedDocuments: (texts) => embedder.embedDocuments(texts),
    embedQuery(text) {
      let vector = vectors.get(text);
      if (vector === undefined) {
        vector = embedder.embedQuery(text);
        vectors.set(text, vector);
        vector.catch(() => vectors.delete(text));
      }
      return vector;
    },
    // The runtime owns the embedder; a service built on the view must not close it.
    close: async () => undefined,
  };
}

/**
 * `runtime` with its `embedder` wrapped by `cacheQueryVectors` (a new cache whenever the runtime's
 * embedder changes). Everything else — `spaceId`, `status()` … — is read through to the runtime,
 * which is why this is a prototype view and not a copy: the runtime's state keeps changing.
 */
export function shareQueryVectors(runtime: EmbedderRuntime): EmbedderRuntime {
  let source: Embedder | null = null;
  let cached: Embedder | null = null;
  const view = Object.create(runtime) as EmbedderRuntime;
  Object.defineProperty(view, 'embedder', {
    get(): Embedder | null {
      const current = runtime.embedder;
      if (current === null) return null;
      if (current !== source) {
        source = current;
        cached = cacheQueryVectors(current);
      }
      return cached;
    },
  });
  return view;
}
