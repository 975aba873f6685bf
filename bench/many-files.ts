/**
 * 100,000 small files (issue 12 item 6): `index` of a generated folder of small notes (wall time,
 * peak RSS, index size on disk), then servers restarted on it (time to ready, RSS, descriptors,
 * query latency) and its watcher (which kind, and how soon an edit and a new file in a new folder
 * are searchable). Prints figures; asserts nothing.
 *
 *   npm run build && node dist/bench/many-files.js [--files 100000] [--restarts 3] [--queries 60]
 *     [--embedder none|test] [--seed 1] [--keep DIR]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIN, spawnServer, type SpawnedServer } from '../tests/helpers/spawn-server.js';
import { logMessages } from '../tests/helpers/server-probes.js';
import { writeManyFiles } from './lib/many-files-corpus.js';
import { formatMs, summarize } from './lib/stats.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '100000' },
    restarts: { type: 'string', default: '3' },
    queries: { type: 'string', default: '60' },
    embedder: { type: 'string', default: 'none' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'string' },
  },
});
const out = (line: string): void => void process.stdout.write(line + '\n');
const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long each restarted server is watched (status every 250 ms) before the queries. */
const WATCH_MS = 60_000;
const env = { RAGDOCS_EMBEDDER: values.embedder as string, RAGDOCS_CONFIG: '', RAGDOCS_LOG_FILE: '', RAGDOCS_LOG_LEVEL: 'info' };

/** VmRSS and VmHWM (peak) in kB, and open descriptors, of a live process. */
function memory(pid: number): { rssKb: number; peakKb: number; fds: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKb: field('VmRSS'), peakKb: field('VmHWM'), fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

/** Bytes and files under `dir`. */
function diskUsage(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    bytes += statSync(join(e.parentPath, e.name)).size;
    files++;
  }
  return { bytes, files };
}

/** `index` as a child process: wall time, exit code, last line, and peak RSS (VmHWM, polled every 100 ms). */
function runIndex(docs: string, indexDir: string): Promise<{ ms: number; code: number | null; peakKb: number; stderrTail: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN(), 'index', '--docs', docs, '--index-dir', indexDir], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    child.stdout.resume();
    let peakKb = 0;
    const poll = setInterval(() => {
      const m = child.pid === undefined ? null : memory(child.pid);
      if (m !== null) peakKb = Math.max(peakKb, m.peakKb);
    }, 100);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ ms: performance.now() - started, code, peakKb, stderrTail: stderr.trim().split('\n').slice(-2).join(' | ') });
    });
  });
}

async function status(server: SpawnedServer): Promise<Record<string, any>> {
  return (await server.callTool('index_status')).structuredContent as Record<string, any>;
}

async function firstHit(server: SpawnedServer, query: string): Promise<string | undefined> {
  const res = await server.callTool('query_documents', { query, top_n: 5 });
  return res.structuredContent?.results?.[0]?.path;
}

/** Polls until `probe` is true; the ms it took, or null after `timeoutMs`. */
async function timeUntil(probe: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await probe().catch(() => false)) return performance.now() - started;
    await sleep(everyMs);
  }
  return null;
}

