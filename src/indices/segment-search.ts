/**
 * BM25F over the postings of several segments (pure). Per query term: idf from the document
 * frequencies summed over all segments; per chunk and field, the term frequency normalised by
 * the field's length against the average over the live chunks of the whole index (so a chunk
 * scores the same whatever segment it sits in), weighted by the field's boost and summed into
 * one pseudo frequency, which is then saturated: score += idf · tf'(k1 + 1) / (k1 + tf').
 */
import { MinHeap } from '../core/heap.js';
import type { RankedHit } from '../core/types.js';
import { findSorted } from './segment-format.js';
import { FIELD_COUNT, type SegmentData } from './segment-layout.js';

export interface ScoringSettings {
  k1: number;
  b: number;
  /** Boost per field, in FIELDS order. */
  boosts: readonly number[];
}

/** A segment as the scorer sees it. */
export interface ScoredSegment {
  data: SegmentData;
  /** 1 where the document's copy is masked (removed, or replaced by a newer copy). */
  dead: Uint8Array;
}

/** lunr's idf (and Lucene's): never negative. */
export function bm25Idf(docFreq: number, docCount: number): number {
  return Math.log(1 + Math.abs((docCount - docFreq + 0.5) / (docFreq + 0.5)));
}

interface Scratch {
  scores: Float64Array;
  touched: Int32Array;
  count: number;
}

// Scratch space per segment, reused by every query: search is synchronous, so one query at a
// time uses it. Keyed weakly so segments that are dropped take their scratch with them.
const scratchOf = new WeakMap<SegmentData, Scratch>();

function scratchFor(data: SegmentData): Scratch {
  let s = scratchOf.get(data);
  if (s === undefined) {
    s = { scores: new Float64Array(data.chunkCount), touched: new Int32Array(data.chunkCount), count: 0 };
    scratchOf.set(data, s);
  }
  return s;
}

export interface SearchInput {
  segments: readonly ScoredSegment[];
  /** Query terms, unique, already analysed like the documents. */
  terms: readonly string[];
  limit: number;
  settings: ScoringSettings;
  /** Average length per field over the live chunks. */
  averageLengths: readonly number[];
  /** The chunk id of chunk `chunk` of `segment` (ties are broken by id). */
  idOf: (segment: number, chunk: number) => string;
}

/** Best `limit` live chunks, best first, ties by id. Never throws on any term. */
export function searchSegments(input: SearchInput): RankedHit[] {
  const { segments, settings } = input;
  const limit = Math.floor(input.limit);
  if (!(limit >= 1) || segments.length === 0) return [];
  const { k1, b, boosts } = settings;
  let docCount = 0;
  for (const seg of segments) docCount += seg.data.chunkCount;
  const avg = input.averageLengths;
  const scratch = segments.map((seg) => scratchFor(seg.data));
  try {
    for (const term of input.terms) {
      const key = Buffer.from(term, 'utf8');
      const found = segments.map((seg) => findSorted(seg.data.terms, key));
      let docFreq = 0;
      found.forEach((t, s) => {
        if (t >= 0) docFreq += (segments[s] as ScoredSegment).data.termDf[t] as number;
      });
      if (docFreq === 0) continue;
      const idf = bm25Idf(docFreq, docCount);
      found.forEach((t, s) => {
        if (t < 0) return;
        const { data, dead } = segments[s] as ScoredSegment;
        const sc = scratch[s] as Scratch;
        const bytes = data.postings;
        let at = data.postingOffsets[t] as number;
        const end = data.postingOffsets[t + 1] as number;
        let chunk = -1;
        while (at < end) {
          // Inline varint decode: this loop is the hot path of every keyword query.
          let v = 0;
          let mul = 1;
          let byte;
          do {
            byte = bytes[at++] as number;
            v += (byte & 0x7f) * mul;
            mul *= 128;
          } while (byte >= 0x80);
          const mask = v % 16;
          chunk += (v - mask) / 16;
          let tfp = 0;
          const base = FIELD_COUNT * chunk;
          for (let f = 0; f < FIELD_COUNT; f++) {
            if ((mask & (1 << f)) === 0) continue;
            let tf = 0;
            let m = 1;
            do {
              byte = bytes[at++] as number;
              tf += (byte & 0x7f) * m;
              m *= 128;
            } while (byte >= 0x80);
            const boost = boosts[f] as number;
            if (boost === 0) continue;
            const average = avg[f] as number;
            const norm = average > 0 ? 1 - b + (b * (data.fieldLengths[base + f] as number)) / average : 1;
            tfp += (boost * tf) / norm;
          }
          if (tfp === 0 || dead[data.chunkDoc[chunk] as number] === 1) continue;
          const add = k1 === 0 ? idf : (idf * tfp * (k1 + 1)) / (k1 + tfp);
          if (sc.scores[chunk] === 0) sc.touched[sc.count++] = chunk;
          sc.scores[chunk] = (sc.scores[chunk] as number) + add;
        }
      });
    }
    return topHits(scratch, limit, input.idOf);
  } finally {
    for (const sc of scratch) {
      for (let i = 0; i < sc.count; i++) sc.scores[sc.touched[i] as number] = 0;
      sc.count = 0;
    }
  }
}

interface Candidate {
  s: number;
  c: number;
  score: number;
  id?: string;
}

/** Selects the best `limit` with a bounded min-heap; ids are built only to break ties. */
function topHits(scratch: readonly Scratch[], limit: number, idOf: (s: number, c: number) => string): RankedHit[] {
  const id = (x: Candidate): string => (x.id ??= idOf(x.s, x.c));
  // a is worse than b: lower score, or equal score and later id.
  const worse = (a: Candidate, b: Candidate): boolean => a.score < b.score || (a.score === b.score && id(a) > id(b));
  // The worst kept hit on top.
  const heap = new MinHeap<Candidate>(worse);
  scratch.forEach((sc, s) => {
    for (let i = 0; i < sc.count; i++) {
      const c = sc.touched[i] as number;
      const score = sc.scores[c] as number;
      if (heap.size < limit) {
        heap.push({ s, c, score });
        continue;
      }
      const min = heap.peek() as Candidate;
      if (score < min.score) continue;
      const cand: Candidate = { s, c, score };
      if (!worse(min, cand)) continue;
      heap.replaceTop(cand);
    }
  });
  return heap
    .toArray()
    .sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0))
    .map((x) => ({ id: id(x), score: x.score }));
}
