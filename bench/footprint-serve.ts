/**
 * The serving parts of bench/footprint.ts, on a persisted index, through spawned servers of a
 * checkout (`bin` of that checkout, embedder none) driven over MCP stdio:
 *   serve      one instance: spawn → initialize, → first correct answer (a probe query sent right
 *              after initialize, then every 5 ms until the right file is first; whether the very
 *              first answer was right is kept), → ready; RSS ~1 s after ready; then keyword query
 *              latency: a warm-up pass over the query set, then one timed pass (p50, p95)
 *   instances  N instances spawned at once: RSS of each and the total once all are ready
 *   edit       two instances; one file gets a unique line appended: bytes of the new generation
 *              folder(s) plus manifest.json, the follower's own reload time (its debug log line
 *              "followed a newer generation", where the checkout has it) and edit → the token
 *              found by the instance that did not write the generation. That second instance
 *              runs with `index.debounce_ms = 60000`: otherwise its own watcher sees the edit too
 *              and it loads the writer's generation inside its own write cycle (same load, no
 *              log line), so the figure would depend on which watcher fired first.
 */
import { appendFileSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { spawnServer, type SpawnedServer } from '../tests/helpers/spawn-server.js';
import { quantileOf } from './lib/stats.js';
import { treeBytes } from './footprint-index.js';
import type { Probe } from './lib/probes.js';
import { readRssMiB } from './perf-spawn.js';

const POLL_MS = 5;
const WAIT_LIMIT_MS = 10 * 60_000;
const CALL_TIMEOUT_MS = 5 * 60_000;
const SETTLE_MS = 1000;

export interface ServeRun {
  initializeMs: number;
  firstCorrectMs: number;
  /** The answer to the query sent right after initialize ranked the right file first. */
  firstAnswerRight: boolean;
  /** What that first answer said when it was wrong (text, shortened). */
  firstAnswerText: string | null;
  readyMs: number;
  chunks: number;
  filesParsedOnLoad: number;
  rssMiB: number;
  queryP50Ms: number;
  queryP95Ms: number;
  queries: number;
  rssAfterQueriesMiB: number;
}

export interface InstancesRun {
  instances: number;
  readyMs: number[];
  rssMiB: number[];
  totalRssMiB: number;
}

export interface EditRun {
  file: string;
  fileBytes: number;
  newGenerations: string[];
  /** Bytes of the new gen-* folders plus manifest.json. */
  bytesWritten: number;
  /** Edit → token first by each instance, ms, [writer, follower] when the writer is known. */
  foundMs: number[];
  writerKnown: boolean;
  followerFoundMs: number;
  /** `ms` of the follower's "followed a newer generation" lines after the edit; empty when none. */
  followerReloadMs: number[];
}

export interface Checkout {
  bin: string;
  docs: string;
  indexDir: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function pollUntil<T>(what: string, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_LIMIT_MS / 1000} s waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

function open(co: Checkout, logLevel = 'warn', args: string[] = []): Promise<SpawnedServer> {
  return spawnServer({ bin: co.bin, docs: co.docs, indexDir: co.indexDir, args, env: { RAGDOCS_LOG_LEVEL: logLevel } });
}

async function call(server: SpawnedServer, name: string, args: Record<string, unknown> = {}): Promise<{ isError?: boolean; structuredContent?: any; content: any[] }> {
  return (await server.client.callTool({ name, arguments: args }, undefined, { timeout: CALL_TIMEOUT_MS })) as any;
}

async function topAnswer(server: SpawnedServer, query: string): Promise<{ path: string | null; text: string }> {
  const res = await call(server, 'query_documents', { query, top_n: 1 });
  const text = (res.content ?? []).map((c: { text?: string }) => c.text ?? '').join(' ');
  return { path: res.isError ? null : ((res.structuredContent?.results?.[0]?.path as string | undefined) ?? null), text };
}

async function waitReady(server: SpawnedServer): Promise<{ chunks: number; files_parsed: number }> {
  return pollUntil('index_status ready with nothing pending', async () => {
    const st = (await call(server, 'index_status')).structuredContent;
    return st?.state === 'ready' && st.pending_files === 0 ? st : null;
  });
}

function describeFailure(server: SpawnedServer, err: unknown): Error {
  const tail = server.stderr().trim().split('\n').slice(-12).join('\n');
  return new Error(`${err instanceof Error ? err.message : String(err)}\nserver stderr (last lines):\n${tail}`, { cause: err });
}

async function timedPass(server: SpawnedServer, queries: readonly string[]): Promise<number[]> {
  const samples: number[] = [];
  for (const query of queries) {
    const t = performance.now();
    await call(server, 'query_documents', { query, top_n: 10 });
    samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b);
}

/** One serving instance on the persisted index; `probe` is asked right after initialize. */
export async function measureServe(co: Checkout, probe: Probe, queries: readonly string[]): Promise<ServeRun> {
  const start = performance.now();
  const server = await open(co);
  try {
    const initializeMs = performance.now() - start;
    const first = await topAnswer(server, probe.token);
    const firstAnswerRight = first.path !== null && probe.paths.includes(first.path);
    if (!firstAnswerRight) {
      await pollUntil(`the right answer to ${probe.token}`, async () => {
        const { path } = await topAnswer(server, probe.token);
        return path !== null && probe.paths.includes(path) ? true : null;
      });
    }
    const firstCorrectMs = performance.now() - start;
    const status = await waitReady(server);
    const readyMs = performance.now() - start;
    await sleep(SETTLE_MS);
    const rssMiB = readRssMiB(server.child.pid);
    await timedPass(server, queries); // warm-up, untimed
    const samples = await timedPass(server, queries);
    return {
      initializeMs,
      firstCorrectMs,
      firstAnswerRight,
      firstAnswerText: firstAnswerRight ? null : first.text.slice(0, 200),
      readyMs,
      chunks: status.chunks,
      filesParsedOnLoad: status.files_parsed,
      rssMiB,
      queryP50Ms: quantileOf(samples, 0.5),
      queryP95Ms: quantileOf(samples, 0.95),
      queries: samples.length,
      rssAfterQueriesMiB: readRssMiB(server.child.pid),
    };
  } catch (err) {
    throw describeFailure(server, err);
  } finally {
    await server.stop(30_000);
  }
}

/** `n` instances spawned at once on the persisted index. */
export async function measureInstances(co: Checkout, n: number): Promise<InstancesRun> {
  const start = performance.now();
  const servers = await Promise.all(Array.from({ length: n }, () => open(co)));
  try {
    const readyMs = await Promise.all(servers.map(async (s) => {
      try {
        await waitReady(s);
        return performance.now() - start;
      } catch (err) {
        throw describeFailure(s, err);
      }
    }));
    await sleep(SETTLE_MS);
    const rssMiB = servers.map((s) => readRssMiB(s.child.pid));
    return { instances: n, readyMs, rssMiB, totalRssMiB: rssMiB.reduce((a, b) => a + b, 0) };
  } finally {
    await Promise.all(servers.map((s) => s.stop(30_000)));
  }
}

function generationDirs(indexDir: string): string[] {
  return readdirSync(indexDir).filter((name) => /^gen-\d+$/.test(name));
}

function followedMs(stderr: string): number[] {
  const out: number[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.includes('followed a newer generation')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; ms?: number };
      if (entry.msg === 'followed a newer generation' && typeof entry.ms === 'number') out.push(entry.ms);
    } catch {
      // not a JSON log line
    }
  }
  return out;
}

