import picomatch from 'picomatch';
import type { Config } from '../config/types.js';
import { editDistance } from '../config/problems.js';
import { AppError, isAppError } from '../core/errors.js';
import { normalizeDocPath } from '../core/paths.js';
import type { SearchResult } from '../core/types.js';
import { createQueryVectorCache } from '../embed/query-cache.js';
import type { EmbedderRuntime } from '../embed/runtime.js';
import type { ChunkView, Corpus, DocSummary } from '../indexing/corpus.js';
import type { VectorIndex } from '../indices/vector.js';
import type { IndexManager } from '../indexing/index-manager.js';
import { readDocumentFile } from '../indexing/read-file.js';
import { parseDocument, titleFromPath } from '../markdown/index.js';
import { runHybridSearch, dedupNearDuplicates, jaccardShingles, type FusedHit } from '../search/index.js';
import type { CompressedQueryParams, DocsService, DocumentSummary, DocumentView, GetDocumentParams, IndexingNotice, QueryParams, QueryStats } from '../mcp/service.js';
import { documentLinks, documentsNamed, namedHint } from './document-links.js';
import { sliceDocument } from './slice-document.js';

export interface DocsServiceDeps {
  config: Config;
  manager: IndexManager;
  /** Only the ready embedder and its vector space are read. */
  embedding: Pick<EmbedderRuntime, 'embedder' | 'spaceId'>;
  /** How long a call made during start-up waits for the persisted index (default 10 s). */
  loadWaitMs?: number;
}

/** The collection a config serves (its first, for a config of several). */
export function collectionOf(config: Config): { name: string; description: string } {
  const c = config.collections[0];
  return { name: c?.name ?? 'docs', description: c?.description ?? '' };
}

const LOAD_WAIT_MS = 10_000;

