/**
 * BM25F over the postings of several segments (pure). Per query term: idf from the document
 * frequencies summed over all segments; per chunk and field, the term frequency normalised by
 * the field's length against the average over the live chunks of the whole index (so a chunk
 * scores the same whatever segment it sits in), weighted by the field's boost and summed into
 * one pseudo frequency, which is then saturated: score += idf · tf'(k1 + 1) / (k1 + tf').
 */
import { bm25Idf } from '../core/bm25.js';
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


interface Scratch {
  scores: Float64Array;
  /** Bit u set: unit u (< 32) matched the chunk. */
  masks: Uint32Array;
  touched: Int32Array;
  count: number;
}

// Scratch space per segment, reused by every query: search is synchronous, so one query at a
// time uses it. Keyed weakly so segments that are dropped take their scratch with them.
const scratchOf = new WeakMap<SegmentData, Scratch>();

function scratchFor(data: SegmentData): Scratch {
  let s = scratchOf.get(data);
  if (s === undefined) {
    const n = data.chunkCount;
    s = {
      scores: new Float64Array(n),
      masks: new Uint32Array(n),
      touched: new Int32Array(n),
      count: 0,
    };
    scratchOf.set(data, s);
  }
  return s;
}

/** One query concept: alternative terms (a stem and its raw form); a chunk matches it once. */
export interface SearchUnit {
  terms: readonly string[];
  /** Multiplies the unit's idf (its BM25F contributions and its weight); default 1. */
  scale?: number;
  /** Least saturated term frequency an occurrence counts as; default 0 (plain BM25F). */
  atLeast?: number;
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

/** A keyword hit with its evidence. */
export interface EvidenceHit extends RankedHit {
  /** BM25F over the most a chunk can score for the query, (k1 + 1)·Σ unit weights: 0..1 (a unit
   *  whose stem and raw form both match can pass it; clipped). */
  relative: number;
  /** Bit u set: unit u matched this chunk (units 0..31). */
  mask: number;
}

/** What the query's units are worth in this index. */
export interface UnitStats {
  /** BM25 idf of the unit: its rarest present alternative; absent units weigh as a term no chunk has. */
  weight: number;
  /** Chunks holding the unit (its most frequent alternative). */
  docFreq: number;
}

export interface UnitSearchResult {
  /** Best `limit` by BM25F, best first. */
  hits: EvidenceHit[];
  units: UnitStats[];
  /** Live chunks scored against (the N of idf). */
  chunkCount: number;
  /** Bits of the units matched anywhere in a document, per segment and document number. */
  docMasks: ReadonlyMap<SegmentData, Uint32Array>;
}

/** Best `limit` live chunks, best first, ties by id. Never throws on any term. */
export function searchSegments(input: SearchInput): RankedHit[] {
  const units = input.terms.map((term) => ({ terms: [term] }));
  return searchUnits({ ...input, units }).hits.map((h) => ({ id: h.id, score: h.score }));
}

/**
 * BM25F (the ranking, as the module comment says: every alternative of every unit adds) plus the
 * evidence the fusion calibrates with: per chunk its score relative to the most the query allows
 * and the bit set of units it matches, per document the bit set of units any of its chunks match.
 * A unit weighs the idf of its rarest present alternative (an absent unit: the idf of a term no
 * chunk holds, so a query word found nowhere lowers every score).
 */
export function searchUnits(input: Omit<SearchInput, 'terms'> & { units: readonly SearchUnit[] }): UnitSearchResult {
  const { segments, settings } = input;
  const limit = Math.floor(input.limit);
  let docCount = 0;
  for (const seg of segments) docCount += seg.data.chunkCount;
  const empty: UnitSearchResult = { hits: [], units: [], chunkCount: docCount, docMasks: new Map() };
  if (!(limit >= 1) || segments.length === 0) return empty;
  const { k1, b, boosts } = settings;
  const avg = input.averageLengths;
  const scratch = segments.map((seg) => scratchFor(seg.data));
  const units: UnitStats[] = [];
  let totalWeight = 0;
  try {
    input.units.forEach((unit, u) => {
      const bit = u < 32 ? 2 ** u : 0;
      const alternatives = unit.terms.map((term) => {
        const key = Buffer.from(term, 'utf8');
        const found = segments.map((seg) => findSorted(seg.data.terms, key));
        let docFreq = 0;
        found.forEach((t, s) => {
          if (t >= 0) docFreq += (segments[s] as ScoredSegment).data.termDf[t] as number;
        });
        return { found, docFreq };
      });
      let weight = bm25Idf(0, docCount);
      let unitDf = 0;
      const present = alternatives.filter((a) => a.docFreq > 0);
      if (present.length > 0) {
        weight = Math.max(...present.map((a) => bm25Idf(a.docFreq, docCount)));
        unitDf = Math.max(...present.map((a) => a.docFreq));
      }
      const scale = unit.scale ?? 1;
      const atLeast = unit.atLeast ?? 0;
      weight *= scale;
      units.push({ weight, docFreq: unitDf });
      totalWeight += weight;
      for (const { found, docFreq } of present) {
        const idf = scale * bm25Idf(docFreq, docCount);
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
            const saturated = Math.max(atLeast, k1 === 0 ? 1 : (tfp * (k1 + 1)) / (k1 + tfp));
            if (sc.scores[chunk] === 0) sc.touched[sc.count++] = chunk;
            sc.scores[chunk] = (sc.scores[chunk] as number) + idf * saturated;
            sc.masks[chunk] = ((sc.masks[chunk] as number) | bit) >>> 0;
          }
        });
      }
    });
    const docMasks = new Map<SegmentData, Uint32Array>();
    scratch.forEach((sc, s) => {
      if (sc.count === 0) return;
      const data = (segments[s] as ScoredSegment).data;
      const masks = new Uint32Array(data.docCount);
      for (let i = 0; i < sc.count; i++) {
        const c = sc.touched[i] as number;
        const d = data.chunkDoc[c] as number;
        masks[d] = ((masks[d] as number) | (sc.masks[c] as number)) >>> 0;
      }
      docMasks.set(data, masks);
    });
    const most = (k1 === 0 ? 1 : k1 + 1) * totalWeight;
    const hits = topHits(scratch, limit, input.idOf).map((x) => ({
      id: x.id as string,
      score: x.score,
      relative: most > 0 ? Math.min(1, x.score / most) : 0,
      mask: (scratch[x.s] as Scratch).masks[x.c] as number,
    }));
    return { hits, units, chunkCount: docCount, docMasks };
  } finally {
    for (const sc of scratch) {
      for (let i = 0; i < sc.count; i++) {
        const c = sc.touched[i] as number;
        sc.scores[c] = 0;
        sc.masks[c] = 0;
      }
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

/** Selects the best `limit` with a bounded min-heap; ids are built only to break ties (and for the result). */
function topHits(scratch: readonly Scratch[], limit: number, idOf: (s: number, c: number) => string): Candidate[] {
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
  const sorted = heap.toArray().sort((a, b) => (worse(a, b) ? 1 : worse(b, a) ? -1 : 0));
  for (const x of sorted) id(x);
  return sorted;
}
