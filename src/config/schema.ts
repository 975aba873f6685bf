import * as z from 'zod';

/**
 * The schema of the TOML config file: every section, key, type, range and default, declared
 * once. Keys are snake_case as written in TOML; load.ts maps them to the camelCase `Config`.
 * Messages are not zod's: every key carries a plain-language `expect` text, so a problem reads
 * "search.rrf_k = 0: expected a number greater than 0" whatever check failed.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export const COORDINATION_MODES = ['file_lock', 'none'] as const;
export const EMBEDDER_PROVIDERS = ['transformers', 'openai', 'none', 'test'] as const;
export const FUSION_MODES = ['evidence', 'rrf'] as const;
export const EMBEDDER_DTYPES = ['q8', 'fp32', 'fp16', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4'] as const;
export const EMBEDDER_POOLINGS = ['auto', 'cls', 'mean'] as const;

const path = z.string().min(1);
const globList = (defaults: string[]) => z.array(z.string().min(1)).min(1).default(defaults);
const weight = (value: number) => z.number().min(0).max(1000).default(value);

const docsShape = {
  root: path.optional(),
  include: globList(['**/*']),
  exclude: z.array(z.string().min(1)).default(['.git/**', 'node_modules/**', '**/.*/**', '**/.*']),
  extensions: z
    .array(z.string().regex(/^\.?[^./\\\s]+$/))
    .min(1)
    .default(['.md', '.markdown', '.txt']),
  max_file_mb: z.number().gt(0).max(1024).default(10),
};

const indexShape = {
  dir: path.optional(),
  coordination_mode: z.enum(COORDINATION_MODES).default('file_lock'),
  lock_timeout_seconds: z.number().gt(0).max(3600).default(5),
  debounce_ms: z.int().min(0).max(60_000).default(200),
  batch_size: z.int().min(1).max(100_000).default(200),
};

const chunkingShape = {
  min_chars: z.int().min(0).max(100_000).default(200),
  max_chars: z.int().min(1).max(100_000).default(1500),
};

const searchShape = {
  fusion: z.enum(FUSION_MODES).default('evidence'),
  rrf_k: z.number().gt(0).max(100_000).default(60),
  weight_keyword: weight(1),
  weight_semantic: weight(1),
  weight_graph: weight(0.3),
  max_per_document: z.int().min(1).max(100).default(3),
  default_top_n: z.int().min(1).max(100).default(5),
  bm25_k1: z.number().min(0).max(100).default(1.2),
  bm25_b: z.number().min(0).max(1).default(0.75),
  title_boost: z.number().min(0).max(1000).default(6),
  heading_boost: z.number().min(0).max(1000).default(2),
  dedup_threshold: z.number().min(0).max(1).default(0.92),
};

const embedderShape = {
  provider: z.enum(EMBEDDER_PROVIDERS).default('transformers'),
  model: z.string().min(1).optional(),
  revision: z.string().regex(/^[A-Za-z0-9._/-]+$/).default('main'),
  dtype: z.enum(EMBEDDER_DTYPES).default('q8'),
  pooling: z.enum(EMBEDDER_POOLINGS).default('auto'),
  query_prefix: z.string().optional(),
  document_prefix: z.string().default(''),
  hub_url: z.url({ protocol: /^https?$/ }).optional(),
  cache_dir: path.optional(),
  offline: z.boolean().default(false),
  auto_download: z.boolean().default(true),
  base_url: z.url({ protocol: /^https?$/ }).default('https://api.openai.com/v1'),
  api_key_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('OPENAI_API_KEY'),
  dimension: z.int().min(0).max(8192).default(0),
  batch_size: z.int().min(1).max(2048).default(32),
  timeout_seconds: z.number().gt(0).max(3600).default(60),
  max_retries: z.int().min(0).max(20).default(4),
  query_cache_size: z.int().min(0).max(1_000_000).default(1000),
};

const loggingShape = {
  level: z.enum(LOG_LEVELS).default('info'),
  file: path.optional(),
};

/** A collection's name: what tools take as `collection` and results carry. */
export const COLLECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

/** One `[[collections]]` entry: a named folder of documents with its own index. */
const collectionShape = {
  name: z.string().regex(COLLECTION_NAME),
  path,
  description: z.string().max(500).default(''),
  include: z.array(z.string().min(1)).min(1).optional(),
  exclude: z.array(z.string().min(1)).default([]),
  index_dir: path.optional(),
};

const SHAPES = {
  docs: docsShape,
  index: indexShape,
  chunking: chunkingShape,
  search: searchShape,
  embedder: embedderShape,
  logging: loggingShape,
  collections: collectionShape,
};

type Shapes = typeof SHAPES;
export type SectionName = keyof Shapes;

