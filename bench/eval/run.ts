/**
 * Retrieval-quality evaluation: indexes a dataset through the project's real indexing path, runs
 * its queries through the real search path (keyword, keyword+graph, and with an embedder vector
 * and fused), and in the same process through an independent BM25 baseline; prints nDCG@10,
 * Recall@100, MRR@10 and Recall@5 per retriever with the ratio to the baseline beside each figure.
 * With --tune it then sweeps the fusion settings (tune.ts) over the same index.
 *
 * Usage (after `npm run build`; `npm run eval -- …` runs the same):
 *   node dist/bench/eval/run.js --dataset ../shared/eval/scifact
 *   node dist/bench/eval/run.js --dataset ../shared/eval/scifact --limit-queries 100 --sample-docs 1000
 *   node dist/bench/eval/run.js --dataset tests/fixtures/eval --queries tests/fixtures/eval/queries.jsonl --json
 *   node dist/bench/eval/run.js --dataset ../shared/eval/scifact --embedder transformers --tune
 * Without building: node --import tsx bench/eval/run.ts --dataset …
 *
 * Options:
 *   --dataset DIR        BEIR folder (corpus.jsonl + queries*.jsonl) or a folder of Markdown (required)
 *   --queries FILE       queries file {"id","text","relevant":{key:grade}} per line (default: see datasets.ts)
 *   --limit-queries N    first N queries only          --sample-docs N   N documents (relevant ones kept)
 *   --seed N             sampling seed (default 1)     --top N           documents per query (default 100)
 *   --bm25 PRESET        anserini (k1=0.9 b=0.4, default), classic (k1=1.2 b=0.75) or both;
 *                        the first one is the ratio baseline
 *   --embedder NAME      none (default), transformers, openai or test: adds the vector and fused rows.
 *                        transformers uses the model of the config (default bge-small-en-v1.5) from
 *                        the user's model cache (XDG_CACHE_HOME, LOCALAPPDATA, HF_ENDPOINT and
 *                        HF_HUB_OFFLINE are honoured; `mcp-markdown-ragdocs models pull` fetches it);
 *                        openai needs --config with embedder.base_url/model and the API key variable.
 *                        test is a hashing stand-in: it checks code paths, its figures mean nothing.
 *   --tune               also sweep search.weight_semantic (× search.rrf_k with search.fusion = "rrf") over the fused retriever,
 *                        choosing on half of the queries and checking on the other (needs an embedder)
 *   --baseline-only      skip the project's retrievers   --config FILE   ragdocs TOML for the project
 *   --work DIR           keep documents and index in DIR (default: a temp folder, removed)
 *   --per-query FILE     write per-query scores and rankings as JSON Lines
 *   --json               print one JSON object instead of the table
 * Progress goes to stderr; the report to stdout. Exit code 1 when the project's rows failed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { errorMessage, isAppError } from '../../src/core/errors.js';
import type { EmbedderProvider } from '../../src/config/types.js';
import type { Bm25PresetName } from './bm25-baseline.js';
import { loadDataset } from './datasets.js';
import { evaluateRetrievers, type RetrieverResult } from './evaluate.js';
import { buildJsonReport, formatTable, type ReportContext } from './report.js';
import { createBm25Retriever, readBaselineDocuments, type Retriever } from './retriever.js';
import type { ProjectRetrievers } from './project-retrievers.js';
import { buildGrid, evaluateGrid, scoreSplits } from './tune.js';
import { buildTuneJson, describeSetting, formatTuneReport, type TuneReportInput } from './tune-report.js';
import type { EvalQuery } from './queries-file.js';

export interface EvalIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const USAGE = 'usage: run --dataset DIR [--queries FILE] [--limit-queries N] [--sample-docs N] [--top 100] [--bm25 anserini|classic|both] [--embedder none|transformers|openai|test] [--tune] [--config FILE] [--baseline-only] [--work DIR] [--per-query FILE] [--json]';
const EMBEDDERS: readonly EmbedderProvider[] = ['none', 'transformers', 'openai', 'test'];

function positiveInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} ${JSON.stringify(value)}: expected a positive integer\n${USAGE}`);
  return n;
}

function parseEvalArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      dataset: { type: 'string' }, queries: { type: 'string' }, json: { type: 'boolean', default: false },
      'limit-queries': { type: 'string' }, 'sample-docs': { type: 'string' }, seed: { type: 'string' },
      top: { type: 'string' }, bm25: { type: 'string', default: 'anserini' }, embedder: { type: 'string', default: 'none' },
      'baseline-only': { type: 'boolean', default: false }, config: { type: 'string' }, work: { type: 'string' },
      'per-query': { type: 'string' }, tune: { type: 'boolean', default: false },
    },
  });
  if (values.dataset === undefined) throw new Error(`--dataset is required\n${USAGE}`);
  const presets: Record<string, Bm25PresetName[]> = { anserini: ['anserini'], classic: ['classic'], both: ['anserini', 'classic'] };
  const bm25 = presets[values.bm25];
  if (!bm25) throw new Error(`--bm25 ${JSON.stringify(values.bm25)}: expected anserini, classic or both`);
  const embedder = EMBEDDERS.find((name) => name === values.embedder);
  if (embedder === undefined) throw new Error(`--embedder ${JSON.stringify(values.embedder)}: expected one of ${EMBEDDERS.join(', ')}\n${USAGE}`);
  if (values.tune && (embedder === 'none' || values['baseline-only'])) {
    throw new Error(`--tune sweeps the semantic weight, so it needs the project's rows with an embedder: add --embedder transformers (or openai, or test for a code-path check)${values['baseline-only'] ? ' and drop --baseline-only' : ''}\n${USAGE}`);
  }
  return {
    dataset: values.dataset,
    queries: values.queries,
    json: values.json,
    limitQueries: positiveInt('limit-queries', values['limit-queries']),
    sampleDocs: positiveInt('sample-docs', values['sample-docs']),
    seed: positiveInt('seed', values.seed) ?? 1,
    top: positiveInt('top', values.top) ?? 100,
    bm25,
    embedder,
    tune: values.tune,
    baselineOnly: values['baseline-only'],
    // Resolved here: the loader would resolve a relative path against the documents folder.
    config: values.config === undefined ? undefined : resolve(values.config),
    work: values.work,
    perQuery: values['per-query'],
  };
}

function writePerQuery(file: string, results: readonly RetrieverResult[]): void {
  const lines: string[] = [];
  for (const r of results) {
    for (const [query, { scores, ranking }] of r.perQuery) lines.push(JSON.stringify({ retriever: r.name, query, scores, top10: ranking.slice(0, 10) }));
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** The fusion sweep over the project's index, scored against the main run's keyword and baseline rows. */
async function runTune(project: ProjectRetrievers, results: readonly RetrieverResult[], queries: readonly EvalQuery[], top: number, io: EvalIo): Promise<TuneReportInput> {
  const keyword = results.find((r) => r.name === 'keyword');
  const baseline = results[0];
  if (keyword === undefined || baseline === undefined) throw new Error('--tune needs the keyword and baseline rows');
  // rrf_k only matters to reciprocal-rank fusion; with evidence fusion the sweep is over weight_semantic alone.
  const grid = project.fusionMode === 'rrf' ? buildGrid(project.fusion) : buildGrid(project.fusion, undefined, [project.fusion.rrfK]);
  io.stderr(`fusion sweep: ${grid.length} settings × ${queries.length} queries …\n`);
  const { rows, split } = await evaluateGrid(grid, project.fusion, (s) => project.withFusion(`fused ${describeSetting(s)}`, s), queries, {
    top,
    onProgress: (done, total) => io.stderr(`fusion sweep: ${done}/${total} settings\n`),
  });
  return { rows, split, keyword: scoreSplits(keyword, split), baseline: { name: baseline.name, ...scoreSplits(baseline, split) } };
}

