/**
 * Segment bookkeeping of the keyword index (see keyword.ts for the design): which copy of an id
 * is live, deletion masks, tiered and deferred merges, snapshots. No lunr here: segments are
 * built by the toolkit keyword.ts passes in, or arrive prebuilt from the build worker.
 */
import type { BuiltSegment, KeywordDoc, KeywordIndex, KeywordIndexParams, KeywordMergeJob } from './keyword-types.js';
import { unpackPostings } from './keyword-built.js';
import { searchSegments, type LunrIndexJson, type ScoredSegment } from './keyword-postings.js';
import { planMerge } from './keyword-tiers.js';
import { copyDoc, resolvePolicy, sortDocs, type Settings } from './keyword-settings.js';
import type { Tokenizer } from './keyword-tokenize.js';

/** Snapshot format written by this version; older snapshots are rebuilt from the documents. */
export const KEYWORD_FORMAT_VERSION = 2;

/** What the segment bookkeeping needs from the lunr adapter. */
export interface SegmentToolkit {
  settings: Settings;
  /** Settings key stored in snapshots (a mismatch on load rebuilds). */
  key: string;
  tokenize: Tokenizer;
  build(docs: KeywordDoc[]): Segment;
}

/** A segment as the index holds it: immutable content plus its own deletion mask. */
export interface Segment extends ScoredSegment {
  id: string;
  docs: KeywordDoc[];
  /** lunr's index JSON; null for a segment built elsewhere until something needs it (parsed from `bytes`). */
  index: LunrIndexJson | null;
  /** The serialized snapshot, when the segment was built elsewhere (persistence writes it as is). */
  bytes: Uint8Array | null;
  /** Masked copies (the `dead` flags set). */
  deadCount: number;
}

const MAX_QUERY_TERMS = 64;
/** Queries are cut here before tokenizing; 64 unique terms come long before. */
const MAX_QUERY_CHARS = 20_000;

/** A segment from a builder elsewhere, if it holds exactly `docs` (sorted); else null. */
export function adoptBuilt(built: BuiltSegment | undefined, docs: KeywordDoc[]): Segment | null {
  if (built === undefined || built.refs.length !== docs.length || built.refs.some((ref, i) => ref !== docs[i]?.id)) return null;
  return { id: built.id, docs, index: null, bytes: built.bytes, refs: built.refs, postings: unpackPostings(built), dead: new Uint8Array(docs.length), deadCount: 0 };
}

/** lunr's index JSON of a segment, parsed from its bytes on first use. */
export function indexOf(seg: Segment): LunrIndexJson {
  seg.index ??= (JSON.parse(new TextDecoder().decode(seg.bytes ?? new Uint8Array())) as { index: LunrIndexJson }).index;
  return seg.index;
}

interface Location {
  seg: Segment;
  num: number;
}

/**
 * The segmented index over `initialSegments` (oldest first) with `initialRemoved` masked: the
 * segment bookkeeping (which copy of an id is live, masks, merges, deferred merges, snapshots).
 * lunr itself stays behind `toolkit.build` (keyword.ts).
 */
