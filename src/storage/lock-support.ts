/** Small helpers of lock.ts that do not touch fs-ext. */
import { mkdir, open } from 'node:fs/promises';
import { AppError, errorMessage } from '../core/errors.js';
import type { LockHolder } from './lock.js';

/** Create the index folder and its lock file if missing (never truncating or deleting it). */
export async function ensureLockFile(indexDir: string, path: string): Promise<void> {
  try {
    await mkdir(indexDir, { recursive: true });
    const file = await open(path, 'a');
    await file.close();
  } catch (err) {
    throw new AppError('INDEX_UNWRITABLE', `cannot create the index lock file ${path}: ${errorMessage(err)}`, {
      hint: 'check the permissions of the index directory, or pass another --index-dir',
      cause: err,
    });
  }
}

/** Validate the content of lock-holder.json; null if it is not a holder record. */
export function parseLockHolder(text: string): LockHolder | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { pid, instanceId, since, hostname } = value as Record<string, unknown>;
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return null;
  if (typeof instanceId !== 'string' || typeof since !== 'string' || typeof hostname !== 'string') return null;
  return { pid, instanceId, since, hostname };
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
