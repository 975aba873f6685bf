import { AppError, errorMessage } from '../core/errors.js';
import type { Embedder } from '../embed/embedder.js';
import type { ChunkView, Corpus } from './corpus.js';
import { embeddingText } from './prepare.js';

export interface FillOptions {
  /** Texts per embedder call. */
  batchSize: number;
  /** Stop starting new batches after this long, so a cycle (and the lock it holds) stays short. */
  budgetMs: number;
  now?: () => number;
}

export interface FillResult {
  computed: number;
  reused: number;
  /** Chunks still without a vector when the budget ran out. */
  remaining: boolean;
}

/**
 * Gives chunks that have no vector one: first by reusing the vector of identical content
 * already in the index, then by embedding the rest in batches. Vectors land through
 * `corpus.addVectors`, which ignores a chunk that changed meanwhile. The caller has made sure
 * `corpus.vector` is in the embedder's space.
 */
export async function fillMissingVectors(corpus: Corpus, embedder: Embedder, opts: FillOptions): Promise<FillResult> {
  const now = opts.now ?? (() => performance.now());
  const start = now();
  const result: FillResult = { computed: 0, reused: 0, remaining: false };
  for (;;) {
    const todo = corpus.chunksWithoutVector(opts.batchSize);
    if (todo.length === 0) return result;
    if (now() - start >= opts.budgetMs) {
      result.remaining = true;
      return result;
    }
    const found = new Map<string, { hash: string; vector: Float32Array }>();
    const needed = new Map<string, { text: string; ids: string[] }>();
    // Texts are read from disk only for the chunks that must be embedded.
    const toRead = todo.filter((c) => corpus.reusableVector(c.hash) === null).map((c) => c.id);
    const texts = toRead.length > 0 ? await corpus.readChunks(toRead) : new Map<string, ChunkView>();
    for (const chunk of todo) {
      const reused = corpus.reusableVector(chunk.hash);
      if (reused) {
        found.set(chunk.id, { hash: chunk.hash, vector: reused });
        result.reused++;
        continue;
      }
      const slot = needed.get(chunk.hash);
      if (slot) {
        slot.ids.push(chunk.id);
        result.reused++;
        continue;
      }
      // Gone since it was listed (an edit applied meanwhile): its new content comes up next round.
      const text = texts.get(chunk.id);
      if (text === undefined || text.hash !== chunk.hash) continue;
      needed.set(chunk.hash, { text: embeddingText(text.headingPath, text.content), ids: [chunk.id] });
    }
    if (needed.size > 0) {
      const jobs = [...needed.entries()];
      let vectors: Float32Array[];
      try {
        vectors = await embedder.embedDocuments(jobs.map(([, j]) => j.text));
      } catch (err) {
        throw new AppError('EMBEDDER_FAILED', `embedding ${jobs.length} chunks failed: ${errorMessage(err)}`, { cause: err, ...(err instanceof AppError && err.hint ? { hint: err.hint } : {}) });
      }
      if (vectors.length !== jobs.length) throw new AppError('EMBEDDER_FAILED', `the embedder returned ${vectors.length} vectors for ${jobs.length} texts`);
      result.computed += jobs.length;
      jobs.forEach(([hash, job], k) => {
        const vector = vectors[k];
        if (vector) for (const id of job.ids) found.set(id, { hash, vector });
      });
    }
    // Chunks edited meanwhile are skipped; their new content comes up in the next round (the
    // budget bounds the loop even if edits keep racing the embedder).
    corpus.addVectors(found);
  }
}
