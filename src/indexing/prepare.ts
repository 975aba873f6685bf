import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkingOptions, FileEntry } from '../core/types.js';
import { errorMessage, isAppError } from '../core/errors.js';
import { parseDocument } from '../markdown/index.js';
import type { ChangeSet, Corpus, PreparedFile } from './corpus.js';
import { readDocumentFile } from './read-file.js';

export interface PrepareOptions {
  rootReal: string;
  maxFileBytes: number;
  chunking: ChunkingOptions;
}

export interface PrepareStats {
  parsed: number;
  unchanged: number;
  embeddingsReused: number;
  warnings: { path: string; message: string }[];
}

/**
 * Turns a batch of possibly-changed paths into a ChangeSet against `corpus`: reads each file,
 * compares its content hash with the file table (work another instance or an earlier run
 * already did is skipped), parses what changed and reuses the vector of any chunk whose content
 * is already embedded (a moved section, a renamed file). New content is embedded afterwards by
 * the index manager (vector-fill.ts), so keyword search never waits for the model.
 * Vanished files become deletes; unreadable ones are reported and skipped.
 */
export async function prepareChanges(corpus: Corpus, paths: readonly string[], opts: PrepareOptions): Promise<{ change: ChangeSet; stats: PrepareStats }> {
  const change: ChangeSet = { upserts: [], deletes: [], touched: [], skipped: [] };
  const stats: PrepareStats = { parsed: 0, unchanged: 0, embeddingsReused: 0, warnings: [] };
  for (const path of paths) {
    const known = corpus.files.get(path);
    let read;
    try {
      read = await readDocumentFile(opts.rootReal, path, opts.maxFileBytes);
    } catch (err) {
      if (isAppError(err) && (err.code === 'NOT_FOUND' || err.code === 'PATH_OUTSIDE_ROOT')) {
        if (known || corpus.skipped.has(path)) change.deletes.push(path);
        continue;
      }
      const message = errorMessage(err);
      stats.warnings.push({ path, message });
      // Remember size and mtime so reconcile does not re-read an unchanged skipped file.
      const st = await stat(join(opts.rootReal, ...path.split('/'))).catch(() => null);
      change.skipped.push({ path, size: st?.size ?? 0, mtimeMs: st?.mtimeMs ?? 0, reason: message });
      continue;
    }
    for (const w of read.warnings) stats.warnings.push({ path, message: w });
    if (known && known.hash === read.hash) {
      stats.unchanged++;
      if (known.mtimeMs !== read.mtimeMs || known.size !== read.size) {
        change.touched.push({ ...known, size: read.size, mtimeMs: read.mtimeMs });
      }
      continue;
    }
    const doc = parseDocument(path, read.text, opts.chunking);
    stats.parsed++;
    for (const w of doc.warnings) stats.warnings.push({ path, message: w });
    const entry: FileEntry = { path, size: read.size, mtimeMs: read.mtimeMs, hash: read.hash, chunkIds: doc.chunks.map((c) => c.id) };
    change.upserts.push({ entry, doc, vectors: corpus.vector ? new Map() : null });
  }
  reuseVectors(corpus, change.upserts, stats);
  return { change, stats };
}

function reuseVectors(corpus: Corpus, upserts: PreparedFile[], stats: PrepareStats): void {
  for (const prepared of upserts) {
    if (!prepared.vectors) continue;
    for (const chunk of prepared.doc.chunks) {
      const reused = corpus.reusableVector(chunk.hash);
      if (reused) {
        prepared.vectors.set(chunk.id, reused);
        stats.embeddingsReused++;
      }
    }
  }
}

/** What the embedder sees of a chunk: its heading path gives short sections their context. */
export function embeddingText(headingPath: readonly string[], content: string): string {
  return headingPath.length > 0 ? `${headingPath.join(' > ')}\n\n${content}` : content;
}
