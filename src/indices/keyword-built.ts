/**
 * A keyword segment built away from the main thread (keyword.ts `createSegmentBuilder`, run in
 * a worker): the postings packed into a few flat typed arrays and the segment's serialized
 * snapshot, both cheap to transfer between threads. Pure and lunr-free.
 */
import type { SegmentPostings, TermPosting } from './keyword-postings.js';

export interface BuiltSegment {
  /** Content id of the segment (same docs and settings, same id). */
  id: string;
  /** Doc ids in segment order. */
  refs: string[];
  /** Terms; the postings of `terms[i]` are `docs`/`weights` from `offsets[i]` to `offsets[i + 1]`. */
  terms: string[];
  offsets: Int32Array;
  docs: Int32Array;
  weights: Float32Array;
  /** The segment snapshot `{ id, docs, index }` as UTF-8 JSON: what persistence writes. */
  bytes: Uint8Array;
}

/** Flattens postings: one pass, no per-term buffers, so a transfer moves four buffers. */
export function packPostings(postings: SegmentPostings): Pick<BuiltSegment, 'terms' | 'offsets' | 'docs' | 'weights'> {
  const terms = [...postings.terms.keys()];
  let total = 0;
  for (const posting of postings.terms.values()) total += posting.docs.length;
  const offsets = new Int32Array(terms.length + 1);
  const docs = new Int32Array(total);
  const weights = new Float32Array(total);
  let at = 0;
  terms.forEach((term, i) => {
    const posting = postings.terms.get(term) as TermPosting;
    offsets[i] = at;
    docs.set(posting.docs, at);
    weights.set(posting.weights, at);
    at += posting.docs.length;
  });
  offsets[terms.length] = at;
  return { terms, offsets, docs, weights };
}

/** Postings as the scorer reads them, as views into the packed arrays (no copies). */
export function unpackPostings(built: BuiltSegment): SegmentPostings {
  const terms = new Map<string, TermPosting>();
  built.terms.forEach((term, i) => {
    const from = built.offsets[i] as number;
    const to = built.offsets[i + 1] as number;
    terms.set(term, { docs: built.docs.subarray(from, to), weights: built.weights.subarray(from, to) });
  });
  return { docCount: built.refs.length, terms };
}

/** The buffers to list when posting a built segment to another thread. */
export function builtTransferList(built: BuiltSegment): ArrayBuffer[] {
  return [...new Set([built.offsets.buffer, built.docs.buffer, built.weights.buffer, built.bytes.buffer] as ArrayBuffer[])];
}
