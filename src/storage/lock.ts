/**
 * The index lock: `flock` on `<indexDir>/.index.lock` through fs-ext (the only file that
 * imports it). Writers take it exclusive; queries never take it.
 *
 * Only non-blocking attempts (LOCK_NB) are ever made: fs-ext runs its async flock in the libuv
 * threadpool, and a blocking flock there would pin a worker that file reads also need.
 * Waiting is done here, with jittered exponential back-off on timers.
 *
 * flock locks belong to the open file description, so every acquisition opens its own file
 * descriptor: two handles in one process conflict exactly as two processes do. The OS drops
 * the lock when its holder dies, so a crash can never leave the index locked.
 */
import { open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, errorMessage } from '../core/errors.js';
import { writeFileAtomic } from './atomic.js';
import { ensureLockFile, isProcessAlive, isProcessStopped, parseLockHolder, startHeartbeat } from './lock-support.js';
import { lockFilePath, lockHolderPath } from './layout.js';

export type LockMode = 'exclusive' | 'shared';

/** Who holds the exclusive lock, as written by the holder to `lock-holder.json`. */
export interface LockHolder {
  pid: number;
  instanceId: string;
  /** ISO timestamp of acquisition. */
  since: string;
  hostname: string;
}

/** The holder as another process sees it: what it wrote, its last heartbeat, whether it runs. */
export interface LockHolderReport extends LockHolder {
  /** ISO time of its last heartbeat (the mtime of lock-holder.json, touched every second). */
  heartbeat: string;
  /** Whether the process exists; null when it runs on another host. */
  alive: boolean | null;
  /** Whether it is stopped (SIGSTOP, a suspended job, a debugger); null when that cannot be told. */
  stopped: boolean | null;
}

/** A held lock. `release()` unlocks and closes its descriptor; calling it again is a no-op. */
export interface LockHandle {
  readonly mode: LockMode;
  readonly acquiredAt: Date;
  /** How long `acquire` waited for it (0 for `tryAcquire`). */
  readonly waitedMs: number;
  release(): Promise<void>;
}

export interface AcquireOptions {
  /** Give up (AppError LOCK_TIMEOUT) after this long; 0 makes exactly one attempt. */
  timeoutMs: number;
  /** Aborting rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called after each failed attempt with the time waited so far (for status and logs). */
  onWait?: (elapsedMs: number) => void;
  /** First back-off delay (default 10 ms); doubles up to `maxDelayMs` (default 250 ms), ±50% jitter. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface LockFile {
  readonly path: string;
  /** One non-blocking attempt: a handle, or null if the lock is held in a conflicting mode. */
  tryAcquire(mode: LockMode): Promise<LockHandle | null>;
  /** Non-blocking attempts with back-off until acquired or `timeoutMs` has passed. */
  acquire(mode: LockMode, options: AcquireOptions): Promise<LockHandle>;
  /** Release every handle still held and refuse new acquisitions. Idempotent. */
  close(): Promise<void>;
}

export interface OpenLockFileOptions {
  /** Written to lock-holder.json so `status` can name the holder; default `<hostname>:<pid>`. */
  instanceId?: string;
}

type FlockFlags = 'exnb' | 'shnb' | 'un';
interface FsExt {
  flock(fd: number, flags: FlockFlags, callback: (err: NodeJS.ErrnoException | null) => void): void;
}

/**
 * Open (creating it and `indexDir` if needed, never deleting) the lock file of `indexDir`.
 * Throws INDEX_UNWRITABLE if it cannot be created, INTERNAL if fs-ext cannot be loaded.
 */
export async function openLockFile(indexDir: string, options: OpenLockFileOptions = {}): Promise<LockFile> {
  const fsExt = loadFsExt();
  const path = lockFilePath(indexDir);
  await ensureLockFile(indexDir, path);
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
  const live = new Set<LockHandle>();
  let closed = false;

  async function attempt(mode: LockMode, startedAt: number): Promise<LockHandle | null> {
    if (closed) throw new AppError('INTERNAL', `lock file ${path} is closed`, { hint: 'open it again' });
    const file = await openForLock(path);
    let locked: boolean;
    try {
      locked = await flockNonBlocking(fsExt, file.fd, mode === 'exclusive' ? 'exnb' : 'shnb', path);
    } catch (err) {
      await file.close().catch(() => undefined);
      throw err;
    }
    if (!locked) {
      await file.close();
      return null;
    }
    const acquiredAt = new Date();
    let released: Promise<void> | undefined;
    let heartbeat: { stop(): Promise<void> } | null = null;
    const handle: LockHandle = {
      mode,
      acquiredAt,
      waitedMs: acquiredAt.getTime() - startedAt,
      release() {
        released ??= (async () => {
          live.delete(handle);
          await heartbeat?.stop();
          // Cleared while still exclusive, so it can never delete the next holder's file.
          if (mode === 'exclusive') await rm(lockHolderPath(indexDir), { force: true }).catch(() => undefined);
          await flockNonBlocking(fsExt, file.fd, 'un', path).catch(() => undefined);
          await file.close().catch(() => undefined);
        })();
        return released;
      },
    };
    live.add(handle);
    if (closed) {
      // close() ran while this attempt was in flight and could not see the handle.
      await handle.release();
      throw new AppError('INTERNAL', `lock file ${path} was closed while acquiring`, { hint: 'open it again' });
    }
    if (mode === 'exclusive') {
      const holder: LockHolder = { pid: process.pid, instanceId, since: acquiredAt.toISOString(), hostname: hostname() };
      try {
        // Advisory and meaningless after a crash, so no fsync: the rename alone avoids torn reads.
        await writeFileAtomic(lockHolderPath(indexDir), `${JSON.stringify(holder)}\n`, { fsync: false });
        heartbeat = startHeartbeat(lockHolderPath(indexDir));
      } catch (err) {
        await handle.release();
        throw new AppError('INDEX_UNWRITABLE', `cannot write ${lockHolderPath(indexDir)}: ${errorMessage(err)}`, {
          hint: 'check the permissions and free space of the index directory',
          cause: err,
        });
      }
    }
    return handle;
  }

  return {
    path,
    tryAcquire: (mode) => attempt(mode, Date.now()),
    async acquire(mode, options) {
      const startedAt = Date.now();
      const deadline = startedAt + Math.max(0, options.timeoutMs);
      const maxDelay = options.maxDelayMs ?? 250;
      let delay = options.minDelayMs ?? 10;
      for (;;) {
        options.signal?.throwIfAborted();
        const handle = await attempt(mode, startedAt);
        if (handle !== null) return handle;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw await timeoutError(indexDir, path, mode, Date.now() - startedAt);
        options.onWait?.(Date.now() - startedAt);
        const jittered = delay * (0.5 + Math.random());
        delay = Math.min(maxDelay, delay * 2);
        try {
          await sleep(Math.min(remaining, jittered), undefined, options.signal ? { signal: options.signal } : {});
        } catch (err) {
          options.signal?.throwIfAborted();
          throw err;
        }
      }
    },
    async close() {
      closed = true;
      await Promise.all([...live].map((handle) => handle.release()));
    },
  };
}

