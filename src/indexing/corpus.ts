import type { DocumentMeta, KeywordEvidence, Link, RankedHit } from '../core/types.js';
import { createQueryAnalyzer, createQueryUnitsAnalyzer, createSegmentIndex, createUnitMatcher, type KeywordIndexParams, type QueryUnit } from '../indices/keyword.js';
import { passageAround } from '../markdown/passage.js';
import { aliasesOf, chunkId, parseChunkId, pathOf, tagsOf, titleOf, type FileView, type SegmentIndex } from '../indices/segment-index.js';
import { segmentBlobName } from '../indices/segment-build.js';
import { DOC_FLAG_SKIPPED, type SegmentData } from '../indices/segment-layout.js';
import { checkRecord, decodeChunkRecord, decodeDocRecord, type DocRecord } from '../indices/text-blob.js';
import { createVectorIndex, type VectorIndex } from '../indices/vector.js';
import { createLinkGraph, type LinkGraph } from '../indices/graph.js';
import { sameItems } from '../core/arrays.js';
import { AppError, errorMessage } from '../core/errors.js';
import { documentNames, resolveLink, resolveLinkCandidates, type LinkLookup, type LinkResolution } from '../markdown/index.js';
import type { PreparedBatch } from './prepare.js';
import type { TextStore } from './text-store.js';

/** A chunk as queries return it (texts read from its text blob). */
/** The links of one chunk, for graph expansion (Corpus.linkContexts). */
export interface LinkContext {
  links: { path: string; masks: number[] }[];
}

export interface ChunkView {
  id: string;
  path: string;
  headingPath: string[];
  startLine: number;
  endLine: number;
  content: string;
  /** sha256 hex of heading path + content. */
  hash: string;
}

/** A document's summary, from the in-memory tables (no text read). */
export interface DocSummary {
  path: string;
  title: string;
  tags: string[];
  aliases: string[];
  chunks: number;
}

export interface CorpusParts {
  index: SegmentIndex;
  graph: LinkGraph;
  vector: { index: VectorIndex; space: string } | null;
}

/**
 * The in-memory index an instance serves: the segment view (tables and postings as typed-array
 * views of the segment files; texts stay on disk, see TextStore), the link graph and the vectors.
 * `apply` is synchronous on purpose: the awaits (reading, parsing, building the segment) happen
 * before it, so a query running on the event loop sees the whole batch or none of it.
 */
export class Corpus {
  readonly index: SegmentIndex;
  readonly graph: LinkGraph;
  /** Vectors of the chunks that have been embedded, in the space `vectorSpace` names; null until an embedder is ready. */
  vector: VectorIndex | null;
  vectorSpace: string | null;
  /** The vector index's base (`vectors.hnsw`) is on disk in the base generation: publishes may write a delta. */
  vectorBaseOnDisk = false;
  /** Set by apply/load, cleared by the persister once written: documents whose link-graph entry changed. */
  readonly dirty = { vectors: true, graph: new Set<string>(), allGraph: true };
  /** False when loaded from a fallback generation: no blob of the base manifest may be reused. */
  keepable = true;
  private readonly analyze: (query: string) => string[];
  private readonly analyzeUnits: (query: string) => QueryUnit[];
  private readonly matchUnits: ReturnType<typeof createUnitMatcher>;
  /**
   * Lower-cased names (file stem, title, aliases) → the paths answering to them, sorted, for
   * wikilink resolution; built on first use. A name several documents claim resolves to the
   * first path in order, whatever order the documents were indexed in.
   */
  private names: Map<string, string[]> | null = null;
  private caseless: Map<string, string[]> | null = null;
  /**
   * Link resolution is a pure function of the answers to `hasPath(p)`, `pathCaseless(p)` and
   * `byName(n)`. Each document's questions are recorded (`p:<path>`, `c:<lower path>`,
   * `n:<name>`), so a change re-resolves only the
   * documents that asked about a path or name whose answer may have changed.
   */
  private readonly linkDeps = new Map<string, Set<string>>();
  private readonly depsOf = new Map<string, string[]>();
  /** False for a loaded corpus until one full pass has recorded every document's questions. */
  private depsKnown: boolean;
  private readonly changedKeys = new Set<string>();
  /** Documents whose links still need resolving (see `resolvePendingLinks`). */
  private readonly linksDue = new Set<string>();
  /** Chunk content hash → a chunk id holding a vector of that content (built on first use). */
  private byHash: Map<string, string> | null = null;
  /** Live chunk ids without a vector (built on first use while vectors exist). */
  private missing: Set<string> | null = null;
  /**
   * Vectors of the chunks the last two applies removed, by content hash. A rename or a folder
   * moved arrives as deletes and adds of the same content, in one batch or in two (the watcher
   * reports the old and new paths a moment apart, and a write cycle may start in between): its
   * content is not embedded again. Two batches old at most, so the memory is transient.
   */
  private removedNow = new Map<string, Float32Array>();
  private removedBefore = new Map<string, Float32Array>();

