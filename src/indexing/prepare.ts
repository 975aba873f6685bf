import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChunkingOptions, ParsedDocument } from '../core/types.js';
import { errorMessage, isAppError } from '../core/errors.js';
import type { BuiltSegment, SegmentDocInput } from '../indices/keyword.js';
import { parseDocument } from '../markdown/index.js';
import { readDocumentFile, type ReadDocument } from './read-file.js';
import { DESCRIPTOR_RETRY_MS, descriptorErrno, sleep, type DescriptorErrno } from './descriptors.js';

export interface PrepareOptions {
  rootReal: string;
  maxFileBytes: number;
  chunking: ChunkingOptions;
}

/** What the index holds for a path, as the batch compares against it. */
export interface KnownFile {
  /** sha256 hex of the bytes indexed (meaningless for a skipped file). */
  hash: string;
  size: number;
  mtimeMs: number;
  skipped: boolean;
}

export interface PrepareStats {
  parsed: number;
  unchanged: number;
  warnings: { path: string; message: string }[];
}

/** A batch of paths turned into a change: one new segment (or none), deletions and stamps. */
export interface PreparedBatch {
  /** The segment of every file that changed (documents) or became unreadable (skipped files). */
  built: BuiltSegment | null;
  /** Paths whose file is gone (or left the root). */
  deletes: string[];
  /** Files whose bytes are unchanged but whose size or mtime moved (touch, checkout). */
  touched: { path: string; size: number; mtimeMs: number }[];
  stats: PrepareStats;
  /**
   * Paths that could not be opened for want of file descriptors (EMFILE/ENFILE) even after a
   * short retry: nothing is known about them, so they are neither documents nor skipped files,
   * and the caller queues them again. Null when every path was read.
   */
  deferred: { paths: string[]; errno: DescriptorErrno; message: string } | null;
}

const NO_HASH = '0'.repeat(64);
/** Files read ahead of the one being parsed. */
const READ_AHEAD = 8;

/**
 * Reads each path of a batch and compares its content hash with what the index holds (work
 * another instance or an earlier run already did is skipped), parses and chunks what changed,
 * and builds the segment of it with `build`. Runs in an index worker thread (or on the main
 * thread in tests). Vanished files become deletes; unreadable ones are kept as skipped files
 * with the reason, so reconcile does not re-read them until they change.
 */
export async function prepareBatch(
  paths: readonly string[],
  known: ReadonlyMap<string, KnownFile>,
  opts: PrepareOptions,
  build: (docs: readonly SegmentDocInput[]) => BuiltSegment,
  readFile: (rootReal: string, docPath: string, maxBytes: number) => Promise<ReadDocument> | ReadDocument = readDocumentFile,
): Promise<PreparedBatch> {
  const docs: SegmentDocInput[] = [];
  const deletes: string[] = [];
  const touched: PreparedBatch['touched'] = [];
  const stats: PrepareStats = { parsed: 0, unchanged: 0, warnings: [] };
  let deferred: PreparedBatch['deferred'] = null;
  // Reads run a few files ahead of parsing, so the disk and the CPU work at the same time.
  const reads: (Promise<ReadDocument> | undefined)[] = [];
  const startRead = (i: number): void => {
    const p = (async () => readFile(opts.rootReal, paths[i] as string, opts.maxFileBytes))();
    p.catch(() => undefined); // handled when awaited below
    reads[i] = p;
  };
  for (let i = 0; i < Math.min(READ_AHEAD, paths.length); i++) startRead(i);
  for (const [i, path] of paths.entries()) {
    const before = known.get(path);
    if (i + READ_AHEAD < paths.length) startRead(i + READ_AHEAD);
    const pending = reads[i] as Promise<ReadDocument>;
    reads[i] = undefined;
    let outcome = await settle(() => pending);
    // Out of descriptors: a short wait may free some (another thread's reads finish); once one
    // file has used up the waits, the rest of the batch is deferred without waiting.
    for (let k = 0; deferred === null && 'err' in outcome && descriptorErrno(outcome.err) !== null && k < DESCRIPTOR_RETRY_MS.length; k++) {
      await sleep(DESCRIPTOR_RETRY_MS[k] as number);
      outcome = await settle(() => readFile(opts.rootReal, path, opts.maxFileBytes));
    }
    if ('err' in outcome) {
      const { err } = outcome;
      const errno = descriptorErrno(err);
      if (errno !== null) {
        deferred ??= { paths: [], errno, message: errorMessage(err) };
        deferred.paths.push(path);
        continue;
      }
      if (isAppError(err) && (err.code === 'NOT_FOUND' || err.code === 'PATH_OUTSIDE_ROOT')) {
        if (before) deletes.push(path);
        continue;
      }
      const message = errorMessage(err);
      stats.warnings.push({ path, message });
      // Remember size and mtime so reconcile does not re-read an unchanged skipped file.
      const st = await stat(join(opts.rootReal, ...path.split('/'))).catch(() => null);
      docs.push(skippedDoc(path, st?.size ?? 0, st?.mtimeMs ?? 0, message));
      continue;
    }
    const { read } = outcome;
    for (const w of read.warnings) stats.warnings.push({ path, message: w });
    if (before && !before.skipped && before.hash === read.hash) {
      stats.unchanged++;
      if (before.mtimeMs !== read.mtimeMs || before.size !== read.size) touched.push({ path, size: read.size, mtimeMs: read.mtimeMs });
      continue;
    }
    const doc = parseDocument(path, read.text, opts.chunking);
    stats.parsed++;
    for (const w of doc.warnings) stats.warnings.push({ path, message: w });
    docs.push(segmentDoc(read, doc));
  }
  return { built: docs.length > 0 ? build(docs) : null, deletes, touched, stats, deferred };
}

async function settle(read: () => Promise<ReadDocument> | ReadDocument): Promise<{ read: ReadDocument } | { err: unknown }> {
  try {
    return { read: await read() };
  } catch (err) {
    return { err };
  }
}

/** A parsed document as the segment builder takes it. */
export function segmentDoc(file: { size: number; mtimeMs: number; hash: string }, doc: ParsedDocument): SegmentDocInput {
  return {
    path: doc.path,
    size: file.size,
    mtimeMs: file.mtimeMs,
    hash: file.hash,
    title: doc.title,
    tags: doc.tags,
    aliases: doc.aliases,
    headings: doc.headings,
    blockIds: doc.blockIds,
    links: doc.links,
    warnings: doc.warnings,
    reason: null,
    chunks: doc.chunks.map((c) => ({ headingPath: c.headingPath, startLine: c.startLine, endLine: c.endLine, content: c.content, hash: c.hash })),
  };
}

function skippedDoc(path: string, size: number, mtimeMs: number, reason: string): SegmentDocInput {
  return { path, size, mtimeMs, hash: NO_HASH, title: '', tags: [], aliases: [], headings: [], links: [], warnings: [], reason, chunks: [] };
}

/** What the embedder sees of a chunk: its heading path gives short sections their context. */
export function embeddingText(headingPath: readonly string[], content: string): string {
  return headingPath.length > 0 ? `${headingPath.join(' > ')}\n\n${content}` : content;
}
