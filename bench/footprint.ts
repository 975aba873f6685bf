/**
 * Footprint benchmark (issue 9): memory, disk and start-up of the CLI of a checkout, black-box,
 * on existing docs folders, for this checkout and a baseline checkout measured in the same run.
 * Per corpus and checkout: a first `index` build (wall time, MiB/s, peak RSS, index dir bytes
 * during and after the build; bench/footprint-index.ts), then on the persisted index: one
 * serving instance (spawn → initialize / first correct answer / ready, RSS, keyword query
 * p50/p95 over MCP), N instances at once (RSS each and total) and a one-file edit with two
 * instances (bytes written, follower reload, edit → found by the other instance;
 * bench/footprint-serve.ts). Medians with min–max over `--runs`; prints Markdown tables with
 * the ratio to the baseline and the issue's goals, writes every sample to `--json` and the chart.
 * Measures only; asserts nothing about time.
 *
 *   npm run build && node dist/bench/footprint.js --corpus DIR [--corpus DIR …] [--runs 3]
 *       [--current CHECKOUT] [--baseline CHECKOUT] [--baseline-runs N] [--skip-baseline-at-bytes N] [--instances 4]
 *       [--queries 200] [--eval BEIR_DIR] [--work DIR] [--json FILE] [--chart FILE] [--no-chart]
 * A corpus is any docs folder; `.corpus.json` (bench/generate-corpus.ts, bench/scifact-copies.ts)
 * supplies probe tokens, else words found in one file only are drawn. The baseline is another
 * checkout, already built (e.g. `git worktree add ../baseline 15cbf66 && cd ../baseline && npm ci`);
 * `--current` (default: this checkout) measures another built checkout as "current", e.g. a
 * worktree of one commit that nobody rebuilds while the benchmark runs.
 * A one-file edit appends a line to a corpus file and restores its bytes and mtime afterwards.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot } from '../tests/helpers/paths.js';
import { listMarkdownFiles } from './eval/datasets.js';
import { measureIndexRun, type IndexRun } from './footprint-index.js';
import { formatFootprintReport, renderFootprintChart } from './footprint-report.js';
import { measureEdit, measureInstances, measureServe, type Checkout, type EditRun, type InstancesRun, type ServeRun } from './footprint-serve.js';
import { drawPhrases, drawUniqueWordProbes, readCorpusProbes, type Probe } from './lib/probes.js';
import { createRandom } from './lib/random.js';

export interface CheckoutResult {
  label: 'current' | 'baseline';
  checkout: string;
  commit: string | null;
  index: IndexRun[];
  serve: ServeRun[];
  instances: InstancesRun[];
  edit: EditRun[];
  errors: string[];
}

export interface CorpusResult {
  name: string;
  dir: string;
  files: number;
  /** Bytes of the corpus's .md files. */
  mdBytes: number;
  probes: number;
  probeSource: string;
  queries: number;
  current: CheckoutResult;
  baseline: CheckoutResult | null;
  baselineSkipped?: string;
}

export interface FootprintReport {
  date: string;
  machine: { cpus: number; cpuModel: string; node: string; platform: string };
  runs: number;
  baselineRuns: number;
  instances: number;
  wallMs: number;
  current: { checkout: string; commit: string | null };
  baseline: { checkout: string; commit: string | null } | null;
  corpora: CorpusResult[];
  eval: { dataset: string; current: number | null; baseline: number | null; errors: string[] } | null;
}

function positiveInt(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} ${JSON.stringify(value)}: expected an integer ≥ ${min}`);
  return n;
}

function parseFootprintArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      corpus: { type: 'string', multiple: true },
      runs: { type: 'string', default: '3' },
      'baseline-runs': { type: 'string' },
      baseline: { type: 'string' },
      current: { type: 'string' },
      'skip-baseline-at-bytes': { type: 'string' },
      instances: { type: 'string', default: '4' },
      queries: { type: 'string', default: '200' },
      eval: { type: 'string' },
      work: { type: 'string' },
      json: { type: 'string' },
      chart: { type: 'string' },
      'no-chart': { type: 'boolean', default: false },
    },
  });
  const corpora = (values.corpus ?? []).map((c) => resolve(c));
  if (corpora.length === 0) throw new Error('--corpus DIR is required (repeatable): a docs folder, e.g. one written by bench/generate-corpus.ts');
  for (const dir of corpora) if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`--corpus ${dir}: not a folder`);
  const root = repoRoot();
  const checkout = (flag: string, value: string | undefined): string | null => {
    if (value === undefined) return null;
    const dir = resolve(value);
    if (!existsSync(join(dir, 'dist', 'src', 'cli', 'main.js'))) throw new Error(`--${flag} ${dir}: no dist/ there; build that checkout first (npm ci runs its build)`);
    return dir;
  };
  const baseline = checkout('baseline', values.baseline);
  const runs = positiveInt('runs', values.runs) ?? 3;
  return {
    corpora,
    current: checkout('current', values.current) ?? root,
    runs,
    baselineRuns: positiveInt('baseline-runs', values['baseline-runs']) ?? runs,
    baseline,
    skipBaselineAtBytes: positiveInt('skip-baseline-at-bytes', values['skip-baseline-at-bytes']) ?? Number.POSITIVE_INFINITY,
    instances: positiveInt('instances', values.instances, 2) ?? 4,
    queries: positiveInt('queries', values.queries, 10) ?? 200,
    eval: values.eval === undefined ? null : resolve(values.eval),
    work: values.work === undefined ? undefined : resolve(values.work),
    json: resolve(values.json ?? join(root, 'bench', 'out', 'footprint.json')),
    chart: values['no-chart'] ? null : resolve(values.chart ?? join(root, 'docs', 'footprint-chart.svg')),
  };
}

function commitOf(checkout: string): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: checkout, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: checkout, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${sha}+uncommitted` : sha;
  } catch {
    return null;
  }
}