  constructor(
    readonly keywordParams: KeywordIndexParams,
    readonly texts: TextStore,
    parts?: CorpusParts,
  ) {
    this.index = parts?.index ?? createSegmentIndex(keywordParams);
    this.graph = parts?.graph ?? createLinkGraph();
    this.vector = parts?.vector?.index ?? null;
    this.vectorSpace = parts?.vector?.space ?? null;
    this.depsKnown = parts === undefined;
    this.analyze = createQueryAnalyzer();
    this.analyzeUnits = createQueryUnitsAnalyzer();
    this.matchUnits = createUnitMatcher();
  }

  get documentCount(): number {
    return this.index.liveDocs;
  }

  get chunkCount(): number {
    return this.index.liveChunks;
  }

  get skippedCount(): number {
    return this.index.skippedFiles;
  }

  /** BM25F keyword hits, best first. */
  search(query: string, limit: number): RankedHit[] {
    return this.index.search(this.analyze(query), limit);
  }

  /** BM25F keyword hits over the query's units, with the evidence the fusion calibrates with. */
  searchEvidence(query: string, limit: number): KeywordEvidence {
    return this.index.searchEvidence(this.analyzeUnits(query), limit);
  }

  /** File-table entry of a document or skipped file. */
  file(path: string): FileView | undefined {
    return this.index.file(path);
  }

  /** Every path the file table knows (documents and skipped files). */
  knownPaths(): string[] {
    return [...this.index.paths()];
  }

  hasDocument(path: string): boolean {
    const f = this.index.file(path);
    return f !== undefined && !f.skipped;
  }

  /** Path of the document a chunk belongs to. */
  chunkDoc(id: string): string {
    return parseChunkId(id)?.path ?? id;
  }

  /** Chunk ids of a document, in order. */
  chunkIds(path: string): string[] {
    const f = this.index.file(path);
    if (f === undefined) return [];
    return Array.from({ length: f.chunks }, (_, i) => chunkId(path, i));
  }

  summary(path: string): DocSummary | null {
    const at = this.index.get(path);
    if (at === undefined) return null;
    const { data } = at.seg;
    if (this.index.file(path)?.skipped) return null;
    return { path, title: titleOf(data, at.doc), tags: tagsOf(data, at.doc), aliases: aliasesOf(data, at.doc), chunks: data.docChunks[at.doc] as number };
  }

  tags(path: string): string[] {
    const at = this.index.get(path);
    return at === undefined ? [] : tagsOf(at.seg.data, at.doc);
  }

  /** Every indexed document (not skipped files), unsorted. */
  documents(): DocSummary[] {
    const out: DocSummary[] = [];
    for (const path of this.index.paths()) {
      const s = this.summary(path);
      if (s) out.push(s);
    }
    return out;
  }

  /** sha256 hex of a live chunk's heading path + content, or undefined. */
  chunkHash(id: string): string | undefined {
    const at = this.index.chunk(id);
    if (at === undefined) return undefined;
    return hashAt(at.seg.data, at.chunk);
  }

