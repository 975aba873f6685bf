/**
 * Performance benchmark (issue 5). For each corpus size (chunks, from bench/generate-corpus.ts):
 * indexing phases in process (bench/perf-phases.ts), query latency p50/p95 keyword-only and fused
 * (bench/perf-queries.ts), spawn → initialize / first query / ready on the persisted index, RSS,
 * edit → query (bench/perf-spawn.ts) and bytes on disk. Medians with min–max over `--runs`
 * (≥ 5). Prints a table, writes bench/out/perf.json and the chart docs/benchmarks-chart.svg.
 * Measures only; asserts nothing about time.
 *
 *   npm run build && node dist/bench/perf.js [--sizes 1000,10000[,50000]] [--runs 5]
 *       [--queries 200] [--work DIR] [--json FILE] [--chart FILE] [--no-chart] [--commit REF]
 * `--work DIR` keeps corpora and indices there (default: a temp folder, removed at the end);
 * `--commit REF` labels the report when the checkout has no .git (default: `git rev-parse`).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot } from '../tests/helpers/paths.js';
import { generateCorpus } from './generate-corpus.js';
import { summarize, type Summary } from './lib/stats.js';
import { formatPerfTable, renderPerfChart } from './perf-report.js';
import { measureBuildPhases, type PhaseRun } from './perf-phases.js';
import { measureQueryLatency, type QueryLatencyResult } from './perf-queries.js';
import { measureSpawned, type SpawnFigures } from './perf-spawn.js';

export interface SizeResult {
  targetChunks: number;
  files: number;
  chunks: number;
  docsBytes: number;
  phases: { parseChunk: Summary; index: Summary; publish: Summary; embed: Summary; vector: Summary };
  /** Files per second through parse+chunk+index (no embedding), per run. */
  filesPerSecond: Summary;
  /** Chunks per second through the test embedder, per run. */
  embedChunksPerSecond: Summary;
  query: QueryLatencyResult;
  /** Null when the spawned-server part failed (see `errors`). */
  spawn: SpawnFigures | null;
  errors: string[];
  indexBytes: { keywordGraph: number; withVectors: number };
}

export interface PerfReport {
  date: string;
  commit: string | null;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  runs: number;
  sizes: SizeResult[];
}

function parsePerfArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string', default: '1000,10000' },
      runs: { type: 'string', default: '5' },
      queries: { type: 'string', default: '200' },
      work: { type: 'string' },
      json: { type: 'string' },
      chart: { type: 'string' },
      'no-chart': { type: 'boolean', default: false },
      commit: { type: 'string' },
    },
  });
  const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 10)) throw new Error(`--sizes ${values.sizes}: expected integers ≥ 10, e.g. 1000,10000`);
  const runs = Number(values.runs);
  const queries = Number(values.queries);
  if (!Number.isInteger(runs) || runs < 5) throw new Error(`--runs ${values.runs}: expected an integer ≥ 5`);
  if (!Number.isInteger(queries) || queries < 10) throw new Error(`--queries ${values.queries}: expected an integer ≥ 10`);
  const root = repoRoot();
  return {
    sizes,
    runs,
    queries,
    work: values.work,
    json: resolve(values.json ?? join(root, 'bench', 'out', 'perf.json')),
    commit: values.commit,
    chart: values['no-chart'] ? null : resolve(values.chart ?? join(root, 'docs', 'benchmarks-chart.svg')),
  };
}

