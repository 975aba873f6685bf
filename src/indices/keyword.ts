/**
 * Keyword index: the only module that imports lunr.
 *
 * lunr indexes are immutable, so the index is a list of immutable segments (a log-structured
 * merge design): `upsert` builds one segment from just the upserted docs and masks older copies
 * of their ids; `remove` only masks. Segments of similar size merge (keyword-tiers.ts), so a
 * document is rebuilt about log n times in all and a bulk load costs a small multiple of one
 * build. Each segment keeps its documents' fields, so merges and a settings change rebuild
 * without outside help, and carries a content id (same id ⇒ same bytes) so persistence can
 * keep unchanged segments across generations.
 *
 * lunr builds each segment (its inverted index and per-field BM25 vectors, serialized with
 * lunr's own `toJSON`); queries never go through lunr's query parser or token-set matching:
 * the query is tokenized like the documents and scored over flat postings derived from those
 * structures with corpus-wide idf (keyword-postings.ts). No input can raise a lunr syntax error.
 */
import lunr from 'lunr';
import { AppError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { BuiltSegment, KeywordDoc, KeywordIndex, KeywordIndexParams, KeywordIndexSnapshot, KeywordMergeJob, KeywordSegmentSnapshot } from './keyword-types.js';
import { packPostings, unpackPostings } from './keyword-built.js';
import { derivePostings, searchSegments, type LunrIndexJson, type ScoredSegment, type SegmentPostings } from './keyword-postings.js';
import { planMerge } from './keyword-tiers.js';
import { copyDoc, resolvePolicy, resolveSettings, sortDocs, type Settings } from './keyword-settings.js';
import { TOKENIZER_VERSION, createTokenizer, type Tokenizer, type WordAnalyzer } from './keyword-tokenize.js';

export type {
  BuiltSegment, KeywordDoc, KeywordIndex, KeywordIndexParams, KeywordIndexSnapshot, KeywordIndexState, KeywordIndexStats, KeywordMergeJob,
  KeywordSegmentSnapshot,
} from './keyword-types.js';

/** Snapshot format written by this version; older snapshots are rebuilt from the documents. */
export const KEYWORD_FORMAT_VERSION = 2;

interface Segment extends ScoredSegment {
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
/**
 * Weight of the `ids` field (whole compound identifiers) in BM25F. Above 0, an exact identifier
 * outranks the same words written apart; measured on SciFact, larger values (1, 3) cost nDCG
 * because hyphenated words (`IL-6`, `long-term`) then outweigh their spelled-out forms.
 */
const IDS_BOOST = 0.5;
/**
 * `ids` holds the whole compound identifiers of all three text fields (their parts stay in the
 * text), so an exact identifier adds its own bonus without lengthening or double-counting the text.
 */
const FIELDS = ['title', 'headings', 'body', 'ids'] as const;

function settingsKey(settings: Settings): string {
  return JSON.stringify({ lunr: lunr.version, tokenizer: TOKENIZER_VERSION, format: KEYWORD_FORMAT_VERSION, ...settings });
}

/** lunr's English stop-word filter + Porter stemmer (the tokenizer memoises per word). */
const analyzeWord: WordAnalyzer = (word) => {
  const kept = lunr.stopWordFilter(new lunr.Token(word, {}));
  return kept ? lunr.stemmer(kept).toString() : undefined;
};

function segmentId(key: string, docs: readonly KeywordDoc[]): string {
  return sha256(`${key}\n${docs.map((doc) => sha256(JSON.stringify([doc.id, doc.title, doc.headings, doc.body]))).join('')}`);
}

/** The Builder steps `build()` runs, minus the token set: queries never use lunr's matcher. */
interface BuilderInternals {
  calculateAverageFieldLengths(): void;
  createFieldVectors(): void;
  invertedIndex: object;
  fieldVectors: object;
  searchPipeline: lunr.Pipeline;
}

function buildSegment(docs: KeywordDoc[], settings: Settings, key: string, tokenize: Tokenizer): Segment {
  return makeSegment(segmentId(key, docs), docs, buildLunrIndex(docs, settings, tokenize), settings);
}

function buildLunrIndex(docs: readonly KeywordDoc[], settings: Settings, tokenize: Tokenizer): LunrIndexJson {
  const builder = new lunr.Builder();
  builder.ref('id');
  // Boosts are applied when scoring (derivePostings); lunr's stored weights stay unboosted.
  for (const field of FIELDS) builder.field(field);
  builder.k1(settings.k1);
  builder.b(settings.b);
  // The tokenizer already stemmed and filtered: terms go in as they are and the pipelines stay
  // empty (which also keeps the serialized pipeline []). One shared metadata object: no
  // metadata is whitelisted, so lunr only reads it.
  const metadata = {};
  builder.tokenizer = Object.assign((terms: unknown) => (terms as string[]).map((term) => new lunr.Token(term, metadata)), {
    separator: lunr.tokenizer.separator,
  });
  for (const doc of docs) {
    const ids: string[] = [];
    const terms = (text: string) => tokenize(text, { mode: 'index', compounds: ids });
    builder.add({ id: doc.id, title: terms(doc.title), headings: terms(doc.headings), body: terms(doc.body), ids });
  }
  const internals = builder as unknown as BuilderInternals;
  internals.calculateAverageFieldLengths();
  internals.createFieldVectors();
  return new lunr.Index({
    invertedIndex: internals.invertedIndex,
    fieldVectors: internals.fieldVectors,
    tokenSet: new lunr.TokenSet(),
    fields: [...FIELDS],
    pipeline: internals.searchPipeline,
  } as unknown as lunr.Index.Attributes).toJSON() as unknown as LunrIndexJson;
}

/**
 * A segment builder for another thread: the same docs and params give the same segment as
 * `upsert` would build (same id, postings and snapshot bytes), returned in transferable form.
 * The tokenizer's per-word memo lives as long as the builder.
 */
export function createSegmentBuilder(params: KeywordIndexParams): (docs: readonly KeywordDoc[]) => BuiltSegment {
  const settings = resolveSettings(params);
  const key = settingsKey(settings);
  const tokenize = createTokenizer(analyzeWord);
  return (input) => {
    const docs = sortDocs(new Map(input.map((doc) => [doc.id, copyDoc(doc)])).values());
    const index = buildLunrIndex(docs, settings, tokenize);
    const id = segmentId(key, docs);
    const refs = docs.map((doc) => doc.id);
    const postings = derivePostings(index, refs, fieldBoosts(settings), settings.k1);
    const bytes = new TextEncoder().encode(JSON.stringify({ id, docs, index }));
    return { id, refs, ...packPostings(postings), bytes };
  };
}

function fieldBoosts(settings: Settings): Record<string, number> {
  return { title: settings.titleBoost, headings: settings.headingBoost, body: settings.bodyBoost, ids: IDS_BOOST };
}

function makeSegment(id: string, docs: KeywordDoc[], index: LunrIndexJson, settings: Settings): Segment {
  const refs = docs.map((doc) => doc.id);
  const postings: SegmentPostings = derivePostings(index, refs, fieldBoosts(settings), settings.k1);
  return { id, docs, index, bytes: null, refs, postings, dead: new Uint8Array(docs.length), deadCount: 0 };
}

/** A segment from a builder elsewhere, if it holds exactly `docs` (sorted); else null. */
function adoptBuilt(built: BuiltSegment | undefined, docs: KeywordDoc[]): Segment | null {
  if (built === undefined || built.refs.length !== docs.length || built.refs.some((ref, i) => ref !== docs[i]?.id)) return null;
  return { id: built.id, docs, index: null, bytes: built.bytes, refs: built.refs, postings: unpackPostings(built), dead: new Uint8Array(docs.length), deadCount: 0 };
}

function indexOf(seg: Segment): LunrIndexJson {
  seg.index ??= (JSON.parse(new TextDecoder().decode(seg.bytes ?? new Uint8Array())) as { index: LunrIndexJson }).index;
  return seg.index;
}

function loadSegment(snapshot: KeywordSegmentSnapshot, settings: Settings): Segment {
  try {
    if (!Array.isArray(snapshot.docs)) throw new TypeError('"docs" is not an array');
    const index = snapshot.index as LunrIndexJson;
    if (!Array.isArray(index.fieldVectors) || !Array.isArray(index.invertedIndex)) throw new TypeError('not a lunr index');
    return makeSegment(snapshot.id, snapshot.docs, index, settings);
  } catch (err) {
    throw new AppError('INDEX_CORRUPT', `keyword segment ${snapshot.id} could not be loaded: ${String(err)}`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
      cause: err,
    });
  }
}

/** Builds an empty (or pre-filled) segmented keyword index. */
export function createKeywordIndex(params: KeywordIndexParams = {}, initialDocs: readonly KeywordDoc[] = []): KeywordIndex {
  const index = assembleIndex(params, [], []);
  index.upsert(initialDocs);
  return index;
}

/**
 * Restores an index from `toJSON()` output without re-tokenizing. When the snapshot was
 * built with other settings (k1, b, boosts, tokenizer or lunr version) its live docs are
 * rebuilt, which gives the segments new ids.
 */
export function loadKeywordIndex(
  snapshot: KeywordIndexSnapshot | KeywordIndexReference,
  params: KeywordIndexParams = {},
  cache?: KeywordSegmentCache,
): KeywordIndex {
  try {
    return restoreIndex(resolveReferences(snapshot, cache), params, cache);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('INDEX_CORRUPT', `keyword index snapshot is malformed: ${String(err)}`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
      cause: err,
    });
  }
}

