/**
 * Event-loop responsiveness during a large indexing run (issue 4): the main thread's event-loop
 * delay (`monitorEventLoopDelay`, 10 ms resolution) and `query_documents` latency
 * (`DocsService.query`, top 5) while a fresh index is built in the background, against the
 * same figures on the built, persisted index when idle. Goal: p99 delay under 50 ms.
 *
 * Per run, in this order (medians over `--runs`):
 *   indexing (test)  fresh index dir, provider `test` in the embedding worker burning
 *                    `--cost-ms` of CPU per text (a model's cost); from `start()` until every
 *                    file is indexed, every chunk embedded and the last generation published
 *   idle (test)      that index reopened, once loaded and the embedder ready, for `--idle-ms`
 *   indexing (none)  fresh dir, provider none: the keyword + graph build's own effect
 *   idle (none)      that index reopened, idle
 * In every phase one query at a time runs in a loop (each timed from before a setImmediate
 * yield, so a stall counts as for a request arriving on stdin), queries drawn
 * like bench/perf-queries.ts (more of them than the query-vector cache holds, so queries keep
 * reaching the embedder). Histogram values are timer-to-timer intervals: idle sits at the 10 ms
 * resolution, a stall of d ms shows as about d + 10 ms; the goal is judged on the raw value.
 * The histogram counts a stall once however long it lasts, so a run blocked for seconds can
 * still show a low p99: the stall rows and the time-weighted wait (what a request arriving at a
 * random moment waits for the loop; event-loop-probe.ts) say how much of the run was blocked.
 * Prints a table; asserts nothing about time.
 *
 *   npm run build && node dist/bench/event-loop.js [--chunks 5000] [--runs 3] [--cost-ms 2]
 *       [--idle-ms 3000] [--queries 4000] [--timeout-s 1800] [--work DIR]
 * `--work DIR` keeps the corpus and indices there (default: a temp folder, removed at the end).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApplication, type Application } from '../src/app/application.js';
import { generateCorpus } from './generate-corpus.js';
import { formatEventLoopTable } from './event-loop-report.js';
import { measureAround, STALL_MS, type PhaseSample } from './event-loop-probe.js';
import { benchConfig } from './perf-phases.js';
import { drawQueries } from './perf-queries.js';

export type { PhaseSample } from './event-loop-probe.js';

export const PHASES = ['idle-test', 'indexing-test', 'idle-none', 'indexing-none', 'indexing-none-main'] as const;
export type PhaseName = (typeof PHASES)[number];

export interface EventLoopReport {
  files: number;
  chunks: number;
  runs: number;
  costMs: number;
  idleMs: number;
  queries: number;
  phases: Record<PhaseName, PhaseSample[]>;
}

export interface EventLoopOptions {
  work: string;
  chunks: number;
  runs: number;
  costMs: number;
  idleMs: number;
  queries: number;
  timeoutMs: number;
  log: (line: string) => void;
}

const POLL_MS = 50;

type Provider = 'test' | 'none';

function openApp(docs: string, indexDir: string, provider: Provider, costMs: number, rebuild: boolean, keywordOnMainThread = false): Application {
  return createApplication({
    config: benchConfig(docs, indexDir, provider),
    logger: pino({ level: 'silent' }),
    watch: false,
    rebuild,
    keywordOnMainThread,
    ...(provider === 'test' ? { testEmbedCostMs: costMs } : {}),
  });
}

/**
 * Resolves once every file is indexed, every chunk has a vector (provider test) and the last
 * cycle has published; returns when the keyword side was complete (ms since `t0`).
 */
