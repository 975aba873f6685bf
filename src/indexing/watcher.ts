import { watch, type FSWatcher } from 'chokidar';
import { stat } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import { toDocPath } from '../core/paths.js';
import type { PathFilter } from './path-filter.js';

export interface DocWatcher {
  /** Resolves once the initial scan of the watcher is done and events are live. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  rootReal: string;
  filter: PathFilter;
  debounceMs: number;
  /** Called once per path after it has been quiet for `debounceMs`; the receiver stats the file. */
  onPathsChanged(paths: string[]): void;
  onError(err: unknown): void;
  /**
   * Called once if the system runs out of native watch handles (inotify watches: `ENOSPC`;
   * inotify instances or descriptors: `EMFILE`) and the watcher switches to polling. `ready`
   * resolves when the polling watcher is live: changes made meanwhile were missed, so the
   * receiver rescans then.
   */
  onPollingFallback?(info: PollingFallback): void;
  /** Stat interval once polling; default `DEFAULT_POLL_INTERVAL_MS`. */
  pollIntervalMs?: number;
}

export interface PollingFallback {
  code: 'ENOSPC' | 'EMFILE';
  /** The error chokidar reported, as the system worded it. */
  message: string;
  pollIntervalMs: number;
  ready: Promise<void>;
}

/**
 * One stat per watched file and folder per interval: 1 s keeps an edit visible within about a
 * second and a half (with the debounce) while a 10,000-file folder costs a few percent of a core.
 */
export const DEFAULT_POLL_INTERVAL_MS = 1000;

/** Restarts of a watcher whose walk ran out of file descriptors: first after this, doubling up to the max. */
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 10_000;

/**
 * EMFILE/ENFILE while chokidar lists a folder or opens a file (scandir, open…), as opposed to
 * adding a watch: the process is out of file descriptors, not out of inotify handles.
 */
function descriptorShortage(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | null;
  return (e?.code === 'EMFILE' || e?.code === 'ENFILE') && typeof e.syscall === 'string' && e.syscall !== 'watch';
}

/** Errors that mean "no more native watch handles", not a problem with one path. */
function outOfWatchHandles(err: unknown): 'ENOSPC' | 'EMFILE' | null {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EMFILE' && descriptorShortage(err)) return null;
  return code === 'ENOSPC' || code === 'EMFILE' ? code : null;
}

/**
 * Watches the documents root with chokidar and reports document paths that may have changed.
 * Events are only hints: the index manager re-reads each path and compares content hashes,
 * so an editor's atomic save (write temp, rename over) or a rename (unlink + add) needs no
 * special casing here. A per-file debounce coalesces bursts of writes to one re-index.
 *
 * When the native watcher runs out of handles (a large folder over `fs.inotify.max_user_watches`)
 * it would silently miss changes in every folder it could not watch, so it is replaced, once,
 * by a polling watcher over the whole root, and `onPollingFallback` tells the receiver why.
 */