/** Total bytes of the files below `dir`. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(full) : statSync(full).size;
  }
  return total;
}

function currentCommit(): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot(), encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: repoRoot(), encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+uncommitted` : sha;
  } catch {
    return null;
  }
}

async function benchSize(work: string, targetChunks: number, runs: number, queries: number, log: (s: string) => void): Promise<SizeResult> {
  const base = join(work, `size-${targetChunks}`);
  rmSync(base, { recursive: true, force: true });
  const docs = join(base, 'docs');
  const corpus = await generateCorpus({ outDir: docs, targetChunks, seed: 1 });
  log(`[${targetChunks}] corpus: ${corpus.files} files, ${(corpus.bytes / 1e6).toFixed(1)} MB`);
  const keywordIndex = join(base, 'index');
  const vectorIndex = join(base, 'index-vectors');
  const vectorCache = new Map<string, Float32Array>();
  const phaseRuns: PhaseRun[] = [];
  for (let r = 0; r < runs; r++) {
    const run = await measureBuildPhases(docs, keywordIndex, { vectorCache, keepVectorIndexAt: r === 0 ? vectorIndex : undefined });
    phaseRuns.push(run);
    const t = run.times;
    log(`[${targetChunks}] build ${r + 1}/${runs}: parse+chunk ${t.parseChunk.toFixed(0)} ms, index ${t.index.toFixed(0)} ms, publish ${t.publish.toFixed(0)} ms, embed ${run.embedded} chunks ${t.embed.toFixed(0)} ms, vector ${t.vector.toFixed(0)} ms`);
  }
  const last = phaseRuns[phaseRuns.length - 1] as PhaseRun;
  const indexBytes = { keywordGraph: directoryBytes(keywordIndex), withVectors: directoryBytes(vectorIndex) };
  const pick = (k: keyof PhaseRun['times']): Summary => summarize(phaseRuns.map((p) => p.times[k]));
  log(`[${targetChunks}] query latency (${queries} queries × ${runs} passes) …`);
  const query = await measureQueryLatency({ docs, keywordIndexDir: keywordIndex, vectorIndexDir: vectorIndex, uniqueTokens: corpus.uniqueTokens, queries, runs });
  log(`[${targetChunks}] spawned servers (${runs} starts, ${runs} edits) …`);
  const tokens = [...corpus.uniqueTokens.entries()];
  const probe = tokens[Math.floor(tokens.length / 2)] as [string, string];
  const errors: string[] = [];
  let spawn: SpawnFigures | null = null;
  try {
    spawn = await measureSpawned({ docs, indexDir: keywordIndex, runs, probe, editTargets: tokens.slice(0, runs).map(([path]) => path) });
  } catch (err) {
    errors.push(err instanceof Error ? err.message : String(err));
    log(`[${targetChunks}] spawned-server benchmark failed: ${errors[errors.length - 1]}`);
  }
  return {
    targetChunks,
    files: last.files,
    chunks: last.chunks,
    docsBytes: corpus.bytes,
    phases: { parseChunk: pick('parseChunk'), index: pick('index'), publish: pick('publish'), embed: pick('embed'), vector: pick('vector') },
    filesPerSecond: summarize(phaseRuns.map((p) => (p.files * 1000) / (p.times.parseChunk + p.times.index))),
    embedChunksPerSecond: summarize(phaseRuns.map((p) => (p.embedded * 1000) / p.times.embed)),
    query,
    spawn,
    errors,
    indexBytes,
  };
}

/** Runs the whole benchmark; returns the report (also written to `--json`). */
export async function runPerf(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<PerfReport> {
  const args = parsePerfArgs(argv);
  const work = args.work !== undefined ? resolve(args.work) : mkdtempSync(join(tmpdir(), 'ragdocs-perf-'));
  const log = (line: string): void => io.stderr(`${line}\n`);
  const report: PerfReport = {
    date: new Date().toISOString(),
    commit: args.commit ?? currentCommit(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` },
    runs: args.runs,
    sizes: [],
  };
  try {
    for (const size of args.sizes) report.sizes.push(await benchSize(work, size, args.runs, args.queries, log));
  } finally {
    if (args.work === undefined) rmSync(work, { recursive: true, force: true });
  }
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  if (args.chart !== null) {
    mkdirSync(dirname(args.chart), { recursive: true });
    writeFileSync(args.chart, renderPerfChart(report));
  }
  io.stdout(formatPerfTable(report));
  io.stdout(`\nwrote ${args.json}${args.chart ? ` and ${args.chart}` : ''}\n`);
  return report;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runPerf(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).catch((err: unknown) => {
    process.stderr.write(`perf benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
