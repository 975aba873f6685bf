/**
 * Vector index: the only module that imports hnswlib-node (HNSW, cosine space).
 *
 * hnswlib knows only uint32 labels, so string ids map to labels that are never reused (a
 * replaced id gets a fresh label; its old one is markDeleted). The index is created with
 * `allowReplaceDeleted`, so a new point takes over a deleted point's memory slot instead of
 * growing the index; when no slot is free and the index is full it doubles (`resizeIndex`).
 * hnswlib stores cosine vectors normalised, so `getVector` returns unit-length vectors.
 */
import hnswlib from 'hnswlib-node';
import { AppError } from '../core/errors.js';
import type { RankedHit } from '../core/types.js';

export interface VectorIndexParams {
  dimension: number;
  /** Slots allocated up front; the index doubles when full. Default 1024. */
  initialCapacity?: number;
  /** HNSW graph degree; default 16. */
  m?: number;
  /** Build-time candidate list size; default 200. */
  efConstruction?: number;
}

/** JSON-able companion of the hnswlib file: everything hnswlib does not store. */
export interface VectorIndexMeta {
  format: 'ragdocs-vector';
  version: 1;
  space: 'cosine';
  dimension: number;
  nextLabel: number;
  /** Live ids and their labels, sorted by id. */
  ids: string[];
  labels: number[];
}

export interface VectorIndex {
  readonly dimension: number;
  /** Live vectors. */
  readonly size: number;
  has(id: string): boolean;
  /** Adds `id`, replacing its previous vector if any. */
  add(id: string, vector: Float32Array | readonly number[]): void;
  /** Returns false when `id` was not present. */
  remove(id: string): boolean;
  /** Nearest live vectors, best first; score = cosine similarity (1 − cosine distance). */
  search(vector: Float32Array | readonly number[], k: number): RankedHit[];
  /** The stored (unit-length) vector, for near-duplicate checks. */
  getVector(id: string): Float32Array | undefined;
  ids(): string[];
  /** Writes the hnswlib file; keep `meta()` alongside it to load it again. */
  writeTo(filePath: string): Promise<void>;
  meta(): VectorIndexMeta;
  /** Ids added (or replaced) and removed since `markBase` (or since creation/load). */
  delta(): { added: string[]; removed: string[] };
  /** The current contents are now the persisted base: the delta starts empty. */
  markBase(): void;
}

/** A delta as persisted next to a base hnswlib file: what changed since the base was written. */
export interface VectorDelta {
  removed: string[];
  added: { id: string; vector: Float32Array }[];
}

const DELTA_MAGIC = 'RDXVEC\0\0';
const DELTA_VERSION = 1;

/**
 * Binary delta: 8-byte magic, u32 version, u32 dimension, u32 length of a JSON header
 * `{"removed":[ids],"added":[ids]}`, the header, zero padding to 4 bytes, then one float32
 * vector per added id, in header order (little endian).
 */
export function encodeVectorDelta(index: VectorIndex): Uint8Array {
  const { added, removed } = index.delta();
  const header = Buffer.from(JSON.stringify({ removed, added }), 'utf8');
  const start = align4(20 + header.length);
  const bytes = Buffer.alloc(start + added.length * index.dimension * 4);
  bytes.write(DELTA_MAGIC, 0, 'latin1');
  bytes.writeUInt32LE(DELTA_VERSION, 8);
  bytes.writeUInt32LE(index.dimension, 12);
  bytes.writeUInt32LE(header.length, 16);
  header.copy(bytes, 20);
  added.forEach((id, i) => {
    const v = index.getVector(id) as Float32Array;
    for (let d = 0; d < index.dimension; d++) bytes.writeFloatLE(v[d] as number, start + (i * index.dimension + d) * 4);
  });
  return bytes;
}