/** Plain-language expectation per key; the mapped type makes a missing entry a compile error. */
const EXPECT: { [S in SectionName]: { [K in keyof Shapes[S]]: string } } = {
  docs: {
    root: 'a folder path (relative to this file)',
    include: 'a non-empty list of glob strings',
    exclude: 'a list of glob strings',
    extensions: 'a non-empty list of extensions such as ".md"',
    max_file_mb: 'a number greater than 0 and at most 1024 (megabytes)',
  },
  index: {
    dir: 'a folder path (relative to this file)',
    coordination_mode: `one of ${quoteList(COORDINATION_MODES)}`,
    lock_timeout_seconds: 'a number greater than 0 and at most 3600 (seconds)',
    debounce_ms: 'an integer from 0 to 60000 (milliseconds)',
    batch_size: 'an integer from 1 to 100000',
  },
  chunking: {
    min_chars: 'an integer from 0 to 100000, less than chunking.max_chars',
    max_chars: 'an integer from 1 to 100000, greater than chunking.min_chars',
  },
  search: {
    fusion: `one of ${quoteList(FUSION_MODES)}`,
    rrf_k: 'a number greater than 0 (at most 100000)',
    weight_keyword: 'a number from 0 to 1000',
    weight_semantic: 'a number from 0 to 1000',
    weight_graph: 'a number from 0 to 1000',
    max_per_document: 'an integer from 1 to 100',
    default_top_n: 'an integer from 1 to 100',
    bm25_k1: 'a number from 0 to 100',
    bm25_b: 'a number from 0 to 1',
    title_boost: 'a number from 0 to 1000',
    heading_boost: 'a number from 0 to 1000',
    dedup_threshold: 'a number from 0 to 1',
  },
  embedder: {
    provider: `one of ${quoteList(EMBEDDER_PROVIDERS)}`,
    model: 'a model name, such as "Xenova/bge-small-en-v1.5" (transformers) or "text-embedding-3-small" (openai)',
    revision: 'a hub revision: a branch, tag or commit hash',
    dtype: `one of ${quoteList(EMBEDDER_DTYPES)}`,
    pooling: `one of ${quoteList(EMBEDDER_POOLINGS)}`,
    query_prefix: 'a string put before every query',
    document_prefix: 'a string put before every document chunk',
    hub_url: 'an http(s) URL of a Hugging Face hub or mirror',
    cache_dir: 'a folder path (relative to this file)',
    offline: 'true or false',
    auto_download: 'true or false',
    base_url: 'an http(s) URL of an OpenAI-compatible API, usually ending in /v1',
    api_key_env: 'the name of an environment variable, such as "OPENAI_API_KEY"',
    dimension: "an integer from 0 to 8192 (0: the model's own)",
    batch_size: 'an integer from 1 to 2048',
    timeout_seconds: 'a number greater than 0 and at most 3600 (seconds)',
    max_retries: 'an integer from 0 to 20',
    query_cache_size: 'an integer from 0 to 1000000',
  },
  logging: {
    level: `one of ${quoteList(LOG_LEVELS)}`,
    file: 'a file path (relative to this file)',
  },
  collections: {
    name: 'a name of 1 to 40 lower-case letters, digits, "-" or "_", starting with a letter or digit, such as "project-docs"',
    path: 'a folder path (relative to this file)',
    description: 'a sentence of at most 500 characters saying what the folder holds',
    include: 'a non-empty list of glob strings (replaces docs.include for this collection)',
    exclude: 'a list of glob strings (added to docs.exclude for this collection)',
    index_dir: 'a folder path (relative to this file)',
  },
};

const settingsSchema = z.strictObject({
  docs: z.strictObject(docsShape).prefault({}),
  index: z.strictObject(indexShape).prefault({}),
  chunking: z.strictObject(chunkingShape).prefault({}),
  search: z.strictObject(searchShape).prefault({}),
  embedder: z.strictObject(embedderShape).prefault({}),
  logging: z.strictObject(loggingShape).prefault({}),
  collections: z.array(z.strictObject(collectionShape)).optional(),
});

/** The config file's content after validation and defaults (snake_case, paths not yet resolved). */
export type FileSettings = z.output<typeof settingsSchema>;

/** One schema violation, before it is phrased for a person. */
export type SchemaIssue =
  | { kind: 'unknown'; key: string; known: readonly string[] }
  | { kind: 'invalid'; key: string; value: unknown; expect: string };

export function quoteList(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}

/** Every dotted key the file may contain, in declaration order (docs and tests walk this). */
export function listConfigKeys(): string[] {
  return sectionNames().flatMap((s) => Object.keys(SHAPES[s]).map((k) => `${s}.${k}`));
}

export function sectionNames(): SectionName[] {
  return Object.keys(SHAPES).filter(isSection);
}