interface CorpusPlan {
  dir: string;
  name: string;
  files: number;
  mdBytes: number;
  probes: Probe[];
  probeSource: string;
  queries: string[];
}

function planCorpus(dir: string, files: string[], queryCount: number): CorpusPlan {
  const text = (file: string): string => readFileSync(join(dir, ...file.split('/')), 'utf8');
  const mdBytes = files.filter((f) => f.endsWith('.md')).reduce((sum, f) => sum + statSync(join(dir, ...f.split('/'))).size, 0);
  const listed = new Set(files);
  let probes = readCorpusProbes(dir)?.filter((p) => p.paths.every((path) => listed.has(path))) ?? null;
  let probeSource = '.corpus.json';
  if (probes === null || probes.length === 0) {
    probes = drawUniqueWordProbes(new Map(files.map((f) => [f, text(f)])), 500);
    probeSource = 'words found in one file only, drawn by the benchmark';
  }
  if (probes.length === 0) throw new Error(`${dir}: no probe token found (no word occurs in one file only)`);
  const random = createRandom(5);
  const tokens = random.shuffle(probes).slice(0, Math.floor(queryCount / 2)).map((p) => p.token);
  const phrases = drawPhrases(random.shuffle(files).slice(0, 400).map(text), queryCount - tokens.length);
  return { dir, name: basename(dir), files: files.length, mdBytes, probes, probeSource, queries: random.shuffle([...tokens, ...phrases]) };
}

const elapsed = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function benchCheckout(label: CheckoutResult['label'], checkout: string, plan: CorpusPlan, runs: number, instances: number, work: string, log: (s: string) => void): Promise<CheckoutResult> {
  const result: CheckoutResult = { label, checkout, commit: commitOf(checkout), index: [], serve: [], instances: [], edit: [], errors: [] };
  const bin = join(checkout, 'bin', 'mcp-markdown-ragdocs.js');
  const base = join(work, plan.name, label);
  rmSync(base, { recursive: true, force: true });
  const tag = `[${plan.name} ${label}]`;
  let indexDir = '';
  for (let r = 0; r < runs; r++) {
    if (indexDir !== '') rmSync(indexDir, { recursive: true, force: true });
    indexDir = join(base, `index-${r + 1}`);
    const run = await measureIndexRun(bin, plan.dir, indexDir);
    if (run.exitCode !== 0) {
      result.errors.push(`index run ${r + 1} exited with ${run.exitCode}: ${run.stderrTail}`);
      log(`${tag} index run ${r + 1} failed (exit ${run.exitCode}):\n${run.stderrTail}`);
      return result;
    }
    result.index.push(run);
    log(`${tag} index ${r + 1}/${runs}: ${(run.ms / 1000).toFixed(1)} s, peak RSS ${run.peakRssMiB.toFixed(0)} MiB, dir max ${(run.maxDirBytes / 2 ** 20).toFixed(0)} MiB, after ${(run.finalDirBytes / 2 ** 20).toFixed(0)} MiB`);
  }
  const co: Checkout = { bin, docs: plan.dir, indexDir };
  const phase = async <T>(name: string, list: T[], once: (r: number) => Promise<T>, describe: (value: T) => string): Promise<void> => {
    for (let r = 0; r < runs; r++) {
      const started = performance.now();
      try {
        const value = await once(r);
        list.push(value);
        log(`${tag} ${name} ${r + 1}/${runs} (${elapsed(started)}): ${describe(value)}`);
      } catch (err) {
        result.errors.push(`${name} run ${r + 1}: ${errorText(err)}`);
        log(`${tag} ${name} run ${r + 1} failed: ${errorText(err)}`);
      }
    }
  };
  const probeOf = (r: number): Probe => plan.probes[(r * 37 + 3) % plan.probes.length]!;
  await phase('serve', result.serve, (r) => measureServe(co, probeOf(r), plan.queries), (v) =>
    `first correct ${v.firstCorrectMs.toFixed(0)} ms (first answer ${v.firstAnswerRight ? 'right' : 'wrong'}), ready ${v.readyMs.toFixed(0)} ms, RSS ${v.rssMiB.toFixed(0)} MiB, p50 ${v.queryP50Ms.toFixed(2)} ms, p95 ${v.queryP95Ms.toFixed(2)} ms`);
  await phase(`${instances} instances`, result.instances, () => measureInstances(co, instances), (v) =>
    `RSS ${v.rssMiB.map((x) => x.toFixed(0)).join(' + ')} = ${v.totalRssMiB.toFixed(0)} MiB, last ready ${Math.max(...v.readyMs).toFixed(0)} ms`);
  const editFileOf = (r: number): string => plan.probes[(r * 53 + 11) % plan.probes.length]!.paths[0]!;
  await phase('edit', result.edit, (r) => measureEdit(co, editFileOf(r), r), (v) =>
    `${v.file}: ${(v.bytesWritten / 1024).toFixed(0)} KiB in ${v.newGenerations.length} new gen folder(s), follower reload ${v.followerReloadMs.join('/') || 'n/a'} ms, found by the other instance after ${v.followerFoundMs.toFixed(0)} ms`);
  rmSync(base, { recursive: true, force: true });
  return result;
}