export function assembleIndex(params: KeywordIndexParams, toolkit: SegmentToolkit, initialSegments: Segment[], initialRemoved: readonly string[]): KeywordIndex {
  const { key, tokenize } = toolkit;
  const settings = toolkit.settings;
  const policy = resolvePolicy(params);
  let segments = initialSegments;
  let builtDocs = 0;
  let deferred = false;
  /** The segments a merge job covers, by job. */
  const jobRuns = new WeakMap<KeywordMergeJob, Segment[]>();
  // Where each live id's copy lives; for an id in several segments the newest copy wins.
  const location = new Map<string, Location>();

  const mask = (id: string): void => {
    const at = location.get(id);
    if (at === undefined) return;
    location.delete(id);
    if (at.seg.dead[at.num] === 0) {
      at.seg.dead[at.num] = 1;
      at.seg.deadCount++;
    }
  };
  const place = (seg: Segment): void => {
    seg.docs.forEach((doc, num) => {
      if (seg.dead[num] === 1) return;
      mask(doc.id);
      location.set(doc.id, { seg, num });
    });
  };
  /** Copies stored across segments, and how many of them are masked. */
  const countCopies = (): { stored: number; dead: number } => {
    let stored = 0;
    let dead = 0;
    for (const seg of segments) {
      stored += seg.docs.length;
      dead += seg.deadCount;
    }
    return { stored, dead };
  };
  const build = (docs: KeywordDoc[]): Segment => {
    builtDocs += docs.length;
    return toolkit.build(docs);
  };
  const rebuildRun = (start: number, end: number): void => {
    const run = segments.slice(start, end);
    const live = sortDocs(run.flatMap((seg) => seg.docs.filter((_, num) => seg.dead[num] === 0)));
    for (const doc of live) location.delete(doc.id);
    const merged = live.length > 0 ? [build(live)] : [];
    segments = [...segments.slice(0, start), ...merged, ...segments.slice(end)];
    for (const seg of merged) place(seg);
  };
  const maintain = (): void => {
    if (deferred) return;
    for (;;) {
      const plan = planMerge(segments.map((seg) => ({ live: seg.docs.length - seg.deadCount, stored: seg.docs.length })), policy);
      if (plan === null) return;
      rebuildRun(plan.start, plan.end);
    }
  };

  const removedIds = (): string[] => {
    const removed = new Set<string>();
    for (const seg of segments) for (const doc of seg.docs) if (!location.has(doc.id)) removed.add(doc.id);
    return [...removed].sort();
  };

  for (const seg of segments) place(seg);
  for (const id of initialRemoved) mask(id);

  return {
    get size() {
      return location.size;
    },
    has: (id) => location.has(id),
    upsert(docs, prebuilt) {
      if (docs.length === 0) return;
      const next = new Map<string, KeywordDoc>();
      for (const doc of docs) next.set(doc.id, copyDoc(doc));
      const sorted = sortDocs(next.values());
      const seg = adoptBuilt(prebuilt, sorted) ?? build(sorted);
      segments = [...segments, seg];
      place(seg);
      maintain();
    },
    deferMerges(on) {
      deferred = on;
      if (!on) maintain();
    },
    nextMerge() {
      const plan = planMerge(segments.map((seg) => ({ live: seg.docs.length - seg.deadCount, stored: seg.docs.length })), policy);
      if (plan === null) return null;
      const run = segments.slice(plan.start, plan.end);
      const job: KeywordMergeJob = { docs: sortDocs(run.flatMap((seg) => seg.docs.filter((_, num) => seg.dead[num] === 0))) };
      jobRuns.set(job, run);
      return job;
    },
    applyMerge(job, built) {
      const run = jobRuns.get(job);
      const start = run?.[0] === undefined ? -1 : segments.indexOf(run[0]);
      if (run === undefined || start < 0 || run.some((seg, k) => segments[start + k] !== seg)) return false;
      const merged = job.docs.length === 0 ? null : adoptBuilt(built, job.docs);
      if (job.docs.length > 0 && merged === null) return false;
      builtDocs += job.docs.length;
      const inRun = new Set(run);
      // A copy masked while the merge was built (edited or removed since) stays masked.
      merged?.docs.forEach((doc, num) => {
        const at = location.get(doc.id);
        if (at !== undefined && inRun.has(at.seg)) location.set(doc.id, { seg: merged, num });
        else {
          merged.dead[num] = 1;
          merged.deadCount++;
        }
      });
      segments = [...segments.slice(0, start), ...(merged ? [merged] : []), ...segments.slice(start + run.length)];
      jobRuns.delete(job);
      return true;
    },
    segmentBytes(id) {
      const seg = segments.find((s) => s.id === id);
      if (seg === undefined) return null;
      return seg.bytes ?? new TextEncoder().encode(JSON.stringify({ id: seg.id, docs: seg.docs, index: seg.index }));
    },
    state() {
      return { format: 'ragdocs-keyword', version: KEYWORD_FORMAT_VERSION, settings: key, segments: segments.map((seg) => seg.id), removed: removedIds() };
    },
    remove(ids) {
      for (const id of ids) mask(id);
      maintain();
    },
    search(query, limit) {
      if (typeof query !== 'string' || !(limit >= 1) || location.size === 0) return [];
      const text = query.slice(0, MAX_QUERY_CHARS);
      const terms = tokenize(text, { mode: 'query', maxTerms: MAX_QUERY_TERMS });
      if (terms.length === 0) return [];
      return searchSegments(segments, terms.map((term) => ({ term, boost: 1 })), limit, settings.k1);
    },
    needsCompaction() {
      // Deferred: the merge plan already rewrites segments that are mostly masked.
      if (deferred) return false;
      const { stored, dead } = countCopies();
      return dead > 0 && dead > policy.maxDeadRatio * stored;
    },
    compact() {
      if (segments.length > 1 || segments.some((seg) => seg.deadCount > 0)) rebuildRun(0, segments.length);
    },
    stats() {
      const { stored, dead } = countCopies();
      return { segments: segments.length, storedDocs: stored, deadDocs: dead, builtDocs };
    },
    segmentIds: () => segments.map((seg) => seg.id),
    toJSON() {
      return {
        format: 'ragdocs-keyword',
        version: KEYWORD_FORMAT_VERSION,
        settings: key,
        segments: segments.map((seg) => ({ id: seg.id, docs: seg.docs, index: indexOf(seg) })),
        removed: removedIds(),
      };
    },
  };
}
