/**
 * Query latency in process, through DocsService.query (the code the query_documents tool runs):
 * keyword only (weights 1/0/0, no embedder, like bench/eval/project-retrievers.ts) over the
 * keyword+graph index, and fused (configured default weights, `test` embedder) over the index
 * with vectors. Queries are drawn from the corpus: each file's unique token, and short word runs
 * picked from random chunks (seeded), so every query has matches.
 */
import pino from 'pino';
import { createApplication, type Application } from '../src/app/application.js';
import { createDocsService } from '../src/app/docs-service.js';
import type { Config } from '../src/config/types.js';
import type { Embedder } from '../src/embed/embedder.js';
import type { DocsService } from '../src/mcp/service.js';
import { createRandom } from './lib/random.js';
import { quantileOf, summarize, type Summary } from './lib/stats.js';
import { benchConfig, createTestEmbedder } from './perf-phases.js';

export interface LatencyFigures {
  /** Per-run p50 and p95 in ms, summarised over the runs. */
  p50: Summary;
  p95: Summary;
  queries: number;
}

export interface QueryLatencyResult {
  keyword: LatencyFigures;
  fused: LatencyFigures;
  /** The embedder's own time for one query (`embedQuery`), per-run median, ms. */
  embedQuery: Summary;
}

/** Starts an application on a persisted index (no watcher) and waits until it is idle. */
export async function openBenchApp(config: Config, embedder: Embedder | null): Promise<Application> {
  const app = createApplication({ config, logger: pino({ level: 'silent' }), watch: false, embedder });
  await app.start();
  if (!(await app.manager.waitForIdle(30 * 60_000))) throw new Error(`index at ${config.index.dir} did not load within 30 minutes`);
  return app;
}

/** `count` queries: unique tokens and 2–4 word runs from random chunks of the loaded corpus. */
export async function drawQueries(app: Application, uniqueTokens: ReadonlyMap<string, string>, count: number, seed = 11): Promise<string[]> {
  const random = createRandom(seed);
  const tokens = random.shuffle([...uniqueTokens.values()]).slice(0, Math.floor(count / 2));
  const corpus = app.manager.current();
  // A sample of chunks is enough to draw phrases from (texts are read from disk).
  const ids = random.shuffle(corpus.knownPaths().flatMap((p) => corpus.chunkIds(p))).slice(0, count * 4);
  const chunks = [...(await corpus.readChunks(ids)).values()];
  const phrases: string[] = [];
  for (let guard = 0; phrases.length < count - tokens.length && guard < count * 20 && chunks.length > 0; guard++) {
    const words = random.pick(chunks).content.match(/[A-Za-z][A-Za-z'-]{2,}/g) ?? [];
    const length = random.int(2, 4);
    if (words.length < length) continue;
    const start = random.int(0, words.length - length);
    phrases.push(words.slice(start, start + length).join(' '));
  }
  return random.shuffle([...tokens, ...phrases]);
}

async function timeQueries(service: DocsService, queries: readonly string[], runs: number): Promise<LatencyFigures> {
  for (const query of queries) await service.query({ query, topN: 10 }); // warm-up pass, untimed
  const p50s: number[] = [];
  const p95s: number[] = [];
  for (let r = 0; r < runs; r++) {
    const samples: number[] = [];
    for (const query of queries) {
      const t = performance.now();
      await service.query({ query, topN: 10 });
      samples.push(performance.now() - t);
    }
    samples.sort((a, b) => a - b);
    p50s.push(quantileOf(samples, 0.5));
    p95s.push(quantileOf(samples, 0.95));
  }
  return { p50: summarize(p50s), p95: summarize(p95s), queries: queries.length };
}

function withWeights(config: Config, keyword: number, semantic: number, graph: number): Config {
  return { ...config, search: { ...config.search, weightKeyword: keyword, weightSemantic: semantic, weightGraph: graph } };
}

/**
 * Keyword-only latency over `keywordIndexDir` (embedder none) and fused latency over
 * `vectorIndexDir` (test embedder), each as `runs` passes over the same drawn query set.
 */
export async function measureQueryLatency(opts: {
  docs: string;
  keywordIndexDir: string;
  vectorIndexDir: string;
  uniqueTokens: ReadonlyMap<string, string>;
  queries: number;
  runs: number;
}): Promise<QueryLatencyResult> {
  const keywordConfig = benchConfig(opts.docs, opts.keywordIndexDir, 'none');
  const keywordApp = await openBenchApp(keywordConfig, null);
  let queries: string[];
  let keyword: LatencyFigures;
  try {
    queries = await drawQueries(keywordApp, opts.uniqueTokens, opts.queries);
    const service = createDocsService({ config: withWeights(keywordConfig, 1, 0, 0), manager: keywordApp.manager, embedding: keywordApp.embedding });
    keyword = await timeQueries(service, queries, opts.runs);
  } finally {
    await keywordApp.stop();
  }
  const embedder = createTestEmbedder();
  const fusedApp = await openBenchApp(benchConfig(opts.docs, opts.vectorIndexDir, 'test'), embedder);
  try {
    const fused = await timeQueries(fusedApp.service, queries, opts.runs);
    const embedMedians: number[] = [];
    for (let r = 0; r < opts.runs; r++) {
      const samples: number[] = [];
      for (const query of queries) {
        const t = performance.now();
        await embedder.embedQuery(query);
        samples.push(performance.now() - t);
      }
      embedMedians.push(summarize(samples).median);
    }
    return { keyword, fused, embedQuery: summarize(embedMedians) };
  } finally {
    await fusedApp.stop();
  }
}
