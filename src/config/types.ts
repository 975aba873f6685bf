/**
 * The validated, defaulted, frozen configuration. Produced only by `loadConfig`
 * (src/config/load.ts); every other module receives it (or a slice of it) as a parameter.
 * Keys map 1:1 to config.example.toml sections (snake_case there, camelCase here).
 */
export type CoordinationMode = 'file_lock' | 'none';
export type EmbedderProvider = 'transformers' | 'openai' | 'none' | 'test';
export type FusionMode = 'evidence' | 'rrf';
export type EmbedderDtype = 'q8' | 'fp32' | 'fp16' | 'int8' | 'uint8' | 'q4' | 'q4f16' | 'bnb4';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface DocsConfig {
  /** Absolute, real path of the documents root. */
  root: string;
  /** Globs (relative to root) a file must match to be indexed; default all. */
  include: readonly string[];
  /** Globs (relative to root) that are never indexed nor watched. */
  exclude: readonly string[];
  /** File extensions, lower case with the dot. */
  extensions: readonly string[];
  /** Files larger than this are skipped with a warning. */
  maxFileBytes: number;
}

export interface IndexConfig {
  /** Absolute path of the index directory. */
  dir: string;
  coordinationMode: CoordinationMode;
  lockTimeoutSeconds: number;
  /** Per-file debounce of watcher events. */
  debounceMs: number;
  /** Files parsed per batch before a checkpoint publish. */
  batchSize: number;
}

export interface ChunkingConfig {
  minChars: number;
  maxChars: number;
}

export interface SearchConfig {
  /** `evidence`: calibrated scores in [0, 1] (src/search/evidence.ts); `rrf`: weighted reciprocal-rank fusion. */
  fusion: FusionMode;
  /** RRF constant (fusion `rrf` only). */
  rrfK: number;
  weightKeyword: number;
  weightSemantic: number;
  weightGraph: number;
  /** Most results one document may contribute to a result list. */
  maxPerDocument: number;
  defaultTopN: number;
  /** lunr BM25 parameters and field boosts. */
  bm25K1: number;
  bm25B: number;
  titleBoost: number;
  headingBoost: number;
  /** Cosine similarity above which two results count as near-duplicates (compressed query). */
  dedupThreshold: number;
}

export interface EmbedderConfig {
  provider: EmbedderProvider;
  /** Model name, with the provider's default filled in (empty for `none`/`test`). */
  model: string;
  /** Hub revision of a transformers model. */
  revision: string;
  dtype: EmbedderDtype;
  /** How token vectors become one vector (resolved from `auto`: bge models use CLS). */
  pooling: 'cls' | 'mean';
  /** Put before every query (bge's retrieval instruction by default for bge English models). */
  queryPrefix: string;
  documentPrefix: string;
  /** Hugging Face hub (or mirror) the transformers model is downloaded from. */
  hubUrl: string;
  /** Where downloaded models live (shared by every project). */
  modelCacheDir: string;
  /** Never download a model. */
  offline: boolean;
  /** Download a missing model in the background after the server starts. */
  autoDownload: boolean;
  /** OpenAI-compatible API base URL (provider `openai`). */
  baseUrl: string;
  /** Environment variable holding the API key (provider `openai`). */
  apiKeyEnv: string;
  /** Vector dimension; null means the model's own (provider `test` defaults to 64). */
  dimension: number | null;
  /** Texts per embedding call. */
  batchSize: number;
  timeoutMs: number;
  maxRetries: number;
  /** Query embeddings kept in an LRU cache (0 disables it). */
  queryCacheSize: number;
}

export interface LoggingConfig {
  level: LogLevel;
  /** Log to this file instead of stderr. */
  file: string | null;
}

/**
 * One folder of documents with its own index: `[[collections]]` in the file, or one per `--docs`.
 * A single folder is a collection too (named after the folder).
 */
export interface CollectionConfig {
  /** What tools take as `collection` and results carry (see COLLECTION_NAME). */
  name: string;
  /** What the folder holds, for the model choosing where to look ('' when not given). */
  description: string;
  docs: DocsConfig;
  index: IndexConfig;
  /**
   * Why this folder cannot be served (it does not exist, is not a folder): set only when other
   * collections can be; the collection is then reported `degraded` with it and the rest serve.
   */
  problem: string | null;
  /**
   * Set with `problem`: what it takes to serve the folder once it exists (a server checks now and
   * then; see resolvePendingCollection in load.ts). `indexDir` null: the folder's default.
   */
  pending: { path: string; indexDir: string | null; cacheRoot: string } | null;
}

export interface Config {
  /** The first collection's folder (the only one, unless several are configured). */
  docs: DocsConfig;
  /** The first collection's index. */
  index: IndexConfig;
  /** Every collection, in the order configured; `docs` and `index` are those of the first. */
  collections: readonly CollectionConfig[];
  chunking: ChunkingConfig;
  search: SearchConfig;
  embedder: EmbedderConfig;
  logging: LoggingConfig;
  /** Path of the TOML file that was loaded, if any. */
  configFile: string | null;
}
