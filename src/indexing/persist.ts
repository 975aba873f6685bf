import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.js';
import { AppError, errorMessage } from '../core/errors.js';
import type { Chunk, DocumentMeta, FileEntry } from '../core/types.js';
import type { Embedder } from '../embed/embedder.js';
import { loadKeywordIndex, type KeywordIndexParams, type KeywordSegmentSnapshot } from '../indices/keyword.js';
import { loadVectorIndex } from '../indices/vector.js';
import { loadLinkGraph } from '../indices/graph.js';
import { chunkingFingerprint } from '../markdown/index.js';
import { generationDir } from '../storage/layout.js';
import type { BlobRef, Manifest } from '../storage/manifest.js';
import { CHUNK_SHARDS, chunkShardOf, Corpus, type SkippedFile } from './corpus.js';

/** What must match for a persisted index to be reusable as is. */
export interface IndexFingerprint {
  embedder: string;
  dimension: number | null;
  chunking: string;
  keyword: string;
  keywordParams: KeywordIndexParams;
}

export function indexFingerprint(config: Config, embedder: Embedder | null): IndexFingerprint {
  const s = config.search;
  const keywordParams: KeywordIndexParams = { k1: s.bm25K1, b: s.bm25B, titleBoost: s.titleBoost, headingBoost: s.headingBoost };
  return {
    embedder: embedder === null ? 'none' : `${embedder.id}/${embedder.dimension}`,
    dimension: embedder?.dimension ?? null,
    chunking: chunkingFingerprint(config.chunking),
    keyword: JSON.stringify(keywordParams),
    keywordParams,
  };
}

const FILES_BLOB = 'files.json';
const GRAPH_BLOB = 'graph.json';
const KW_STATE_BLOB = 'keyword.json';
const KW_BASE_BLOB = 'keyword-base.json';
const KW_RECENT_BLOB = 'keyword-recent.json';
const VECTORS_BLOB = 'vectors.hnsw';
const VECTORS_META_BLOB = 'vectors-meta.json';
const chunkBlob = (shard: string): string => `chunks-${shard}.json`;

interface FilesBlob {
  files: FileEntry[];
  docs: DocumentMeta[];
  skipped: SkippedFile[];
}

interface KeywordStateBlob {
  format: 'ragdocs-keyword';
  version: 1;
  settings: string;
  removed: string[];
  base: string | null;
  recent: string | null;
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

  const files: FilesBlob = { files: [...corpus.files.values()], docs: [...corpus.docs.values()], skipped: [...corpus.skipped.values()] };
  newBlobs[FILES_BLOB] = json(files);
  newBlobs[GRAPH_BLOB] = json(corpus.graph.toJSON());

  const byShard = new Map<string, Chunk[]>();
  for (const meta of corpus.docs.values()) {
    const shard = chunkShardOf(meta.path);
    let list = byShard.get(shard);
    if (!list) byShard.set(shard, (list = []));
    for (const id of meta.chunkIds) {
      const chunk = corpus.chunks.get(id);
      if (chunk) list.push(chunk);
    }
  }
  for (let i = 0; i < CHUNK_SHARDS; i++) {
    const shard = i.toString(16);
    const name = chunkBlob(shard);
    if (!corpus.dirty.chunkShards.has(shard) && canKeep(name)) keepBlobs.push(name);
    else newBlobs[name] = json(byShard.get(shard) ?? []);
  }

  const kw = corpus.keyword.toJSON();
  const state: KeywordStateBlob = {
    format: kw.format,
    version: kw.version,
    settings: kw.settings,
    removed: kw.removed,
    base: kw.base?.id ?? null,
    recent: kw.recent?.id ?? null,
  };
  newBlobs[KW_STATE_BLOB] = json(state);
  for (const [name, segment] of [[KW_BASE_BLOB, kw.base], [KW_RECENT_BLOB, kw.recent]] as const) {
    if (segment === null) continue;
    if (corpus.persistedSegments.has(segment.id) && canKeep(name) && corpus.persistedSegmentBlob.get(name) === segment.id) keepBlobs.push(name);
    else newBlobs[name] = json(segment);
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
    embedder: fp.embedder,
    dimension: fp.dimension,
    chunking: fp.chunking,
    keyword: fp.keyword,
    documents: corpus.docs.size,
    chunks: corpus.chunks.size,
  };
  return { newBlobs, keepBlobs, meta };
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
  keepable: boolean,
): Promise<Corpus> {
  try {
    const parse = <T>(name: string): T | null => {
      const data = blobs[name];
      return data === undefined ? null : (JSON.parse(data.toString('utf8')) as T);
    };
    const files = parse<FilesBlob>(FILES_BLOB);
    const kwState = parse<KeywordStateBlob>(KW_STATE_BLOB);
    const graphJson = parse<object>(GRAPH_BLOB);
    if (!files || !kwState || !graphJson) throw new Error('a required blob is missing');
    const kwBase = parse<KeywordSegmentSnapshot>(KW_BASE_BLOB);
    const kwRecent = parse<KeywordSegmentSnapshot>(KW_RECENT_BLOB);
    const keyword = loadKeywordIndex(
      {
        format: kwState.format,
        version: kwState.version,
        settings: kwState.settings,
        removed: kwState.removed,
        base: kwState.base === null ? null : kwBase,
        recent: kwState.recent === null ? null : kwRecent,
      },
      fp.keywordParams,
    );
    let vector = null;
    if (fp.dimension !== null) {
      const ref = refs[VECTORS_BLOB];
      const vmeta = parse<object>(VECTORS_META_BLOB);
      if (!ref || !vmeta) throw new Error('the vector index is missing');
      vector = await loadVectorIndex(join(generationDir(indexDir, ref.gen), ref.file), vmeta);
    }
    const graph = loadLinkGraph(graphJson);
    const corpus = new Corpus(fp.keywordParams, fp.dimension, { keyword, vector, graph });
    for (const f of files.files) corpus.files.set(f.path, f);
    for (const d of files.docs) corpus.docs.set(d.path, d);
    for (const s of files.skipped) corpus.skipped.set(s.path, s);
    for (let i = 0; i < CHUNK_SHARDS; i++) {
      for (const chunk of parse<Chunk[]>(chunkBlob(i.toString(16))) ?? []) corpus.chunks.set(chunk.id, chunk);
    }
    corpus.rebuildDerived();
    corpus.keepable = keepable;
    if (keepable) {
      if (kwBase) corpus.rememberSegment(KW_BASE_BLOB, kwBase.id);
      if (kwRecent) corpus.rememberSegment(KW_RECENT_BLOB, kwRecent.id);
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
