/**
 * Publishing generations. A generation is a set of named immutable blobs (opaque bytes: the
 * caller serialises chunks, keyword, vector and graph data). Blobs unchanged since the base
 * generation are carried over by reference, so the cost of a publish grows with the change.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Async } from '../core/hash.js';
import { AppError, errorMessage, isAppError } from '../core/errors.js';
import { fsyncDir, writeFileDurable } from './atomic.js';
import { blobFileName, generationDir, parseGenerationDirName } from './layout.js';
import { FORMAT_VERSION, readManifest, writeManifest, type BlobRef, type Manifest } from './manifest.js';

export interface PublishOptions {
  /** The manifest currently on disk (as last read or published), or null when there is none. */
  base: Manifest | null;
  /** Opaque metadata stored in the manifest as is. */
  meta: Record<string, unknown>;
  /** Blobs written into the new generation's folder, by logical name. */
  newBlobs: Record<string, Uint8Array>;
  /** Logical names carried over unchanged from `base` (their files are shared, not rewritten). */
  keepBlobs: readonly string[];
  instanceId: string;
}

/**
 * Write a new generation and publish it: blobs go into a fresh `gen-<N>/` (each fsynced, then
 * the folder), and only then is `manifest.json` atomically replaced to name them, so a
 * generation is complete on disk before anything names it.
 *
 * N is one more than the highest of `base.generation`, the manifest on disk and every `gen-*`
 * folder present, so a number is never reused, even after a crash left a partial folder.
 *
 * The caller must hold the exclusive index lock (see lock.ts); this function does not take it.
 * As a guard against lost updates it refuses (AppError INTERNAL) when the manifest on disk is
 * not `base`: reload the newer generation and redo the work on top of it.
 * Write failures (disk full, permissions) throw INDEX_UNWRITABLE and leave the current
 * manifest untouched.
 */
export async function publishGeneration(indexDir: string, options: PublishOptions): Promise<Manifest> {
  const { base, meta, newBlobs, keepBlobs, instanceId } = options;
  const kept = collectKeptBlobs(base, newBlobs, keepBlobs);
  const onDisk = await readManifestIfUsable(indexDir);
  if (onDisk !== null && onDisk.generation !== (base?.generation ?? 0)) {
    throw new AppError(
      'INTERNAL',
      `manifest in ${indexDir} is at generation ${onDisk.generation} but this publish was based on ` +
        `${base === null ? 'no manifest' : `generation ${base.generation}`}`,
      { hint: 'load the newer generation while holding the exclusive lock, then publish again' },
    );
  }
  const existing = await listGenerationDirs(indexDir);
  const generation = Math.max(base?.generation ?? 0, onDisk?.generation ?? 0, ...existing) + 1;
  const dir = generationDir(indexDir, generation);

  const blobs: Record<string, BlobRef> = { ...kept };
  try {
    // Not recursive: the folder must be new; an existing one means another writer without the lock.
    await mkdir(dir);
    for (const [name, data] of Object.entries(newBlobs)) {
      // In slices with yields: one synchronous digest of a large blob stalls the event loop for 100 ms or more.
      const hash = await sha256Async(data);
      const file = blobFileName(name, hash);
      await writeFileDurable(join(dir, file), data);
      blobs[name] = { name, gen: generation, file, sha256: hash, bytes: data.byteLength };
    }
    await fsyncDir(dir);
    await fsyncDir(indexDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw unwritable(indexDir, generation, err);
  }

  const manifest: Manifest = {
    format: FORMAT_VERSION,
    generation,
    createdAt: new Date().toISOString(),
    writer: { pid: process.pid, instanceId },
    meta,
    blobs,
    previous: base === null ? null : { generation: base.generation, blobs: base.blobs },
  };
  try {
    await writeManifest(indexDir, manifest);
  } catch (err) {
    // The folder stays: if the rename did land, the manifest already names it. Otherwise GC
    // collects it once a later generation supersedes it.
    throw unwritable(indexDir, generation, err);
  }
  return manifest;
}

/** Generation numbers of the `gen-*` entries present in `indexDir`, ascending. */
export async function listGenerationDirs(indexDir: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir(indexDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const generations: number[] = [];
  for (const entry of entries) {
    // Any entry counts, not only folders: a number that is taken on disk in any form is never reused.
    const generation = parseGenerationDirName(entry);
    if (generation !== null) generations.push(generation);
  }
  return generations.sort((a, b) => a - b);
}

function collectKeptBlobs(
  base: Manifest | null,
  newBlobs: Record<string, Uint8Array>,
  keepBlobs: readonly string[],
): Record<string, BlobRef> {
  const kept: Record<string, BlobRef> = {};
  for (const name of keepBlobs) {
    const ref = base?.blobs[name];
    if (ref === undefined) {
      throw new AppError(
        'INVALID_ARGUMENT',
        `cannot keep blob ${JSON.stringify(name)}: the base generation ${base?.generation ?? '(none)'} has no such blob`,
        { hint: 'pass it in newBlobs instead' },
      );
    }
    if (Object.hasOwn(newBlobs, name)) {
      throw new AppError('INVALID_ARGUMENT', `blob ${JSON.stringify(name)} is both kept and new`, {
        hint: 'list each blob name in only one of keepBlobs and newBlobs',
      });
    }
    kept[name] = ref;
  }
  return kept;
}

/** The manifest on disk for the lost-update guard; an unreadable one is about to be replaced anyway. */
async function readManifestIfUsable(indexDir: string): Promise<Manifest | null> {
  try {
    return await readManifest(indexDir);
  } catch (err) {
    if (isAppError(err) && (err.code === 'INDEX_CORRUPT' || err.code === 'INDEX_FORMAT')) return null;
    throw err;
  }
}

function unwritable(indexDir: string, generation: number, err: unknown): AppError {
  if (isAppError(err)) return err;
  return new AppError(
    'INDEX_UNWRITABLE',
    `cannot write generation ${generation} in ${indexDir}: ${errorMessage(err)}`,
    {
      hint: 'free disk space or fix the permissions of the index directory; the previous generation stays valid and the write is retried',
      cause: err,
    },
  );
}