/**
 * Two instances; appends a line with a fresh token to `file` (relative to the docs root) and
 * restores the file's bytes and mtime once both instances have stopped.
 */
export async function measureEdit(co: Checkout, file: string, run: number): Promise<EditRun> {
  const full = join(co.docs, ...file.split('/'));
  const original = readFileSync(full);
  const originalStat = statSync(full);
  const restore = (): void => {
    writeFileSync(full, original);
    utimesSync(full, originalStat.atime, originalStat.mtime);
  };
  // The corpus is someone's folder: an interrupted run must not leave the appended line behind.
  const onSignal = (signal: NodeJS.Signals): void => {
    restore();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const slowWatcher = join(dirname(co.indexDir), 'follower.toml');
  writeFileSync(slowWatcher, '[index]\ndebounce_ms = 60000\n');
  const servers = await Promise.all([open(co, 'debug'), open(co, 'debug', ['--config', slowWatcher])]);
  try {
    await Promise.all(servers.map(waitReady));
    const before = new Set(generationDirs(co.indexDir));
    const stderrAt = servers.map((s) => s.stderr().length);
    const token = `zzfootprint${Date.now().toString(36)}r${run}q`;
    const edited = performance.now();
    appendFileSync(full, `\n\nThe ${token} marker was added by the footprint benchmark.\n`);
    const foundMs = await Promise.all(servers.map(async (s) => {
      await pollUntil(`${token} in ${file}`, async () => ((await topAnswer(s, token)).path === file ? true : null));
      return performance.now() - edited;
    }));
    await Promise.all(servers.map(waitReady));
    const manifestFile = join(co.indexDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { writer?: { pid?: number } };
    const newGenerations = generationDirs(co.indexDir).filter((g) => !before.has(g));
    const bytesWritten = newGenerations.reduce((sum, g) => sum + treeBytes(join(co.indexDir, g)), 0) + statSync(manifestFile).size;
    const writerIndex = servers.findIndex((s) => s.child.pid === manifest.writer?.pid);
    const writerKnown = writerIndex >= 0;
    // Without a known writer, the later of the two is the one that had to follow.
    const followerIndex = writerKnown ? 1 - writerIndex : foundMs[0]! >= foundMs[1]! ? 0 : 1;
    const follower = servers[followerIndex]!;
    return {
      file,
      fileBytes: statSync(full).size,
      newGenerations,
      bytesWritten,
      foundMs: writerKnown ? [foundMs[writerIndex]!, foundMs[followerIndex]!] : foundMs,
      writerKnown,
      followerFoundMs: foundMs[followerIndex]!,
      followerReloadMs: followedMs(follower.stderr().slice(stderrAt[followerIndex])),
    };
  } catch (err) {
    throw describeFailure(servers[0]!, err);
  } finally {
    await Promise.all(servers.map((s) => s.stop(30_000)));
    restore();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
