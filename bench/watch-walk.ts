/**
 * chokidar alone on a folder, with the options the server's watcher uses (src/indexing/watcher.ts,
 * no ignore rules): how long its initial walk takes, the memory it holds once ready, and the
 * longest the event loop was blocked meanwhile. Separates the watcher's share of a server's
 * memory and stalls from the index's (bench/many-files.ts). Prints; asserts nothing.
 *
 *   npm run build && node dist/bench/watch-walk.js DIR
 *   (a folder of 100,000 notes: node -e "import('./dist/bench/lib/many-files-corpus.js').then((m) => m.writeManyFiles('/tmp/w100k', 100000))")
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { watch } from 'chokidar';

/** inotify watches this process holds (Linux: the `inotify wd:` lines of its inotify descriptors), or null. */
function inotifyWatches(): number | null {
  try {
    let n = 0;
    for (const fd of readdirSync('/proc/self/fd')) {
      let target = '';
      try {
        target = readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue;
      }
      if (target === 'anon_inode:inotify') n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    }
    return n;
  } catch {
    return null;
  }
}

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: watch-walk DIR');
const started = performance.now();
let maxLag = 0;
let last = performance.now();
const tick = setInterval(() => {
  const now = performance.now();
  maxLag = Math.max(maxLag, now - last - 100);
  last = now;
}, 100);
const watcher = watch(dir, { ignoreInitial: true, followSymlinks: false, persistent: true, ignored: () => false });
watcher.on('ready', () => {
  const ms = performance.now() - started;
  const m = process.memoryUsage();
  const watched = watcher.getWatched();
  const files = Object.values(watched).reduce((n, names) => n + names.length, 0);
  const mb = (b: number): string => `${(b / 1048576).toFixed(0)} MB`;
  process.stdout.write(
    `chokidar ready on ${dir} in ${(ms / 1000).toFixed(1)} s: ${Object.keys(watched).length} folders, ${files} entries; ` +
      `RSS ${mb(m.rss)}, heap used ${mb(m.heapUsed)}, external ${mb(m.external)}; longest event-loop stall ${maxLag.toFixed(0)} ms; ` +
      `inotify watches held ${inotifyWatches() ?? 'n/a'} (fs.inotify.max_user_watches counts them per user, across every process)\n`,
  );
  clearInterval(tick);
  void watcher.close();
});
