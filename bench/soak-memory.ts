/**
 * Where a soaked server's memory goes (issue 12 item 4): one server (test embedder) under the
 * soak's churn, started with `--trace-gc`, so the heap each V8 isolate keeps after every
 * mark-compact (the main thread and each index worker, told apart by isolate address) can be set
 * beside the process's RSS. A leak shows as a post-GC heap that keeps climbing; a heap that
 * breathes shows as RSS moving up and down with a flat post-GC floor. Prints; asserts nothing.
 *
 *   npm run build && node dist/bench/soak-memory.js [--minutes 5] [--seed 1]
 *
 * No MCP client: `--trace-gc` writes to stdout, which would garble JSON-RPC, so the server is
 * only fed files (its watcher and writer loop do the work) and its stdin is kept open.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BIN } from '../tests/helpers/spawn-server.js';
import { createRandom } from './lib/random.js';
import { SoakFolder } from './lib/soak-churn.js';

const { values } = parseArgs({ options: { minutes: { type: 'string', default: '5' }, seed: { type: 'string', default: '1' } } });
const out = (line: string): void => void process.stdout.write(line + '\n');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Sample {
  s: number;
  /** Committed V8 heap of every isolate (main thread and index workers), as of its last GC. */
  heapsMb?: number;
  rssMb: number;
  anonMb: number;
  fileMb: number;
  fds: number;
}

function sample(pid: number, s: number): Sample | null {
  try {
    const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(roll)?.[1] ?? NaN);
    const rss = kb('Rss');
    const anon = kb('Anonymous');
    return { s, rssMb: rss / 1024, anonMb: anon / 1024, fileMb: (rss - anon) / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const minutes = Number(values.minutes);
  const work = mkdtempSync(join(tmpdir(), 'ragdocs-bench-soakmem-'));
  try {
    const random = createRandom(Number(values.seed));
    const folder = new SoakFolder(join(work, 'docs'), createRandom(Number(values.seed) + 1), 1500);
    folder.seed(200);
    const child = spawn(process.execPath, ['--trace-gc', BIN(), '--docs', folder.root, '--index-dir', join(work, 'index')], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, RAGDOCS_EMBEDDER: 'test', RAGDOCS_LOG_LEVEL: 'warn', RAGDOCS_CONFIG: '', RAGDOCS_LOG_FILE: '' },
    });
    const started = Date.now();
    const secs = (): number => (Date.now() - started) / 1000;
    // Isolate address → (time, heap MB after each mark-compact); and its committed heap after any GC.
    const heaps = new Map<string, { s: number; mb: number }[]>();
    const committed = new Map<string, number>();
    let buffer = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        const any = /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: [A-Za-z-]+.*? [\d.]+ \([\d.]+\) -> [\d.]+ \(([\d.]+)\) MB/.exec(line);
        if (any !== null) committed.set(any[1] as string, Number(any[2]));
        const m = /^\[\d+:(0x[0-9a-f]+)\]\s+\d+ ms: Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/.exec(line);
        if (m === null) continue;
        const list = heaps.get(m[1] as string) ?? [];
        list.push({ s: secs(), mb: Number(m[2]) });
        heaps.set(m[1] as string, list);
      }
    });
    child.stderr.resume();
    const samples: Sample[] = [];
    const until = Date.now() + minutes * 60_000;
    const churn = (async () => {
      while (Date.now() < until) {
        folder.step();
        await sleep(random.int(10, 120));
      }
    })();
    while (Date.now() < until) {
      const x = sample(child.pid as number, secs());
      if (x !== null) samples.push({ ...x, heapsMb: [...committed.values()].reduce((a, b) => a + b, 0) });
      await sleep(10_000);
    }
    await churn;
    await sleep(10_000);
    const last = sample(child.pid as number, secs());
    if (last !== null) samples.push(last);
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));

    out(`# soak memory — 1 server, ${minutes} min of the soak's churn (seed ${values.seed}), test embedder, node ${process.version}; ${folder.files.size} files at the end`);
    out('process (every 10 s): time s → RSS MB (anonymous + file-backed) [committed V8 heaps of all isolates], fds');
    out(samples.map((x) => `${x.s.toFixed(0)}s: ${x.rssMb.toFixed(0)} (${x.anonMb.toFixed(0)}+${x.fileMb.toFixed(0)}) [${x.heapsMb?.toFixed(0) ?? '?'}], ${x.fds}`).join('; '));
    for (const [isolate, list] of heaps) {
      const warm = list.filter((h) => h.s >= 90);
      const mbs = warm.map((h) => h.mb);
      // Least-squares slope of the post-GC heap after 90 s, in MB per minute.
      const n = warm.length;
      const mx = warm.reduce((a, h) => a + h.s, 0) / Math.max(1, n);
      const my = mbs.reduce((a, b) => a + b, 0) / Math.max(1, n);
      const slope = n < 2 ? NaN : (warm.reduce((a, h) => a + (h.s - mx) * (h.mb - my), 0) / warm.reduce((a, h) => a + (h.s - mx) ** 2, 0)) * 60;
      const thirds = [0, 1, 2].map((k) => warm.slice(Math.floor((k * n) / 3), Math.floor(((k + 1) * n) / 3)).map((h) => h.mb));
      const med = (xs: number[]): string => (xs.length === 0 ? 'n/a' : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]?.toFixed(1) ?? 'n/a');
      if (warm.length === 0) {
        out(`isolate ${isolate}: ${list.length} mark-compacts, none after 90 s; committed heap at its last GC ${committed.get(isolate)?.toFixed(1)} MB`);
        continue;
      }
      out(
        `isolate ${isolate}: ${list.length} mark-compacts, committed heap at its last GC ${committed.get(isolate)?.toFixed(1)} MB; heap after GC from 90 s: min ${Math.min(...mbs).toFixed(1)}, max ${Math.max(...mbs).toFixed(1)} MB, ` +
          `median by third of the run ${thirds.map(med).join(' → ')} MB, trend ${slope.toFixed(2)} MB/min`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`soak-memory benchmark failed: ${String(err?.stack ?? err)}\n`);
  process.exitCode = 1;
});
