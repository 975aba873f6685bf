/**
 * Durable file writes. Readers of the index never take a lock, so every file they can see
 * must be complete: mutable files are replaced by rename, new immutable files are fsynced
 * before anything names them.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /**
   * fsync the data and the folder (default true). Turn off only for advisory files whose loss
   * in a power cut does not matter: the rename still keeps readers from seeing a torn file.
   */
  fsync?: boolean;
}

const TEMP_FILE_PATTERN = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;

/** A unique hidden temp name for `target`, recognisable by `isTempFileName` for cleanup. */
export function tempFileName(target: string): string {
  return `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** True for names produced by `tempFileName` (left behind only by a crash mid-write). */
export function isTempFileName(name: string): boolean {
  return TEMP_FILE_PATTERN.test(name);
}

/**
 * Replace `path` atomically: write a temp file in the same folder, fsync it, rename it over
 * `path`, fsync the folder. A reader sees the old content or the new, never a mix. On failure
 * the temp file is removed and the fs error is rethrown.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const sync = options.fsync ?? true;
  const dir = dirname(path);
  const temp = join(dir, tempFileName(path));
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  if (sync) await fsyncDir(dir);
}

/**
 * Write a new file and fsync it before returning. For immutable files inside a fresh
 * generation folder, which nothing references until the manifest is published.
 */
export async function writeFileDurable(path: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(path, 'w', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * fsync a folder so that entries created or renamed in it survive a power cut. Windows cannot
 * open folders for fsync (and NTFS journals renames itself), so there it is a no-op.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
