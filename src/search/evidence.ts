/**
 * Evidence fusion (the default, `search.fusion = "evidence"`). Pure. Where reciprocal-rank fusion
 * sees only ranks, this combines how strong each retriever's evidence is, on scales that mean the
 * same for every query, into one score in [0, 1]:
 *
 *  - Lexical evidence L of a chunk: its BM25F relative to the most the query allows
 *    (`relative`, see segment-search.ts; units are a word, an identifier's whole, one of its
 *    parts), plus docShare × the share of the query's unit weight that only other chunks of its
 *    document hold, mapped onto [0, 1) by lexicalScale. A page whose sections together hold every
 *    query word beats a page that matches one word in one chunk.
 *  - Semantic evidence S: the cosine similarity rescaled so that the index's typical similarity
 *    between unrelated chunks (`semanticFloor`) is 0 and identity is 1, clipped to [0, 1]; then
 *    reduced by the share of the query's weight carried by *anchors* its document lacks. Anchors
 *    are the units that pick out few chunks: identifiers, and words whose idf is at least
 *    ANCHOR_IDF_SHARE of a word that only one chunk holds. A query that is mostly a rare term or an
 *    identifier thus leaves a semantic neighbour lacking it little evidence, so it cannot pass the
 *    page that has it; in a paraphrase one incidental rare word costs only its share, and words
 *    no page holds (they weigh in the total) dilute it further.
 *  - The two combine as independent evidence (a noisy-or): score = 1 − (1 − wk·L)(1 − ws·S), with
 *    the configured weights scaled so the larger is 1. Keyword alone gives score = L.
 *
 * Ties are broken by BM25F, then by similarity, then by id. With keyword alone, and chunks whose
 * documents hold nothing more than they do, the order is BM25F's.
 */
import { bm25Idf } from '../core/bm25.js';
import type { KeywordEvidence, RankedHit } from '../core/types.js';
import { orderSources } from './fuse.js';
import { graphBoosts, type GraphExpansionInput } from './graph-expand.js';
import type { FusedHit } from './types.js';

/**
 * Lexical evidence is 1 − exp(−LEXICAL_SCALE · relative), a monotone map (so keyword-only order
 * stays BM25F's) chosen so that a chunk holding every query unit once in a field of average
 * length (relative = 1/(k1 + 1) ≈ 0.45 at the default k1 = 1.2) scores 0.75, and a chunk holding
 * the rarer half of the query's weight that way about 0.5.
 */
export const LEXICAL_SCALE = 3.05;

/** A unit is an anchor when its idf reaches this share of the idf of a term held by one chunk. */
export const ANCHOR_IDF_SHARE = 0.8;

export interface EvidenceInput {
  keyword: KeywordEvidence;
  /** Semantic hits, best first; `score` is the cosine similarity. */
  semantic: readonly RankedHit[];
  /** Cosine similarity at which semantic evidence is 0 (typical similarity of unrelated chunks). */
  semanticFloor: number;
  chunkDoc: (chunkId: string) => string | undefined;
  /** Relative weights (≥ 0); scaled so the larger is 1. */
  weights: { keyword: number; semantic: number };
  /** Share of the lexical evidence taken from the whole document; 0..1. */
  docShare: number;
}

/** A fused hit with the evidence behind its score. */
export interface EvidenceHit extends FusedHit {
  /** Query units the chunk itself matches (keyword hits; 0 otherwise). */
  mask: number;
  lexical: number;
  semantic: number;
  /** BM25F (0 when not a keyword hit), a tie-breaker. */
  bm25: number;
  similarity: number;
}

/**
 * Which of the query's units are anchors (identifiers the corpus holds, with their parts; words
 * rare enough, see ANCHOR_IDF_SHARE), and their total weight.
 */
export function queryAnchors(keyword: KeywordEvidence): { mask: number; weight: number } {
  const unique = bm25Idf(1, Math.max(1, keyword.chunkCount));
  let mask = 0;
  let weight = 0;
  // The parts of an identifier the corpus holds belong to it (they follow their whole).
  let inIdentifier = false;
  keyword.units.forEach((unit, u) => {
    if (unit.kind !== 'part') inIdentifier = unit.kind === 'identifier' && unit.docFreq > 0;
    if (u >= 32 || unit.docFreq === 0) return;
    if (unit.kind === 'identifier' || (unit.kind === 'part' && inIdentifier) || unit.code || unit.weight >= ANCHOR_IDF_SHARE * unique) {
      mask = (mask | (2 ** u)) >>> 0;
      weight += unit.weight;
    }
  });
  return { mask, weight };
}

