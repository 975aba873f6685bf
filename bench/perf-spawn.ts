/**
 * Benchmarks through a spawned `bin/mcp-markdown-ragdocs.js` on a persisted index (embedder
 * none, the zero-config default), driven by the MCP client of tests/helpers/spawn-server.ts:
 *   initialize   spawn → the `initialize` answer (client.connect resolved)
 *   first query  spawn → the first query_documents answer that finds a file's unique token
 *   ready        spawn → index_status `ready` with nothing pending (files_parsed should be 0:
 *                the persisted generation was loaded, not rebuilt)
 *   RSS          VmRSS of the child from /proc/<pid>/status once ready (Linux only)
 *   edit → query appending a unique token to an existing file → the first query that ranks
 *                that file first (includes the watcher debounce, `index.debounce_ms`, 200 ms)
 * Requires a build (`npm run build`): the bin imports dist/.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer, type SpawnedServer } from '../tests/helpers/spawn-server.js';
import { summarize, type Summary } from './lib/stats.js';

export interface SpawnFigures {
  initialize: Summary;
  firstQuery: Summary;
  ready: Summary;
  /** files_parsed reported once ready, per run (0 means the persisted index was used as is). */
  filesParsedOnLoad: number[];
  rssMiB: Summary;
  editToQuery: Summary;
}

const POLL_MS = 5;
const TIMEOUT_MS = 10 * 60_000;

async function pollUntil<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The top result's path for `query`, or null while the server cannot answer it yet. */
async function topPath(server: SpawnedServer, query: string): Promise<string | null> {
  const res = await server.callTool('query_documents', { query, top_n: 1 });
  if (res.isError) return null;
  return (res.structuredContent?.results?.[0]?.path as string | undefined) ?? null;
}

async function waitReady(server: SpawnedServer): Promise<{ files_parsed: number }> {
  return pollUntil('index_status ready', async () => {
    const st = (await server.callTool('index_status')).structuredContent;
    return st?.state === 'ready' && st.pending_files === 0 ? st : null;
  });
}

/** Resident set size of a process in MiB, or NaN where /proc is not available. */
export function readRssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * `runs` spawns on the persisted index at `indexDir`; the last one also performs `runs` edits.
 * `probe` is a [path, unique token] pair whose query must rank `path` first.
 */
export async function measureSpawned(opts: {
  docs: string;
  indexDir: string;
  runs: number;
  probe: [string, string];
  editTargets: readonly string[];
}): Promise<SpawnFigures> {
  const [probePath, probeToken] = opts.probe;
  const initialize: number[] = [];
  const firstQuery: number[] = [];
  const ready: number[] = [];
  const filesParsedOnLoad: number[] = [];
  const rss: number[] = [];
  const editToQuery: number[] = [];
  for (let run = 0; run < opts.runs; run++) {
    const start = performance.now();
    const server = await spawnServer({ docs: opts.docs, indexDir: opts.indexDir, env: { RAGDOCS_LOG_LEVEL: 'warn' } });
    try {
      initialize.push(performance.now() - start);
      await pollUntil('the first query answer', async () => ((await topPath(server, probeToken)) === probePath ? true : null));
      firstQuery.push(performance.now() - start);
      const status = await waitReady(server);
      ready.push(performance.now() - start);
      filesParsedOnLoad.push(status.files_parsed);
      rss.push(readRssMiB(server.child.pid));
      if (run === opts.runs - 1) {
        for (let i = 0; i < opts.runs; i++) {
          const target = opts.editTargets[i % opts.editTargets.length] as string;
          const token = `zzperfedit${Date.now().toString(36)}x${i}q`;
          const edited = performance.now();
          appendFileSync(join(opts.docs, ...target.split('/')), `\n\nThe ${token} marker was added by the benchmark.\n`);
          await pollUntil(`the edit of ${target}`, async () => ((await topPath(server, token)) === target ? true : null));
          editToQuery.push(performance.now() - edited);
        }
        await waitReady(server);
      }
    } catch (err) {
      // The server's own last words say why it closed the connection.
      const tail = server.stderr().trim().split('\n').slice(-15).join('\n');
      throw new Error(`spawned server, run ${run + 1}: ${err instanceof Error ? err.message : String(err)}\nserver stderr (last lines):\n${tail}`, { cause: err });
    } finally {
      await server.stop(10_000);
    }
  }
  return {
    initialize: summarize(initialize),
    firstQuery: summarize(firstQuery),
    ready: summarize(ready),
    filesParsedOnLoad,
    rssMiB: summarize(rss),
    editToQuery: summarize(editToQuery),
  };
}
