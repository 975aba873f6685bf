/**
 * Scoring side of the keyword index: turns the structures of a built lunr index (its
 * `invertedIndex` and per-field BM25 `fieldVectors`, as serialized by `lunr.Index#toJSON`)
 * into flat per-term postings, and scores queries over several segments with corpus-wide
 * statistics. Pure and lunr-free (keyword.ts is the only module importing lunr).
 *
 * Why not `lunr.Index#query`: it expands every term through a TokenSet automaton and scores
 * one segment in isolation. Here an exact-term query is a map lookup per term and segment, and
 * each field weight lunr stored (idf_seg · saturated tf) is rescaled to the idf of the whole
 * index, so scores from segments of very different sizes stay comparable.
 */
import type { RankedHit } from '../core/types.js';

/** The parts of `lunr.Index#toJSON()` this module reads. */
export interface LunrIndexJson {
  version: string;
  fields: string[];
  fieldVectors: Array<[string, number[]]>;
  invertedIndex: Array<[string, Record<string, unknown> & { _index: number }]>;
  pipeline: string[];
}

/** Postings of one term in one segment. */
export interface TermPosting {
  /** Segment-local doc numbers (ascending). */
  docs: Int32Array;
  /** BM25F pseudo term frequency: Σ over fields of boost × length-normalised tf (recovered from lunr's weights). */
  weights: Float32Array;
}

export interface SegmentPostings {
  docCount: number;
  terms: Map<string, TermPosting>;
}

/** lunr's idf (and Lucene's): never negative. */
export function bm25Idf(docFreq: number, docCount: number): number {
  return Math.log(1 + Math.abs((docCount - docFreq + 0.5) / (docFreq + 0.5)));
}

/**
 * Flat postings from a lunr index built over `refs` (doc ids, in segment order). `fieldBoosts`
 * weighs the fields; a field missing from it counts 0 but still counts for document frequency.
 * lunr's idf sums the per-field document frequencies (a word in title and body counts twice);
 * the weights are divided by exactly that idf here, and `searchSegments` multiplies the
 * corpus-wide idf of distinct documents back in.
 */
export function derivePostings(
  json: LunrIndexJson,
  refs: readonly string[],
  fieldBoosts: Readonly<Record<string, number>>,
  k1: number,
): SegmentPostings {
  const docCount = refs.length;
  const docNumber = new Map<string, number>();
  refs.forEach((ref, i) => docNumber.set(ref, i));
  const termOf: string[] = [];
  for (const [term, posting] of json.invertedIndex) termOf[posting._index] = term;

  const perDoc: Array<Array<{ boost: number; elements: number[] }>> = Array.from({ length: docCount }, () => []);
  for (const [fieldRef, elements] of json.fieldVectors) {
    const slash = fieldRef.indexOf('/');
    const num = docNumber.get(fieldRef.slice(slash + 1));
    if (slash < 0 || num === undefined) throw new TypeError(`field vector ${fieldRef} names no document of the segment`);
    perDoc[num]?.push({ boost: fieldBoosts[fieldRef.slice(0, slash)] ?? 0, elements });
  }

  // One entry per (term, doc, field), grouped by doc because docs are visited in order.
  const entryDocs: number[][] = [];
  const entryBoosts: number[][] = [];
  const entryWeights: number[][] = [];
  for (let d = 0; d < docCount; d++) {
    for (const { boost, elements } of perDoc[d] ?? []) {
      for (let i = 0; i + 1 < elements.length; i += 2) {
        const t = elements[i] as number;
        (entryDocs[t] ??= []).push(d);
        (entryBoosts[t] ??= []).push(boost);
        (entryWeights[t] ??= []).push(elements[i + 1] as number);
      }
    }
  }

  const terms = new Map<string, TermPosting>();
  entryDocs.forEach((fieldDocs, t) => {
    const term = termOf[t];
    if (term === undefined) throw new TypeError(`field vectors use term number ${t}, which the inverted index lacks`);
    const boosts = entryBoosts[t] ?? [];
    const weights = entryWeights[t] ?? [];
    // lunr's idf counts a doc once per field holding the term.
    const lunrIdf = bm25Idf(fieldDocs.length, docCount);
    const docs: number[] = [];
    const tfs: number[] = [];
    for (let i = 0; i < fieldDocs.length; i++) {
      const d = fieldDocs[i] as number;
      const tf = (boosts[i] as number) * normalizedTf((weights[i] as number) / lunrIdf, k1);
      if (docs[docs.length - 1] === d) tfs[tfs.length - 1] = (tfs[tfs.length - 1] as number) + tf;
      else {
        docs.push(d);
        tfs.push(tf);
      }
    }
    terms.set(term, { docs: Int32Array.from(docs), weights: Float32Array.from(tfs) });
  });
  return { docCount, terms };
}

/**
 * lunr stores x·idf with x = (k1+1)·tf / (k1·B + tf), B being the field's length norm; this
 * solves for tf / B. With k1 = 0 BM25 ignores tf, and any occurrence counts 1.
 */
function normalizedTf(x: number, k1: number): number {
  if (!(x > 0)) return 0;
  if (k1 === 0) return 1;
  // x < k1 + 1 for any finite tf; rounding in lunr's stored weight may touch the bound.
  return (x * k1) / Math.max(k1 + 1 - x, 1e-3);
}

/** A segment as the scorer sees it. */
export interface ScoredSegment {
  postings: SegmentPostings;
  /** Doc ids in segment order. */
  refs: readonly string[];
  /** 1 where the copy is masked (removed, or shadowed by a newer copy). */
  dead: Uint8Array;
}

export interface QueryTerm {
  term: string;
  boost: number;
}

/**
 * BM25F over every live doc: per query term, idf (from document frequencies summed over all
 * segments) × saturated pseudo term frequency. Best `limit` first, ties by id.
 */
export function searchSegments(segments: readonly ScoredSegment[], terms: readonly QueryTerm[], limit: number, k1: number): RankedHit[] {
  let docCount = 0;
  for (const seg of segments) docCount += seg.postings.docCount;
  const scores = segments.map((seg) => new Float64Array(seg.postings.docCount));
  const matched = segments.map((seg) => new Uint8Array(seg.postings.docCount));
  for (const { term, boost } of terms) {
    let docFreq = 0;
    for (const seg of segments) docFreq += seg.postings.terms.get(term)?.docs.length ?? 0;
    if (docFreq === 0) continue;
    const factor = boost * bm25Idf(docFreq, docCount);
    segments.forEach((seg, s) => {
      const posting = seg.postings.terms.get(term);
      if (posting === undefined) return;
      const acc = scores[s] as Float64Array;
      const hit = matched[s] as Uint8Array;
      const { docs, weights } = posting;
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i] as number;
        const tf = weights[i] as number;
        acc[d] = (acc[d] as number) + (factor * tf * (k1 + 1)) / (k1 + tf);
        hit[d] = 1;
      }
    });
  }
  const hits: RankedHit[] = [];
  segments.forEach((seg, s) => {
    const acc = scores[s] as Float64Array;
    const hit = matched[s] as Uint8Array;
    for (let d = 0; d < acc.length; d++) {
      if (hit[d] === 1 && seg.dead[d] !== 1) hits.push({ id: seg.refs[d] as string, score: acc[d] as number });
    }
  });
  hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return hits.slice(0, Math.floor(limit));
}