/** Share (0..1) of the query's unit weight that a document's bit set of matched units covers. */
export function maskShare(keyword: KeywordEvidence, mask: number, only = 0xffffffff): number {
  let total = 0;
  let held = 0;
  keyword.units.forEach((unit, u) => {
    const bit = u < 32 ? 2 ** u : 0;
    if (bit !== 0 && (only & bit) === 0) return;
    total += unit.weight;
    if ((mask & bit) !== 0) held += unit.weight;
  });
  return total > 0 ? held / total : 0;
}

/** Maps relative BM25F (plus document evidence) onto 0..1; see LEXICAL_SCALE. */
export function lexicalScale(relative: number): number {
  return 1 - Math.exp(-LEXICAL_SCALE * Math.max(0, relative));
}

/** Share (0..1) of the query's whole unit weight held by the units in `only` that `mask` lacks. */
export function missingShare(keyword: KeywordEvidence, mask: number, only: number): number {
  let total = 0;
  let missing = 0;
  keyword.units.forEach((unit, u) => {
    total += unit.weight;
    const bit = u < 32 ? 2 ** u : 0;
    if (bit !== 0 && (only & bit) !== 0 && (mask & bit) === 0) missing += unit.weight;
  });
  return total > 0 ? missing / total : 0;
}

/** Cosine similarity → 0..1 against the floor. */
export function calibrateSimilarity(cosine: number, floor: number): number {
  const f = Math.min(Math.max(floor, -1), 0.99);
  return Math.min(1, Math.max(0, (cosine - f) / (1 - f)));
}

