import type { Chunk, DocumentMeta, FileEntry, ParsedDocument } from '../core/types.js';
import { createKeywordIndex, type BuiltSegment, type KeywordDoc, type KeywordIndex, type KeywordIndexParams } from '../indices/keyword.js';
import { createVectorIndex, type VectorIndex } from '../indices/vector.js';
import { createLinkGraph, type LinkGraph } from '../indices/graph.js';
import { documentNames, resolveLink } from '../markdown/index.js';

/** A parsed file ready to be applied, with vectors for its chunks when an embedder is active. */
export interface PreparedFile {
  entry: FileEntry;
  doc: ParsedDocument;
  vectors: Map<string, Float32Array> | null;
}

/** A file that is deliberately not indexed (binary, too large…), remembered so reconcile skips it. */
export interface SkippedFile {
  path: string;
  size: number;
  mtimeMs: number;
  reason: string;
}

export interface ChangeSet {
  upserts: PreparedFile[];
  deletes: string[];
  /** Entries whose bytes are unchanged but whose mtime moved (touch, checkout). */
  touched: FileEntry[];
  skipped: SkippedFile[];
}

/**
 * The in-memory index: file table, document metadata, chunks and the three indices.
 * `apply` is synchronous on purpose: all awaits (reading, parsing, embedding) happen before it,
 * so a query running on the event loop sees either the whole change or none of it.
 */
export class Corpus {
  readonly files = new Map<string, FileEntry>();
  readonly docs = new Map<string, DocumentMeta>();
  readonly chunks = new Map<string, Chunk>();
  readonly skipped = new Map<string, SkippedFile>();
  readonly keyword: KeywordIndex;
  /**
   * Vectors of the chunks that have been embedded, in the space `vectorSpace` names. Null until
   * an embedder is ready (it knows the dimension); chunks without a vector are embedded later.
   */
  vector: VectorIndex | null;
  vectorSpace: string | null;
  readonly graph: LinkGraph;
  /** Lower-cased names (file stem, title, aliases) → path, for wikilink resolution. */
  private readonly names = new Map<string, string>();
  /**
   * Link resolution is a pure function of the answers to `hasPath(p)` and `byName(n)`. Each
   * document's questions are recorded (`p:<path>`, `n:<name>`), so a change re-resolves only
   * the documents that asked about a path or name whose answer may have changed.
   */
  private readonly linkDeps = new Map<string, Set<string>>();
  private readonly depsOf = new Map<string, string[]>();
  /** False for a loaded corpus until one full pass has recorded every document's questions. */
  private depsKnown: boolean;
  /** Keys whose answer may have changed during the current apply. */
  private readonly changedKeys = new Set<string>();
  /** Documents whose links still need resolving (apply with `deferLinks`; see `resolvePendingLinks`). */
  private readonly linksDue = new Set<string>();
  /** Chunk content hash → a chunk id holding that content, to reuse its vector. */
  private readonly byHash = new Map<string, string>();
  /** Set by apply/load, cleared by the persister once it has written them. */
  readonly dirty = { vectors: true, shards: new Set<string>(ALL_SHARDS) };
  /** False when loaded from a fallback generation: no blob of the base manifest may be reused. */
  keepable = true;
  /** Keyword segment ids already on disk, by blob name (segments are immutable: same id, same bytes). */
  readonly persistedSegmentBlob = new Map<string, string>();

  constructor(
    readonly keywordParams: KeywordIndexParams,
    parts?: { keyword?: KeywordIndex; vector?: { index: VectorIndex; space: string } | null; graph?: LinkGraph },
  ) {
    this.keyword = parts?.keyword ?? createKeywordIndex(keywordParams);
    this.vector = parts?.vector?.index ?? null;
    this.vectorSpace = parts?.vector?.space ?? null;
    this.graph = parts?.graph ?? createLinkGraph();
    this.depsKnown = parts?.graph === undefined;
  }

