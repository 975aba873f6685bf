/**
 * Types of the keyword index (see keyword.ts for the design). Kept apart so that callers
 * and workers can name them without loading lunr.
 */
import type { RankedHit } from '../core/types.js';

/** A chunk as the keyword index sees it. */
export interface KeywordDoc {
  id: string;
  title: string;
  /** Heading path joined with spaces (or newlines). */
  headings: string;
  body: string;
}

export interface KeywordIndexParams {
  /** BM25 term-frequency saturation; default 1.2. */
  k1?: number;
  /** BM25 length normalisation, 0..1; default 0.75. */
  b?: number;
  /** Field boosts; defaults title 3, headings 2, body 1. */
  titleBoost?: number;
  headingBoost?: number;
  bodyBoost?: number;
  /** `needsCompaction()` turns true when recent + removed docs exceed
   *  clamp(compactionRatio × base docs, minRecentDocs, maxRecentDocs); defaults 0.1, 200, 2000. */
  compactionRatio?: number;
  minRecentDocs?: number;
  maxRecentDocs?: number;
}

/** One immutable segment; serializes to identical bytes for identical settings + docs. */
export interface KeywordSegmentSnapshot {
  /** sha256 of the settings and the docs: the same id means the same bytes. */
  id: string;
  /** Documents sorted by id. */
  docs: KeywordDoc[];
  /** `lunr.Index#toJSON()`. */
  index: object;
}

export interface KeywordIndexSnapshot {
  format: 'ragdocs-keyword';
  version: 1;
  /** Everything that changes the built index; a mismatch on load rebuilds from `docs`. */
  settings: string;
  base: KeywordSegmentSnapshot | null;
  recent: KeywordSegmentSnapshot | null;
  /** Ids with no live copy although a segment still holds one. */
  removed: string[];
}

export interface KeywordIndex {
  /** Live documents. */
  readonly size: number;
  has(id: string): boolean;
  /** Adds or replaces documents (last one wins for a repeated id). */
  upsert(docs: readonly KeywordDoc[]): void;
  remove(ids: readonly string[]): void;
  /** BM25 hits, best first (ties by id); never throws on any query text. */
  search(query: string, limit: number): RankedHit[];
  needsCompaction(): boolean;
  /** Merges everything live into one base segment. */
  compact(): void;
  stats(): { baseDocs: number; recentDocs: number; removed: number };
  toJSON(): KeywordIndexSnapshot;
}
