import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.js';
import { AppError, errorMessage } from '../core/errors.js';
import type { Chunk, DocumentMeta, FileEntry } from '../core/types.js';
import { KEYWORD_FORMAT_VERSION, loadKeywordIndex, type KeywordIndexParams, type KeywordSegmentCache, type KeywordSegmentSnapshot } from '../indices/keyword.js';
import { loadVectorIndex } from '../indices/vector.js';
import { loadLinkGraph } from '../indices/graph.js';
import { chunkingFingerprint } from '../markdown/index.js';
import { generationDir } from '../storage/layout.js';
import type { BlobRef, Manifest } from '../storage/manifest.js';
import { SHARDS, shardOf, Corpus, keywordSegmentBlob, type SkippedFile } from './corpus.js';

/** What must match for a persisted index to be reusable as is. */
export interface IndexFingerprint {
  /** The configured embedder's vector space (null: provider none). Vectors of another space are not loaded. */
  vectorSpace: string | null;
  chunking: string;
  keyword: string;
  keywordParams: KeywordIndexParams;
}

export function indexFingerprint(config: Config, vectorSpace: string | null): IndexFingerprint {
  const s = config.search;
  const keywordParams: KeywordIndexParams = { k1: s.bm25K1, b: s.bm25B, titleBoost: s.titleBoost, headingBoost: s.headingBoost };
  return {
    vectorSpace,
    chunking: chunkingFingerprint(config.chunking),
    // The format is part of it so that an index written by an older keyword format is rebuilt.
    keyword: JSON.stringify({ ...keywordParams, format: KEYWORD_FORMAT_VERSION }),
    keywordParams,
  };
}

const GRAPH_BLOB = 'graph.json';
const KW_STATE_BLOB = 'keyword.json';
const VECTORS_BLOB = 'vectors.hnsw';
const VECTORS_META_BLOB = 'vectors-meta.json';
const chunkBlob = (shard: string): string => `chunks-${shard}.json`;
const filesBlob = (shard: string): string => `files-${shard}.json`;

interface FilesBlob {
  files: FileEntry[];
  docs: DocumentMeta[];
  skipped: SkippedFile[];
}

interface KeywordStateBlob {
  format: 'ragdocs-keyword';
  version: typeof KEYWORD_FORMAT_VERSION;
  settings: string;
  removed: string[];
  /** Segment ids, oldest first; each is stored in the blob `keywordSegmentBlob(id)`. */
  segments: string[];
}

/**
 * Serialises the corpus into blobs, reusing every blob of `base` whose content is known to be
 * unchanged (untouched chunk shards, the keyword base segment, the vectors), so a one-file edit
 * rewrites a small part of the index instead of all of it.
 */
export async function corpusToBlobs(
  corpus: Corpus,
  base: Manifest | null,
  fp: IndexFingerprint,
): Promise<{ newBlobs: Record<string, Uint8Array>; keepBlobs: string[]; meta: Record<string, unknown> }> {
  const newBlobs: Record<string, Uint8Array> = {};
  const keepBlobs: string[] = [];
  const canKeep = (name: string): boolean => corpus.keepable && base?.blobs[name] !== undefined;
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

  newBlobs[GRAPH_BLOB] = json(corpus.graph.toJSON());

  const dirty = (shard: string): boolean =>
    corpus.dirty.shards.has(shard) || !canKeep(chunkBlob(shard)) || !canKeep(filesBlob(shard));
  const shards = new Map<string, { files: FilesBlob; chunks: Chunk[] }>();
  const shardFor = (path: string): { files: FilesBlob; chunks: Chunk[] } | null => {
    const shard = shardOf(path);
    if (!dirty(shard)) return null;
    let entry = shards.get(shard);
    if (!entry) shards.set(shard, (entry = { files: { files: [], docs: [], skipped: [] }, chunks: [] }));
    return entry;
  };
  for (const meta of corpus.docs.values()) {
    const entry = shardFor(meta.path);
    if (!entry) continue;
    entry.files.docs.push(meta);
    for (const id of meta.chunkIds) {
      const chunk = corpus.chunks.get(id);
      if (chunk) entry.chunks.push(chunk);
    }
  }
  for (const f of corpus.files.values()) shardFor(f.path)?.files.files.push(f);
  for (const s of corpus.skipped.values()) shardFor(s.path)?.files.skipped.push(s);
  for (let i = 0; i < SHARDS; i++) {
    const shard = i.toString(16);
    if (!dirty(shard)) {
      keepBlobs.push(chunkBlob(shard), filesBlob(shard));
      continue;
    }
    const entry = shards.get(shard);
    // One shard per event-loop turn: serialising them all at once stalls queries for long. Safe:
    // only the writer loop, which is awaiting this, changes the corpus.
    await new Promise((resolve) => setImmediate(resolve));
    newBlobs[chunkBlob(shard)] = json(entry?.chunks ?? []);
    newBlobs[filesBlob(shard)] = json(entry?.files ?? { files: [], docs: [], skipped: [] });
  }

  // Segment bodies come from the index as bytes: a segment built in a worker arrives serialized.
  const state: KeywordStateBlob = corpus.keyword.state();
  newBlobs[KW_STATE_BLOB] = json(state);
  for (const id of state.segments) {
    const name = keywordSegmentBlob(id);
    if (canKeep(name) && corpus.persistedSegmentBlob.get(name) === id) keepBlobs.push(name);
    else {
      const bytes = corpus.keyword.segmentBytes(id);
      if (bytes === null) throw new Error(`keyword segment ${id} vanished while publishing`);
      newBlobs[name] = bytes;
    }
  }

  if (corpus.vector) {
    if (!corpus.dirty.vectors && canKeep(VECTORS_BLOB) && canKeep(VECTORS_META_BLOB)) keepBlobs.push(VECTORS_BLOB, VECTORS_META_BLOB);
    else {
      const tmp = join(tmpdir(), `ragdocs-vectors-${process.pid}-${randomBytes(4).toString('hex')}.hnsw`);
      try {
        await corpus.vector.writeTo(tmp);
        newBlobs[VECTORS_BLOB] = await readFile(tmp);
      } finally {
        await rm(tmp, { force: true });
      }
      newBlobs[VECTORS_META_BLOB] = json(corpus.vector.meta());
    }
  }

  const meta = {
    vector_space: corpus.vector ? corpus.vectorSpace : null,
    dimension: corpus.vector?.dimension ?? null,
    vectors: corpus.embeddedChunks,
    chunking: fp.chunking,
    keyword: fp.keyword,
    documents: corpus.docs.size,
    chunks: corpus.chunks.size,
  };
  return { newBlobs, keepBlobs, meta };
}

