/** Small helpers of lock.ts that do not touch fs-ext. */
import { mkdir, open, readFile, utimes } from 'node:fs/promises';
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

/** How often a holder of the exclusive lock touches lock-holder.json to say it is still running. */
export const HEARTBEAT_MS = 1000;
/** A heartbeat older than this means the holder is not progressing (stopped, or its event loop is stuck). */
export const HEARTBEAT_STALE_MS = 5000;

/**
 * Touches `path` (its mtime is the heartbeat) every HEARTBEAT_MS until `stop()`. A stopped
 * process (SIGSTOP, a debugger) runs no timers, so its heartbeat ages while it keeps the lock.
 * `stop()` waits for a touch in flight, so the caller can delete the file after it.
 */
export function startHeartbeat(path: string, intervalMs = HEARTBEAT_MS): { stop(): Promise<void> } {
  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const now = new Date();
    inFlight = utimes(path, now, now).catch(() => undefined);
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}

/**
 * Whether process `pid` of this host is stopped (Linux: state T or t in /proc/<pid>/stat, i.e.
 * SIGSTOP, a suspended job, a debugger); null where that cannot be told (no /proc, gone).
 */
export async function isProcessStopped(pid: number): Promise<boolean | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses, so read after the last ')'.
  const state = text.slice(text.lastIndexOf(')') + 1).trim()[0];
  return state === undefined ? null : state === 'T' || state === 't';
}