  /** Reads the chunks (those still live) from their text blobs; ids that are not live are left out. */
  async readChunks(ids: readonly string[]): Promise<Map<string, ChunkView>> {
    const out = new Map<string, ChunkView>();
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        const at = this.index.chunk(id);
        if (at === undefined) return;
        const { data } = at.seg;
        const c = at.chunk;
        const name = data.info.texts[data.chunkText[c] as number] as string;
        const bytes = await this.texts.read(name, data.chunkOffset[c] as number, data.chunkLength[c] as number);
        const record = decodeRecord(bytes, data.chunkCrc[c] as number, `chunk ${id}`, name, decodeChunkRecord);
        out.set(id, {
          id,
          path: this.chunkDoc(id),
          headingPath: record.headingPath,
          startLine: data.chunkStart[c] as number,
          endLine: data.chunkEnd[c] as number,
          content: record.content,
          hash: hashAt(data, c),
        });
      }),
    );
    return out;
  }

  /**
   * Every skipped file with the reason recorded when it was skipped (too large, binary…), so an
   * instance that loads the index can still say why a file is missing without re-reading it.
   */
  async skippedFiles(): Promise<{ path: string; reason: string }[]> {
    const out: { path: string; reason: string }[] = [];
    for (const path of this.index.paths()) {
      const at = this.index.get(path);
      if (at === undefined || !this.index.file(path)?.skipped) continue;
      const record = await this.readDocRecord(at.seg.data, at.doc, path);
      if (record.reason !== null) out.push({ path, reason: record.reason });
    }
    return out;
  }

  /** A document's metadata (title and tags from the tables; headings, links, warnings from its text blob). */
  async readDocument(path: string): Promise<DocumentMeta | null> {
    const at = this.index.get(path);
    if (at === undefined || this.index.file(path)?.skipped) return null;
    const record = await this.readDocRecord(at.seg.data, at.doc, path);
    return this.metaOf(at.seg.data, at.doc, path, record);
  }

  /**
   * The documents a chunk links to, each with the query units found in the passage around the
   * link (the paragraph, list item or table row it sits in), one mask per link to it. Links to
   * the chunk's own document and unresolved links are left out.
   */
  async linkContexts(chunkId: string, evidence: Pick<KeywordEvidence, 'units'>): Promise<LinkContext> {
    const none: LinkContext = { links: [] };
    const chunk = (await this.readChunks([chunkId])).get(chunkId);
    if (chunk === undefined) return none;
    const meta = await this.readDocument(chunk.path);
    if (meta === null) return none;
    const lines = chunk.content.split('\n');
    const byTarget = new Map<string, number[]>();
    for (const link of meta.links) {
      if (link.line < chunk.startLine || link.line > chunk.endLine) continue;
      const target = this.resolveTarget(chunk.path, link);
      if (target === null || target === chunk.path) continue;
      const mask = this.matchUnits(evidence.units, passageAround(lines, link.line - chunk.startLine));
      const masks = byTarget.get(target);
      if (masks === undefined) byTarget.set(target, [mask]);
      else masks.push(mask);
    }
    return { links: [...byTarget].map(([path, masks]) => ({ path, masks })) };
  }

  resolveTarget(fromPath: string, link: Link): string | null {
    return resolveLink(fromPath, link, this.linkLookup());
  }

  /** `resolveTarget` plus the other documents the link's name could mean (an ambiguous name). */
  resolveTargetCandidates(fromPath: string, link: Link): LinkResolution {
    return resolveLinkCandidates(fromPath, link, this.linkLookup());
  }

  // --- writing -------------------------------------------------------------------------------

  /**
   * Applies a prepared batch whose segment (`data`, opened from `batch.built`) holds the new
   * copies: deletions, stamps, the segment, and the vectors its chunks can reuse. Links of the
   * documents concerned are resolved by `resolvePendingLinks`, which the caller awaits before
   * publishing; meanwhile queries see the previous (or no) link edges of those documents.
   */
  apply(batch: Pick<PreparedBatch, 'deletes' | 'touched'> & { built: { text: { name: string; bytes: Uint8Array } | null } | null }, data: SegmentData | null): void {
    this.removedBefore = this.removedNow;
    this.removedNow = new Map();
    for (const path of batch.deletes) this.removePath(path);
    for (const t of batch.touched) this.index.stamp(t.path, t.size, t.mtimeMs);
    if (data === null) {
      this.relink();
      return;
    }
    const text = batch.built?.text;
    if (text) this.texts.put(text.name, text.bytes);
    // What each path had before: stale vectors are dropped, changed names re-resolve links.
    const oldNames = new Map<string, string[]>();
    for (let doc = 0; doc < data.docCount; doc++) {
      const path = pathOf(data, doc);
      const before = this.index.get(path);
      if (before === undefined || this.index.file(path)?.skipped) this.membershipChanged(path);
      if (before !== undefined) oldNames.set(path, this.forgetDocument(path, before.seg.data, before.doc, data, doc));
    }
    this.index.add(data);
    for (let doc = 0; doc < data.docCount; doc++) {
      const path = pathOf(data, doc);
      const before = oldNames.get(path) ?? [];
      if (this.index.file(path)?.skipped) {
        for (const n of before) this.changedKeys.add(`n:${n}`);
        this.unclaimNames(path, before);
        this.membershipChanged(path);
        this.setDeps(path, []);
        this.graph.removeDocument(path);
        this.markGraph(path);
        continue;
      }
      const names = documentNames({ path, title: titleOf(data, doc), aliases: aliasesOf(data, doc) });
      if (!sameItems(before, names)) {
        for (const n of [...before, ...names]) this.changedKeys.add(`n:${n}`);
        this.unclaimNames(path, before);
        this.claimNames(path, names);
      }
      this.linksDue.add(path);
      this.addChunksOf(data, doc, path);
    }
    this.relink();
  }

  /** Resolves the links apply left due, reading the documents' link lists (the new ones are in memory). */
  async resolvePendingLinks(): Promise<void> {
    if (!this.depsKnown && this.changedKeys.size > 0) {
      for (const path of this.index.paths()) this.linksDue.add(path);
      this.depsKnown = true;
    }
    this.changedKeys.clear();
    while (this.linksDue.size > 0) {
      const due = [...this.linksDue].slice(0, 256);
      const links = await Promise.all(due.map(async (path) => [path, await this.linksOfDocument(path)] as const));
      for (const [path, list] of links) {
        this.linksDue.delete(path);
        if (list !== null) this.resolveLinksOf(path, list);
      }
    }
  }

  /**
   * Makes sure vectors of `space` with `dimension` can be added. Vectors of another space or
   * dimension are stale: they are all dropped (and re-embedded), never mixed. True when it dropped some.
   */
  useVectorSpace(space: string, dimension: number): boolean {
    if (this.vector !== null && this.vectorSpace === space && this.vector.dimension === dimension) return false;
    const dropped = this.vector !== null && this.vector.size > 0;
    this.vector = createVectorIndex({ dimension, initialCapacity: Math.max(1024, this.chunkCount) });
    this.vectorSpace = space;
    this.vectorBaseOnDisk = false;
    this.dirty.vectors = true;
    this.byHash = null;
    this.missing = null;
    this.removedNow = new Map();
    this.removedBefore = new Map();
    return dropped;
  }

  /** Chunks that have a vector (0 while no embedder has been ready). */
  get embeddedChunks(): number {
    return this.vector?.size ?? 0;
  }

  /** Up to `limit` live chunks without a vector yet: ids and content hashes. */
  chunksWithoutVector(limit: number): { id: string; hash: string }[] {
    if (this.vector === null) return [];
    const out: { id: string; hash: string }[] = [];
    for (const id of this.missingIds()) {
      const hash = this.chunkHash(id);
      if (hash === undefined || this.vector.has(id)) {
        this.missing?.delete(id);
        continue;
      }
      out.push({ id, hash });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Adds vectors computed in the background for chunks that are still current. Synchronous, like apply. */
  addVectors(vectors: ReadonlyMap<string, { hash: string; vector: Float32Array }>): number {
    if (this.vector === null) return 0;
    let added = 0;
    for (const [id, v] of vectors) {
      // The chunk may have changed or gone while it was being embedded: its vector would be stale.
      if (this.chunkHash(id) !== v.hash) continue;
      this.vector.add(id, v.vector);
      this.hashTable().set(v.hash, id);
      this.missing?.delete(id);
      added++;
    }
    if (added > 0) this.dirty.vectors = true;
    return added;
  }

  /** Vector of a live chunk with identical content, if any (saves re-embedding). */
  reusableVector(hash: string): Float32Array | null {
    if (this.vector === null) return null;
    const id = this.hashTable().get(hash);
    if (id === undefined || !this.vector.has(id)) return null;
    return this.vector.getVector(id) ?? null;
  }

  /** Blob names of everything the corpus needs on disk: its segments and their text blobs. */
  blobNames(): { segments: Map<string, SegmentData>; texts: Set<string> } {
    const segments = new Map<string, SegmentData>();
    const texts = new Set<string>();
    for (const seg of this.index.segments) {
      segments.set(segmentBlobName(seg.data.id), seg.data);
      for (const name of seg.data.info.texts) texts.add(name);
    }
    return { segments, texts };
  }

  /** Called once everything is on disk: only later changes make blobs dirty again. */
  markClean(): void {
    this.dirty.vectors = false;
    this.dirty.graph.clear();
    this.dirty.allGraph = false;
    this.keepable = true;
  }

  // --- internals -----------------------------------------------------------------------------

  private removePath(path: string): void {
    const at = this.index.get(path);
    if (at === undefined) return;
    const names = this.forgetDocument(path, at.seg.data, at.doc, null, 0);
    for (const n of names) this.changedKeys.add(`n:${n}`);
    this.unclaimNames(path, names);
    this.index.remove(path);
    this.membershipChanged(path);
    this.setDeps(path, []);
    this.graph.removeDocument(path);
    this.markGraph(path);
  }

  /** Drops the vectors of an old copy's chunks whose content changes; returns the names it answered to. */
  private forgetDocument(path: string, old: SegmentData, oldDoc: number, next: SegmentData | null, nextDoc: number): string[] {
    const oldSkipped = ((old.docFlags[oldDoc] as number) & DOC_FLAG_SKIPPED) !== 0;
    const names = oldSkipped ? [] : documentNames({ path, title: titleOf(old, oldDoc), aliases: aliasesOf(old, oldDoc) });
    const first = old.docFirstChunk[oldDoc] as number;
    const n = old.docChunks[oldDoc] as number;
    const nextFirst = next ? (next.docFirstChunk[nextDoc] as number) : 0;
    const nextN = next ? (next.docChunks[nextDoc] as number) : 0;
    for (let k = 0; k < n; k++) {
      const id = chunkId(path, k);
      const hash = hashAt(old, first + k);
      if (this.byHash?.get(hash) === id) this.byHash.delete(hash);
      this.missing?.delete(id);
      // Same ordinal, same content: the vector stays valid for the new copy.
      if (k < nextN && next !== null && hashAt(next, nextFirst + k) === hash) continue;
      const vector = this.vector?.getVector(id);
      if (vector !== undefined) this.removedNow.set(hash, vector);
      if (this.vector?.remove(id)) this.dirty.vectors = true;
    }
    return names;
  }

  private addChunksOf(data: SegmentData, doc: number, path: string): void {
    const first = data.docFirstChunk[doc] as number;
    const n = data.docChunks[doc] as number;
    for (let k = 0; k < n; k++) {
      const id = chunkId(path, k);
      const hash = hashAt(data, first + k);
      if (this.vector === null) continue;
      if (this.vector.has(id)) {
        this.hashTable().set(hash, id);
        continue;
      }
      const reused = this.reusableVector(hash) ?? this.removedNow.get(hash) ?? this.removedBefore.get(hash) ?? null;
      if (reused) {
        this.vector.add(id, reused);
        // This copy answers for its content from now on: the one it reused from may be the old
        // path of a rename, whose removal forgets the hash (the next copy would embed it again).
        this.hashTable().set(hash, id);
        this.dirty.vectors = true;
        this.reusedVectors++;
      } else this.missing?.add(id);
    }
  }

  /** Vectors reused for new chunks by apply since the counter was read (see `takeReused`). */
  private reusedVectors = 0;

  takeReused(): number {
    const n = this.reusedVectors;
    this.reusedVectors = 0;
    return n;
  }

  private missingIds(): Set<string> {
    if (this.missing === null) {
      this.missing = new Set();
      for (const path of this.index.paths()) for (const id of this.chunkIds(path)) if (!this.vector?.has(id)) this.missing.add(id);
    }
    return this.missing;
  }

  private hashTable(): Map<string, string> {
    if (this.byHash === null) {
      this.byHash = new Map();
      if (this.vector !== null) {
        for (const id of this.vector.ids()) {
          const hash = this.chunkHash(id);
          if (hash !== undefined) this.byHash.set(hash, id);
        }
      }
    }
    return this.byHash;
  }

  private linkLookup(): LinkLookup {
    const names = this.nameTable();
    return { hasPath: (p) => this.hasDocument(p), pathCaseless: (p) => this.caselessTable().get(p)?.[0], byName: (n) => names.get(n) ?? [] };
  }

  private nameTable(): Map<string, string[]> {
    if (this.names === null) {
      const names = new Map<string, string[]>();
      for (const path of [...this.index.paths()].sort()) {
        const s = this.summary(path);
        if (s === null) continue;
        for (const n of documentNames(s)) {
          const claims = names.get(n);
          if (claims === undefined) names.set(n, [path]);
          else if (claims.at(-1) !== path) claims.push(path);
        }
      }
      this.names = names;
    }
    return this.names;
  }

  /** A document appeared or went: link questions about its path (exact or caseless) may change answer. */
  private membershipChanged(path: string): void {
    this.changedKeys.add(`p:${path}`);
    this.changedKeys.add(`c:${path.toLowerCase()}`);
    this.caseless = null;
  }

  /** Lower-cased path → the documents with that path in any case, sorted (built on first use). */
  private caselessTable(): Map<string, string[]> {
    if (this.caseless === null) {
      const table = new Map<string, string[]>();
      for (const path of [...this.index.paths()].sort()) {
        if (!this.hasDocument(path)) continue;
        const key = path.toLowerCase();
        const list = table.get(key);
        if (list === undefined) table.set(key, [path]);
        else list.push(path);
      }
      this.caseless = table;
    }
    return this.caseless;
  }

  private claimNames(path: string, names: readonly string[]): void {
    if (this.names === null) return;
    for (const n of names) {
      const claims = this.names.get(n);
      if (claims === undefined) this.names.set(n, [path]);
      else if (!claims.includes(path)) {
        claims.push(path);
        claims.sort();
      }
    }
  }

  private unclaimNames(path: string, names: readonly string[]): void {
    if (this.names === null) return;
    for (const n of names) {
      const claims = this.names.get(n);
      const at = claims?.indexOf(path) ?? -1;
      if (claims === undefined || at < 0) continue;
      claims.splice(at, 1);
      if (claims.length === 0) this.names.delete(n);
    }
  }

  private markGraph(path: string): void {
    this.dirty.graph.add(path);
  }

  private metaOf(data: SegmentData, doc: number, path: string, record: DocRecord): DocumentMeta {
    return {
      path,
      title: titleOf(data, doc),
      tags: tagsOf(data, doc),
      aliases: aliasesOf(data, doc),
      headings: record.headings,
      blockIds: record.blocks ?? [],
      links: record.links,
      chunkIds: this.chunkIds(path),
      warnings: record.warnings,
    };
  }

  private async readDocRecord(data: SegmentData, doc: number, path: string): Promise<DocRecord> {
    const name = data.info.texts[data.docMetaText[doc] as number] as string;
    const offset = data.docMetaOffset[doc] as number;
    const length = data.docMetaLength[doc] as number;
    const bytes = await this.texts.read(name, offset, length);
    return decodeRecord(bytes, data.docMetaCrc[doc] as number, `metadata of ${path}`, name, decodeDocRecord);
  }

  private async linksOfDocument(path: string): Promise<Link[] | null> {
    const at = this.index.get(path);
    if (at === undefined || this.index.file(path)?.skipped) return null;
    return (await this.readDocRecord(at.seg.data, at.doc, path)).links;
  }

  /** Marks every document whose link questions changed answer as due. */
  private relink(): void {
    if (!this.depsKnown) return;
    for (const key of this.changedKeys) for (const path of this.linkDeps.get(key) ?? []) this.linksDue.add(path);
    this.changedKeys.clear();
  }

  private resolveLinksOf(path: string, links: readonly Link[]): void {
    const asked = new Set<string>();
    const names = this.nameTable();
    const lookup = {
      hasPath: (p: string) => (asked.add(`p:${p}`), this.hasDocument(p)),
      pathCaseless: (p: string) => (asked.add(`c:${p}`), this.caselessTable().get(p)?.[0]),
      byName: (n: string) => (asked.add(`n:${n}`), names.get(n) ?? []),
    };
    const resolved = new Set<string>();
    const unresolved = new Set<string>();
    for (const link of links) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link.target) && link.kind !== 'wiki') continue;
      const target = resolveLink(path, link, lookup);
      if (target === null) {
        if (link.target !== '') unresolved.add(link.target);
      } else if (target !== path) resolved.add(target);
    }
    const before = this.graph.linksOf(path);
    const targets = [...resolved].sort();
    const missing = [...unresolved].sort();
    if (before === null || !sameItems(before.targets, targets) || !sameItems(before.unresolved, missing)) {
      this.graph.setDocument(path, targets, missing);
      this.markGraph(path);
    }
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

function hashAt(data: SegmentData, chunk: number): string {
  return Buffer.from(data.chunkHash.buffer, data.chunkHash.byteOffset + 32 * chunk, 32).toString('hex');
}

function decodeRecord<T>(bytes: Uint8Array, crc: number, what: string, blob: string, decode: (b: Uint8Array) => T): T {
  try {
    checkRecord(bytes, crc, what);
    return decode(bytes);
  } catch (err) {
    throw new AppError('INDEX_CORRUPT', `${what} in text blob ${blob} is damaged: ${errorMessage(err)}`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
      cause: err,
    });
  }
}
