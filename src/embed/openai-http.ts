import { AppError } from '../core/errors.js';

/** Everything one POST to an OpenAI-compatible `/embeddings` endpoint needs; built once per embedder. */
export interface EmbeddingsEndpoint {
  /** Full endpoint URL the request goes to (base URL + `/embeddings`, query kept). */
  url: string;
  /** The endpoint URL without its query, safe to show in messages. */
  displayUrl: string;
  model: string;
  apiKey: string | null;
  apiKeyEnv: string;
  timeoutMs: number;
  maxRetries: number;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1): jitter source for the back-off. */
  random: () => number;
  /** Aborted by the embedder's `close()`: in-flight requests stop and no retry starts. */
  closed: AbortSignal;
}

/** Back-off before retry n (0-based) is BASE * 2^n, capped, times a jitter in [0.5, 1). */
const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 20_000;
/** A server asking for a longer pause than this would stall indexing; we retry sooner instead. */
const RETRY_AFTER_CAP_MS = 60_000;
const EXCERPT_CHARS = 200;
const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);

type Failure =
  | { kind: 'status'; status: number; body: string; retryAfterMs: number | null }
  | { kind: 'timeout' }
  | { kind: 'network'; reason: string };

/**
 * POSTs `body` as JSON and returns the parsed JSON answer of a 2xx response. Retries 408, 429,
 * 5xx gateway/availability errors, network errors and timeouts with exponential back-off
 * (honouring `Retry-After`), up to `maxRetries` retries; everything else fails at once.
 * Throws AppError EMBEDDER_FAILED, or EMBEDDER_UNAVAILABLE when the server cannot be reached.
 */
export async function postEmbeddings(endpoint: EmbeddingsEndpoint, body: object): Promise<unknown> {
  const payload = JSON.stringify(body);
  for (let retry = 0; ; retry++) {
    throwIfClosed(endpoint);
    const outcome = await attemptOnce(endpoint, payload);
    if (outcome.ok) return parseJson(endpoint, outcome.text);
    const failure = outcome.failure;
    const retryable = failure.kind !== 'status' || RETRYABLE_STATUS.has(failure.status);
    if (!retryable) throw describeFatalStatus(endpoint, failure.status, failure.body);
    if (retry >= endpoint.maxRetries) throw describeGaveUp(endpoint, failure, retry);
    const retryAfter = failure.kind === 'status' ? failure.retryAfterMs : null;
    await endpoint.sleep(retryAfter ?? backoffMs(retry, endpoint.random));
  }
}

/** Exponential back-off with jitter, so several instances retrying do not hit the server in step. */
export function backoffMs(retry: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retry);
  return Math.round(ceiling * (0.5 + random() / 2));
}

/** `Retry-After` as milliseconds (delta-seconds or an HTTP date), capped; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    const at = Date.parse(trimmed);
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, Math.round(ms)));
}

/** First characters of a response body on one line, with the API key blanked should a server echo it. */
export function excerpt(text: string, apiKey: string | null): string {
  let clean = text.replace(/\s+/g, ' ').trim();
  if (apiKey !== null && apiKey.length > 0) clean = clean.split(apiKey).join('***');
  if (clean === '') return '(empty body)';
  return clean.length > EXCERPT_CHARS ? clean.slice(0, EXCERPT_CHARS) + '…' : clean;
}

async function attemptOnce(
  endpoint: EmbeddingsEndpoint,
  payload: string,
): Promise<{ ok: true; text: string } | { ok: false; failure: Failure }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (endpoint.apiKey !== null && endpoint.apiKey !== '') headers['Authorization'] = `Bearer ${endpoint.apiKey}`;
  // One controller per attempt rather than AbortSignal.any([closed, timeout]): `any` on a
  // long-lived signal leaks dependants on some Node versions (nodejs/node#55351).
  const request = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    request.abort();
  }, endpoint.timeoutMs);
  const onClose = (): void => request.abort();
  endpoint.closed.addEventListener('abort', onClose, { once: true });
  try {
    // The timeout covers reading the body too: a server that stalls mid-answer is a timeout.
    const res = await endpoint.fetch(endpoint.url, { method: 'POST', headers, body: payload, signal: request.signal });
    const text = await res.text();
    if (res.ok) return { ok: true, text };
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    return { ok: false, failure: { kind: 'status', status: res.status, body: text, retryAfterMs } };
  } catch (err) {
    throwIfClosed(endpoint);
    if (timedOut) return { ok: false, failure: { kind: 'timeout' } };
    return { ok: false, failure: { kind: 'network', reason: networkReason(err) } };
  } finally {
    clearTimeout(timer);
    endpoint.closed.removeEventListener('abort', onClose);
  }
}

