/**
 * Reading a generation's blobs, verified against the manifest's sizes and checksums, with the
 * fallbacks DESIGN §4 asks for: a blob that vanished because GC raced this reader means a newer
 * manifest exists (re-read it), a damaged generation falls back to the previous one.
 */
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256Async } from '../core/hash.js';
import { AppError, errorMessage, isAppError } from '../core/errors.js';
import { generationDirName } from './layout.js';
import { readManifest, type BlobRef, type Manifest } from './manifest.js';

const REBUILD_HINT = 'the index is rebuilt from the documents; run `mcp-markdown-ragdocs index --rebuild` if it persists';

/**
 * Read the blobs named `names` (default: all) of `manifest`'s current generation. Throws
 * AppError INDEX_CORRUPT naming the file when one is missing, has the wrong size or checksum.
 */
export async function readBlobs(
  indexDir: string,
  manifest: Manifest,
  names?: readonly string[],
): Promise<Record<string, Buffer>> {
  return readBlobSet(indexDir, manifest.blobs, manifest.generation, names);
}

/** Which blob set of a manifest was loaded. */
export type LoadedSource = 'current' | 'previous';

export interface LoadedGeneration {
  /** The manifest the blobs were found through (newer than the one passed in if GC raced the read). */
  manifest: Manifest;
  source: LoadedSource;
  /** Generation number of the blobs returned. */
  generation: number;
  blobs: Record<string, Buffer>;
  /** Human-readable notes, e.g. that the current generation was damaged and the previous one loaded. */
  warnings: string[];
}

/**
 * Load a generation's blobs: the current set of `manifest`; if a file has vanished and the
 * manifest on disk is newer, that newer one (once: GC removed our files, this is not
 * corruption); else the `previous` set, with a warning. Throws INDEX_CORRUPT when neither loads:
 * the caller rebuilds from the source files.
 *
 * When `source` is 'previous', `manifest.meta` still describes the current generation, not the
 * blobs returned: anything needed to interpret blobs must live inside them, or be re-derived.
 */
export async function loadGenerationWithFallback(
  indexDir: string,
  manifest: Manifest,
  options: { names?: readonly string[] } = {},
): Promise<LoadedGeneration> {
  return loadFrom(indexDir, manifest, options.names, false);
}

async function loadFrom(
  indexDir: string,
  manifest: Manifest,
  names: readonly string[] | undefined,
  reread: boolean,
): Promise<LoadedGeneration> {
  let currentError: unknown;
  try {
    const blobs = await readBlobs(indexDir, manifest, names);
    return { manifest, source: 'current', generation: manifest.generation, blobs, warnings: [] };
  } catch (err) {
    if (!isAppError(err) || err.code !== 'INDEX_CORRUPT') throw err;
    currentError = err;
  }
  if (!reread && isMissingFile(currentError)) {
    const fresh = await readManifest(indexDir);
    if (fresh !== null && fresh.generation > manifest.generation) return loadFrom(indexDir, fresh, names, true);
  }
  const previous = manifest.previous;
  if (previous === null) {
    throw new AppError(
      'INDEX_CORRUPT',
      `generation ${manifest.generation} is unreadable (${errorMessage(currentError)}) and there is no previous generation`,
      { hint: REBUILD_HINT, cause: currentError },
    );
  }
  try {
    const blobs = await readBlobSet(indexDir, previous.blobs, previous.generation, names);
    const warning =
      `generation ${manifest.generation} is unreadable (${errorMessage(currentError)}); ` +
      `loaded the previous generation ${previous.generation} instead`;
    return { manifest, source: 'previous', generation: previous.generation, blobs, warnings: [warning] };
  } catch (err) {
    if (!isAppError(err) || err.code !== 'INDEX_CORRUPT') throw err;
    throw new AppError(
      'INDEX_CORRUPT',
      `generation ${manifest.generation} is unreadable (${errorMessage(currentError)}) and so is the ` +
        `previous generation ${previous.generation} (${errorMessage(err)})`,
      { hint: REBUILD_HINT, cause: err },
    );
  }
}

/**
 * Read the blobs named `names` of a blob table (a manifest's current or previous set), verified
 * like `readBlobs`.
 */
export async function readBlobRefs(
  indexDir: string,
  blobs: Record<string, BlobRef>,
  generation: number,
  names: readonly string[],
): Promise<Record<string, Buffer>> {
  return readBlobSet(indexDir, blobs, generation, names);
}

/** Where a blob's file is. */
export function blobFilePath(indexDir: string, ref: BlobRef): string {
  return join(indexDir, generationDirName(ref.gen), ref.file);
}

/** True when a read failed because a blob file is gone (GC raced the reader), not damaged. */
export function isMissingBlob(err: unknown): boolean {
  return isMissingFile(err);
}

async function readBlobSet(
  indexDir: string,
  blobs: Record<string, BlobRef>,
  generation: number,
  names: readonly string[] | undefined,
): Promise<Record<string, Buffer>> {
  const wanted = names ?? Object.keys(blobs);
  const entries = await Promise.all(
    wanted.map(async (name) => {
      const ref = blobs[name];
      if (ref === undefined) {
        throw new AppError('INDEX_CORRUPT', `generation ${generation} has no blob ${JSON.stringify(name)}`, {
          hint: REBUILD_HINT,
        });
      }
      return [name, await readVerifiedBlob(indexDir, ref)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

async function readVerifiedBlob(indexDir: string, ref: BlobRef): Promise<Buffer> {
  const path = join(indexDir, generationDirName(ref.gen), ref.file);
  let data: Buffer;
  try {
    // Never Node's shared pool of small buffers: segments are used as 8-aligned typed-array views.
    const handle = await open(path, 'r');
    try {
      const size = (await handle.stat()).size;
      data = Buffer.allocUnsafeSlow(size);
      let at = 0;
      while (at < size) {
        const { bytesRead } = await handle.read(data, at, size - at, at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      if (at < size) data = data.subarray(0, at);
    } finally {
      await handle.close();
    }
  } catch (err) {
    throw new AppError('INDEX_CORRUPT', `index file ${path} cannot be read: ${errorMessage(err)}`, {
      hint: REBUILD_HINT,
      cause: err,
    });
  }
  if (data.byteLength !== ref.bytes) {
    throw new AppError(
      'INDEX_CORRUPT',
      `index file ${path} has ${data.byteLength} bytes, the manifest says ${ref.bytes}`,
      { hint: REBUILD_HINT },
    );
  }
  if ((await sha256Async(data)) !== ref.sha256) {
    throw new AppError('INDEX_CORRUPT', `index file ${path} does not match its checksum`, { hint: REBUILD_HINT });
  }
  return data;
}

function isMissingFile(err: unknown): boolean {
  return isAppError(err) && (err.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
