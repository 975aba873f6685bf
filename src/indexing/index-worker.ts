/**
 * Entry point of an index worker thread: reading, hashing, parsing and chunking a batch of
 * files and building its segment (tokenizing, postings, tables), and merging segments, all run
 * here, so a batch of thousands of chunks or a large merge never blocks the event loop that
 * answers queries, and two workers use both cores of a small machine during a first build.
 */
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../core/errors.js';
import { createSegmentBuilder } from '../indices/keyword.js';
import { alignedBytes, runMergeJob, type MergeRequest } from './merge-job.js';
import { prepareBatch, type KnownFile, type PrepareOptions } from './prepare.js';
import { readDocumentFileSync } from './read-file.js';

export type WorkerRequest =
  | { id: number; op: 'prepare'; paths: string[]; known: [string, KnownFile][]; opts: PrepareOptions }
  | { id: number; op: 'merge'; merge: MergeRequest };

const build = createSegmentBuilder();

parentPort?.on('message', (req: WorkerRequest) => {
  void handle(req).then(
    ({ result, transfer }) => parentPort?.postMessage({ id: req.id, result }, transfer),
    (err: unknown) => parentPort?.postMessage({ id: req.id, error: errorMessage(err) }),
  );
});

async function handle(req: WorkerRequest): Promise<{ result: unknown; transfer: ArrayBuffer[] }> {
  if (req.op === 'prepare') {
    const prepared = await prepareBatch(req.paths, new Map(req.known), req.opts, build, readDocumentFileSync);
    const transfer = prepared.built ? bufferList([prepared.built.bytes, prepared.built.text?.bytes]) : [];
    return { result: prepared, transfer };
  }
  const built = runMergeJob(req.merge, (path) => alignedBytes(readFileSync(path)));
  return { result: built, transfer: built ? bufferList([built.bytes, built.text?.bytes]) : [] };
}

/** Buffers that can move to the other thread (not Node's shared pool of small buffers). */
function bufferList(views: (Uint8Array | undefined)[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of views) if (v && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength) out.add(v.buffer as ArrayBuffer);
  return [...out];
}
