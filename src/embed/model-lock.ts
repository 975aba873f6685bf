/**
 * Coordination of model downloads across processes: an flock per model folder (kept under
 * `<cacheDir>/.locks/`, see model-files.ts), and cleanup of partial files a killed download left.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, isAppError } from '../core/errors.js';
import { openLockFile, type LockFile, type LockHandle } from '../storage/lock.js';

/** Names of in-progress downloads: `<final name>.partial-<pid>-<hex>`. */
export const PARTIAL_PATTERN = /\.partial-\d+-[0-9a-f]+$/;

/**
 * Remove `*.partial-*` files left by a process killed mid-download. Every writer holds the lock,
 * so partials older than this acquisition cannot belong to a live download.
 */
export async function removeStalePartials(folder: string, acquiredAt: Date): Promise<void> {
  const names = await readdir(folder).catch(() => [] as string[]);
  for (const name of names) {
    if (!PARTIAL_PATTERN.test(name)) continue;
    const path = join(folder, name);
    const info = await stat(path).catch(() => null);
    if (info !== null && info.isFile() && info.mtimeMs <= acquiredAt.getTime()) {
      await rm(path, { force: true }).catch(() => undefined);
    }
  }
}

/** Open the lock file of a model's lock folder; MODEL_DOWNLOAD_FAILED if it cannot be created. */
export async function openModelLock(lockDir: string): Promise<LockFile> {
  try {
    return await openLockFile(lockDir);
  } catch (err) {
    if (isAppError(err) && err.code === 'INDEX_UNWRITABLE') {
      throw new AppError('MODEL_DOWNLOAD_FAILED', `cannot create the model download lock in ${lockDir}: ${err.message}`, {
        hint: 'check the permissions and free space of the model cache folder, or set embedder.cache_dir to another folder',
        cause: err,
      });
    }
    throw err;
  }
}

/** Wait for the exclusive lock; LOCK_TIMEOUT naming the model when another download holds it too long. */
export async function acquireModelLock(
  lockFile: LockFile,
  modelId: string,
  revision: string,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<LockHandle> {
  const { timeoutMs } = options;
  try {
    return await lockFile.acquire('exclusive', {
      timeoutMs,
      maxDelayMs: 500,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  } catch (err) {
    if (isAppError(err) && err.code === 'LOCK_TIMEOUT') {
      throw new AppError(
        'LOCK_TIMEOUT',
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for another process downloading model "${modelId}" (revision "${revision}")`,
        {
          hint: `another instance is still downloading it (lock ${lockFile.path}); wait for it and retry, or stop that process`,
          cause: err,
        },
      );
    }
    throw err;
  }
}
