/**
 * The hybrid search pipeline, over retriever functions rather than indices so it stays pure
 * and testable: retrieve (keyword, semantic) → filter → weighted RRF → graph expansion →
 * filter → near-duplicate removal (optional) → per-document cap → top N.
 * Scores are the raw fused values (never normalised by the best hit), so a threshold on
 * them means the same thing for every query.
 */
import type { RankedHit } from '../core/types.js';
import { fuseRankings } from './fuse.js';
import { expandWithGraph } from './graph-expand.js';
import { capPerDocument, dedupNearDuplicates } from './post-process.js';
import type { FusedHit, RankedList } from './types.js';

export interface HybridSearchInput {
  query: string;
  /** Results wanted; < 1 gives []. */
  topN: number;
  /** Keyword retriever: best first, at most `limit` hits. */
  keyword: (query: string, limit: number) => RankedHit[];
  /** Semantic retriever; absent while no embedder is ready. */
  semantic?: (query: string, limit: number) => Promise<RankedHit[]>;
  /** Called when `semantic` fails; the search then goes on without it. Absent: the error is rethrown. */
  onSemanticError?: (error: unknown) => void;
  /** Link graph access; absent (or weight 0) skips expansion. */
  graph?: {
    neighbors: (docPath: string) => readonly string[];
    firstChunks: (docPath: string) => readonly string[];
    /** Top hits that seed the expansion; default 5. */
    seeds?: number;
    maxNeighborsPerSeed?: number;
  };
  chunkDoc: (chunkId: string) => string | undefined;
  /** Keeps only chunks it returns true for; applied to every retriever's list before fusion
   *  (so ranks are ranks among allowed chunks) and to graph additions. */
  filter?: (chunkId: string) => boolean;
  weights: { keyword: number; semantic: number; graph: number };
  rrfK: number;
  maxPerDocument: number;
  /** Hits asked of each retriever; default max(50, 5·topN), or max(200, 20·topN) with a filter. */
  candidates?: number;
  /** Near-duplicate removal: `similarity` of two chunk ids (e.g. cosine of their vectors). */
  dedup?: { similarity: (a: string, b: string) => number; threshold: number };
}

/** Runs the whole pipeline; see the module comment for the steps. */
export async function runHybridSearch(input: HybridSearchInput): Promise<FusedHit[]> {
  const query = input.query.trim();
  const topN = Math.floor(input.topN);
  if (query.length === 0 || !(topN >= 1)) return [];
  const candidates = Math.max(
    topN,
    Math.floor(input.candidates ?? (input.filter ? Math.max(200, topN * 20) : Math.max(50, topN * 5))),
  );
  const allowed = (hits: readonly RankedHit[]): RankedHit[] => (input.filter ? hits.filter((h) => input.filter!(h.id)) : [...hits]);

  // Start the (slow) semantic retrieval first so the keyword search overlaps with it.
  let semanticPending: Promise<RankedHit[]>;
  try {
    semanticPending =
      input.semantic && input.weights.semantic > 0 ? input.semantic(query, candidates) : Promise.resolve([]);
  } catch (err) {
    semanticPending = Promise.reject(err);
  }
  let keywordHits: RankedHit[];
  try {
    keywordHits = input.weights.keyword > 0 ? input.keyword(query, candidates) : [];
  } catch (err) {
    semanticPending.catch(() => undefined);
    throw err;
  }
  let semanticHits: RankedHit[] = [];
  try {
    semanticHits = await semanticPending;
  } catch (err) {
    if (!input.onSemanticError) throw err;
    input.onSemanticError(err);
  }

  const lists: RankedList[] = [
    { source: 'keyword', weight: input.weights.keyword, hits: allowed(keywordHits) },
    { source: 'semantic', weight: input.weights.semantic, hits: allowed(semanticHits) },
  ];
  let fused: FusedHit[] = fuseRankings(lists, input.rrfK);
  if (input.graph && input.weights.graph > 0 && fused.length > 0) {
    fused = expandWithGraph({
      hits: fused,
      chunkDoc: input.chunkDoc,
      neighbors: input.graph.neighbors,
      firstChunks: input.graph.firstChunks,
      weight: input.weights.graph,
      k: input.rrfK,
      seeds: input.graph.seeds,
      maxNeighborsPerSeed: input.graph.maxNeighborsPerSeed,
    });
    if (input.filter) fused = fused.filter((hit) => input.filter!(hit.id));
  }
  if (input.dedup) fused = dedupNearDuplicates(fused, input.dedup.similarity, input.dedup.threshold);
  const capped = capPerDocument(fused, input.chunkDoc, input.maxPerDocument);
  return capped.slice(0, topN);
}