/** Implements the MCP tools' port over the index manager's current corpus. */
export function createDocsService(deps: DocsServiceDeps): DocsService {
  const { config, manager, embedding } = deps;
  const collection = collectionOf(config).name;
  const loadWaitMs = deps.loadWaitMs ?? LOAD_WAIT_MS;
  /**
   * The corpus to answer from: a call that arrives while the persisted generation loads waits
   * for it (bounded), so it never answers from the empty index of a starting instance.
   */
  const loadedCorpus = async (): Promise<Corpus> => {
    if (!(await manager.whenLoaded(loadWaitMs))) {
      throw new AppError('NOT_READY', `the index is still loading after ${Math.round(loadWaitMs / 1000)} s`, {
        hint: 'Try again in a few seconds; index_status shows the progress.',
      });
    }
    return manager.current();
  };
  /** Set while the index is incomplete (a first build or a large change being applied). */
  const indexingNotice = (): IndexingNotice | undefined => {
    const p = manager.progress();
    if (p === null || p.loading || (p.filesTotal !== null && p.filesIndexed >= p.filesTotal)) return undefined;
    return { files_indexed: p.filesIndexed, files_total: p.filesTotal };
  };
  const onSemanticError = (err: unknown): void => manager.reportSearchError(err);
  const queryVectors = createQueryVectorCache(config.embedder.queryCacheSize);
  const embedQuery = async (query: string): Promise<Float32Array> => {
    const embedder = embedding.embedder;
    const space = embedding.spaceId;
    if (embedder === null || space === null) throw new AppError('EMBEDDER_UNAVAILABLE', 'the embedder is not ready');
    const cached = queryVectors.get(space, query);
    if (cached) return cached;
    const vector = await embedder.embedQuery(query);
    queryVectors.set(space, query, vector);
    return vector;
  };

  const search = async (params: QueryParams, corpus: Corpus, candidates: number): Promise<FusedHit[]> => {
    const filter = buildFilter(corpus, params);
    return runHybridSearch({
      query: params.query,
      topN: candidates,
      keyword: (q, n) => corpus.search(q, n),
      keywordEvidence: (q, n) => corpus.searchEvidence(q, n),
      fusion: config.search.fusion,
      semanticFloor: corpus.vector ? typicalSimilarity(corpus.vector) : 0,
      // Semantic results join as soon as the embedder is ready and some chunks have vectors.
      semantic:
        manager.semanticReady() && corpus.embeddedChunks > 0
          ? async (q, n) => corpus.vector?.search(await embedQuery(q), n) ?? []
          : undefined,
      // An embedder failure degrades this query to keyword + graph instead of failing it.
      onSemanticError: onSemanticError,
      graph: {
        neighbors: (path) => corpus.graph.neighbors(path),
        firstChunks: (path) => corpus.chunkIds(path),
        linkContexts: (id, evidence) => corpus.linkContexts(id, evidence),
      },
      chunkDoc: (id) => corpus.chunkDoc(id),
      filter,
      weights: { keyword: config.search.weightKeyword, semantic: config.search.weightSemantic, graph: config.search.weightGraph },
      rrfK: config.search.rrfK,
      maxPerDocument: config.search.maxPerDocument,
    });
  };

  /** Results in hit order; texts are read from disk for these chunks only. */
  const toResults = async (corpus: Corpus, hits: readonly FusedHit[]): Promise<SearchResult[]> => {
    const chunks = await corpus.readChunks(hits.map((h) => h.id));
    return hits.map((h) => toResult(chunks.get(h.id), h)).filter((r): r is SearchResult => r !== null);
  };
  const toResult = (chunk: ChunkView | undefined, hit: FusedHit): SearchResult | null => {
    if (!chunk) return null;
    return {
      collection,
      path: chunk.path,
      heading_path: chunk.headingPath,
      start_line: chunk.startLine,
      end_line: chunk.endLine,
      score: hit.score,
      content: chunk.content,
      matched_by: hit.matchedBy,
    };
  };

  return {
    async query(params) {
      const corpus = await loadedCorpus();
      const hits = await search(params, corpus, params.topN);
      const indexing = indexingNotice();
      return { results: await toResults(corpus, hits.slice(0, params.topN)), ...(indexing ? { indexing } : {}) };
    },

    async queryCompressed(params: CompressedQueryParams) {
      const corpus = await loadedCorpus();
      const hits = await search(params, corpus, Math.max(params.topN * 3, 20));
      const minScore = params.minScore ?? 0;
      const aboveMin = hits.filter((h) => h.score >= minScore);
      const threshold = params.similarityThreshold ?? config.search.dedupThreshold;
      // Text similarity needs the candidates' texts: read once, for the candidates only.
      const texts = await corpus.readChunks(aboveMin.map((h) => h.id));
      const similarity = chunkSimilarity(corpus, texts);
      const deduped = dedupNearDuplicates(aboveMin, similarity, threshold);
      const kept = deduped.slice(0, params.topN);
      const stats: QueryStats = {
        before: hits.length,
        after: kept.length,
        removed_below_min_score: hits.length - aboveMin.length,
        removed_duplicates: aboveMin.length - deduped.length,
      };
      const indexing = indexingNotice();
      return { results: kept.map((h) => toResult(texts.get(h.id), h)).filter((r): r is SearchResult => r !== null), stats, ...(indexing ? { indexing } : {}) };
    },

    async getDocument(params: GetDocumentParams): Promise<DocumentView> {
      const requested = normalizeDocPath(params.path);
      if (requested === null || params.path.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(params.path)) {
        throw new AppError('PATH_OUTSIDE_ROOT', `path ${JSON.stringify(params.path)} is not a document path inside the docs root`, {
          hint: 'Pass a path relative to the docs root, as returned by query_documents or list_documents (e.g. "guides/setup.md").',
        });
      }
      const corpus = await loadedCorpus();
      const suggest = (): string => {
        const near = suggestPaths(corpus, params.path, 3);
        return near.length > 0 ? `Did you mean ${near.map((p) => JSON.stringify(p)).join(', ')}? Use list_documents to see every path.` : 'Use list_documents to see the available paths.';
      };
      const read = async (p: string): Promise<Awaited<ReturnType<typeof readDocumentFile>> | null> => {
        if (!manager.pathFilter.includesFile(p)) return null;
        try {
          return await readDocumentFile(config.docs.root, p, config.docs.maxFileBytes);
        } catch (err) {
          if (isAppError(err) && err.code === 'NOT_FOUND') return null;
          throw err;
        }
      };
      // The path as given first (a file on disk not indexed yet is still read as itself); then a
      // link-style name ("Space Lua", "space lua.md", an alias), resolved as a wikilink from the root.
      let path = requested;
      let file = await read(requested);
      if (file === null) {
        const named = corpus.resolveTarget('', { kind: 'wiki', target: params.path.trim(), line: 0 });
        if (named !== null && named !== requested) {
          path = named;
          file = await read(named);
        }
      }
      if (file === null) {
        const why = manager.pathFilter.includesFile(path) ? 'does not exist' : `is not an indexed document (excluded or not a ${config.docs.extensions.join('/')} file)`;
        throw new AppError('NOT_FOUND', `${path} ${why}`, { hint: suggest() });
      }
      const meta = await corpus.readDocument(path);
      const parsed = meta ?? parseDocument(path, file.text, config.chunking);
      const slice = sliceDocument(file.text, parsed.headings, params, parsed.blockIds);
      const links = await documentLinks(path, parsed.links, corpus, config.docs.extensions);
      return {
        collection,
        path,
        title: parsed.title,
        content: slice.content,
        start_line: slice.startLine,
        end_line: slice.endLine,
        headings: parsed.headings,
        blocks: parsed.blockIds.map((b) => ({ id: b.id, start_line: b.line, end_line: b.endLine })),
        tags: parsed.tags,
        links_out: links.links_out,
        link_problems: links.link_problems,
        links_in: corpus.graph.backlinks(path),
      };
    },

    async listDocuments(params) {
      const corpus = await loadedCorpus();
      const match = params.glob ? compileGlob(params.glob) : null;
      const tag = params.tag?.replace(/^#/, '').toLowerCase();
      const keep = (d: DocSummary): boolean => (match ? match(d.path) : true) && (tag ? d.tags.includes(tag) : true);
      const summarize = (d: DocSummary): DocumentSummary => ({ collection, path: d.path, title: d.title, tags: d.tags, chunks: d.chunks });
      const indexing = indexingNotice();
      if (params.name !== undefined) {
        // What a model asks when a link is ambiguous: every document the name could mean, the one
        // [[name]] opens from the root first.
        const named = documentsNamed(corpus, params.name);
        const documents = named.filter(keep).map(summarize);
        const hint = documents.length > 0 ? undefined : namedHint(params.name, named, suggestPaths(corpus, params.name, 3));
        return { documents, ...(hint ? { hint } : {}), ...(indexing ? { indexing } : {}) };
      }
      const documents = corpus
        .documents()
        .filter(keep)
        .sort((a, b) => (a.path < b.path ? -1 : 1))
        .map(summarize);
      return { documents, ...(indexing ? { indexing } : {}) };
    },

    status: () => manager.status(),

    collections: () => [{ name: collection, description: collectionOf(config).description, root: config.docs.root }],

    onDocumentsChanged: (listener) => manager.onCorpusChanged(listener),
  };
}

/**
 * Up to `limit` document paths closest to what was asked for: the file name (without folder and
 * extension) or title containing it first, then by edit distance of the file name.
 */
export function suggestPaths(corpus: Pick<Corpus, 'documents'>, asked: string, limit: number): string[] {
  const stem = (p: string): string => titleFromPath(p).toLowerCase();
  const want = stem(asked.trim());
  if (want === '') return [];
  const scored = corpus.documents().map((d) => {
    const s = stem(d.path);
    const contains = s.includes(want) || want.includes(s) || d.title.toLowerCase().includes(want);
    return { path: d.path, rank: contains ? 0 : 1, distance: editDistance(want, s) };
  });
  const close = scored.filter((x) => x.rank === 0 || x.distance <= Math.max(2, Math.floor(want.length / 3)));
  close.sort((a, b) => a.rank - b.rank || a.distance - b.distance || (a.path < b.path ? -1 : 1));
  return close.slice(0, limit).map((x) => x.path);
}

function buildFilter(corpus: Corpus, params: QueryParams): ((id: string) => boolean) | undefined {
  const match = params.pathGlob ? compileGlob(params.pathGlob) : null;
  const tags = params.tags?.map((t) => t.replace(/^#/, '').toLowerCase()).filter((t) => t !== '') ?? [];
  if (!match && tags.length === 0) return undefined;
  return (id) => {
    const path = corpus.chunkDoc(id);
    if (match && !match(path)) return false;
    if (tags.length > 0) {
      const docTags = corpus.tags(path);
      if (!tags.every((t) => docTags.includes(t))) return false;
    }
    return true;
  };
}

function compileGlob(glob: string): (path: string) => boolean {
  try {
    return picomatch(glob, { dot: true });
  } catch (err) {
    throw new AppError('INVALID_ARGUMENT', `invalid glob ${JSON.stringify(glob)}: ${String(err)}`, {
      hint: 'Use a glob relative to the docs root, e.g. "guides/**" or "**/*.md".',
    });
  }
}

/** Cosine of stored vectors when both chunks have one, else word-shingle Jaccard of their text. */
function chunkSimilarity(corpus: Corpus, texts: ReadonlyMap<string, ChunkView>): (a: string, b: string) => number {
  return (a, b) => {
    const va = corpus.vector?.has(a) ? corpus.vector.getVector(a) : null;
    const vb = corpus.vector?.has(b) ? corpus.vector.getVector(b) : null;
    if (va && vb) return cosine(va, vb);
    const ca = texts.get(a);
    const cb = texts.get(b);
    return ca && cb ? jaccardShingles(ca.content, cb.content) : 0;
  };
}

const FLOOR_SAMPLE = 48;
const floors = new WeakMap<VectorIndex, { floor: number; size: number }>();

/**
 * The median cosine similarity of pairs of stored vectors spread over the index (different
 * documents, mostly unrelated): the similarity at which semantic evidence counts as 0 (see
 * src/search/evidence.ts). Sampled once per vector index and again when its size has changed by
 * half; 48 vectors give 1,128 pairs.
 */
export function typicalSimilarity(index: VectorIndex): number {
  const known = floors.get(index);
  if (known !== undefined && index.size <= known.size * 1.5 && index.size >= known.size / 1.5) return known.floor;
  const ids = index.ids();
  const step = Math.max(1, ids.length / FLOOR_SAMPLE);
  const vectors: Float32Array[] = [];
  for (let i = 0; i < ids.length && vectors.length < FLOOR_SAMPLE; i += step) {
    const v = index.getVector(ids[Math.floor(i)] as string);
    if (v) vectors.push(v);
  }
  const sims: number[] = [];
  for (let i = 0; i < vectors.length; i++) for (let j = i + 1; j < vectors.length; j++) sims.push(cosine(vectors[i] as Float32Array, vectors[j] as Float32Array));
  sims.sort((a, b) => a - b);
  const floor = sims.length === 0 ? 0 : (sims[Math.floor(sims.length / 2)] as number);
  floors.set(index, { floor, size: index.size });
  return floor;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