export function compareEvidence(a: EvidenceHit, b: EvidenceHit): number {
  if (a.score !== b.score) return b.score - a.score;
  if (a.bm25 !== b.bm25) return b.bm25 - a.bm25;
  if (a.similarity !== b.similarity) return b.similarity - a.similarity;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Fuses keyword and semantic hits by evidence; see the module comment. Sorted best first. */
export function fuseEvidence(input: EvidenceInput): EvidenceHit[] {
  const { keyword } = input;
  const top = Math.max(input.weights.keyword, input.weights.semantic);
  const wk = top > 0 ? Math.max(0, input.weights.keyword) / top : 0;
  const ws = top > 0 ? Math.max(0, input.weights.semantic) / top : 0;
  const docShare = Math.min(1, Math.max(0, input.docShare));
  const anchors = queryAnchors(keyword);
  const docMasks = new Map<string, number>();
  const docMask = (doc: string | undefined): number => {
    if (doc === undefined) return 0;
    let mask = docMasks.get(doc);
    if (mask === undefined) {
      mask = keyword.docMask(doc);
      docMasks.set(doc, mask);
    }
    return mask;
  };

  const entries = new Map<string, { relative: number; mask: number; bm25: number; similarity: number | null; kRank: number; sRank: number }>();
  if (wk > 0) {
    keyword.hits.forEach((hit, i) => {
      if (!entries.has(hit.id)) entries.set(hit.id, { relative: hit.relative, mask: hit.mask, bm25: hit.score, similarity: null, kRank: i + 1, sRank: Infinity });
    });
  }
  if (ws > 0) {
    input.semantic.forEach((hit, i) => {
      const entry = entries.get(hit.id);
      if (entry === undefined) entries.set(hit.id, { relative: 0, mask: 0, bm25: 0, similarity: hit.score, kRank: Infinity, sRank: i + 1 });
      else if (entry.similarity === null) {
        entry.similarity = hit.score;
        entry.sRank = i + 1;
      }
    });
  }

  const out: EvidenceHit[] = [];
  for (const [id, e] of entries) {
    const mask = docMask(input.chunkDoc(id));
    // The document's other chunks add the share of the query's units that only they hold.
    const elsewhere = Math.max(0, maskShare(keyword, mask) - maskShare(keyword, e.mask));
    const lexical = wk > 0 ? lexicalScale(e.relative + docShare * elsewhere) : 0;
    let semantic = 0;
    if (e.similarity !== null) {
      // With keyword evidence off (weight 0) semantic results stand alone.
      const kept = wk > 0 && anchors.weight > 0 ? 1 - missingShare(keyword, mask, anchors.mask) : 1;
      semantic = calibrateSimilarity(e.similarity, input.semanticFloor) * kept;
    }
    const score = 1 - (1 - wk * lexical) * (1 - ws * semantic);
    const matchedBy = orderSources([...(e.kRank < Infinity ? (['keyword'] as const) : []), ...(e.sRank < Infinity ? (['semantic'] as const) : [])]);
    out.push({ id, score, matchedBy, bestRank: Math.min(e.kRank, e.sRank), mask: e.mask, lexical, semantic, bm25: e.bm25, similarity: e.similarity ?? 0 });
  }
  return out.sort(compareEvidence);
}

/**
 * How much more a link counts when the passage around it (in the seed chunk) holds the query's
 * words: a neighbour gets seedScore · min(1, weight · (1 + gain · context)), where gain is
 * LINK_CONTEXT_GAIN · max(0, 1 − anchorShare / LINK_CONTEXT_ANCHOR_LIMIT) and anchorShare is the
 * share of the query's weight carried by anchors. So with the default weight 0.3, a link whose
 * passage holds all that matched passes the seed's whole score for a query of ordinary words, and
 * only 0.3 of it once anchors carry 2/3 of the query. Chosen on the dev half of the vault fixture
 * (docs/quality.md): the setting that protects exact terms most among those reaching the
 * link-away goal.
 */
export const LINK_CONTEXT_GAIN = 4;
export const LINK_CONTEXT_ANCHOR_LIMIT = 1.5;

/** Per seed chunk id: per target document, the query units of the passage of each link to it. */
export type LinkContexts = ReadonlyMap<string, { links: readonly { path: string; masks: readonly number[] }[] }>;

/**
 * Graph expansion on evidence scores: the neighbours of the best documents (graph-expand.ts
 * chooses them) receive evidence from their seed, combined as independent evidence:
 * score' = 1 − (1 − score)(1 − boost), boost = seedScore · min(1, weight · (1 + gain·context))
 * (see LINK_CONTEXT_GAIN). `context` (0..1) is how much of what the seed chunk matched lies in
 * the passage around its link to the neighbour (`contexts`, keyed by seed chunk id): a page that
 * the matching words point to ("when a worker misses three heartbeats, see [[Lease recovery]]")
 * gets up to the seed's evidence, a page merely linked from it `weight` of it. `weight` is
 * clipped to [0, 1].
 */
export function expandEvidenceWithGraph(
  input: Omit<GraphExpansionInput, 'hits' | 'k'> & { hits: readonly EvidenceHit[]; keyword?: KeywordEvidence; contexts?: LinkContexts },
): EvidenceHit[] {
  const weight = Math.min(1, Math.max(0, input.weight));
  const hits = input.hits.map((hit) => ({ ...hit, matchedBy: [...hit.matchedBy] }));
  if (weight === 0) return hits.sort(compareEvidence);
  const context = (seed: EvidenceHit, doc: string): number => {
    const links = input.contexts?.get(seed.id)?.links.find((l) => l.path === doc);
    if (links === undefined || input.keyword === undefined) return 0;
    const matched = maskShare(input.keyword, seed.mask);
    if (matched === 0) return 0;
    return Math.min(1, Math.max(...links.masks.map((m) => maskShare(input.keyword!, m))) / matched);
  };
  // A query made mostly of anchors (rare terms, identifiers) asks where they are written: the page
  // holding them keeps its place, its links get no more than `weight`. A query of ordinary words
  // may be answered by the page its matching passage points to.
  const total = input.keyword?.units.reduce((sum, u) => sum + u.weight, 0) ?? 0;
  const anchorShare = input.keyword !== undefined && total > 0 ? queryAnchors(input.keyword).weight / total : 0;
  const gain = LINK_CONTEXT_GAIN * Math.max(0, 1 - anchorShare / LINK_CONTEXT_ANCHOR_LIMIT);
  const boosts = graphBoosts(
    { ...input, hits },
    (_rank, seed, doc) => seed.score * Math.min(1, weight * (1 + gain * context(seed, doc))),
    (seed) => input.contexts?.get(seed.id)?.links.map((l) => l.path) ?? [],
  );
  const byId = new Map(hits.map((hit) => [hit.id, hit]));
  for (const [id, { boost, bestRank }] of boosts) {
    const existing = byId.get(id);
    if (existing) {
      existing.score = 1 - (1 - existing.score) * (1 - boost);
      existing.matchedBy = orderSources([...existing.matchedBy, 'graph']);
    } else {
      hits.push({ id, score: boost, matchedBy: ['graph'], bestRank, mask: 0, lexical: 0, semantic: 0, bm25: 0, similarity: 0 });
    }
  }
  return hits.sort(compareEvidence);
}