async function main(): Promise<void> {
  const count = Number(values.files);
  const work = values.keep ?? mkdtempSync(join(tmpdir(), 'ragdocs-bench-many-'));
  const docs = join(work, 'docs');
  const indexDir = join(work, 'index');
  out(`# many files — ${count} files, embedder ${values.embedder}, seed ${values.seed}; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  out(`# inotify: max_user_watches ${readFileSync('/proc/sys/fs/inotify/max_user_watches', 'utf8').trim()}, max_user_instances ${readFileSync('/proc/sys/fs/inotify/max_user_instances', 'utf8').trim()}`);
  try {
    rmSync(docs, { recursive: true, force: true });
    rmSync(indexDir, { recursive: true, force: true });
    mkdirSync(docs, { recursive: true });
    let t = performance.now();
    const corpus = writeManyFiles(docs, count, Number(values.seed));
    out(`generated: ${corpus.files} files in ${corpus.folders} folders, ${(corpus.bytes / 1e6).toFixed(1)} MB (${(corpus.bytes / corpus.files).toFixed(0)} B per file) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    const idx = await runIndex(docs, indexDir);
    const disk = diskUsage(indexDir);
    out(`index (first build): ${(idx.ms / 1000).toFixed(1)} s wall, exit ${idx.code}, peak RSS ${mb(idx.peakKb)}; "${idx.stderrTail}"`);
    out(`index on disk: ${(disk.bytes / 1e6).toFixed(1)} MB in ${disk.files} files (${(disk.bytes / corpus.bytes).toFixed(2)}× the documents)`);
    const again = await runIndex(docs, indexDir);
    out(`index again (nothing changed): ${(again.ms / 1000).toFixed(1)} s wall, exit ${again.code}, peak RSS ${mb(again.peakKb)}`);

    const readyMs: number[] = [];
    const rss: number[] = [];
    const latencies: number[] = [];
    let wrong = 0;
    let failedQueries = 0;
    const restarts = Number(values.restarts);
    for (let r = 0; r < restarts; r++) {
      t = performance.now();
      const server = await spawnServer({ docs, indexDir, env });
      const pid = server.child.pid as number;
      try {
        // index_status every 250 ms from spawn for WATCH_MS: when it is first ready, and the slowest
        // reply (the watcher's initial walk runs on the main thread after the first reconcile).
        let readyAt: number | null = null;
        let atReady: ReturnType<typeof memory> = null;
        let slowest = 0;
        let timeouts = 0;
        let peakKb = 0;
        let edit: { editMs: number | null; newMs: number | null } | null = null;
        const editing = async (): Promise<void> => {
          // The watcher: an edit and a new file in a new folder, written right after ready.
          const editPath = corpus.probes[1]?.path as string;
          const w0 = performance.now();
          writeFileSync(join(docs, ...editPath.split('/')), '# Edited\n\nNow about zqeditedm.\n');
          mkdirSync(join(docs, 'later', 'deeper'), { recursive: true });
          writeFileSync(join(docs, 'later', 'deeper', 'new.md'), '# New\n\nCreated after start: zqlaterm.\n');
          const found = (q: string, path: string) => timeUntil(async () => (await firstHit(server, q)) === path, 180_000, 250).then((x) => (x === null ? null : performance.now() - w0));
          const [editMs, newMs] = await Promise.all([found('zqeditedm', editPath), found('zqlaterm', 'later/deeper/new.md')]);
          edit = { editMs, newMs };
        };
        let editDone: Promise<void> | null = null;
        while (performance.now() - t < WATCH_MS) {
          const c0 = performance.now();
          const st = await status(server).catch(() => null);
          const took = performance.now() - c0;
          if (st === null) timeouts++;
          else slowest = Math.max(slowest, took);
          const m = memory(pid);
          if (m !== null) peakKb = Math.max(peakKb, m.peakKb);
          if (readyAt === null && st !== null && st.state === 'ready' && st.documents >= count && st.pending_files === 0) {
            readyAt = performance.now() - t;
            atReady = m;
            if (r === 0) editDone = editing();
          }
          await sleep(250);
        }
        await editDone;
        readyMs.push(readyAt ?? NaN);
        const settled = memory(pid);
        // Queries, once the walk is over: every probe token (one right answer each), after a warm-up of 5.
        for (const p of corpus.probes.slice(0, 5)) await firstHit(server, p.token).catch(() => undefined);
        // Not probe 1: the first restart edits that note.
        const probes = corpus.probes.filter((_, k) => k !== 1);
        for (let q = 0; q < Number(values.queries); q++) {
          const p = probes[q % probes.length] as { path: string; token: string };
          const q0 = performance.now();
          const hit = await firstHit(server, p.token).catch(() => null);
          if (hit === null) failedQueries++;
          else latencies.push(performance.now() - q0);
          if (hit !== p.path) wrong++;
        }
        const phrase0 = performance.now();
        await firstHit(server, 'configure the cache for deployment').catch(() => undefined);
        const phraseMs = performance.now() - phrase0;
        const polling = logMessages(server.stderr()).find((m) => /by polling every/.test(m));
        const watcherErrors = logMessages(server.stderr()).filter((m) => /file watcher error/.test(m)).length;
        rss.push(settled?.rssKb ?? NaN);
        out(
          `restart ${r + 1}: ready ${readyAt === null ? 'NOT' : `${(readyAt / 1000).toFixed(1)} s`} after spawn (index_status ready, ${count}+ documents, nothing pending), RSS then ${mb(atReady?.rssKb ?? NaN)}, ${atReady?.fds} fds; ` +
            `in the first ${WATCH_MS / 1000} s: slowest index_status reply ${(slowest / 1000).toFixed(1)} s, ${timeouts} timed out (10 s); ` +
            `at ${WATCH_MS / 1000} s RSS ${mb(settled?.rssKb ?? NaN)} (peak ${mb(peakKb)}), ${settled?.fds} fds; a 5-word query ${phraseMs.toFixed(0)} ms; ` +
            `watcher: ${polling ? `polling fallback ("${polling.slice(0, 120)}…")` : 'chokidar (native inotify)'}, ${watcherErrors} errors`,
        );
        const e = edit as { editMs: number | null; newMs: number | null } | null;
        if (e !== null) {
          const secs = (x: number | null): string => (x === null ? 'NOT within 180 s' : `${(x / 1000).toFixed(1)} s`);
          out(`  written right after ready: an edit searchable ${secs(e.editMs)} later, a new file in a new folder ${secs(e.newMs)} later`);
        }
      } finally {
        await server.stop(30_000);
      }
    }
    const s = summarize(readyMs);
    out(`time to ready after a restart: median ${(s.median / 1000).toFixed(1)} s (min ${(s.min / 1000).toFixed(1)}, max ${(s.max / 1000).toFixed(1)}, n=${s.runs})`);
    out(`server RSS ${WATCH_MS / 1000} s after spawn: median ${mb(summarize(rss).median)}`);
    out(`query_documents for a unique token (MCP round trip, after the walk): ${formatMs(summarize(latencies))}, p95 ${summarize(latencies).p95.toFixed(1)} ms; wrong first hit ${wrong} of ${Number(values.queries) * restarts}, ${failedQueries} failed or timed out`);
  } finally {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`many-files benchmark failed: ${String(err?.stack ?? err)}\n`);
  process.exitCode = 1;
});
