/**
 * The project's own search paths as evaluation Retrievers: the real Application indexes the
 * dataset folder (real config loading, parsing, chunking, lunr/hnswlib/graphology indices,
 * persisted generations), then each retriever is a DocsService over that one index with
 * different fusion weights, so every row runs the same `runHybridSearch` code the MCP tools run.
 *
 * Rows: `keyword` (lunr only), `keyword+graph` (graph expansion on), and with an embedder
 * `vector` (semantic only) and `fused` (the configured defaults: keyword + semantic + graph).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApplication, type Application } from '../../src/app/application.js';
import { createDocsService } from '../../src/app/docs-service.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config, EmbedderProvider } from '../../src/config/types.js';
import { AppError } from '../../src/core/errors.js';
import type { DocsService } from '../../src/mcp/service.js';
import { dedupeKeys, type Retriever } from './retriever.js';
import { shareQueryVectors } from './shared-query-vectors.js';
import type { FusionSetting } from './tune.js';

export interface ProjectRetrieversOptions {
  /** Scratch folder; the index is written to `<workDir>/index`. */
  workDir: string;
  /** Maps a result path (relative to `docsDir`) to the dataset's doc key. */
  docKeyOf: (path: string) => string;
  /** Embedding provider; default `none` (keyword and graph rows only). A `transformers` model comes
   *  from (or is downloaded into) the user's model cache, as for the CLI. */
  embedder?: EmbedderProvider;
  /** A ragdocs TOML file to load; default none, so a config lying in the dataset folder is ignored. */
  configFile?: string;
  /** Bound on the initial indexing; default 30 minutes. */
  indexTimeoutMs?: number;
}

export interface ProjectRetrievers {
  retrievers: Retriever[];
  /** Figures about the indexing run, for the report. */
  info: { documents: number; chunks: number; indexMs: number; embedder: string; notes: string[] };
  /** The configured fusion setting (the `fused` row). */
  fusion: FusionSetting;
  /** The configured `search.fusion`: with `evidence`, rrf_k plays no part. */
  fusionMode: 'evidence' | 'rrf';
  /**
   * A fused retriever with another setting over the same index (for the sweep). All of these share
   * one query-vector cache, so a query is embedded once however many settings run it.
   */
  withFusion(name: string, setting: FusionSetting): Retriever;
  /** Stops the application (releases the index lock). Idempotent. */
  close(): Promise<void>;
}

type Weights = { keyword: number; semantic: number; graph: number; rrfK?: number };

/** Environment variables passed to the config loader: where the model cache is and the hub to use. */
const PASSED_ENV = ['XDG_CACHE_HOME', 'LOCALAPPDATA', 'HF_ENDPOINT', 'HF_HUB_OFFLINE'] as const;

/** A Config that differs from `base` only in the fusion settings (and one result per document). */
function withWeights(base: Config, weights: Weights): Config {
  return {
    ...base,
    search: {
      ...base.search,
      weightKeyword: weights.keyword,
      weightSemantic: weights.semantic,
      weightGraph: weights.graph,
      rrfK: weights.rrfK ?? base.search.rrfK,
      // Doc-level evaluation: a document's best chunk is its rank; further chunks only crowd it.
      maxPerDocument: 1,
    },
  };
}

function toRetriever(name: string, service: DocsService, docKeyOf: (path: string) => string): Retriever {
  return {
    name,
    async search(query, k) {
      if (query.trim() === '') return [];
      const { results } = await service.query({ query, topN: k });
      return dedupeKeys(results.map((r) => docKeyOf(r.path)), k);
    },
  };
}

/**
 * The runtime's problem restated for the harness, which stops at the first failure (the runtime's
 * "retrying in …" does not happen) and whose docs folder is throwaway (the runtime's pull command
 * names it; the model cache is per user, so the plain command fills the same cache).
 */
