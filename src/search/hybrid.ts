/**
 * The hybrid search pipeline, over retriever functions rather than indices so it stays pure
 * and testable: retrieve (keyword, semantic) → filter → fusion → graph expansion → filter →
 * near-duplicate removal (optional) → per-document cap → top N.
 *
 * Fusion is `evidence` (evidence.ts: calibrated scores in [0, 1] built from how much of the
 * query each retriever found; needs `keywordEvidence`) or `rrf` (weighted reciprocal-rank
 * fusion, fuse.ts: raw sums of weight / (rrf_k + rank)). Neither normalises by the best hit, so a
 * threshold on scores means the same thing for every query.
 */
import type { KeywordEvidence, RankedHit } from '../core/types.js';
import { expandEvidenceWithGraph, fuseEvidence } from './evidence.js';
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
  /** Keyword retriever with evidence, used (instead of `keyword`) by evidence fusion. */
  keywordEvidence?: (query: string, limit: number) => KeywordEvidence;
  /** Default `rrf`; `evidence` needs `keywordEvidence`. */
  fusion?: 'evidence' | 'rrf';
  /** Evidence fusion: cosine similarity at which semantic evidence is 0 (default 0). */
  semanticFloor?: number;
  /** Evidence fusion: share of lexical evidence taken from the whole document (default 0.3). */
  docShare?: number;
  /** Semantic retriever; absent while no embedder is ready. */
  semantic?: (query: string, limit: number) => Promise<RankedHit[]>;
  /** Called when `semantic` fails; the search then goes on without it. Absent: the error is rethrown. */
  onSemanticError?: (error: unknown) => void;
  /** Link graph access; absent (or weight 0) skips expansion. */
  graph?: {
    neighbors: (docPath: string) => readonly string[];
    firstChunks: (docPath: string) => readonly string[];
    /** Evidence fusion: the documents a chunk links to, with the query units around each link. */
    linkContexts?: (chunkId: string, keyword: KeywordEvidence) => Promise<{ links: readonly { path: string; masks: readonly number[] }[] }>;
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
  const evidenceMode = input.fusion === 'evidence' && input.keywordEvidence !== undefined;
  let keywordHits: RankedHit[];
  let evidence: KeywordEvidence | undefined;
  try {
    if (evidenceMode) {
      // Evidence needs the query's units even when keyword results are off (they weigh semantic hits).
      evidence = input.keywordEvidence!(query, input.weights.keyword > 0 ? candidates : 1);
      keywordHits = evidence.hits;
    } else {
      keywordHits = input.weights.keyword > 0 ? input.keyword(query, candidates) : [];
    }
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

  let fused: FusedHit[];
  if (evidence !== undefined) {
    let scored = fuseEvidence({
      keyword: { ...evidence, hits: input.weights.keyword > 0 ? allowed(evidence.hits) as KeywordEvidence['hits'] : [] },
      semantic: allowed(semanticHits),
      semanticFloor: input.semanticFloor ?? 0,
      chunkDoc: input.chunkDoc,
      weights: input.weights,
      docShare: input.docShare ?? 0.3,
    });
    if (input.graph && input.weights.graph > 0 && scored.length > 0) {
      const contexts = new Map<string, { links: readonly { path: string; masks: readonly number[] }[] }>();
      if (input.graph.linkContexts) {
        const seeds = seedHits(scored, input.chunkDoc, input.graph.seeds ?? 5);
        // Link contexts refine the expansion; a seed whose text cannot be read expands without them.
        const found = await Promise.all(seeds.map((id) => input.graph!.linkContexts!(id, evidence!).catch(() => ({ links: [] }))));
        seeds.forEach((id, i) => contexts.set(id, found[i] ?? { links: [] }));
      }
      scored = expandEvidenceWithGraph({
        keyword: evidence,
        contexts,
        hits: scored,
        chunkDoc: input.chunkDoc,
        neighbors: input.graph.neighbors,
        firstChunks: input.graph.firstChunks,
        weight: input.weights.graph,
        seeds: input.graph.seeds,
        maxNeighborsPerSeed: input.graph.maxNeighborsPerSeed,
      });
      if (input.filter) scored = scored.filter((hit) => input.filter!(hit.id));
    }
    fused = scored;
  } else {
    fused = fuseRanked(input, keywordHits, semanticHits, allowed);
  }
  if (input.dedup) fused = dedupNearDuplicates(fused, input.dedup.similarity, input.dedup.threshold);
  const capped = capPerDocument(fused, input.chunkDoc, input.maxPerDocument);
  return capped.slice(0, topN);
}

/** Weighted RRF of the two lists, then RRF-style graph expansion. */
function fuseRanked(
  input: HybridSearchInput,
  keywordHits: readonly RankedHit[],
  semanticHits: readonly RankedHit[],
  allowed: (hits: readonly RankedHit[]) => RankedHit[],
): FusedHit[] {
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
  return fused;
}

/** The best hit of each of the first `count` distinct documents (the seeds graph expansion uses). */
function seedHits(hits: readonly FusedHit[], chunkDoc: (id: string) => string | undefined, count: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const hit of hits) {
    const doc = chunkDoc(hit.id);
    if (doc === undefined || seen.has(doc)) continue;
    seen.add(doc);
    out.push(hit.id);
    if (out.length >= count) break;
  }
  return out;
}