/**
 * Immutable parts of loaded segments by id (segment ids are content hashes, so an id always
 * means the same data). A follower that loads generation after generation passes the same cache
 * and only parses and derives postings for segments it has not seen; each index still gets its
 * own deletion masks.
 */
export interface KeywordSegmentCache {
  has(id: string): boolean;
  /** Keep only these ids (the segments of the index just loaded). */
  retain(ids: readonly string[]): void;
}

/** A snapshot whose segments may be given by id alone when `cache` holds them. */
export interface KeywordIndexReference extends Omit<KeywordIndexSnapshot, 'segments'> {
  segments: (KeywordSegmentSnapshot | { id: string })[];
}

interface CachedSegment {
  id: string;
  docs: KeywordDoc[];
  index: LunrIndexJson;
  refs: readonly string[];
  postings: SegmentPostings;
}

class SegmentCache implements KeywordSegmentCache {
  readonly entries = new Map<string, CachedSegment>();
  has(id: string): boolean {
    return this.entries.has(id);
  }
  retain(ids: readonly string[]): void {
    const keep = new Set(ids);
    for (const id of this.entries.keys()) if (!keep.has(id)) this.entries.delete(id);
  }
}

export function createKeywordSegmentCache(): KeywordSegmentCache {
  return new SegmentCache();
}