/** The settings an empty config file produces. */
export function defaultSettings(): FileSettings {
  return settingsSchema.parse({});
}

/** The plain-language expectation of a dotted key, if it is a known key. */
export function describeKey(dottedKey: string): string | undefined {
  const [section, key] = dottedKey.split('.', 2);
  if (section === undefined || key === undefined || !isSection(section)) return undefined;
  const table: Record<string, string> = EXPECT[section];
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function isSection(name: string): name is SectionName {
  return Object.hasOwn(SHAPES, name);
}

/**
 * Validates a parsed TOML table. Returns the defaulted settings, or every issue found (unknown
 * keys, wrong types, out-of-range values and cross-key rules) so the user fixes them in one go.
 */
export function validateSettings(raw: unknown): { settings: FileSettings } | { issues: SchemaIssue[] } {
  const result = settingsSchema.safeParse(raw, { reportInput: true });
  const issues: SchemaIssue[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) issues.push(...toSchemaIssues(issue));
  }
  issues.push(...checkCrossKeyRules(raw));
  if (result.success && issues.length === 0) return { settings: result.data };
  return { issues };
}

function toSchemaIssues(issue: z.core.$ZodIssue): SchemaIssue[] {
  const segments = issue.path.map(String);
  if (segments[0] === 'collections') return collectionIssues(issue, segments);
  if (issue.code === 'unrecognized_keys') {
    const section = segments[0];
    const known = section !== undefined && isSection(section) ? Object.keys(SHAPES[section]) : sectionNames();
    const prefix = section === undefined ? '' : `${section}.`;
    return issue.keys.map((k) => ({ kind: 'unknown', key: prefix + k, known: known.map((n) => prefix + n) }));
  }
  const [section, key, ...rest] = segments;
  if (section !== undefined && key === undefined) {
    return [{ kind: 'invalid', key: section, value: issue.input, expect: `a table (a [${section}] section)` }];
  }
  const dotted = `${section ?? ''}.${key ?? ''}`;
  const where = rest.length > 0 ? `${dotted}[${rest.join('][')}]` : dotted;
  return [{ kind: 'invalid', key: where, value: issue.input, expect: describeKey(dotted) ?? issue.message }];
}

/**
 * Issues inside `[[collections]]`, keyed `collections[#2].name` (the second entry, counted from 1
 * as a reader counts them in the file); the expectation is that of `collections.name`.
 */
function collectionIssues(issue: z.core.$ZodIssue, segments: string[]): SchemaIssue[] {
  const [, index, key, ...rest] = segments;
  if (index === undefined) {
    return [{ kind: 'invalid', key: 'collections', value: issue.input, expect: 'a list of tables, each written as a [[collections]] entry with name and path' }];
  }
  const entry = `collections[#${Number(index) + 1}]`;
  const known = Object.keys(SHAPES.collections);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ kind: 'unknown', key: `${entry}.${k}`, known: known.map((n) => `${entry}.${n}`) }));
  }
  if (key === undefined) return [{ kind: 'invalid', key: entry, value: issue.input, expect: 'a table with name and path ([[collections]])' }];
  const where = rest.length > 0 ? `${entry}.${key}[${rest.join('][')}]` : `${entry}.${key}`;
  return [{ kind: 'invalid', key: where, value: issue.input, expect: describeKey(`collections.${key}`) ?? issue.message }];
}

/** Rules that span keys. Checked on the raw input so they are reported alongside the others. */
function checkCrossKeyRules(raw: unknown): SchemaIssue[] {
  const issues: SchemaIssue[] = [];
  const defaults = defaultSettings();
  const min = numberAt(raw, 'chunking', 'min_chars') ?? defaults.chunking.min_chars;
  const max = numberAt(raw, 'chunking', 'max_chars') ?? defaults.chunking.max_chars;
  if (min >= max) {
    issues.push({
      kind: 'invalid',
      key: 'chunking.min_chars',
      value: min,
      expect: `a value less than chunking.max_chars (${max})`,
    });
  }
  const keyword = numberAt(raw, 'search', 'weight_keyword') ?? defaults.search.weight_keyword;
  const semantic = numberAt(raw, 'search', 'weight_semantic') ?? defaults.search.weight_semantic;
  if (keyword === 0 && semantic === 0) {
    issues.push({
      kind: 'invalid',
      key: 'search.weight_keyword',
      value: 0,
      expect: 'a value above 0 when search.weight_semantic is 0 too (otherwise nothing can be found)',
    });
  }
  return issues;
}

function numberAt(raw: unknown, section: string, key: string): number | undefined {
  if (!isRecord(raw)) return undefined;
  const table = raw[section];
  if (!isRecord(table)) return undefined;
  const value = table[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
