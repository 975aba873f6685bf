/**
 * Keyword index: the only module that imports lunr.
 *
 * lunr indexes are immutable, so the index is segmented: a large `base` segment plus a small
 * `recent` one. `upsert` rebuilds only `recent` (its live docs + the new ones); the base copy
 * of an upserted id is shadowed by the recent one. `remove` only masks (ids go to `removed`).
 * `compact` rebuilds the base from all live docs; call it when `needsCompaction()` says so,
 * off the request path (e.g. `compactKeywordSnapshot` in a worker).
 *
 * Each segment keeps its documents' fields (title, headings, body) so compaction and a
 * settings change can rebuild without any outside help, and a snapshot is self-contained.
 * Query text never reaches lunr's query parser: it is tokenized like the documents and
 * turned into optional (OR) term clauses, so no input can raise a lunr syntax error.
 */
import lunr from 'lunr';
import { AppError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { RankedHit } from '../core/types.js';
import type { KeywordDoc, KeywordIndex, KeywordIndexParams, KeywordIndexSnapshot, KeywordSegmentSnapshot } from './keyword-types.js';
import { TOKENIZER_VERSION, compoundTerms, createTokenizer, type Tokenizer, type WordAnalyzer } from './keyword-tokenize.js';

export type { KeywordDoc, KeywordIndex, KeywordIndexParams, KeywordIndexSnapshot, KeywordSegmentSnapshot } from './keyword-types.js';

interface Settings {
  k1: number;
  b: number;
  titleBoost: number;
  headingBoost: number;
  bodyBoost: number;
}

interface Segment {
  id: string;
  docs: KeywordDoc[];
  byId: ReadonlyMap<string, KeywordDoc>;
  index: lunr.Index;
}

const MAX_QUERY_TERMS = 64;
/** Queries are cut here before tokenizing; 64 unique terms come long before. */
const MAX_QUERY_CHARS = 20_000;

function resolveSettings(params: KeywordIndexParams): Settings {
  const settings = {
    k1: params.k1 ?? 1.2,
    b: params.b ?? 0.75,
    titleBoost: params.titleBoost ?? 3,
    headingBoost: params.headingBoost ?? 2,
    bodyBoost: params.bodyBoost ?? 1,
  };
  for (const [key, value] of Object.entries(settings)) {
    if (!Number.isFinite(value) || value < 0) {
      throw new AppError('INVALID_ARGUMENT', `keyword index setting ${key}=${value} must be a finite number >= 0`, {
        hint: 'fix the [search] section of the config file',
      });
    }
  }
  if (settings.b > 1) {
    throw new AppError('INVALID_ARGUMENT', `keyword index setting b=${settings.b} must be between 0 and 1`, {
      hint: 'set search.bm25_b to a value in [0, 1] (default 0.75)',
    });
  }
  return settings;
}

function settingsKey(settings: Settings): string {
  return JSON.stringify({ lunr: lunr.version, tokenizer: TOKENIZER_VERSION, ...settings });
}

/** lunr's English stop-word filter + Porter stemmer (the tokenizer memoises per word). */
const analyzeWord: WordAnalyzer = (word) => {
  const kept = lunr.stopWordFilter(new lunr.Token(word, {}));
  return kept ? lunr.stemmer(kept).toString() : undefined;
};

function segmentId(key: string, docs: readonly KeywordDoc[]): string {
  return sha256(`${key}\n${docs.map((doc) => sha256(JSON.stringify([doc.id, doc.title, doc.headings, doc.body]))).join('')}`);
}

/** Own copy with exactly the four fields, so snapshots never carry a caller's extra properties. */
function copyDoc(doc: KeywordDoc): KeywordDoc {
  return { id: doc.id, title: doc.title, headings: doc.headings, body: doc.body };
}

function sortDocs(docs: Iterable<KeywordDoc>): KeywordDoc[] {
  return [...docs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function buildSegment(docs: KeywordDoc[], settings: Settings, key: string, tokenize: Tokenizer): Segment {
  const builder = new lunr.Builder();
  builder.ref('id');
  builder.field('title', { boost: settings.titleBoost });
  builder.field('headings', { boost: settings.headingBoost });
  builder.field('body', { boost: settings.bodyBoost });
  builder.k1(settings.k1);
  builder.b(settings.b);
  // lunr's default tokenizer maps arrays to tokens as-is; the pipeline stays empty because
  // the tokenizer already stemmed and filtered, which also keeps the serialized pipeline [].
  const terms = (text: string) => tokenize(text, { mode: 'index' });
  for (const doc of docs) {
    builder.add({ id: doc.id, title: terms(doc.title), headings: terms(doc.headings), body: terms(doc.body) });
  }
  return { id: segmentId(key, docs), docs, byId: new Map(docs.map((doc) => [doc.id, doc])), index: builder.build() };
}

function loadSegment(snapshot: KeywordSegmentSnapshot): Segment {
  try {
    const index = lunr.Index.load(snapshot.index);
    return { id: snapshot.id, docs: snapshot.docs, byId: new Map(snapshot.docs.map((doc) => [doc.id, doc])), index };
  } catch (err) {
    throw new AppError('INDEX_CORRUPT', `keyword segment ${snapshot.id} could not be loaded: ${String(err)}`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
      cause: err,
    });
  }
}

/** Query-time weight of a whole compound identifier relative to its parts. */
const IDENTIFIER_BOOST = 3;

function querySegment(segment: Segment, terms: readonly string[], compounds: ReadonlySet<string>): lunr.Index.Result[] {
  return segment.index.query((q) => {
    for (const term of terms) {
      q.term(term, {
        boost: compounds.has(term) ? IDENTIFIER_BOOST : 1,
        usePipeline: false,
        wildcard: lunr.Query.wildcard.NONE,
        presence: lunr.Query.presence.OPTIONAL,
      });
    }
  });
}

/** Builds an empty (or pre-filled) segmented keyword index. */
export function createKeywordIndex(params: KeywordIndexParams = {}, initialDocs: readonly KeywordDoc[] = []): KeywordIndex {
  if (initialDocs.length === 0) return assembleIndex(params, null, null, []);
  const settings = resolveSettings(params);
  const byId = new Map(initialDocs.map((doc) => [doc.id, copyDoc(doc)]));
  const base = buildSegment(sortDocs(byId.values()), settings, settingsKey(settings), createTokenizer(analyzeWord));
  return assembleIndex(params, base, null, []);
}

/**
 * Restores an index from `toJSON()` output without re-tokenizing. When the snapshot was
 * built with other settings (k1, b, boosts, tokenizer or lunr version) its segments are
 * rebuilt from their stored docs, which gives them new ids.
 */
export function loadKeywordIndex(snapshot: KeywordIndexSnapshot, params: KeywordIndexParams = {}): KeywordIndex {
  try {
    return restoreIndex(snapshot, params);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('INDEX_CORRUPT', `keyword index snapshot is malformed: ${String(err)}`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
      cause: err,
    });
  }
}

function restoreIndex(snapshot: KeywordIndexSnapshot, params: KeywordIndexParams): KeywordIndex {
  if (snapshot === null || typeof snapshot !== 'object' || snapshot.format !== 'ragdocs-keyword') {
    throw new AppError('INDEX_CORRUPT', 'keyword index snapshot is not a ragdocs keyword index', {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  if (snapshot.version !== 1) {
    throw new AppError('INDEX_FORMAT', `keyword index format ${String(snapshot.version)} is not supported (expected 1)`, {
      hint: 'upgrade mcp-markdown-ragdocs, or rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  if (!Array.isArray(snapshot.removed)) throw new TypeError('"removed" is not an array');
  const key = settingsKey(resolveSettings(params));
  if (snapshot.settings !== key) {
    const removed = new Set(snapshot.removed);
    const live = new Map<string, KeywordDoc>();
    for (const seg of [snapshot.base, snapshot.recent]) for (const doc of seg?.docs ?? []) live.set(doc.id, doc);
    return createKeywordIndex(params, [...live.values()].filter((doc) => !removed.has(doc.id)));
  }
  const base = snapshot.base ? loadSegment(snapshot.base) : null;
  const recent = snapshot.recent ? loadSegment(snapshot.recent) : null;
  return assembleIndex(params, base, recent, snapshot.removed);
}

/** Pure snapshot → compacted snapshot, suitable for running in a worker thread. */
export function compactKeywordSnapshot(snapshot: KeywordIndexSnapshot, params: KeywordIndexParams = {}): KeywordIndexSnapshot {
  const index = loadKeywordIndex(snapshot, params);
  index.compact();
  return index.toJSON();
}

function assembleIndex(
  params: KeywordIndexParams,
  initialBase: Segment | null,
  initialRecent: Segment | null,
  initialRemoved: readonly string[],
): KeywordIndex {
  const settings = resolveSettings(params);
  const key = settingsKey(settings);
  const tokenize = createTokenizer(analyzeWord);
  const ratio = params.compactionRatio ?? 0.1;
  const minRecent = params.minRecentDocs ?? 200;
  const maxRecent = params.maxRecentDocs ?? 2000;
  let base = initialBase;
  let recent = initialRecent;
  const removed = new Set(initialRemoved);
  // Where each live id's copy lives; the recent segment shadows the base.
  const location = new Map<string, Segment>();

  const relocate = (): void => {
    location.clear();
    for (const seg of [base, recent]) {
      for (const doc of seg?.docs ?? []) if (!removed.has(doc.id)) location.set(doc.id, seg as Segment);
    }
  };
  const liveDocs = (seg: Segment | null): KeywordDoc[] => (seg?.docs ?? []).filter((doc) => location.get(doc.id) === seg);
  const pruneRemoved = (): void => {
    for (const id of removed) if (!base?.byId.has(id) && !recent?.byId.has(id)) removed.delete(id);
  };
  relocate();

  return {
    get size() {
      return location.size;
    },
    has: (id) => location.has(id),
    upsert(docs) {
      if (docs.length === 0) return;
      const next = new Map(liveDocs(recent).map((doc) => [doc.id, doc]));
      for (const doc of docs) next.set(doc.id, copyDoc(doc));
      const segment = buildSegment(sortDocs(next.values()), settings, key, tokenize);
      recent = segment;
      for (const doc of docs) removed.delete(doc.id);
      pruneRemoved();
      relocate();
    },
    remove(ids) {
      for (const id of ids) {
        if (location.delete(id)) removed.add(id);
      }
    },
    search(query, limit) {
      if (typeof query !== 'string' || !(limit >= 1) || location.size === 0) return [];
      const text = query.slice(0, MAX_QUERY_CHARS);
      const terms = tokenize(text, { mode: 'query', maxTerms: MAX_QUERY_TERMS });
      if (terms.length === 0) return [];
      const compounds = compoundTerms(text);
      const hits: RankedHit[] = [];
      for (const seg of [base, recent]) {
        if (seg === null) continue;
        for (const result of querySegment(seg, terms, compounds)) {
          if (location.get(result.ref) === seg) hits.push({ id: result.ref, score: result.score });
        }
      }
      hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      return hits.slice(0, Math.floor(limit));
    },
    needsCompaction() {
      const baseDocs = base?.docs.length ?? 0;
      const threshold = Math.min(maxRecent, Math.max(minRecent, ratio * baseDocs));
      return (recent?.docs.length ?? 0) + removed.size > threshold;
    },
    compact() {
      const docs = sortDocs([...liveDocs(base), ...liveDocs(recent)]);
      base = docs.length > 0 ? buildSegment(docs, settings, key, tokenize) : null;
      recent = null;
      removed.clear();
      relocate();
    },
    stats: () => ({ baseDocs: base?.docs.length ?? 0, recentDocs: recent?.docs.length ?? 0, removed: removed.size }),
    toJSON() {
      const dump = (seg: Segment | null): KeywordSegmentSnapshot | null =>
        seg === null ? null : { id: seg.id, docs: seg.docs, index: seg.index.toJSON() };
      return {
        format: 'ragdocs-keyword',
        version: 1,
        settings: key,
        base: dump(base),
        recent: dump(recent),
        removed: [...removed].sort(),
      };
    },
  };
}
