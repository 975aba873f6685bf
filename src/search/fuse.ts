/**
 * Weighted reciprocal-rank fusion. Pure.
 */
import { AppError } from '../core/errors.js';
import type { MatchSource } from '../core/types.js';
import type { FusedHit, RankedList } from './types.js';

const SOURCE_ORDER: readonly MatchSource[] = ['semantic', 'keyword', 'graph'];

/** Puts sources in the canonical order semantic, keyword, graph, without duplicates. */
export function orderSources(sources: Iterable<MatchSource>): MatchSource[] {
  const set = new Set(sources);
  return SOURCE_ORDER.filter((source) => set.has(source));
}

/** Ranking order: score descending, then best rank, then id (code-unit order, locale-free). */
export function compareFused(a: FusedHit, b: FusedHit): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.bestRank !== b.bestRank) return a.bestRank - b.bestRank;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Sums contributions smallest first so the total does not depend on the order they arrived
 * in (floating-point addition is not associative); this makes fusion independent of list order.
 */
export function sumContributions(values: number[]): number {
  return [...values].sort((x, y) => x - y).reduce((total, value) => total + value, 0);
}

/** Throws unless `k` is a usable RRF constant. */
export function assertRrfK(k: number): void {
  if (!Number.isFinite(k) || k < 0) {
    throw new AppError('INVALID_ARGUMENT', `rrf k=${k} must be a finite number >= 0`, {
      hint: 'set search.rrf_k in the config file (default 60)',
    });
  }
}

/**
 * Weighted RRF: score(id) = Σ over lists containing id of weight / (k + rank), rank 1-based.
 * Lists with weight ≤ 0 (or NaN) are ignored: they neither score nor appear in `matchedBy`.
 * Result is sorted with `compareFused`, so equal inputs give identical output.
 */
export function fuseRankings(lists: readonly RankedList[], k: number): FusedHit[] {
  assertRrfK(k);
  const contributions = new Map<string, { values: number[]; sources: MatchSource[]; bestRank: number }>();
  for (const list of lists) {
    if (!(list.weight > 0)) continue;
    const seen = new Set<string>();
    let rank = 0;
    for (const hit of list.hits) {
      if (seen.has(hit.id)) continue;
      seen.add(hit.id);
      rank++;
      let entry = contributions.get(hit.id);
      if (entry === undefined) {
        entry = { values: [], sources: [], bestRank: rank };
        contributions.set(hit.id, entry);
      }
      entry.values.push(list.weight / (k + rank));
      entry.sources.push(list.source);
      entry.bestRank = Math.min(entry.bestRank, rank);
    }
  }
  const fused: FusedHit[] = [];
  for (const [id, entry] of contributions) {
    fused.push({ id, score: sumContributions(entry.values), matchedBy: orderSources(entry.sources), bestRank: entry.bestRank });
  }
  return fused.sort(compareFused);
}
