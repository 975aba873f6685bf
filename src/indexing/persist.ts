/**
 * The corpus ⇄ blobs of a generation. What a generation holds (DESIGN §4, docs/architecture.md):
 *
 * - `state.json`: the live view (segment ids oldest first, each with its masked documents),
 *   stamps, and the number of link-graph shards (small: rewritten by every publish);
 * - `seg-<id>.bin`: immutable segments (segment-layout.ts), named by content, shared by every
 *   generation that uses them and opened as typed-array views;
 * - `txt-<id>.bin`: immutable text blobs (text-blob.ts), opened for positional reads, never read whole;
 * - `graph-<k>.json`: the link graph's out-links of the documents whose path hashes to shard k;
 * - `vectors.hnsw` + `vectors-meta.json`: the vector index, when chunks have vectors, as of
 *   when it was last written whole; `vectors-delta.bin`: the vectors added and removed since
 *   (rewritten whole, and the delta dropped, once the delta passes 10% of the vectors).
 *
 * A publish writes the new segments and text blobs, the state and the graph shards that changed:
 * a one-file edit writes a small segment, a small text blob and one graph shard.
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config/types.js';
import { sameItems } from '../core/arrays.js';
import { KEYWORD_SETTINGS_KEY, type KeywordIndexParams } from '../indices/keyword.js';
import type { LinkGraph } from '../indices/graph.js';
import { chunkingFingerprint } from '../markdown/index.js';
import type { BlobRef, Manifest } from '../storage/manifest.js';
import { encodeVectorDelta } from '../indices/vector.js';
import type { Corpus } from './corpus.js';
import type { TextStore } from './text-store.js';

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
  // k1, b and the boosts apply when scoring: changing them needs no rebuild.
  const keywordParams: KeywordIndexParams = { k1: s.bm25K1, b: s.bm25B, titleBoost: s.titleBoost, headingBoost: s.headingBoost };
  return { vectorSpace, chunking: chunkingFingerprint(config.chunking), keyword: KEYWORD_SETTINGS_KEY, keywordParams };
}

export const STATE_BLOB = 'state.json';
export const VECTORS_BLOB = 'vectors.hnsw';
export const VECTORS_META_BLOB = 'vectors-meta.json';
/** Vectors added and removed since `vectors.hnsw` was written (see encodeVectorDelta). */
export const VECTORS_DELTA_BLOB = 'vectors-delta.bin';
/** The base is rewritten (and the delta dropped) once the delta exceeds this share of the vectors… */
const MAX_VECTOR_DELTA_SHARE = 0.1;
/** …or this many vectors, whichever is more. */
const MIN_VECTOR_DELTA = 1024;
export const graphBlob = (shard: number): string => `graph-${shard}.json`;

export interface StateBlob {
  format: 'ragdocs-state';
  version: 1;
  settings: string;
  segments: { id: string; dead: number[] }[];
  stamps: [string, number, number][];
  graphShards: number;
}

/** A graph shard: the out-links of its documents, sorted by path. */
export interface GraphShardBlob {
  docs: [string, string[], string[]][];
}

/** Link-graph shards for `documents`: about 256 documents each, a power of two from 16 to 1024. */
export function graphShardCount(documents: number): number {
  let k = 16;
  while (k < 1024 && documents / k > 256) k *= 2;
  return k;
}

export function graphShardOf(path: string, shards: number): number {
  let h = 0;
  for (let i = 0; i < path.length; i++) h = (h * 31 + path.charCodeAt(i)) >>> 0;
  return h % shards;
}

export function parseState(bytes: Uint8Array): StateBlob {
  const state = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<StateBlob> | null;
  if (
    state === null ||
    state.format !== 'ragdocs-state' ||
    state.version !== 1 ||
    typeof state.settings !== 'string' ||
    !Array.isArray(state.segments) ||
    !Array.isArray(state.stamps) ||
    !Number.isInteger(state.graphShards) ||
    !state.segments.every((s) => typeof s?.id === 'string' && Array.isArray(s.dead))
  ) {
    throw new TypeError('the index state is malformed');
  }
  return state as StateBlob;
}

export function parseGraphShard(bytes: Uint8Array): GraphShardBlob {
  const shard = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<GraphShardBlob> | null;
  if (shard === null || !Array.isArray(shard.docs) || !shard.docs.every((d) => Array.isArray(d) && typeof d[0] === 'string' && Array.isArray(d[1]) && Array.isArray(d[2]))) {
    throw new TypeError('a link-graph shard is malformed');
  }
  return shard as GraphShardBlob;
}

/** The persisted link graph into `graph` (documents set present, with their out-links). */
export function restoreGraph(graph: LinkGraph, shards: readonly GraphShardBlob[]): void {
  for (const shard of shards) for (const [path, targets, unresolved] of shard.docs) graph.setDocument(path, targets, unresolved);
}

/**
 * Brings a graph restored from shards up to date with new copies of some of them (`shards`:
 * shard number and content): documents of those shards that are gone are removed, the others set.
 */