function resolveReferences(snapshot: KeywordIndexSnapshot | KeywordIndexReference, cache: KeywordSegmentCache | undefined): KeywordIndexSnapshot {
  if (snapshot === null || typeof snapshot !== 'object' || !Array.isArray(snapshot.segments)) return snapshot as KeywordIndexSnapshot;
  const entries = cache instanceof SegmentCache ? cache.entries : undefined;
  const segments = snapshot.segments.map((seg) => {
    if ('docs' in seg) return seg;
    const cached = entries?.get(seg.id);
    if (!cached) throw new AppError('INDEX_CORRUPT', `keyword segment ${seg.id} is neither stored nor cached`);
    return { id: cached.id, docs: cached.docs, index: cached.index };
  });
  return { ...snapshot, segments };
}

function restoreIndex(snapshot: KeywordIndexSnapshot, params: KeywordIndexParams, cache?: KeywordSegmentCache): KeywordIndex {
  if (snapshot === null || typeof snapshot !== 'object' || snapshot.format !== 'ragdocs-keyword') {
    throw new AppError('INDEX_CORRUPT', 'keyword index snapshot is not a ragdocs keyword index', {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  if (snapshot.version !== KEYWORD_FORMAT_VERSION) {
    throw new AppError('INDEX_FORMAT', `keyword index format ${String(snapshot.version)} is not supported (expected ${KEYWORD_FORMAT_VERSION})`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  if (!Array.isArray(snapshot.removed) || !Array.isArray(snapshot.segments)) throw new TypeError('"removed" or "segments" is not an array');
  const settings = resolveSettings(params);
  if (snapshot.settings !== settingsKey(settings)) {
    const live = new Map<string, KeywordDoc>();
    for (const seg of snapshot.segments) for (const doc of seg.docs) live.set(doc.id, doc);
    for (const id of snapshot.removed) live.delete(id);
    return createKeywordIndex(params, [...live.values()]);
  }
  const entries = cache instanceof SegmentCache ? cache.entries : undefined;
  const segments = snapshot.segments.map((seg) => {
    const cached = entries?.get(seg.id);
    if (cached) return { ...cached, bytes: null, dead: new Uint8Array(cached.docs.length), deadCount: 0 };
    const loaded = loadSegment(seg, settings);
    entries?.set(seg.id, { id: loaded.id, docs: loaded.docs, index: indexOf(loaded), refs: loaded.refs, postings: loaded.postings });
    return loaded;
  });
  return assembleIndex(params, segments, snapshot.removed);
}

/** Pure snapshot → compacted snapshot, suitable for running in a worker thread. */
export function compactKeywordSnapshot(snapshot: KeywordIndexSnapshot, params: KeywordIndexParams = {}): KeywordIndexSnapshot {
  const index = loadKeywordIndex(snapshot, params);
  index.compact();
  return index.toJSON();
}

interface Location {
  seg: Segment;
  num: number;
}

function assembleIndex(params: KeywordIndexParams, initialSegments: Segment[], initialRemoved: readonly string[]): KeywordIndex {
  const settings = resolveSettings(params);
  const key = settingsKey(settings);
  const policy = resolvePolicy(params);
  const tokenize = createTokenizer(analyzeWord);
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
    return buildSegment(docs, settings, key, tokenize);
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
