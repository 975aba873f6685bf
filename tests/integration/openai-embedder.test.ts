import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { listenLocal } from '../helpers/local-http.js';
import { AppError } from '../../src/core/errors.js';
import { openOpenAiEmbedder, type OpenAiEmbedderOptions } from '../../src/embed/openai-embedder.js';

/** A reply the fake server sends instead of its normal answer; no `status` = the normal answer (maybe delayed). */
interface Reply {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: { model: string; input: string[]; encoding_format?: string; dimensions?: number };
}

/** A fake OpenAI-style `/v1/embeddings` on 127.0.0.1 with deterministic, deliberately unnormalised vectors. */
interface FakeServer {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Replies used first, in order, one per request. */
  plan: Reply[];
  /** Used when `plan` is empty; null = the normal answer. */
  fallback: Reply | null;
  dimension: number;
  ignoreDimensionsParam: boolean;
  /** Returns `data` in reverse order, so the client must sort by `index`. */
  shuffle: boolean;
  requiredKey: string | null;
  models: string[];
  close(): Promise<void>;
}

function fakeVector(text: string, dimension: number): number[] {
  const out: number[] = [];
  for (let block = 0; out.length < dimension; block++) {
    for (const byte of createHash('sha256').update(`${block}:${text}`).digest()) {
      if (out.length < dimension) out.push((byte - 127.5) / 10);
    }
  }
  return out;
}

function unit(values: number[]): number[] {
  const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0));
  return values.map((v) => v / norm);
}

