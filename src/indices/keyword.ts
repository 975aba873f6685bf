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
 * The lunr-free segment bookkeeping (masks, merges, snapshots) is keyword-segments.ts.
 */
import lunr from 'lunr';
import { AppError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { BuiltSegment, KeywordDoc, KeywordIndex, KeywordIndexParams, KeywordIndexSnapshot, KeywordSegmentSnapshot } from './keyword-types.js';
import { packPostings } from './keyword-built.js';
import { assembleIndex, indexOf, KEYWORD_FORMAT_VERSION, type Segment, type SegmentToolkit } from './keyword-segments.js';
import { derivePostings, type LunrIndexJson, type SegmentPostings } from './keyword-postings.js';
import { copyDoc, resolveSettings, sortDocs, type Settings } from './keyword-settings.js';
import { TOKENIZER_VERSION, createTokenizer, type Tokenizer, type WordAnalyzer } from './keyword-tokenize.js';

export type {
  BuiltSegment, KeywordDoc, KeywordIndex, KeywordIndexParams, KeywordIndexSnapshot, KeywordIndexState, KeywordIndexStats, KeywordMergeJob,
  KeywordSegmentSnapshot,
} from './keyword-types.js';

export { KEYWORD_FORMAT_VERSION } from './keyword-segments.js';


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
  const index = assembleIndex(params, toolkitFor(params), [], []);
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
  return assembleIndex(params, toolkitFor(params), segments, snapshot.removed);
}

/** Pure snapshot → compacted snapshot, suitable for running in a worker thread. */
export function compactKeywordSnapshot(snapshot: KeywordIndexSnapshot, params: KeywordIndexParams = {}): KeywordIndexSnapshot {
  const index = loadKeywordIndex(snapshot, params);
  index.compact();
  return index.toJSON();
}

/** The lunr side of an index with these params, for the segment bookkeeping. */
function toolkitFor(params: KeywordIndexParams): SegmentToolkit {
  const settings = resolveSettings(params);
  const key = settingsKey(settings);
  const tokenize = createTokenizer(analyzeWord);
  return { settings, key, tokenize, build: (docs) => buildSegment(docs, settings, key, tokenize) };
}