export function decodeVectorDelta(bytes: Uint8Array, dimension: number): VectorDelta {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string): AppError =>
    new AppError('INDEX_CORRUPT', `vector delta is damaged: ${why}`, { hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)' });
  if (buf.length < 20 || buf.toString('latin1', 0, 8) !== DELTA_MAGIC) throw bad('no RDXVEC header');
  const version = buf.readUInt32LE(8);
  if (version !== DELTA_VERSION) {
    throw new AppError('INDEX_FORMAT', `vector delta format ${version} is not supported (expected ${DELTA_VERSION})`, { hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)' });
  }
  if (buf.readUInt32LE(12) !== dimension) throw bad(`dimension ${buf.readUInt32LE(12)}, the base has ${dimension}`);
  const headerLength = buf.readUInt32LE(16);
  let header: { removed?: unknown; added?: unknown };
  try {
    header = JSON.parse(buf.toString('utf8', 20, 20 + headerLength)) as typeof header;
  } catch {
    throw bad('header is not JSON');
  }
  const { removed, added } = header;
  if (!Array.isArray(removed) || !Array.isArray(added) || ![...removed, ...added].every((x) => typeof x === 'string')) throw bad('malformed header');
  const start = align4(20 + headerLength);
  if (buf.length !== start + added.length * dimension * 4) throw bad(`${buf.length} bytes for ${added.length} vectors`);
  return {
    removed: removed as string[],
    added: (added as string[]).map((id, i) => {
      const v = new Float32Array(dimension);
      for (let d = 0; d < dimension; d++) v[d] = buf.readFloatLE(start + (i * dimension + d) * 4);
      return { id, vector: v };
    }),
  };
}

/**
 * Applies a persisted delta to the base it was written against, or to that base with an earlier
 * delta of it applied (deltas are cumulative: every id changed since the base is in the newer
 * one). `skipUnchanged` leaves vectors that are already stored as they are (a follower then pays
 * only for what changed since its last load).
 */
export function applyVectorDelta(index: VectorIndex, delta: VectorDelta, opts: { skipUnchanged?: boolean } = {}): void {
  for (const id of delta.removed) index.remove(id);
  for (const { id, vector } of delta.added) {
    if (opts.skipUnchanged) {
      const stored = index.getVector(id);
      if (stored !== undefined && stored.every((x, d) => x === vector[d])) continue;
    }
    index.add(id, vector);
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

const DEFAULT_CAPACITY = 1024;
/** Never search with a smaller candidate list than this, whatever k is. */
const MIN_EF = 64;
const MAX_LABEL = 2 ** 32 - 1;

function toArray(vector: Float32Array | readonly number[], dimension: number, what: string): number[] {
  if (vector.length !== dimension) {
    throw new AppError('INVALID_ARGUMENT', `${what} has ${vector.length} dimensions, the vector index has ${dimension}`, {
      hint: 'the embedder changed dimension: rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  const values = Array.from(vector);
  if (!values.every(Number.isFinite)) {
    throw new AppError('INVALID_ARGUMENT', `${what} contains NaN or infinite values`, {
      hint: 'check the embedding provider output',
    });
  }
  return values;
}

/** A new, empty cosine index. */
export function createVectorIndex(params: VectorIndexParams): VectorIndex {
  const { dimension } = params;
  if (!Number.isInteger(dimension) || dimension < 1) {
    throw new AppError('INVALID_ARGUMENT', `vector dimension ${dimension} must be a positive integer`, {
      hint: 'check embedder.dimension in the config file',
    });
  }
  const hnsw = new hnswlib.HierarchicalNSW('cosine', dimension);
  hnsw.initIndex({
    maxElements: Math.max(1, Math.floor(params.initialCapacity ?? DEFAULT_CAPACITY)),
    m: params.m ?? 16,
    efConstruction: params.efConstruction ?? 200,
    randomSeed: 100,
    allowReplaceDeleted: true,
  });
  return wrapIndex(hnsw, dimension, new Map(), 0);
}

/** Reads an index written by `writeTo`, with the `meta()` saved next to it (validated here). */
export async function loadVectorIndex(filePath: string, metaJson: unknown): Promise<VectorIndex> {
  const meta = metaJson as VectorIndexMeta | null;
  if (
    meta?.format !== 'ragdocs-vector' ||
    meta.space !== 'cosine' ||
    !Number.isInteger(meta.dimension) ||
    !Array.isArray(meta.ids) ||
    !Array.isArray(meta.labels)
  ) {
    throw new AppError('INDEX_CORRUPT', `vector index metadata for ${filePath} is malformed`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  if (meta.version !== 1) {
    throw new AppError('INDEX_FORMAT', `vector index format ${String(meta.version)} is not supported (expected 1)`, {
      hint: 'upgrade mcp-markdown-ragdocs, or rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  const hnsw = new hnswlib.HierarchicalNSW('cosine', meta.dimension);
  try {
    await hnsw.readIndex(filePath, true);
  } catch (err) {
    throw new AppError('INDEX_CORRUPT', `vector index ${filePath} could not be read: ${String(err)}`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
      cause: err,
    });
  }
  const stored = new Set(hnsw.getIdsList());
  const labels = new Map<string, number>();
  meta.ids.forEach((id, i) => {
    const label = meta.labels[i];
    if (label === undefined || !stored.has(label)) {
      throw new AppError('INDEX_CORRUPT', `vector index ${filePath} has no point for "${id}" (label ${String(label)})`, {
        hint: 'the metadata and the index file are from different generations: rebuild the index',
      });
    }
    labels.set(id, label);
  });
  if (hnsw.getNumDimensions() !== meta.dimension) {
    throw new AppError('INDEX_CORRUPT', `vector index ${filePath} has dimension ${hnsw.getNumDimensions()}, metadata says ${meta.dimension}`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  // Labels are never reused, so the next one must lie above every label in the file,
  // including deleted ones; trust the file over the metadata if they disagree.
  let nextLabel = Number.isInteger(meta.nextLabel) ? meta.nextLabel : 0;
  for (const label of stored) if (label >= nextLabel) nextLabel = label + 1;
  return wrapIndex(hnsw, meta.dimension, labels, nextLabel);
}

function wrapIndex(
  hnsw: hnswlib.HierarchicalNSW,
  dimension: number,
  labels: Map<string, number>,
  firstLabel: number,
): VectorIndex {
  let nextLabel = firstLabel;
  const idByLabel = new Map<number, string>();
  // Changes since the persisted base (see delta/markBase).
  const added = new Set<string>();
  const removed = new Set<string>();
  for (const [id, label] of labels) idByLabel.set(label, id);
  // Points marked deleted still occupy a slot until an add replaces them.
  let freeSlots = hnsw.getCurrentCount() - labels.size;

  const removeLabel = (id: string): boolean => {
    const label = labels.get(id);
    if (label === undefined) return false;
    added.delete(id);
    removed.add(id);
    hnsw.markDelete(label);
    labels.delete(id);
    idByLabel.delete(label);
    freeSlots++;
    return true;
  };

  return {
    dimension,
    get size() {
      return labels.size;
    },
    has: (id) => labels.has(id),
    add(id, vector) {
      const point = toArray(vector, dimension, `vector for "${id}"`);
      if (nextLabel >= MAX_LABEL) {
        throw new AppError('INTERNAL', `vector index ran out of labels (${nextLabel})`, {
          hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
        });
      }
      removeLabel(id);
      if (freeSlots === 0 && hnsw.getCurrentCount() >= hnsw.getMaxElements()) {
        hnsw.resizeIndex(Math.max(1, hnsw.getMaxElements()) * 2);
      }
      const label = nextLabel++;
      hnsw.addPoint(point, label, freeSlots > 0);
      if (freeSlots > 0) freeSlots--;
      labels.set(id, label);
      idByLabel.set(label, id);
      added.add(id);
    },
    remove: removeLabel,
    search(vector, k) {
      const point = toArray(vector, dimension, 'query vector');
      const wanted = Math.min(Math.floor(k), labels.size);
      if (!(wanted >= 1)) return [];
      hnsw.setEf(Math.max(MIN_EF, 2 * wanted));
      const result = hnsw.searchKnn(point, wanted);
      const hits: RankedHit[] = [];
      result.neighbors.forEach((label, i) => {
        const id = idByLabel.get(label);
        if (id !== undefined) hits.push({ id, score: 1 - (result.distances[i] ?? 1) });
      });
      return hits;
    },
    getVector(id) {
      const label = labels.get(id);
      return label === undefined ? undefined : Float32Array.from(hnsw.getPoint(label));
    },
    ids: () => [...labels.keys()].sort(),
    async writeTo(filePath) {
      await hnsw.writeIndex(filePath);
    },
    delta: () => ({ added: [...added].sort(), removed: [...removed].filter((id) => !added.has(id)).sort() }),
    markBase() {
      added.clear();
      removed.clear();
    },
    meta() {
      const ids = [...labels.keys()].sort();
      return {
        format: 'ragdocs-vector',
        version: 1,
        space: 'cosine',
        dimension,
        nextLabel,
        ids,
        labels: ids.map((id) => labels.get(id) as number),
      };
    },
  };
}
