/**
 * Least-recently-used cache of query vectors: assistants repeat and refine queries, and a
 * query embedding costs a model run (or an HTTP round trip). Keyed by the vector space too, so
 * a changed embedder never answers with an old vector.
 */
export interface QueryVectorCache {
  get(space: string, query: string): Float32Array | undefined;
  set(space: string, query: string, vector: Float32Array): void;
  readonly size: number;
}

export function createQueryVectorCache(capacity: number): QueryVectorCache {
  const entries = new Map<string, Float32Array>();
  const keyOf = (space: string, query: string): string => `${space}\u0000${query}`;
  return {
    get(space, query) {
      const key = keyOf(space, query);
      const hit = entries.get(key);
      if (hit === undefined) return undefined;
      // Map keeps insertion order: re-inserting marks the entry as the most recent.
      entries.delete(key);
      entries.set(key, hit);
      return hit;
    },
    set(space, query, vector) {
      if (capacity <= 0) return;
      const key = keyOf(space, query);
      entries.delete(key);
      entries.set(key, vector);
      while (entries.size > capacity) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
    },
    get size() {
      return entries.size;
    },
  };
}
