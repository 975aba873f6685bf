/**
 * Types shared by the pure search pipeline (fusion, graph expansion, post-processing).
 */
import type { MatchSource, RankedHit } from '../core/types.js';

/** One retriever's ranked list and its fusion weight. */
export interface RankedList {
  source: MatchSource;
  /** Multiplies the list's RRF contributions; 0 (or less) disables the list entirely. */
  weight: number;
  /** Best first; a repeated id counts only at its first (best) rank. */
  hits: readonly RankedHit[];
}

/** A chunk after fusion. `score` is a raw weighted-RRF sum, comparable across queries. */
export interface FusedHit {
  id: string;
  score: number;
  /** Sources that contributed, in the order semantic, keyword, graph. */
  matchedBy: MatchSource[];
  /** Best 1-based rank the chunk had in any contributing list (tie-breaker). */
  bestRank: number;
}