  /**
   * Makes sure vectors of `space` with `dimension` can be added. Vectors of another space or
   * dimension are stale: they are all dropped (and re-embedded), never mixed. Returns true
   * when it dropped some.
   */
  useVectorSpace(space: string, dimension: number): boolean {
    if (this.vector !== null && this.vectorSpace === space && this.vector.dimension === dimension) return false;
    const dropped = this.vector !== null && this.vector.size > 0;
    this.vector = createVectorIndex({ dimension, initialCapacity: Math.max(1024, this.chunks.size) });
    this.vectorSpace = space;
    this.dirty.vectors = true;
    return dropped;
  }

  /** Up to `limit` chunks that have no vector yet, in a stable order. */
  chunksWithoutVector(limit: number): Chunk[] {
    const out: Chunk[] = [];
    if (this.vector === null) return out;
    for (const chunk of this.chunks.values()) {
      if (this.vector.has(chunk.id)) continue;
      out.push(chunk);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Chunks that have a vector (0 while no embedder has been ready). */
  get embeddedChunks(): number {
    return this.vector?.size ?? 0;
  }

  /** Adds vectors computed in the background for chunks that are still current. Synchronous, like apply. */
  addVectors(vectors: ReadonlyMap<string, { hash: string; vector: Float32Array }>): number {
    if (this.vector === null) return 0;
    let added = 0;
    for (const [id, v] of vectors) {
      // The chunk may have changed or gone while it was being embedded: its vector would be stale.
      if (this.chunks.get(id)?.hash !== v.hash) continue;
      this.vector.add(id, v.vector);
      // Identical content elsewhere (not yet embedded) now finds this vector to reuse.
      this.byHash.set(v.hash, id);
      added++;
    }
    if (added > 0) this.dirty.vectors = true;
    return added;
  }

  /** Vector of an existing chunk with identical content, if any (saves re-embedding). */
  reusableVector(hash: string): Float32Array | null {
    if (this.vector === null) return null;
    const id = this.byHash.get(hash);
    if (id === undefined || !this.vector.has(id)) return null;
    return this.vector.getVector(id) ?? null;
  }

  /**
   * `keywordSegment`: the keyword segment of `keywordDocsOf(change)`, built elsewhere (a worker)
   * so that apply does not build it here.
   */
  apply(change: ChangeSet, opts: { keywordSegment?: BuiltSegment; deferLinks?: boolean } = {}): void {
    const removedChunkIds: string[] = [];
    for (const path of change.deletes) removedChunkIds.push(...this.removeDocument(path));
    for (const t of change.touched) {
      const entry = this.files.get(t.path);
      if (entry) this.files.set(t.path, { ...entry, size: t.size, mtimeMs: t.mtimeMs });
      this.dirty.shards.add(shardOf(t.path));
    }
    for (const s of change.skipped) {
      removedChunkIds.push(...this.removeDocument(s.path));
      this.skipped.set(s.path, s);
      this.dirty.shards.add(shardOf(s.path));
    }
    for (const prepared of change.upserts) {
      const { doc, entry } = prepared;
      const previous = this.docs.get(doc.path);
      if (this.skipped.delete(doc.path)) this.dirty.shards.add(shardOf(doc.path));
      if (!previous) this.changedKeys.add(`p:${doc.path}`);
      if (previous) {
        this.forgetNames(previous);
        const keep = new Set(doc.chunks.map((c) => c.id));
        for (const id of previous.chunkIds) {
          if (!keep.has(id)) {
            removedChunkIds.push(id);
            this.forgetChunk(id);
          }
        }
      }
      const meta: DocumentMeta = {
        path: doc.path,
        title: doc.title,
        tags: doc.tags,
        aliases: doc.aliases,
        headings: doc.headings,
        links: doc.links,
        chunkIds: doc.chunks.map((c) => c.id),
        warnings: doc.warnings,
      };
      this.docs.set(doc.path, meta);
      this.files.set(doc.path, { ...entry, chunkIds: meta.chunkIds });
      this.rememberNames(meta);
      const names = documentNames(meta);
      const before = previous ? documentNames(previous) : [];
      if (names.length !== before.length || names.some((n, i) => n !== before[i])) for (const n of [...before, ...names]) this.changedKeys.add(`n:${n}`);
      this.dirty.shards.add(shardOf(doc.path));
      for (const chunk of doc.chunks) {
        const old = this.chunks.get(chunk.id);
        if (old && this.byHash.get(old.hash) === chunk.id) this.byHash.delete(old.hash);
        this.chunks.set(chunk.id, chunk);
        const vec = prepared.vectors?.get(chunk.id);
        // Keep pointing at a chunk whose vector can be reused, if there is one.
        const holder = this.byHash.get(chunk.hash);
        if (holder === undefined || vec || !this.vector?.has(holder)) this.byHash.set(chunk.hash, chunk.id);
        if (this.vector && vec) this.vector.add(chunk.id, vec);
        // No new vector (no embedder yet): an old vector of different content would be stale.
        else if (this.vector && old && old.hash !== chunk.hash) this.vector.remove(chunk.id);
      }
    }
    if (removedChunkIds.length > 0) {
      this.keyword.remove(removedChunkIds);
      if (this.vector) for (const id of removedChunkIds) this.vector.remove(id);
    }
    const keywordDocs = keywordDocsOf(change);
    if (keywordDocs.length > 0) this.keyword.upsert(keywordDocs, opts.keywordSegment);
    // Unless merges are deferred (the index manager runs them in a worker), upsert/remove merge
    // segments themselves (amortised O(log n) per doc); a full compaction is only due when
    // masked copies dominate.
    if (this.keyword.needsCompaction()) this.keyword.compact();
    this.relink(change.upserts.map((u) => u.entry.path));
    if (!opts.deferLinks) this.resolveDueLinks(Number.POSITIVE_INFINITY);
    if (this.vector && (removedChunkIds.length > 0 || change.upserts.length > 0)) this.dirty.vectors = true;
  }

  /** Called once everything is on disk: only later changes make blobs dirty again. */
  markClean(): void {
    this.dirty.vectors = false;
    this.dirty.shards.clear();
    this.keepable = true;
    this.persistedSegmentBlob.clear();
    for (const id of this.keyword.segmentIds()) this.persistedSegmentBlob.set(keywordSegmentBlob(id), id);
  }

  /** Path of the document a chunk belongs to. */
  chunkDoc(id: string): string {
    return this.chunks.get(id)?.docPath ?? id.slice(0, id.lastIndexOf('#'));
  }

  /** Rebuilds name lookup and hash map after loading from disk. */
  rebuildDerived(): void {
    this.names.clear();
    this.byHash.clear();
    for (const meta of this.docs.values()) this.rememberNames(meta);
    for (const chunk of this.chunks.values()) {
      const holder = this.byHash.get(chunk.hash);
      if (holder === undefined || (this.vector?.has(chunk.id) && !this.vector.has(holder))) this.byHash.set(chunk.hash, chunk.id);
    }
  }

  resolveTarget(fromPath: string, link: DocumentMeta['links'][number]): string | null {
    return resolveLink(fromPath, link, {
      hasPath: (p) => this.docs.has(p),
      byName: (n) => this.names.get(n),
    });
  }

  private removeDocument(path: string): string[] {
    const meta = this.docs.get(path);
    this.files.delete(path);
    if (!meta) return [];
    this.docs.delete(path);
    this.changedKeys.add(`p:${path}`);
    for (const n of documentNames(meta)) this.changedKeys.add(`n:${n}`);
    this.setDeps(path, []);
    this.forgetNames(meta);
    for (const id of meta.chunkIds) this.forgetChunk(id);
    this.graph.removeDocument(path);
    this.dirty.shards.add(shardOf(path));
    return meta.chunkIds;
  }

  private forgetChunk(id: string): void {
    const chunk = this.chunks.get(id);
    if (!chunk) return;
    this.chunks.delete(id);
    if (this.byHash.get(chunk.hash) === id) this.byHash.delete(chunk.hash);
  }

  private rememberNames(meta: DocumentMeta): void {
    for (const name of documentNames(meta)) if (!this.names.has(name)) this.names.set(name, meta.path);
  }

  private forgetNames(meta: DocumentMeta): void {
    for (const name of documentNames(meta)) if (this.names.get(name) === meta.path) this.names.delete(name);
  }

  /** Re-resolves the links of `upserted` and of every document whose questions changed answer. */
  /**
   * Resolves the links apply left due (`deferLinks`), yielding to the event loop every `sliceMs`:
   * on a large batch this is the longest synchronous step. Meanwhile queries see the documents
   * with their previous (or no) link edges; the caller awaits this before publishing.
   */
  async resolvePendingLinks(sliceMs = 10): Promise<void> {
    while (!this.resolveDueLinks(sliceMs)) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Marks `upserted` and every document whose link questions changed answer as due. */
  private relink(upserted: readonly string[]): void {
    const changed = [...this.changedKeys];
    this.changedKeys.clear();
    if (changed.length > 0 && !this.depsKnown) {
      for (const path of this.docs.keys()) this.linksDue.add(path);
      this.depsKnown = true;
      return;
    }
    for (const path of upserted) this.linksDue.add(path);
    for (const key of changed) for (const path of this.linkDeps.get(key) ?? []) this.linksDue.add(path);
  }

  /** Resolves due links for up to `budgetMs`; true when none are left. */
  private resolveDueLinks(budgetMs: number): boolean {
    const start = performance.now();
    for (const path of this.linksDue) {
      this.linksDue.delete(path);
      this.resolveLinksOf(path);
      if (performance.now() - start >= budgetMs) return this.linksDue.size === 0;
    }
    return true;
  }

  private resolveLinksOf(path: string): void {
    const meta = this.docs.get(path);
    if (!meta) return;
    const asked = new Set<string>();
    const lookup = {
      hasPath: (p: string) => (asked.add(`p:${p}`), this.docs.has(p)),
      byName: (n: string) => (asked.add(`n:${n}`), this.names.get(n)),
    };
    const resolved = new Set<string>();
    const unresolved = new Set<string>();
    for (const link of meta.links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target) && link.kind !== 'wiki') continue;
      const target = resolveLink(path, link, lookup);
      if (target === null) {
        if (link.target !== '') unresolved.add(link.target);
      } else if (target !== path) resolved.add(target);
    }
    this.graph.setDocument(path, [...resolved], [...unresolved]);
    this.setDeps(path, [...asked]);
  }

  private setDeps(path: string, keys: readonly string[]): void {
    for (const key of this.depsOf.get(path) ?? []) {
      const docs = this.linkDeps.get(key);
      docs?.delete(path);
      if (docs?.size === 0) this.linkDeps.delete(key);
    }
    if (keys.length === 0) this.depsOf.delete(path);
    else this.depsOf.set(path, [...keys]);
    for (const key of keys) {
      let docs = this.linkDeps.get(key);
      if (!docs) this.linkDeps.set(key, (docs = new Set()));
      docs.add(path);
    }
  }
}

/** What the keyword index holds for the chunks a change upserts. */
export function keywordDocsOf(change: ChangeSet): KeywordDoc[] {
  const docs: KeywordDoc[] = [];
  for (const { doc } of change.upserts) {
    const headingsText = doc.headings.map((h) => h.text).join('\n');
    for (const chunk of doc.chunks) {
      docs.push({ id: chunk.id, title: doc.title, headings: chunk.headingPath.join(' \n ') || headingsText, body: chunk.content });
    }
  }
  return docs;
}

/** Blob name of a keyword segment: named by its content id, so an unchanged segment keeps its blob. */
export function keywordSegmentBlob(segmentId: string): string {
  return `keyword-seg-${segmentId.slice(0, 32)}.json`;
}

/**
 * The file table and the chunks are persisted in shards keyed by document path, so an edit
 * rewrites one shard of each instead of the whole table.
 */
export const SHARDS = 32;
const ALL_SHARDS = Array.from({ length: SHARDS }, (_, i) => i.toString(16));
export function shardOf(path: string): string {
  let h = 0;
  for (let i = 0; i < path.length; i++) h = (h * 31 + path.charCodeAt(i)) >>> 0;
  return (h % SHARDS).toString(16);
}
