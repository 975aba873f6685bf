import { setTimeout as delay } from 'node:timers/promises';
import { AppError, isAppError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';
import type { Embedder } from './embedder.js';
import { excerpt, failWithShape, postEmbeddings, type EmbeddingsEndpoint } from './openai-http.js';

/** Settings of the `openai` provider: any OpenAI-compatible `/v1/embeddings` endpoint. */
export interface OpenAiEmbedderOptions {
  /** e.g. https://api.openai.com/v1 or http://localhost:11434/v1; `/embeddings` is appended unless already there. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer`; null (or empty) sends no header, for local servers. */
  apiKey: string | null;
  /** Name of the env var the key came from, only for messages. */
  apiKeyEnv: string;
  /** Sent as `dimensions` when set, and then the expected vector length; null = the model's own size, probed. */
  dimensions: number | null;
  /** Texts per request; batches are sent one after another. */
  batchSize: number;
  /** Per request, including reading the answer. */
  timeoutMs: number;
  /** Retries for 429, 5xx, network errors and timeouts. */
  maxRetries: number;
  /** Prepended to queries (e.g. nomic `search_query: `). */
  queryPrefix?: string;
  /** Prepended to documents (e.g. nomic `search_document: `). */
  documentPrefix?: string;
  /** Injected in tests; default global fetch. */
  fetch?: typeof fetch;
  /** Injected in tests so back-off does not slow them; default a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Connects and learns the dimension: one probe request when `dimensions` is null; none otherwise
 * (so a configured dimension lets the server start while the embedding server is still down).
 * Throws AppError EMBEDDER_UNAVAILABLE when the probe fails, CONFIG_INVALID for unusable options.
 */
export async function openOpenAiEmbedder(opts: OpenAiEmbedderOptions): Promise<Embedder> {
  checkOptions(opts);
  const base = normalizeBaseUrl(opts.baseUrl);
  const lifetime = new AbortController();
  const endpoint: EmbeddingsEndpoint = {
    url: base.url,
    displayUrl: base.displayUrl,
    model: opts.model,
    apiKey: opts.apiKey,
    apiKeyEnv: opts.apiKeyEnv,
    timeoutMs: opts.timeoutMs,
    maxRetries: opts.maxRetries,
    fetch: opts.fetch ?? globalThis.fetch,
    sleep: opts.sleep ?? ((ms) => delay(ms)),
    random: Math.random,
    closed: lifetime.signal,
  };
  const queryPrefix = opts.queryPrefix ?? '';
  const documentPrefix = opts.documentPrefix ?? '';

  let dimension: number;
  let dimensionSource: string;
  if (opts.dimensions !== null) {
    dimension = opts.dimensions;
    dimensionSource = 'embedder.dimension';
  } else {
    try {
      const [probe] = await requestBatch(endpoint, ['dimension probe'], null, null);
      dimension = (probe as Float32Array).length;
    } catch (err) {
      if (isAppError(err) && err.code !== 'EMBEDDER_UNAVAILABLE') {
        throw new AppError('EMBEDDER_UNAVAILABLE', `embedder probe failed: ${err.message}`, { hint: err.hint, cause: err });
      }
      throw err;
    }
    dimensionSource = 'the length learned from the first answer';
  }
  const expected = { length: dimension, source: dimensionSource };

  const embedMany = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const out: Float32Array[] = [];
    // Sequential on purpose: local servers embed one batch at a time anyway, and queueing many
    // requests at once only turns into timeouts.
    for (let start = 0; start < texts.length; start += opts.batchSize) {
      const batch = texts.slice(start, start + opts.batchSize);
      out.push(...(await requestBatch(endpoint, batch, opts.dimensions, expected)));
    }
    return out;
  };

  return {
    id: embedderId(opts.model, base.base, opts.dimensions, documentPrefix),
    dimension,
    embedDocuments: (texts) => embedMany(texts.map((t) => documentPrefix + t)),
    embedQuery: async (text) => (await embedMany([queryPrefix + text]))[0] as Float32Array,
    close: async () => lifetime.abort(),
  };
}

/**
 * `openai:<model>@<base url>[:d<dimensions>][:p<hash of documentPrefix>]`. The document prefix is
 * part of the id because it changes every stored vector; the query prefix changes none of them.
 */
function embedderId(model: string, baseUrl: string, dimensions: number | null, documentPrefix: string): string {
  let id = `openai:${model}@${baseUrl}`;
  if (dimensions !== null) id += `:d${dimensions}`;
  if (documentPrefix !== '') id += `:p${sha256(documentPrefix).slice(0, 8)}`;
  return id;
}

/**
 * Base URL without trailing slashes or `/embeddings` (for the id); the request URL keeps any query
 * (some gateways need one), the URL shown in messages does not (it may carry a token).
 */
function normalizeBaseUrl(raw: string): { base: string; url: string; displayUrl: string } {
  let parsed: URL;
  try {
    parsed = new URL(raw.trim());
  } catch {
    throw invalid(`embedder.base_url "${raw}" is not a URL`, 'use e.g. http://localhost:11434/v1 or https://api.openai.com/v1');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalid(`embedder.base_url "${raw}" must use http or https`, 'use e.g. http://localhost:11434/v1');
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw invalid('embedder.base_url must not contain credentials', 'put the key in the variable named by embedder.api_key_env');
  }
  const path = parsed.pathname.replace(/\/+$/, '').replace(/\/embeddings$/, '');
  const base = `${parsed.origin}${path}`;
  return { base, url: `${base}/embeddings${parsed.search}`, displayUrl: `${base}/embeddings` };
}

function checkOptions(opts: OpenAiEmbedderOptions): void {
  if (opts.model.trim() === '') throw invalid('embedder.model is empty', 'name an embedding model, e.g. nomic-embed-text');
  const positiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
  if (!positiveInt(opts.batchSize)) throw invalid(`embedder.batch_size ${opts.batchSize} must be a whole number ≥ 1`);
  if (!Number.isInteger(opts.maxRetries) || opts.maxRetries < 0) {
    throw invalid(`embedder.max_retries ${opts.maxRetries} must be a whole number ≥ 0`);
  }
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs <= 0) {
    throw invalid(`embedder.timeout_seconds ${opts.timeoutMs / 1000} must be greater than 0`);
  }
  if (opts.dimensions !== null && !positiveInt(opts.dimensions)) {
    throw invalid(`embedder.dimension ${opts.dimensions} must be a whole number ≥ 1`, 'or leave it unset to use the model size');
  }
}