/** The whole evaluation; returns the process exit code. */
export async function runEval(argv: string[], io: EvalIo): Promise<number> {
  const args = parseEvalArgs(argv);
  const workDir = args.work !== undefined ? resolve(args.work) : mkdtempSync(join(tmpdir(), 'ragdocs-eval-'));
  const closers: (() => Promise<void>)[] = [];
  let project: ProjectRetrievers | null = null;
  try {
    io.stderr(`loading ${args.dataset} …\n`);
    const dataset = await loadDataset({ ...args, workDir });
    const docs = await readBaselineDocuments(dataset.docsDir, dataset.docKeyOf);
    const retrievers: Retriever[] = args.bm25.map((preset) => createBm25Retriever(docs, preset));
    const ctx: ReportContext = {
      dataset: { name: dataset.name, form: dataset.form, queriesFile: dataset.queriesFile, documents: dataset.documents, queries: dataset.queries.length, notes: dataset.notes },
      baseline: retrievers[0]?.name ?? 'bm25',
      top: args.top,
      project: null,
    };
    if (!args.baselineOnly) {
      try {
        io.stderr(`indexing ${dataset.documents} documents with the project's indexing path …\n`);
        // Imported lazily so the baseline still runs while the application is incomplete.
        const { createProjectRetrievers } = await import('./project-retrievers.js');
        project = await createProjectRetrievers(dataset.docsDir, {
          workDir, docKeyOf: dataset.docKeyOf, embedder: args.embedder, configFile: args.config,
        });
        closers.push(project.close);
        retrievers.push(...project.retrievers);
        ctx.project = project.info;
      } catch (err) {
        ctx.projectError = `${errorMessage(err)}${isAppError(err) && err.hint ? `\n  fix: ${err.hint}` : ''}`;
        io.stderr(`project retrievers failed: ${ctx.projectError}\n`);
      }
    }
    let lastLine = 0;
    const results = await evaluateRetrievers(retrievers, dataset.queries, {
      top: args.top,
      onProgress: (name, done, total) => {
        if (done === total || performance.now() - lastLine > 2000) {
          lastLine = performance.now();
          io.stderr(`${name}: ${done}/${total} queries\n`);
        }
      },
    });
    if (args.perQuery !== undefined) writePerQuery(resolve(args.perQuery), results);
    const tune = args.tune && project !== null ? await runTune(project, results, dataset.queries, args.top, io) : null;
    if (args.tune && tune === null) io.stderr('fusion sweep not run: the project retrievers failed (above)\n');
    if (args.json) {
      const report = { ...buildJsonReport(results, ctx), ...(tune ? { tune: buildTuneJson(tune) } : {}) };
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      io.stdout(formatTable(results, ctx) + (tune ? formatTuneReport(tune) : ''));
    }
    return ctx.projectError === undefined ? 0 : 1;
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    if (args.work === undefined) rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runEval(process.argv.slice(2), { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }).then(
    (code) => { process.exitCode = code; },
    (err: unknown) => {
      process.stderr.write(`eval failed: ${errorMessage(err)}\n`);
      process.exitCode = 2;
    },
  );
}