/**
 * Parsed shard blobs of the last load, by name and checksum. Shards are immutable once written,
 * so a follower loading the next generation re-reads only the shards whose checksum changed.
 * Values are treated as read-only by everyone.
 */
export class ParsedBlobCache {
  private readonly entries = new Map<string, { sha256: string; value: unknown }>();

  get(name: string, sha256: string | undefined): unknown {
    const entry = this.entries.get(name);
    return entry !== undefined && entry.sha256 === sha256 ? entry.value : undefined;
  }

  set(name: string, sha256: string, value: unknown): void {
    this.entries.set(name, { sha256, value });
  }

  /** Names of `refs` that must be read from disk (not cacheable, or changed since cached). */
  missing(refs: Record<string, BlobRef>): string[] {
    return Object.keys(refs).filter((name) => !isCacheableBlob(name) || this.get(name, refs[name]?.sha256) === undefined);
  }

  clear(): void {
    this.entries.clear();
  }
}

function isCacheableBlob(name: string): boolean {
  return name.startsWith('chunks-') || name.startsWith('files-');
}

/**
 * Rebuilds a corpus from verified blobs. `refs` locate the blob files (the vector index is
 * loaded from its file by hnswlib). `keepable` is false when the blobs came from the previous
 * generation because the current one was damaged: nothing of the damaged one may be reused.
 */
export async function corpusFromBlobs(
  indexDir: string,
  blobs: Record<string, Buffer>,
  refs: Record<string, BlobRef>,
  fp: IndexFingerprint,
  /** Load the stored vectors, which are of this space (null: leave them, they are stale or unused). */
  vectorSpace: string | null,
  keepable: boolean,
  cache?: ParsedBlobCache,
  keywordCache?: KeywordSegmentCache,
): Promise<Corpus> {
  try {
    const parse = <T>(name: string): T | null => {
      const data = blobs[name];
      if (data === undefined) return (cache?.get(name, refs[name]?.sha256) as T | undefined) ?? null;
      const value = JSON.parse(data.toString('utf8')) as T;
      const ref = refs[name];
      if (cache && ref && isCacheableBlob(name)) cache.set(name, ref.sha256, value);
      return value;
    };
    const kwState = parse<KeywordStateBlob>(KW_STATE_BLOB);
    const graphJson = parse<object>(GRAPH_BLOB);
    if (!kwState || !graphJson) throw new Error('a required blob is missing');
    if (!Array.isArray(kwState.segments)) throw new Error('the keyword index state lists no segments');
    const kwSegments = kwState.segments.map((id) => {
      // Segments are immutable and named by content: one already loaded need not be read again.
      if (keywordCache?.has(id) && blobs[keywordSegmentBlob(id)] === undefined) return { id };
      const segment = parse<KeywordSegmentSnapshot>(keywordSegmentBlob(id));
      if (segment === null || segment.id !== id) throw new Error(`keyword segment ${id} is missing`);
      return segment;
    });
    const keyword = loadKeywordIndex(
      { format: kwState.format, version: kwState.version, settings: kwState.settings, removed: kwState.removed, segments: kwSegments },
      fp.keywordParams,
      keywordCache,
    );
    keywordCache?.retain(kwState.segments);
    let vector = null;
    if (vectorSpace !== null) {
      const ref = refs[VECTORS_BLOB];
      const vmeta = parse<object>(VECTORS_META_BLOB);
      if (!ref || !vmeta) throw new Error('the vector index is missing');
      vector = { index: await loadVectorIndex(join(generationDir(indexDir, ref.gen), ref.file), vmeta), space: vectorSpace };
    }
    const graph = loadLinkGraph(graphJson);
    const corpus = new Corpus(fp.keywordParams, { keyword, vector, graph });
    for (let i = 0; i < SHARDS; i++) {
      const shard = i.toString(16);
      const files = parse<FilesBlob>(filesBlob(shard));
      const chunks = parse<Chunk[]>(chunkBlob(shard));
      if (!files || !chunks) throw new Error(`shard ${shard} of the file table is missing`);
      for (const f of files.files) corpus.files.set(f.path, f);
      for (const d of files.docs) corpus.docs.set(d.path, d);
      for (const s of files.skipped) corpus.skipped.set(s.path, s);
      for (const chunk of chunks) corpus.chunks.set(chunk.id, chunk);
    }
    corpus.rebuildDerived();
    corpus.keepable = keepable;
    if (keepable) {
      corpus.markClean();
    }
    return corpus;
  } catch (err) {
    throw new AppError('INDEX_CORRUPT', `the persisted index in ${indexDir} cannot be loaded: ${errorMessage(err)}`, {
      hint: 'it is rebuilt from the documents; run `mcp-markdown-ragdocs index --rebuild` if this repeats',
      cause: err,
    });
  }
}