/**
 * The current holder of `indexDir`'s exclusive lock, or null when nobody holds it. The lock
 * itself is probed (a non-blocking shared attempt succeeds only if no one holds it exclusive), so
 * info left behind by a dead process is never reported. Null also in the instant between a
 * holder acquiring the lock and writing its info.
 */
export async function readLockHolder(indexDir: string): Promise<LockHolder | null> {
  const report = await inspectLockHolder(indexDir);
  if (report === null) return null;
  const { pid, instanceId, since, hostname: host } = report;
  return { pid, instanceId, since, hostname: host };
}

/**
 * `readLockHolder` plus what tells a working holder from a stuck one: its last heartbeat and,
 * on this host, whether the process exists and whether it is stopped. Cheap enough to poll:
 * without a holder file the lock is not probed at all.
 */
export async function inspectLockHolder(indexDir: string): Promise<LockHolderReport | null> {
  const holderPath = lockHolderPath(indexDir);
  // No holder file: nobody holds the lock (or has just taken it), and no probe can disturb a writer.
  if ((await stat(holderPath).catch(() => null)) === null) return null;
  const fsExt = loadFsExt();
  const path = lockFilePath(indexDir);
  let file: FileHandle;
  try {
    file = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    if (await flockNonBlocking(fsExt, file.fd, 'shnb', path)) return null;
  } finally {
    // Closing drops the probe's shared lock, if it got one.
    await file.close();
  }
  // Read after the probe: the file may be the next holder's by now.
  const [text, info] = await Promise.all([readFile(holderPath, 'utf8').catch(() => null), stat(holderPath).catch(() => null)]);
  const holder = text === null ? null : parseLockHolder(text);
  if (holder === null || info === null) return null;
  const local = holder.hostname === hostname();
  // A stale file from a holder that died just before the current one wrote its own.
  if (local && !isProcessAlive(holder.pid)) return null;
  return {
    ...holder,
    heartbeat: info.mtime.toISOString(),
    alive: local ? true : null,
    stopped: local ? await isProcessStopped(holder.pid) : null,
  };
}

/** One flock call with a non-blocking flag; false when the lock is held in a conflicting mode. */
function flockNonBlocking(fsExt: FsExt, fd: number, flags: FlockFlags, path: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    fsExt.flock(fd, flags, (err) => {
      if (err === null || err === undefined) return resolve(true);
      if (err.code === 'EAGAIN' || err.code === 'EWOULDBLOCK') return resolve(false);
      reject(
        new AppError('INDEX_UNWRITABLE', `cannot lock ${path}: ${err.code ?? ''} ${errorMessage(err)}`.trim(), {
          hint: 'the file system may not support flock (network file systems often do not): use a local --index-dir, or coordination_mode = "none" with a single instance',
          cause: err,
        }),
      );
    });
  });
}

async function openForLock(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (err) {
    // Someone removed the lock file (it is never deleted by us): recreate it.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return open(path, 'a+');
    throw err;
  }
}

async function timeoutError(indexDir: string, path: string, mode: LockMode, waitedMs: number): Promise<AppError> {
  const holder = await readLockHolder(indexDir).catch(() => null);
  const who =
    holder === null
      ? 'by another process'
      : `by pid ${holder.pid} on ${holder.hostname} (instance ${holder.instanceId}, since ${holder.since})`;
  return new AppError(
    'LOCK_TIMEOUT',
    `timed out after ${waitedMs} ms waiting for the ${mode} index lock ${path}: it is held ${who}`,
    {
      hint:
        'another instance is updating the index; the work stays queued and is retried. If no other instance ' +
        `is running, stop the stuck process${holder === null ? '' : ` (kill ${holder.pid})`}, or raise index.lock_timeout_seconds`,
    },
  );
}

function loadFsExt(): FsExt {
  try {
    return createRequire(import.meta.url)('fs-ext') as FsExt;
  } catch (err) {
    throw new AppError('INTERNAL', `the native module fs-ext could not be loaded: ${errorMessage(err)}`, {
      hint: 'reinstall it (npm rebuild fs-ext), or set coordination_mode = "none" to run a single instance without locking',
      cause: err,
    });
  }
}