/** fetch hides the socket error in `cause` (an AggregateError when several addresses were tried). */
function networkReason(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; errors?: unknown; message?: unknown } | undefined) : undefined;
  if (cause !== undefined && cause !== null) {
    if (typeof cause.code === 'string') return cause.code;
    if (Array.isArray(cause.errors)) {
      const first = cause.errors[0] as { code?: unknown } | undefined;
      if (typeof first?.code === 'string') return first.code;
    }
    if (typeof cause.message === 'string' && cause.message !== '') return cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}

function parseJson(endpoint: EmbeddingsEndpoint, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return failWithShape(endpoint, `an answer that is not JSON: ${excerpt(text, endpoint.apiKey)}`);
  }
}

/** Thrown when a 2xx answer is not what an OpenAI-style embeddings endpoint returns. */
export function failWithShape(endpoint: EmbeddingsEndpoint, what: string): never {
  throw new AppError('EMBEDDER_FAILED', `${endpoint.displayUrl} (model ${endpoint.model}) returned ${what}`, {
    hint:
      'check that embedder.base_url points at an OpenAI-compatible API (it usually ends in /v1, ' +
      'e.g. http://localhost:11434/v1 for Ollama) and that the model is an embedding model',
  });
}

function describeFatalStatus(endpoint: EmbeddingsEndpoint, status: number, body: string): AppError {
  const where = `${endpoint.displayUrl} (model ${endpoint.model})`;
  const said = excerpt(body, endpoint.apiKey);
  if (status === 401 || status === 403) {
    const keyState =
      endpoint.apiKey === null || endpoint.apiKey === ''
        ? `${endpoint.apiKeyEnv} is not set, and this server requires a key`
        : `the key from ${endpoint.apiKeyEnv} was sent and refused`;
    return new AppError('EMBEDDER_FAILED', `the API key was rejected by ${where}: HTTP ${status}; ${keyState}. Server said: ${said}`, {
      hint: `set ${endpoint.apiKeyEnv} to a valid API key for this server (or set embedder.api_key_env to the variable that holds it)`,
    });
  }
  if (status === 404) {
    return new AppError('EMBEDDER_FAILED', `the endpoint or model was not found: model "${endpoint.model}" at ${endpoint.displayUrl} answered HTTP 404. Server said: ${said}`, {
      hint:
        `check embedder.base_url (most servers need it to end in /v1) and embedder.model; ` +
        `for Ollama, run \`ollama pull ${endpoint.model}\``,
    });
  }
  return new AppError('EMBEDDER_FAILED', `${where} rejected the request: HTTP ${status}. Server said: ${said}`, {
    hint:
      'the model may not support embedder.dimension, or a text may be longer than the model accepts ' +
      '(lower chunking sizes or embedder.batch_size)',
  });
}

function describeGaveUp(endpoint: EmbeddingsEndpoint, failure: Failure, retries: number): AppError {
  const where = `${endpoint.displayUrl} (model ${endpoint.model})`;
  const tried = `retried ${retries} ${retries === 1 ? 'time' : 'times'}`;
  switch (failure.kind) {
    case 'timeout':
      return new AppError('EMBEDDER_FAILED', `timeout: no answer from ${where} within ${endpoint.timeoutMs / 1000} s (${tried})`, {
        hint:
          'raise embedder.timeout_seconds (a local server may still be loading the model) ' +
          'or lower embedder.batch_size',
      });
    case 'network':
      return new AppError('EMBEDDER_UNAVAILABLE', `the embedding server at ${endpoint.displayUrl} is not reachable (${failure.reason}; ${tried})`, {
        hint: 'start the server (for Ollama: `ollama serve`) or fix embedder.base_url',
      });
    case 'status':
      if (failure.status === 429) {
        return new AppError('EMBEDDER_FAILED', `rate limited by ${where}: HTTP 429 (${tried})`, {
          hint: 'wait and retry, lower embedder.batch_size, or raise embedder.max_retries',
        });
      }
      return new AppError(
        'EMBEDDER_FAILED',
        `server error from ${where}: HTTP ${failure.status} (${tried}). Server said: ${excerpt(failure.body, endpoint.apiKey)}`,
        { hint: 'check the embedding server logs; if it is only briefly overloaded, raise embedder.max_retries' },
      );
  }
}

function throwIfClosed(endpoint: EmbeddingsEndpoint): void {
  if (endpoint.closed.aborted) {
    throw new AppError('EMBEDDER_UNAVAILABLE', `the embedder for ${endpoint.displayUrl} (model ${endpoint.model}) is closed`);
  }
}
