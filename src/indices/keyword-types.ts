/**
 * Types of the keyword index (see keyword.ts for the design). Kept apart so that callers
 * and workers can name them without loading lunr.
 */
import type { RankedHit } from '../core/types.js';
import type { BuiltSegment } from './keyword-built.js';

export type { BuiltSegment } from './keyword-built.js';

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
  /** Segments of one size tier merge when this many accumulate; default 8 (≥ 2). */
  mergeFactor?: number;
  /** Live docs of the smallest tier: tier t ends at minSegmentDocs·mergeFactor^(t+1); default 16. */
  minSegmentDocs?: number;
  /** `needsCompaction()` turns true when masked copies exceed this share of all stored docs; default 0.5. */
  maxDeadRatio?: number;
}

/** One immutable segment; serializes to identical bytes for identical settings + docs. */
export interface KeywordSegmentSnapshot {
  /** sha256 of the settings and the docs: the same id means the same bytes. */
  id: string;
  /** Documents sorted by id. */
  docs: KeywordDoc[];
  /** `lunr.Index#toJSON()` (without the token set, which the adapter never uses). */
  index: object;
}

export interface KeywordIndexSnapshot {
  format: 'ragdocs-keyword';
  version: 2;
  /** Everything that changes the built index; a mismatch on load rebuilds from `docs`. */
  settings: string;
  /** Oldest first; for an id held by several segments the newest copy is the live one. */
  segments: KeywordSegmentSnapshot[];
  /** Ids with no live copy although a segment still holds one. */
  removed: string[];
}

export interface KeywordIndexStats {
  segments: number;
  /** Stored copies, live or masked, over all segments. */
  storedDocs: number;
  /** Copies masked by a newer copy or a removal. */
  deadDocs: number;
  /** Documents (re)built into segments since this index object was created: the build work done. */
  builtDocs: number;
}

/** A merge the owner runs in the background: build `docs` (off the main thread), then `applyMerge`. */
export interface KeywordMergeJob {
  /** The live docs of the segments to merge, sorted by id. */
  readonly docs: KeywordDoc[];
}

/** The index state without segment bodies (those are stored one blob per segment). */
export interface KeywordIndexState extends Omit<KeywordIndexSnapshot, 'segments'> {
  /** Segment ids, oldest first. */
  segments: string[];
}

export interface KeywordIndex {
  /** Live documents. */
  readonly size: number;
  has(id: string): boolean;
  /**
   * Adds or replaces documents (last one wins for a repeated id) as one new segment, built here
   * or taken from `prebuilt` (built from the same docs elsewhere), and merges tiers unless
   * merges are deferred.
   */
  upsert(docs: readonly KeywordDoc[], prebuilt?: BuiltSegment): void;
  /**
   * Deferred merges: upsert and remove no longer merge (or compact) on the spot; the owner asks
   * `nextMerge()` for work, builds it off the main thread and hands it to `applyMerge`.
   */
  deferMerges(on: boolean): void;
  nextMerge(): KeywordMergeJob | null;
  /** Swaps a built merge in; false (nothing changed) when the segments moved on meanwhile. */
  applyMerge(job: KeywordMergeJob, built: BuiltSegment): boolean;
  /** The serialized snapshot of one current segment (what `toJSON` holds for it), or null. */
  segmentBytes(id: string): Uint8Array | null;
  state(): KeywordIndexState;
  remove(ids: readonly string[]): void;
  /** BM25 hits, best first (ties by id); never throws on any query text. */
  search(query: string, limit: number): RankedHit[];
  /** True when masked copies take so much room that a full `compact()` pays off. */
  needsCompaction(): boolean;
  /** Merges everything live into one segment. */
  compact(): void;
  stats(): KeywordIndexStats;
  /** Ids of the current segments, oldest first (segments are immutable: same id, same bytes). */
  segmentIds(): string[];
  toJSON(): KeywordIndexSnapshot;
}