function embedderUnavailable(config: Config, problem: string | null, fix: string | null): AppError {
  const message = (problem ?? `the ${config.embedder.provider} embedder is not available`).replace(/; retrying in [^;]*$/, '');
  const pull = `mcp-markdown-ragdocs models pull${config.configFile === null ? '' : ` --config ${config.configFile}`}`;
  const hint =
    config.embedder.provider === 'transformers'
      ? `fetch the model once with \`${pull}\` where the hub is reachable (it goes to ${config.embedder.modelCacheDir}), or set HF_ENDPOINT to a reachable mirror; --embedder test checks the code path without a model`
      : (fix ?? 'check the [embedder] settings of the --config file');
  return new AppError('EMBEDDER_UNAVAILABLE', message, { hint });
}

/** Indexes `docsDir` with the real application and returns its retrievers. */
export async function createProjectRetrievers(docsDir: string, options: ProjectRetrieversOptions): Promise<ProjectRetrievers> {
  const embedder = options.embedder ?? 'none';
  // The real home and cache variables (only these: no RAGDOCS_* leaks in from the shell), so a
  // model is found in, or downloaded once into, the user's cache rather than the throwaway work dir.
  const env: Record<string, string | undefined> = { RAGDOCS_EMBEDDER: embedder };
  for (const name of PASSED_ENV) env[name] = process.env[name];
  const config = loadConfig({
    cwd: docsDir,
    env,
    homeDir: homedir(),
    ignoreConfigFile: options.configFile === undefined,
    flags: { docs: docsDir, indexDir: join(options.workDir, 'index'), config: options.configFile },
  });
  const app: Application = createApplication({ config, logger: pino({ level: 'silent' }), watch: false, rebuild: true });
  const started = performance.now();
  try {
    await app.start();
    const timeoutMs = options.indexTimeoutMs ?? 30 * 60_000;
    // The embedder must be usable (model in the cache, or downloaded now) before vectors can be measured.
    await app.embedding.whenSettled(timeoutMs);
    const emb = app.embedding.status();
    if (emb.phase === 'unavailable') throw embedderUnavailable(config, emb.problem, emb.fix);
    if (!(await app.manager.waitForIdle(timeoutMs))) {
      throw new AppError('INTERNAL', `indexing ${docsDir} did not finish within ${Math.round(timeoutMs / 1000)} s`, {
        hint: 'use --sample-docs N for a smaller run',
      });
    }
  } catch (err) {
    await app.stop();
    throw err;
  }
  const indexMs = performance.now() - started;
  const status = app.service.status();

  const { weightKeyword, weightGraph } = config.search;
  const notes: string[] = status.warnings.slice(0, 5);
  if (status.warnings.length > 5) notes.push(`… and ${status.warnings.length - 5} more index warnings`);
  const graph = weightGraph > 0 ? weightGraph : 0.3;
  const rows: [string, Weights][] = [
    ['keyword', { keyword: 1, semantic: 0, graph: 0 }],
    ['keyword+graph', { keyword: 1, semantic: 0, graph }],
  ];
  if (embedder !== 'none') {
    rows.push(['vector', { keyword: 0, semantic: 1, graph: 0 }]);
    rows.push(['fused', { keyword: weightKeyword, semantic: config.search.weightSemantic, graph: weightGraph }]);
  } else {
    notes.push('no embedder: vector and fused rows skipped (fused would equal keyword+graph); try --embedder test');
  }
  const retrievers = rows.map(([name, weights]) =>
    toRetriever(
      name,
      createDocsService({ config: withWeights(config, weights), manager: app.manager, embedding: app.embedding }),
      options.docKeyOf,
    ),
  );
  const sharedEmbedding = shareQueryVectors(app.embedding);
  return {
    retrievers,
    info: { documents: status.documents, chunks: status.chunks, indexMs, embedder: status.embedder, notes },
    fusion: { weightKeyword, weightSemantic: config.search.weightSemantic, weightGraph, rrfK: config.search.rrfK },
    fusionMode: config.search.fusion,
    withFusion: (name, s) =>
      toRetriever(
        name,
        createDocsService({
          config: withWeights(config, { keyword: s.weightKeyword, semantic: s.weightSemantic, graph: s.weightGraph, rrfK: s.rrfK }),
          manager: app.manager,
          embedding: sharedEmbedding,
        }),
        options.docKeyOf,
      ),
    close: () => app.stop(),
  };
}