export function applyGraphShards(graph: LinkGraph, shardCount: number, shards: readonly (readonly [number, GraphShardBlob])[]): void {
  if (shards.length === 0) return;
  const changed = new Set(shards.map(([k]) => k));
  const present = new Set<string>();
  for (const [, shard] of shards) for (const [path] of shard.docs) present.add(path);
  for (const path of graph.documents()) if (changed.has(graphShardOf(path, shardCount)) && !present.has(path)) graph.removeDocument(path);
  for (const [, shard] of shards) {
    for (const [path, targets, unresolved] of shard.docs) {
      const before = graph.linksOf(path);
      if (before !== null && sameItems(before.targets, targets) && sameItems(before.unresolved, unresolved)) continue;
      graph.setDocument(path, targets, unresolved);
    }
  }
}

/**
 * Serialises the corpus into blobs, keeping every blob of `base` whose content is known to be
 * unchanged (segments and text blobs are named by content; graph shards by their dirty flags),
 * so a one-file edit rewrites a small part of the index instead of all of it.
 */
export async function corpusToBlobs(
  corpus: Corpus,
  texts: TextStore,
  base: Manifest | null,
  fp: IndexFingerprint,
  previousGraphShards: number | null,
): Promise<{ newBlobs: Record<string, Uint8Array>; keepBlobs: string[]; meta: Record<string, unknown>; graphShards: number; vectorBase: boolean }> {
  const newBlobs: Record<string, Uint8Array> = {};
  const keepBlobs: string[] = [];
  const canKeep = (name: string): boolean => corpus.keepable && base?.blobs[name] !== undefined;
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

  const { segments, texts: textNames } = corpus.blobNames();
  for (const [name, data] of segments) {
    if (canKeep(name)) keepBlobs.push(name);
    else newBlobs[name] = data.bytes;
  }
  for (const name of textNames) {
    if (canKeep(name)) {
      keepBlobs.push(name);
      continue;
    }
    const bytes = texts.bytesOf(name) ?? (await readTextFile(texts, name));
    newBlobs[name] = bytes;
  }

  const documents = corpus.graph.documents();
  const shards = previousGraphShards !== null && !needsReshard(previousGraphShards, documents.length) ? previousGraphShards : graphShardCount(documents.length);
  const dirtyShards = new Set<number>();
  for (const path of corpus.dirty.graph) dirtyShards.add(graphShardOf(path, shards));
  const rewriteAll = corpus.dirty.allGraph || shards !== previousGraphShards;
  const byShard = new Map<number, string[]>();
  for (const path of documents) {
    const k = graphShardOf(path, shards);
    if (!rewriteAll && !dirtyShards.has(k) && canKeep(graphBlob(k))) continue;
    let list = byShard.get(k);
    if (!list) byShard.set(k, (list = []));
    list.push(path);
  }
  for (let k = 0; k < shards; k++) {
    const name = graphBlob(k);
    if (!rewriteAll && !dirtyShards.has(k) && canKeep(name)) {
      keepBlobs.push(name);
      continue;
    }
    const docs = (byShard.get(k) ?? []).sort().map((path): [string, string[], string[]] => {
      const links = corpus.graph.linksOf(path) ?? { targets: [], unresolved: [] };
      return [path, links.targets, links.unresolved];
    });
    newBlobs[name] = json({ docs } satisfies GraphShardBlob);
  }

  const state: StateBlob = { format: 'ragdocs-state', version: 1, settings: KEYWORD_SETTINGS_KEY, ...corpus.index.state(), graphShards: shards };
  newBlobs[STATE_BLOB] = json(state);

  let vectorBase = false;
  if (corpus.vector) {
    const baseKept = corpus.vectorBaseOnDisk && canKeep(VECTORS_BLOB) && canKeep(VECTORS_META_BLOB);
    const { added, removed } = corpus.vector.delta();
    const small = added.length + removed.length <= Math.max(MIN_VECTOR_DELTA, MAX_VECTOR_DELTA_SHARE * corpus.vector.size);
    if (baseKept && (!corpus.dirty.vectors || small)) {
      // The base stays; what changed since it is a small delta (a one-file edit writes a few KB, not every vector).
      keepBlobs.push(VECTORS_BLOB, VECTORS_META_BLOB);
      if (added.length + removed.length > 0) {
        if (!corpus.dirty.vectors && canKeep(VECTORS_DELTA_BLOB)) keepBlobs.push(VECTORS_DELTA_BLOB);
        else newBlobs[VECTORS_DELTA_BLOB] = encodeVectorDelta(corpus.vector);
      }
    } else {
      vectorBase = true;
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
    documents: corpus.documentCount,
    chunks: corpus.chunkCount,
  };
  return { newBlobs, keepBlobs, meta, graphShards: shards, vectorBase };
}

/** Reshard only when the count is off by 4× or more, so an index hovering at a boundary does not flip. */
function needsReshard(current: number, documents: number): boolean {
  const wanted = graphShardCount(documents);
  return wanted >= current * 4 || wanted * 4 <= current;
}

/** A text blob whose bytes must be written again (a fallback load made the base unusable). */
async function readTextFile(texts: TextStore, name: string): Promise<Uint8Array> {
  const path = texts.pathOf(name);
  if (path === null) throw new Error(`text blob ${name} is neither in memory nor on disk`);
  return readFile(path);
}

/** The blob table entries of `refs` named `names` that are missing, for error messages. */
export function missingRefs(refs: Record<string, BlobRef>, names: readonly string[]): string[] {
  return names.filter((name) => refs[name] === undefined);
}