function invalid(message: string, hint?: string): AppError {
  return new AppError('CONFIG_INVALID', message, hint === undefined ? undefined : { hint });
}

/** One request for `texts`; vectors in input order, unit length, all of the expected length. */
async function requestBatch(
  endpoint: EmbeddingsEndpoint,
  texts: readonly string[],
  dimensions: number | null,
  expected: { length: number; source: string } | null,
): Promise<Float32Array[]> {
  if (texts.length === 0) return [];
  // OpenAI rejects an empty string with a 400 that would fail the whole batch.
  const input = texts.map((t) => (t === '' ? ' ' : t));
  const body: Record<string, unknown> = { model: endpoint.model, input, encoding_format: 'float' };
  if (dimensions !== null) body['dimensions'] = dimensions;
  const json = await postEmbeddings(endpoint, body);
  const vectors = readVectors(endpoint, json, texts.length);
  const length = expected?.length ?? (vectors[0] as number[]).length;
  for (const vector of vectors) {
    if (vector.length !== length) throw dimensionMismatch(endpoint, vector.length, expected ?? { length, source: 'the other vectors of the same answer' });
  }
  return vectors.map((v) => toUnitVector(endpoint, v));
}

/** Checks the `{ data: [{ index, embedding }] }` shape and orders the vectors by `index`. */
function readVectors(endpoint: EmbeddingsEndpoint, json: unknown, count: number): number[][] {
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) failWithShape(endpoint, `JSON without a "data" array: ${excerpt(JSON.stringify(json), endpoint.apiKey)}`);
  if (data.length !== count) failWithShape(endpoint, `${data.length} embeddings for ${count} inputs`);
  const ordered: (number[] | undefined)[] = new Array(count);
  data.forEach((item: unknown, position: number) => {
    const entry = item as { index?: unknown; embedding?: unknown } | null;
    // A few servers omit `index`; then the array order is all we have.
    const index = entry?.index ?? position;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count || ordered[index] !== undefined) {
      failWithShape(endpoint, `an invalid or repeated "index" ${JSON.stringify(index)} in data[${position}]`);
    }
    const embedding = entry?.embedding;
    if (!Array.isArray(embedding) || embedding.length === 0) {
      failWithShape(endpoint, `data[${position}] without a non-empty "embedding" array: ${excerpt(JSON.stringify(item) ?? '', endpoint.apiKey)}`);
    }
    if (!embedding.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      failWithShape(endpoint, `an embedding with a value that is not a finite number (NaN, null or text) in data[${position}]`);
    }
    ordered[index] = embedding as number[];
  });
  return ordered as number[][];
}

/** Some servers return unnormalised vectors; cosine search in the index assumes unit length. */
function toUnitVector(endpoint: EmbeddingsEndpoint, values: number[]): Float32Array {
  let norm = 0;
  for (const v of values) norm += v * v;
  if (norm === 0 || !Number.isFinite(norm)) failWithShape(endpoint, 'an all-zero (or overflowing) embedding, which has no direction');
  const inv = 1 / Math.sqrt(norm);
  return Float32Array.from(values, (v) => v * inv);
}

function dimensionMismatch(endpoint: EmbeddingsEndpoint, got: number, expected: { length: number; source: string }): AppError {
  return new AppError(
    'EMBEDDER_FAILED',
    `dimension mismatch: model ${endpoint.model} at ${endpoint.displayUrl} returned a vector of length ${got} ` +
      `but the index expects ${expected.length} (${expected.source})`,
    {
      hint:
        `set embedder.dimension to ${got} to match the model (or remove it if the model ignores it); ` +
        'the index vectors are rebuilt when the embedder config changes',
    },
  );
}