export function watchDocuments(opts: WatchOptions): DocWatcher {
  const timers = new Map<string, NodeJS.Timeout>();
  let closed = false;

  const toDoc = (abs: string): string => toDocPath(relative(opts.rootReal, abs), sep);

  const schedule = (docPath: string): void => {
    if (closed) return;
    const prev = timers.get(docPath);
    if (prev) clearTimeout(prev);
    timers.set(
      docPath,
      setTimeout(() => {
        timers.delete(docPath);
        if (!closed) opts.onPathsChanged([docPath]);
      }, opts.debounceMs),
    );
  };

  const pollIntervalMs = opts.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const start = (usePolling: boolean): FSWatcher => {
    const w = watch(opts.rootReal, {
      ignoreInitial: true,
      followSymlinks: false,
      persistent: true,
      usePolling,
      interval: pollIntervalMs,
      binaryInterval: pollIntervalMs,
      // Directory symlinks are not followed (no loops); the ignore function prunes excluded
      // folders before chokidar descends into them, which keeps watch handles down.
      ignored: (abs, stats) => {
        const docPath = toDoc(abs);
        if (docPath === '' || docPath.startsWith('..')) return false;
        if (stats?.isDirectory()) return opts.filter.excludesDir(docPath);
        if (stats?.isFile() || stats?.isSymbolicLink()) return !opts.filter.includesFile(docPath);
        return false;
      },
    });
    w.on('all', (event, abs) => {
      const docPath = toDoc(abs);
      if (event === 'addDir' || event === 'unlinkDir') {
        // A directory appearing or vanishing (e.g. renamed) changes every file under it;
        // the receiver expands a directory path to the indexed files below it.
        if (!opts.filter.excludesDir(docPath)) schedule(docPath + '/');
        return;
      }
      if (opts.filter.includesFile(docPath)) schedule(docPath);
    });
    if (!usePolling) w.on('raw', (event, name, details) => rewatchReplacedDir(w, event, name, details));
    w.on('error', (err) => {
      if (w !== watcher || closed) return; // a watcher already replaced
      if (descriptorShortage(err)) {
        shortOfDescriptors(err);
        return;
      }
      const code = outOfWatchHandles(err);
      if (code === null || usePolling) {
        opts.onError(err);
        return;
      }
      // One error per folder that could not be watched may follow: switch once, on the first.
      if (polling || closed) return;
      polling = true;
      watcher = start(true);
      const pollingReady = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
      // A native watcher closed mid-walk may never say ready: `ready` follows the poller then.
      void pollingReady.then(resolveReady);
      void w.close().catch(() => undefined);
      opts.onPollingFallback?.({ code, message: errorText(err), pollIntervalMs, ready: pollingReady });
    });
    return w;
  };

  /**
   * A folder renamed away and at once replaced by a new one of the same name (`mv notes archive
   * && mkdir notes`, a sync tool, a checkout) keeps chokidar's watch on the old folder, now
   * elsewhere: files added to the new one later would never be reported. That watch reports its
   * own move ("rename" of its own name); if a folder is at its path again, watch the path afresh
   * and have the receiver rescan it.
   */
  const rewatchReplacedDir = (w: FSWatcher, event: string, name: string, details: unknown): void => {
    const watched = (details as { watchedPath?: unknown } | null)?.watchedPath;
    if (event !== 'rename' || typeof watched !== 'string' || watched === opts.rootReal || name !== basename(watched)) return;
    const docPath = toDoc(watched);
    if (docPath.startsWith('..') || opts.filter.excludesDir(docPath)) return;
    void stat(watched).then(
      (s) => {
        if (!s.isDirectory() || closed || w !== watcher) return;
        w.unwatch(watched);
        w.add(watched);
        schedule(docPath + '/');
      },
      () => undefined, // gone: chokidar reports that itself
    );
  };

  /**
   * Out of file descriptors during chokidar's walk: the folders it could not list are not
   * watched, and what changed meanwhile is unknown. Polling would not help (it lists folders
   * too), so the watcher is started afresh after a back-off, again while its walk still runs
   * short, and once a walk completes the receiver rescans the whole root (`/`: every indexed
   * path and every file on disk). The first error of such a streak is passed on to `onError`.
   */
  let shortage = false;
  let shortageReported = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let restartDelay = RESTART_MIN_MS;
  const shortOfDescriptors = (err: unknown): void => {
    shortage = true;
    if (!shortageReported) {
      shortageReported = true;
      opts.onError(err);
    }
    if (restartTimer !== null || closed) return;
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (closed) return;
      const old = watcher;
      shortage = false;
      const fresh = start(polling);
      watcher = fresh;
      void old.close().catch(() => undefined);
      fresh.once('ready', () => {
        if (closed || fresh !== watcher || shortage) return; // short again: another restart is due
        restartDelay = RESTART_MIN_MS;
        shortageReported = false;
        resolveReady();
        schedule('/');
      });
    }, restartDelay);
    restartDelay = Math.min(RESTART_MAX_MS, restartDelay * 2);
  };

  let polling = false;
  let resolveReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (resolveReady = resolve));
  let watcher: FSWatcher = start(false);
  watcher.once('ready', () => resolveReady());

  return {
    ready,
    async close() {
      if (closed) return;
      closed = true;
      if (restartTimer !== null) clearTimeout(restartTimer);
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await watcher.close();
    },
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
