/**
 * Memory of serving two folders: one server with both as collections, against one server per
 * folder (what users ran before collections). Each server is a real child process on stdio with
 * the `test` embedder (a real model would add its own size once per process: one model for the
 * collections of one server, one per server otherwise; no model is reachable here to measure).
 * RSS is read from /proc 15 s after start (both folders indexed and idle by then), on a first
 * build and after a restart on the persisted indexes; medians of the runs.
 *
 * Usage (after `npm run build`; Linux):
 *   node dist/bench/collections-memory.js [--runs 3] [--a DIR] [--b DIR]
 * Defaults: the vault fixture and the known-answer corpus.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../tests/helpers/paths.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, a: { type: 'string' }, b: { type: 'string' }, settle: { type: 'string', default: '15' } } });
  const root = repoRoot();
  const work = mkdtempSync(join(tmpdir(), 'ragdocs-bench-collections-mem-'));
  const a = join(work, 'a');
  const b = join(work, 'b');
  cpSync(resolve(values.a ?? join(root, 'tests/fixtures/vault/docs')), a, { recursive: true });
  cpSync(resolve(values.b ?? join(root, 'tests/fixtures/known-answer/docs')), b, { recursive: true });
  const cache = join(work, 'cache');
  const env = { ...process.env, XDG_CACHE_HOME: cache, RAGDOCS_EMBEDDER: 'test' };
  const bin = join(root, 'bin', 'mcp-markdown-ragdocs.js');
  const start = (docs: string[]): ChildProcess => spawn(process.execPath, [bin, ...docs.flatMap((d) => ['--docs', d])], { cwd: work, env, stdio: ['pipe', 'ignore', 'ignore'] });
  const settleMs = Number(values.settle) * 1000;
  /** RSS of each server started together, after the settle time; then stops them. */
  const measure = async (groups: string[][]): Promise<number[]> => {
    const children = groups.map(start);
    await sleep(settleMs);
    const out = children.map((c) => rssMb(c.pid as number));
    for (const c of children) c.stdin?.end();
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    return out;
  };
  const rows: Record<string, number[]> = { 'one server, 2 collections, first build': [], 'one server, 2 collections, restart': [], 'two servers, first build': [], 'two servers, restart': [] };
  try {
    for (let run = 0; run < Number(values.runs); run++) {
      rmSync(cache, { recursive: true, force: true });
      rows['one server, 2 collections, first build']?.push(...(await measure([[a, b]])));
      rows['one server, 2 collections, restart']?.push(...(await measure([[a, b]])));
      rmSync(cache, { recursive: true, force: true });
      rows['two servers, first build']?.push((await measure([[a], [b]])).reduce((s, x) => s + x, 0));
      rows['two servers, restart']?.push((await measure([[a], [b]])).reduce((s, x) => s + x, 0));
      process.stderr.write(`run ${run + 1} done\n`);
    }
    process.stdout.write(`RSS (MB) ${values.settle} s after start, median of ${values.runs} runs (two servers: the sum of both)\n`);
    for (const [name, xs] of Object.entries(rows)) process.stdout.write(`${name.padEnd(42)} ${median(xs).toFixed(0).padStart(5)}   (runs: ${xs.map((x) => x.toFixed(0)).join(', ')})\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${String(err)}\n`);
  process.exitCode = 2;
});
