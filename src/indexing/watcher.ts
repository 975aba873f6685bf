import { watch, type FSWatcher } from 'chokidar';
import { relative, sep } from 'node:path';
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
}

/**
 * Watches the documents root with chokidar and reports document paths that may have changed.
 * Events are only hints: the index manager re-reads each path and compares content hashes,
 * so an editor's atomic save (write temp, rename over) or a rename (unlink + add) needs no
 * special casing here. A per-file debounce coalesces bursts of writes to one re-index.
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

  const watcher: FSWatcher = watch(opts.rootReal, {
    ignoreInitial: true,
    followSymlinks: false,
    persistent: true,
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

  watcher.on('all', (event, abs) => {
    const docPath = toDoc(abs);
    if (event === 'addDir' || event === 'unlinkDir') {
      // A directory appearing or vanishing (e.g. renamed) changes every file under it;
      // the receiver expands a directory path to the indexed files below it.
      if (!opts.filter.excludesDir(docPath)) schedule(docPath + '/');
      return;
    }
    if (opts.filter.includesFile(docPath)) schedule(docPath);
  });
  watcher.on('error', (err) => opts.onError(err));

  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    ready,
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await watcher.close();
    },
  };
}
