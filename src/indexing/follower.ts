import { watch as watchFs, type FSWatcher } from 'node:fs';

export interface FollowerOptions {
  indexDir: string;
  /** Poll interval: the fallback where fs.watch is missing or misses events. */
  intervalMs: number;
  /** Loads and swaps in a newer generation if there is one; called one at a time. */
  follow: () => Promise<void>;
  /** True while a load must wait (the writer loop is running). */
  busy: () => boolean;
}

/**
 * Followers notice new generations two ways: an fs.watch on the index dir (immediate where the
 * OS supports it) and a cheap poll of the manifest as the fallback (network file systems, missed
 * events). Either way the load happens between requests and is swapped in whole.
 */
export class ManifestFollower {
  private timer: NodeJS.Timeout | null = null;
  private kickTimer: NodeJS.Timeout | null = null;
  private watcher: FSWatcher | null = null;
  private following = false;
  private stopped = false;

  constructor(private readonly opts: FollowerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.kickTimer) clearTimeout(this.kickTimer);
    this.timer = null;
    this.kickTimer = null;
    this.watcher?.close();
    this.watcher = null;
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.watcher === null) this.watch();
    this.timer = setTimeout(() => this.now(), this.opts.intervalMs);
    this.timer.unref();
  }

  private now(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    if (this.following || this.opts.busy()) return this.schedule();
    this.following = true;
    this.opts
      .follow()
      .finally(() => {
        this.following = false;
        this.schedule();
      });
  }

  private watch(): void {
    try {
      this.watcher = watchFs(this.opts.indexDir, { persistent: false }, (_event, name) => {
        if (name !== null && String(name) !== 'manifest.json') return;
        // Coalesce the burst of events one atomic rename produces.
        if (this.kickTimer) return;
        this.kickTimer = setTimeout(() => {
          this.kickTimer = null;
          this.now();
        }, 10);
        this.kickTimer.unref();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      // No fs.watch here (or the dir vanished): the poll still follows.
      this.watcher = null;
    }
  }
}
