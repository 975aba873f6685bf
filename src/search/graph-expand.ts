/**
 * Link-graph expansion of fused results. Pure: the graph is reached through callbacks.
 *
 * Seeds are the best hits of the first `seeds` distinct documents in the fused list (a
 * document seeds once, so a page with many matching chunks does not boost its links many
 * times). For each seed (rank r, 1-based, in the fused list) every neighbour
 * document n of the hit's document (links out and backlinks, n ≠ the hit's own document)
 * receives a graph contribution of `weight / (k + r + 1)`, i.e. one rank below its seed.
 * The contribution goes to n's best chunk: its highest-ranked chunk already in the results
 * (which then gets `graph` added to `matchedBy`), otherwise the first of `firstChunks(n)`,
 * added as a new result matched by `graph` only. A document linked from several seeds gets the
 * strongest contribution only, not their sum: otherwise a hub page (an index or README linked
 * with everything) would climb above the pages that actually match.
 * Per seed at most `maxNeighborsPerSeed` neighbours are used: those already in the results
 * first (by rank), then the others by path, so hubs cannot flood the list.
 */
import type { FusedHit } from './types.js';
import { assertRrfK, compareFused, orderSources } from './fuse.js';

export interface GraphExpansionInput {
  /** Fused hits, best first. */
  hits: readonly FusedHit[];
  chunkDoc: (chunkId: string) => string | undefined;
  /** Linked documents (both directions) of a document. */
  neighbors: (docPath: string) => readonly string[];
  /** Chunk ids of a document, best candidate first (usually document order). */
  firstChunks: (docPath: string) => readonly string[];
  /** Graph weight; ≤ 0 disables expansion. */
  weight: number;
  /** RRF constant, the same as used for fusion. */
  k: number;
  /** How many documents (their best hits) seed the expansion; default 5. */
  seeds?: number;
  /** Neighbours considered per seed; default 10. */
  maxNeighborsPerSeed?: number;
}

/** Returns a new, re-sorted list; the input is not modified. */
export function expandWithGraph(input: GraphExpansionInput): FusedHit[] {
  assertRrfK(input.k);
  const hits = input.hits.map((hit) => ({ ...hit, matchedBy: [...hit.matchedBy] }));
  if (!(input.weight > 0)) return hits.sort(compareFused);
  const boosts = graphBoosts(input, (rank) => input.weight / (input.k + rank + 1));
  const byId = new Map(hits.map((hit) => [hit.id, hit]));
  for (const [id, entry] of boosts) {
    const existing = byId.get(id);
    if (existing) {
      existing.score += entry.boost;
      existing.matchedBy = orderSources([...existing.matchedBy, 'graph']);
    } else {
      hits.push({ id, score: entry.boost, matchedBy: ['graph'], bestRank: entry.bestRank });
    }
  }
  return hits.sort(compareFused);
}

/**
 * The graph contribution each chunk receives: seeds and neighbours as the module comment says,
 * `contribution(rank, seed, doc)` per seed and neighbour (rank 1-based in `hits`), the strongest
 * one per chunk. `preferred(seed)` lists neighbours that go first, before the per-seed cap.
 */
export function graphBoosts<T extends FusedHit>(
  input: Omit<GraphExpansionInput, 'hits' | 'weight' | 'k'> & { hits: readonly T[] },
  contribution: (rank: number, seed: T, doc: string) => number,
  preferred: (seed: T) => readonly string[] = () => [],
): Map<string, { boost: number; bestRank: number }> {
  const { hits } = input;
  const rankOfDoc = new Map<string, number>();
  const bestChunkOfDoc = new Map<string, string>();
  hits.forEach((hit, i) => {
    const doc = input.chunkDoc(hit.id);
    if (doc !== undefined && !bestChunkOfDoc.has(doc)) {
      bestChunkOfDoc.set(doc, hit.id);
      rankOfDoc.set(doc, i + 1);
    }
  });

  const added = new Map<string, { boost: number; bestRank: number }>();
  const seedCount = Math.max(0, Math.floor(input.seeds ?? 5));
  const perSeed = Math.max(0, Math.floor(input.maxNeighborsPerSeed ?? 10));
  const seeded = new Set<string>();
  hits.forEach((seed, i) => {
    const seedDoc = input.chunkDoc(seed.id);
    if (seedDoc === undefined || seeded.has(seedDoc) || seeded.size >= seedCount) return;
    seeded.add(seedDoc);
    const rank = i + 1;
    const first = new Set(preferred(seed));
    const neighbours = [...new Set(input.neighbors(seedDoc))]
      .filter((doc) => doc !== seedDoc)
      .sort((a, b) => {
        const pa = first.has(a) ? 0 : 1;
        const pb = first.has(b) ? 0 : 1;
        if (pa !== pb) return pa - pb;
        const ra = rankOfDoc.get(a) ?? Number.POSITIVE_INFINITY;
        const rb = rankOfDoc.get(b) ?? Number.POSITIVE_INFINITY;
        if (ra !== rb) return ra - rb;
        return a < b ? -1 : a > b ? 1 : 0;
      })
      .slice(0, perSeed);
    for (const doc of neighbours) {
      const chunkId = bestChunkOfDoc.get(doc) ?? input.firstChunks(doc)[0];
      if (chunkId === undefined) continue;
      bestChunkOfDoc.set(doc, chunkId);
      const boost = contribution(rank, seed, doc);
      const entry = added.get(chunkId);
      if (entry === undefined) added.set(chunkId, { boost, bestRank: rank + 1 });
      else {
        entry.boost = Math.max(entry.boost, boost);
        entry.bestRank = Math.min(entry.bestRank, rank + 1);
      }
    }
  });
  return added;
}
