/**
 * Result-list post-processing: per-document cap, near-duplicate removal, text similarity.
 * Pure.
 */
import { AppError } from '../core/errors.js';

/**
 * Keeps at most `max` hits per document, preserving order (so each document keeps its best
 * ones). A hit whose document is unknown counts as its own document. `Infinity` disables the cap.
 */
export function capPerDocument<T extends { id: string }>(
  hits: readonly T[],
  chunkDoc: (chunkId: string) => string | undefined,
  max: number,
): T[] {
  if (!(max >= 1)) {
    throw new AppError('INVALID_ARGUMENT', `max results per document ${max} must be at least 1`, {
      hint: 'set search.max_per_document to 1 or more (default 3)',
    });
  }
  const counts = new Map<string, number>();
  return hits.filter((hit) => {
    const doc = chunkDoc(hit.id) ?? `\u0000${hit.id}`;
    const count = counts.get(doc) ?? 0;
    if (count >= max) return false;
    counts.set(doc, count + 1);
    return true;
  });
}

/**
 * Drops every hit whose similarity to an already kept (better-ranked) hit is ≥ `threshold`.
 * Input is best first, so of two near-duplicates the higher one stays. O(n²) similarity calls.
 */
export function dedupNearDuplicates<T extends { id: string }>(
  hits: readonly T[],
  similarity: (a: string, b: string) => number,
  threshold: number,
): T[] {
  const kept: T[] = [];
  for (const hit of hits) {
    if (!kept.some((other) => similarity(other.id, hit.id) >= threshold)) kept.push(hit);
  }
  return kept;
}

const WORD = /[\p{L}\p{N}]+/gu;

function shingles(words: readonly string[], size: number): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i + size <= words.length; i++) set.add(words.slice(i, i + size).join(' '));
  return set;
}

/**
 * Jaccard similarity (0..1) of the word shingles of two texts, case-insensitive: the text
 * fallback for near-duplicate detection when no vectors exist. Shingles are `size` words
 * long (default 3), shortened to the shorter text's word count; two texts without words are
 * identical (1), one without words is unlike anything (0).
 */
export function jaccardShingles(a: string, b: string, size = 3): number {
  const wordsA = a.toLowerCase().match(WORD) ?? [];
  const wordsB = b.toLowerCase().match(WORD) ?? [];
  if (wordsA.length === 0 && wordsB.length === 0) return 1;
  if (wordsA.length === 0 || wordsB.length === 0) return 0;
  const n = Math.max(1, Math.min(Math.floor(size), wordsA.length, wordsB.length));
  const setA = shingles(wordsA, n);
  const setB = shingles(wordsB, n);
  let shared = 0;
  for (const shingle of setA) if (setB.has(shingle)) shared++;
  return shared / (setA.size + setB.size - shared);
}