async function waitUntilIndexed(app: Application, files: number, provider: Provider, t0: number, timeoutMs: number): Promise<number> {
  const deadline = t0 + timeoutMs;
  let keywordDone: number | null = null;
  for (;;) {
    const s = app.manager.status();
    const corpus = app.manager.current();
    if (s.last_error !== null) throw new Error(`${s.index_dir}: ${s.last_error}`);
    // Corpus.apply works in place: a document is searchable once it is in `docs`, even while
    // its write cycle goes on embedding and publishing.
    const allFiles = corpus.documentCount + corpus.skippedCount >= files;
    if (allFiles) keywordDone ??= performance.now() - t0;
    const vectorsDone = provider === 'none' || (s.embedder_state === 'ready' && s.chunks_embedded === s.chunks);
    if (allFiles && s.pending_files === 0 && vectorsDone && keywordDone !== null) {
      // The cycle that added the last vectors still publishes them: wait for it.
      if (!(await app.manager.waitForIdle(Math.max(1, deadline - performance.now())))) break;
      return keywordDone;
    }
    if (performance.now() > deadline) break;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new Error(`${app.manager.status().index_dir}: not indexed within ${timeoutMs} ms (${JSON.stringify(app.manager.status())})`);
}

async function measureIndexing(docs: string, indexDir: string, provider: Provider, files: number, queries: readonly string[], opts: EventLoopOptions, keywordOnMainThread = false): Promise<PhaseSample> {
  rmSync(indexDir, { recursive: true, force: true });
  const app = openApp(docs, indexDir, provider, opts.costMs, true, keywordOnMainThread);
  try {
    return await measureAround(app, queries, async () => {
      const t0 = performance.now();
      await app.start();
      return waitUntilIndexed(app, files, provider, t0, opts.timeoutMs);
    });
  } finally {
    await app.stop();
  }
}

async function measureIdle(docs: string, indexDir: string, provider: Provider, files: number, queries: readonly string[], opts: EventLoopOptions): Promise<PhaseSample> {
  const app = openApp(docs, indexDir, provider, opts.costMs, false);
  try {
    await app.start();
    await waitUntilIndexed(app, files, provider, performance.now(), opts.timeoutMs);
    const parsed = app.manager.status().files_parsed;
    if (parsed > 0) opts.log(`  warning: ${parsed} files re-indexed on load of ${indexDir}; the idle phase is not on a persisted index`);
    return await measureAround(app, queries, () => new Promise((r) => setTimeout(() => r(null), opts.idleMs)));
  } finally {
    await app.stop();
  }
}

function describe(name: string, s: PhaseSample): string {
  const f = (x: number): string => x.toFixed(1);
  const time = s.keywordDoneMs !== null ? `, keyword ${(s.keywordDoneMs / 1000).toFixed(1)} s, all ${(s.durationMs / 1000).toFixed(1)} s` : '';
  return `  ${name}: delay p50/p99/max ${f(s.delay.p50)}/${f(s.delay.p99)}/${f(s.delay.max)} ms, query p50/p95/p99 ${f(s.query.p50)}/${f(s.query.p95)}/${f(s.query.p99)} ms, ${s.answered} answered (+${s.onEmpty} on empty)${s.failed ? `, ${s.failed} failed` : ''}, ${s.stalls.count} stalls > ${STALL_MS} ms (${s.stalls.totalMs.toFixed(0)} ms), arrival wait p99 ${f(s.arrivalWaitP99)} ms${time}`;
}

/** Generates the corpus, draws the queries (untimed warm-up build) and measures every phase `runs` times. */
export async function measureEventLoop(opts: EventLoopOptions): Promise<EventLoopReport> {
  const docs = join(opts.work, 'docs');
  rmSync(docs, { recursive: true, force: true });
  const corpus = await generateCorpus({ outDir: docs, targetChunks: opts.chunks, seed: 1 });
  opts.log(`corpus: ${corpus.files} files, ~${corpus.approxChunks} chunks, ${(corpus.bytes / 1e6).toFixed(1)} MB`);

  // A keyword-only build, untimed: warms the JIT and gives the chunks the queries are drawn from.
  const warmDir = join(opts.work, 'index-warm');
  rmSync(warmDir, { recursive: true, force: true });
  const warm = openApp(docs, warmDir, 'none', 0, true);
  let queries: string[];
  let chunks: number;
  try {
    await warm.start();
    await waitUntilIndexed(warm, corpus.files, 'none', performance.now(), opts.timeoutMs);
    queries = await drawQueries(warm, corpus.uniqueTokens, opts.queries);
    chunks = warm.manager.current().chunkCount;
  } finally {
    await warm.stop();
  }
  opts.log(`warm-up build done: ${chunks} chunks; ${queries.length} queries drawn`);

  const phases: Record<PhaseName, PhaseSample[]> = { 'idle-test': [], 'indexing-test': [], 'idle-none': [], 'indexing-none': [], 'indexing-none-main': [] };
  const record = (name: PhaseName, s: PhaseSample): void => {
    phases[name].push(s);
    opts.log(describe(name, s));
  };
  for (let r = 0; r < opts.runs; r++) {
    opts.log(`run ${r + 1}/${opts.runs}`);
    for (const provider of ['test', 'none'] as const) {
      const dir = join(opts.work, `index-${provider}`);
      record(`indexing-${provider}`, await measureIndexing(docs, dir, provider, corpus.files, queries, opts));
      record(`idle-${provider}`, await measureIdle(docs, dir, provider, corpus.files, queries, opts));
    }
    // Baseline in the same run: keyword segments built on the main thread, as before the build worker.
    record('indexing-none-main', await measureIndexing(docs, join(opts.work, 'index-main'), 'none', corpus.files, queries, opts, true));
  }
  return { files: corpus.files, chunks, runs: opts.runs, costMs: opts.costMs, idleMs: opts.idleMs, queries: queries.length, phases };
}

function parseEventLoopArgs(argv: string[]): Omit<EventLoopOptions, 'work' | 'log'> & { work: string | undefined } {
  const { values } = parseArgs({
    args: argv,
    options: {
      chunks: { type: 'string', default: '5000' },
      runs: { type: 'string', default: '3' },
      'cost-ms': { type: 'string', default: '2' },
      'idle-ms': { type: 'string', default: '3000' },
      queries: { type: 'string', default: '4000' },
      'timeout-s': { type: 'string', default: '1800' },
      work: { type: 'string' },
    },
  });
  const int = (name: string, raw: string, min: number): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} ${raw}: expected an integer ≥ ${min}`);
    return n;
  };
  const costMs = Number(values['cost-ms']);
  if (!Number.isFinite(costMs) || costMs < 0) throw new Error(`--cost-ms ${values['cost-ms']}: expected a number ≥ 0, e.g. 2`);
  return {
    chunks: int('chunks', values.chunks, 10),
    runs: int('runs', values.runs, 1),
    costMs,
    idleMs: int('idle-ms', values['idle-ms'], 100),
    queries: int('queries', values.queries, 10),
    timeoutMs: int('timeout-s', values['timeout-s'], 1) * 1000,
    work: values.work,
  };
}

/** The CLI: measures, prints the table to stdout (progress to stderr). */
export async function runEventLoopBench(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<EventLoopReport> {
  const args = parseEventLoopArgs(argv);
  const work = args.work !== undefined ? resolve(args.work) : mkdtempSync(join(tmpdir(), 'ragdocs-event-loop-'));
  try {
    const report = await measureEventLoop({ ...args, work, log: (line) => io.stderr(`${line}\n`) });
    io.stdout(formatEventLoopTable(report));
    return report;
  } finally {
    if (args.work === undefined) rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runEventLoopBench(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).catch((err: unknown) => {
    process.stderr.write(`event-loop benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