/** Keyword nDCG@10 of a checkout's bench/eval/run.js on `dataset`. */
function runEvalOf(checkout: string, dataset: string): number {
  const out = execFileSync(process.execPath, [join(checkout, 'dist', 'bench', 'eval', 'run.js'), '--dataset', dataset, '--embedder', 'none', '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const report = JSON.parse(out) as { retrievers: { name: string; metrics: Record<string, number> }[] };
  const value = report.retrievers.find((r) => r.name === 'keyword')?.metrics['nDCG@10'];
  if (value === undefined) throw new Error(`no keyword nDCG@10 in the eval report of ${checkout}`);
  return value;
}

/** Runs the whole benchmark; returns the report (also written to `--json`). */
export async function runFootprint(argv: string[], io: { stdout: (s: string) => void; stderr: (s: string) => void }): Promise<FootprintReport> {
  const started = performance.now();
  const args = parseFootprintArgs(argv);
  const current = args.current;
  const work = args.work ?? mkdtempSync(join(tmpdir(), 'ragdocs-footprint-'));
  const log = (line: string): void => io.stderr(`${line}\n`);
  const report: FootprintReport = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` },
    runs: args.runs,
    baselineRuns: args.baseline === null ? 0 : args.baselineRuns,
    instances: args.instances,
    wallMs: 0,
    current: { checkout: current, commit: commitOf(current) },
    baseline: args.baseline === null ? null : { checkout: args.baseline, commit: commitOf(args.baseline) },
    corpora: [],
    eval: null,
  };
  try {
    for (const dir of args.corpora) {
      const plan = planCorpus(dir, await listMarkdownFiles(dir), args.queries);
      log(`[${plan.name}] ${plan.files} files, ${(plan.mdBytes / 2 ** 20).toFixed(1)} MiB, ${plan.probes.length} probes (${plan.probeSource}), ${plan.queries.length} queries`);
      const result: CorpusResult = {
        name: plan.name, dir, files: plan.files, mdBytes: plan.mdBytes, probes: plan.probes.length, probeSource: plan.probeSource, queries: plan.queries.length,
        current: await benchCheckout('current', current, plan, args.runs, args.instances, work, log),
        baseline: null,
      };
      if (args.baseline !== null && plan.mdBytes >= args.skipBaselineAtBytes) result.baselineSkipped = `skipped (corpus ${plan.mdBytes} bytes ≥ --skip-baseline-at-bytes ${args.skipBaselineAtBytes})`;
      else if (args.baseline !== null) result.baseline = await benchCheckout('baseline', args.baseline, plan, args.baselineRuns, args.instances, work, log);
      report.corpora.push(result);
    }
    if (args.eval !== null) {
      const e: NonNullable<FootprintReport['eval']> = { dataset: args.eval, current: null, baseline: null, errors: [] };
      for (const [key, checkout] of [['current', current], ['baseline', args.baseline]] as const) {
        if (checkout === null) continue;
        const t = performance.now();
        try {
          e[key] = runEvalOf(checkout, args.eval);
          log(`[eval] ${key}: keyword nDCG@10 ${e[key]} (${elapsed(t)})`);
        } catch (err) {
          e.errors.push(`${key}: ${errorText(err)}`);
        }
      }
      report.eval = e;
    }
  } finally {
    if (args.work === undefined) rmSync(work, { recursive: true, force: true });
  }
  report.wallMs = performance.now() - started;
  mkdirSync(dirname(args.json), { recursive: true });
  writeFileSync(args.json, `${JSON.stringify(report, null, 2)}\n`);
  if (args.chart !== null) {
    mkdirSync(dirname(args.chart), { recursive: true });
    writeFileSync(args.chart, renderFootprintChart(report));
  }
  io.stdout(formatFootprintReport(report));
  io.stdout(`\nwrote ${args.json}${args.chart ? ` and ${args.chart}` : ''}\n`);
  return report;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runFootprint(process.argv.slice(2), { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) }).catch((err: unknown) => {
    process.stderr.write(`footprint benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}