async function startFakeServer(): Promise<FakeServer> {
  const timers = new Set<NodeJS.Timeout>();
  const fake: FakeServer = {
    baseUrl: '',
    requests: [],
    plan: [],
    fallback: null,
    dimension: 32,
    ignoreDimensionsParam: false,
    shuffle: false,
    requiredKey: null,
    models: ['fake-embed'],
    close: async () => {},
  };
  const normalAnswer = (req: RecordedRequest): { status: number; body: string } => {
    if (fake.requiredKey !== null && req.headers.authorization !== `Bearer ${fake.requiredKey}`) {
      // Real servers echo (part of) the key; the client must not repeat it.
      return { status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization ?? 'none'}` } }) };
    }
    if (!fake.models.includes(req.body.model)) {
      return { status: 404, body: JSON.stringify({ error: `model "${req.body.model}" not found, try pulling it first` }) };
    }
    const dim = !fake.ignoreDimensionsParam && req.body.dimensions !== undefined ? req.body.dimensions : fake.dimension;
    const data = req.body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text, dim) }));
    if (fake.shuffle) data.reverse();
    return { status: 200, body: JSON.stringify({ object: 'list', data, model: req.body.model }) };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = { path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
      fake.requests.push(recorded);
      const reply = fake.plan.shift() ?? fake.fallback ?? {};
      const send = (): void => {
        const answer =
          recorded.path.split('?')[0] !== '/v1/embeddings'
            ? { status: 404, body: '404 page not found' }
            : reply.status === undefined
              ? normalAnswer(recorded)
              : { status: reply.status, body: reply.body ?? '' };
        res.writeHead(answer.status, { 'content-type': 'application/json', ...reply.headers });
        res.end(answer.body);
      };
      if (reply.delayMs === undefined) send();
      else {
        const timer = setTimeout(() => {
          timers.delete(timer);
          send();
        }, reply.delayMs);
        timers.add(timer);
      }
    });
  });
  const listener = await listenLocal(server);
  fake.baseUrl = `${listener.url}/v1`;
  fake.close = async () => {
    for (const t of timers) clearTimeout(t);
    await listener.close();
  };
  return fake;
}

describe('openai embedder against a local fake /v1/embeddings', () => {
  let fake: FakeServer;
  let sleeps: number[];
  const options = (overrides: Partial<OpenAiEmbedderOptions> = {}): OpenAiEmbedderOptions => ({
    baseUrl: fake.baseUrl,
    model: 'fake-embed',
    apiKey: null,
    apiKeyEnv: 'RAGDOCS_OPENAI_API_KEY',
    dimensions: null,
    batchSize: 16,
    timeoutMs: 2000,
    maxRetries: 2,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
  const rejectsWith = async (promise: Promise<unknown>, code: string, ...fragments: (string | RegExp)[]): Promise<AppError> => {
    const err = await promise.then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AppError, `expected AppError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    for (const f of fragments) {
      if (typeof f === 'string') assert.ok(err.message.includes(f), `message lacks "${f}": ${err.message}`);
      else assert.match(err.message, f);
    }
    return err;
  };

  before(async () => {
    fake = await startFakeServer();
  });
  after(async () => {
    await fake.close();
  });
  beforeEach(() => {
    Object.assign(fake, { requests: [], plan: [], fallback: null, dimension: 32, ignoreDimensionsParam: false, shuffle: false, requiredKey: null });
    sleeps = [];
  });

  test('probe learns the dimension with one request that sends no `dimensions`', async () => {
    fake.dimension = 24;
    const embedder = await openOpenAiEmbedder(options());
    assert.equal(embedder.dimension, 24);
    assert.equal(fake.requests.length, 1);
    assert.equal(fake.requests[0]?.path, '/v1/embeddings');
    assert.equal(fake.requests[0]?.body.dimensions, undefined);
    assert.equal(fake.requests[0]?.body.encoding_format, 'float');
    assert.equal(embedder.id, `openai:fake-embed@${fake.baseUrl}`);
    await embedder.close();
  });

  test('configured dimensions: no probe, sent in every request, part of the id', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 16, baseUrl: fake.baseUrl + '/embeddings/' }));
    assert.equal(fake.requests.length, 0);
    assert.equal(embedder.id, `openai:fake-embed@${fake.baseUrl}:d16`);
    const v = await embedder.embedQuery('hello');
    assert.equal(v.length, 16);
    assert.equal(fake.requests[0]?.body.dimensions, 16);
    assert.equal(fake.requests[0]?.path, '/v1/embeddings');
  });

  test('keeps a query string on the request but out of the id and messages', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8, baseUrl: `${fake.baseUrl}/?token=q-secret` }));
    assert.equal(embedder.id, `openai:fake-embed@${fake.baseUrl}:d8`);
    await embedder.embedQuery('x');
    assert.equal(fake.requests[0]?.path, '/v1/embeddings?token=q-secret');
    fake.plan = [{ status: 400, body: 'bad' }];
    const err = await rejectsWith(embedder.embedQuery('x'), 'EMBEDDER_FAILED', `${fake.baseUrl}/embeddings`);
    assert.ok(!err.message.includes('q-secret'));
  });

  test('batches sequentially, keeps input order when data comes back shuffled, returns unit vectors', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 32, batchSize: 3 }));
    fake.shuffle = true;
    const texts = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta'];
    const vectors = await embedder.embedDocuments(texts);
    assert.deepEqual(fake.requests.map((r) => r.body.input), [['alpha', 'beta', 'gamma'], ['delta', 'epsilon', 'zeta'], ['eta']]);
    assert.equal(vectors.length, texts.length);
    texts.forEach((text, i) => {
      const got = vectors[i] as Float32Array;
      const want = unit(fakeVector(text, 32));
      assert.ok(got instanceof Float32Array);
      want.forEach((w, j) => assert.ok(Math.abs((got[j] as number) - w) < 1e-6, `text ${text} dim ${j}`));
      const norm = Math.sqrt(got.reduce((s, x) => s + x * x, 0));
      assert.ok(Math.abs(norm - 1) < 1e-5, `norm ${norm}`);
    });
    assert.deepEqual(await embedder.embedDocuments([]), []);
    assert.equal(fake.requests.length, 3);
  });

  test('applies the document and query prefixes; the document prefix changes the id', async () => {
    const plain = await openOpenAiEmbedder(options({ dimensions: 8 }));
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8, documentPrefix: 'search_document: ', queryPrefix: 'search_query: ' }));
    await embedder.embedDocuments(['a doc']);
    await embedder.embedQuery('a question');
    assert.deepEqual(fake.requests.map((r) => r.body.input), [['search_document: a doc'], ['search_query: a question']]);
    assert.notEqual(embedder.id, plain.id);
    assert.ok(embedder.id.startsWith(plain.id));
  });

  test('sends Authorization only when a key is given', async () => {
    const withKey = await openOpenAiEmbedder(options({ dimensions: 8, apiKey: 'sk-test-123' }));
    await withKey.embedQuery('x');
    const without = await openOpenAiEmbedder(options({ dimensions: 8 }));
    await without.embedQuery('x');
    assert.equal(fake.requests[0]?.headers.authorization, 'Bearer sk-test-123');
    assert.equal(fake.requests[1]?.headers.authorization, undefined);
  });

  test('401 names the env var, says whether the key was set, and never shows the key', async () => {
    fake.requiredKey = 'sk-right';
    const err = await rejectsWith(
      openOpenAiEmbedder(options({ apiKey: 'sk-wrong-secret' })),
      'EMBEDDER_UNAVAILABLE',
      'API key was rejected',
      'RAGDOCS_OPENAI_API_KEY',
      'was sent and refused',
    );
    assert.ok(!err.message.includes('sk-wrong-secret') && !String(err.hint).includes('sk-wrong-secret'), err.message);
    const unset = await openOpenAiEmbedder(options({ dimensions: 8 }));
    const err2 = await rejectsWith(unset.embedQuery('x'), 'EMBEDDER_FAILED', 'RAGDOCS_OPENAI_API_KEY is not set', '401');
    assert.match(String(err2.hint), /RAGDOCS_OPENAI_API_KEY/);
    assert.equal(fake.requests.length, 2, '401 is not retried');
  });

  test('404 names the model and the URL and suggests base_url / ollama pull', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8, model: 'no-such-model' }));
    const err = await rejectsWith(embedder.embedQuery('x'), 'EMBEDDER_FAILED', 'no-such-model', fake.baseUrl, '404', 'not found');
    assert.match(String(err.hint), /embedder\.base_url/);
    assert.match(String(err.hint), /ollama pull no-such-model/);
    const root = fake.baseUrl.replace(/\/v1$/, '');
    const wrongPath = await openOpenAiEmbedder(options({ dimensions: 8, baseUrl: root }));
    await rejectsWith(wrongPath.embedQuery('x'), 'EMBEDDER_FAILED', '404', `${root}/embeddings`);
  });

  test('429 then success honours Retry-After in seconds and as an HTTP date', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8 }));
    fake.plan = [
      { status: 429, body: '{"error":"slow down"}', headers: { 'retry-after': '2' } },
      { status: 429, headers: { 'retry-after': new Date(Date.now() + 3000).toUTCString() } },
    ];
    const v = await embedder.embedQuery('x');
    assert.equal(v.length, 8);
    assert.equal(fake.requests.length, 3);
    assert.equal(sleeps[0], 2000);
    assert.ok((sleeps[1] as number) > 500 && (sleeps[1] as number) <= 3000, `HTTP-date delay ${sleeps[1]}`);
  });

  test('429 forever fails after maxRetries with "rate limited" and growing back-off', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8, maxRetries: 3 }));
    fake.fallback = { status: 429, body: 'too many' };
    await rejectsWith(embedder.embedQuery('x'), 'EMBEDDER_FAILED', 'rate limited', 'retried 3 times');
    assert.equal(fake.requests.length, 4);
    assert.equal(sleeps.length, 3);
    sleeps.forEach((ms, i) => assert.ok(ms >= 250 * 2 ** i && ms <= 500 * 2 ** i, `back-off ${i}: ${ms}`));
  });

  test('500 then success', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8 }));
    fake.plan = [{ status: 500, body: 'boom' }];
    assert.equal((await embedder.embedDocuments(['a', 'b'])).length, 2);
    assert.equal(fake.requests.length, 2);
  });

  test('503 forever fails with the status and a short body excerpt', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8, maxRetries: 1 }));
    fake.fallback = { status: 503, body: 'upstream model overloaded ' + 'x'.repeat(1000) };
    const err = await rejectsWith(embedder.embedQuery('x'), 'EMBEDDER_FAILED', '503', 'upstream model overloaded', 'retried 1 time');
    assert.ok(err.message.length < 600, `message too long: ${err.message.length}`);
    assert.equal(fake.requests.length, 2);
  });

  test('400 is not retried and shows what the server said', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8 }));
    fake.plan = [{ status: 400, body: '{"error":"input is too long"}' }];
    await rejectsWith(embedder.embedQuery('x'), 'EMBEDDER_FAILED', '400', 'input is too long');
    assert.equal(fake.requests.length, 1);
  });

  test('an answer slower than timeoutMs times out after the retries', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8, timeoutMs: 150, maxRetries: 1 }));
    fake.fallback = { delayMs: 2000 };
    const started = Date.now();
    const err = await rejectsWith(embedder.embedQuery('x'), 'EMBEDDER_FAILED', 'timeout', '0.15 s', 'retried 1 time');
    assert.match(String(err.hint), /embedder\.timeout_seconds/);
    assert.equal(fake.requests.length, 2);
    assert.ok(Date.now() - started < 1500, 'did not wait for the slow server');
  });

  test('a slow answer within the timeout still succeeds after a timed-out attempt', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8, timeoutMs: 150, maxRetries: 1 }));
    fake.plan = [{ delayMs: 2000 }, { delayMs: 20 }];
    assert.equal((await embedder.embedQuery('x')).length, 8);
  });

  test('a closed port is reported as unreachable, at open (probe) and later', async () => {
    const closed = await startFakeServer();
    const url = closed.baseUrl;
    await closed.close();
    await rejectsWith(openOpenAiEmbedder(options({ baseUrl: url })), 'EMBEDDER_UNAVAILABLE', 'not reachable', url, 'ECONNREFUSED');
    assert.equal(sleeps.length, 2, 'network errors are retried');
    const lazy = await openOpenAiEmbedder(options({ baseUrl: url, dimensions: 8, maxRetries: 0 }));
    await rejectsWith(lazy.embedQuery('x'), 'EMBEDDER_UNAVAILABLE', 'not reachable');
  });

  test('a server ignoring `dimensions` gives a dimension mismatch error', async () => {
    fake.ignoreDimensionsParam = true;
    const embedder = await openOpenAiEmbedder(options({ dimensions: 64 }));
    const err = await rejectsWith(embedder.embedDocuments(['a']), 'EMBEDDER_FAILED', 'length 32', 'expects 64');
    assert.match(String(err.hint), /embedder\.dimension to 32/);
  });

  test('a dimension that changes after the probe is a mismatch against the learned length', async () => {
    const embedder = await openOpenAiEmbedder(options());
    fake.dimension = 16;
    await rejectsWith(embedder.embedQuery('x'), 'EMBEDDER_FAILED', 'length 16', 'expects 32', 'learned');
  });

  test('malformed answers give clear errors', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8, maxRetries: 0 }));
    const cases: [Reply, string][] = [
      [{ status: 200, body: '<html>Welcome to the web UI</html>' }, 'not JSON: <html>Welcome'],
      [{ status: 200, body: '{"result":[1,2]}' }, 'without a "data" array'],
      [{ status: 200, body: '{"data":[]}' }, '0 embeddings for 1 inputs'],
      [{ status: 200, body: '{"data":[{"index":0,"embedding":[]}]}' }, 'non-empty "embedding"'],
      [{ status: 200, body: '{"data":[{"index":0,"embedding":[1,null]}]}' }, 'not a finite number'],
      [{ status: 200, body: '{"data":[{"index":0,"embedding":[0,0,0,0,0,0,0,0]}]}' }, 'all-zero'],
      [{ status: 200, body: '{"data":[{"index":5,"embedding":[1,1,1,1,1,1,1,1]}]}' }, 'invalid or repeated "index"'],
    ];
    for (const [reply, fragment] of cases) {
      fake.plan = [reply];
      await rejectsWith(embedder.embedQuery('x'), 'EMBEDDER_FAILED', fragment, fake.baseUrl);
    }
  });

  test('close() aborts an in-flight request and later calls fail; close is idempotent', async () => {
    const embedder = await openOpenAiEmbedder(options({ dimensions: 8, timeoutMs: 5000 }));
    fake.plan = [{ delayMs: 3000 }];
    const started = Date.now();
    const pending = embedder.embedQuery('x');
    await new Promise((r) => setTimeout(r, 30));
    await embedder.close();
    await rejectsWith(pending, 'EMBEDDER_UNAVAILABLE', 'closed');
    assert.ok(Date.now() - started < 1000);
    await embedder.close();
    await rejectsWith(embedder.embedQuery('x'), 'EMBEDDER_UNAVAILABLE', 'closed');
  });

  test('unusable options are CONFIG_INVALID', async () => {
    await rejectsWith(openOpenAiEmbedder(options({ baseUrl: 'localhost:11434' })), 'CONFIG_INVALID', 'base_url');
    await rejectsWith(openOpenAiEmbedder(options({ baseUrl: 'http://user:pw@127.0.0.1/v1' })), 'CONFIG_INVALID', 'credentials');
    await rejectsWith(openOpenAiEmbedder(options({ batchSize: 0 })), 'CONFIG_INVALID', 'batch_size');
    await rejectsWith(openOpenAiEmbedder(options({ dimensions: 1.5 })), 'CONFIG_INVALID', 'dimension');
    assert.equal(fake.requests.length, 0);
  });
});
