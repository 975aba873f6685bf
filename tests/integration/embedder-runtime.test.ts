import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.js';
import type { EmbedderConfig } from '../../src/config/types.js';
import { pullModel } from '../../src/embed/model-store.js';
import { EmbedderRuntime } from '../../src/embed/runtime.js';
import { openWorkerEmbedder } from '../../src/embed/worker-embedder.js';
import { startHubServer, type HubServer } from '../helpers/hub-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';
import { buildTinyModel } from '../helpers/tiny-model.js';

const MODEL = 'test-org/tiny-embed';
const logger = pino({ level: 'silent' });

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  return dot;
}

describe('embedder runtime: the transformers provider from a local hub', () => {
  let tmp: { dir: string; cleanup: () => void };
  let hub: HubServer;
  let n = 0;
  before(async () => {
    tmp = makeTempDir('ragdocs-runtime-');
    hub = await startHubServer(buildTinyModel(), { modelId: MODEL });
  });
  after(async () => {
    await hub.close();
    tmp.cleanup();
  });

  /** A fresh docs folder and model cache with `extra` lines in [embedder]. */
  function embedderConfig(extra: string[] = [], hubUrl = hub.url): EmbedderConfig {
    const dir = join(tmp.dir, `case-${++n}`);
    mkdirSync(join(dir, 'docs'), { recursive: true });
    const toml = ['[embedder]', `model = "${MODEL}"`, 'pooling = "mean"', `hub_url = "${hubUrl}"`, `cache_dir = "${join(dir, 'models')}"`, ...extra].join('\n');
    writeFileSync(join(dir, 'docs', '.ragdocs.toml'), toml + '\n');
    return loadConfig({ cwd: dir, env: {}, homeDir: dir, flags: { docs: join(dir, 'docs'), indexDir: join(dir, 'index') } }).embedder;
  }

  function runtime(config: EmbedderConfig, extra: Partial<ConstructorParameters<typeof EmbedderRuntime>[0]> = {}): EmbedderRuntime {
    return new EmbedderRuntime({ config, logger, env: {}, pullCommand: 'mcp-markdown-ragdocs models pull --docs X', threads: 1, ...extra });
  }

  test('without the optional transformers runtime it downloads nothing and says semantic search is off, with the reinstall fix', async () => {
    const config = embedderConfig();
    const before = hub.countFor('onnx/model_quantized.onnx');
    const rt = runtime(config, { transformersInstalled: () => false });
    try {
      rt.start();
      await waitFor('the embedder to be unavailable', () => rt.status().phase === 'unavailable' || null);
      const st = rt.status();
      assert.match(st.problem ?? '', /semantic search is off: @huggingface\/transformers/);
      assert.match(st.fix ?? '', /ONNXRUNTIME_NODE_INSTALL=skip npm install -g mcp-markdown-ragdocs/);
      assert.equal(hub.countFor('onnx/model_quantized.onnx'), before, 'no model download without a runtime to run it');
    } finally {
      await rt.close();
    }
  });

  test('a one-shot query (noDownload) uses no model it would have to download, and says so', async () => {
    const config = embedderConfig();
    const before = hub.countFor('onnx/model_quantized.onnx');
    const rt = runtime(config, { noDownload: true });
    try {
      rt.start();
      await waitFor('the embedder to be unavailable', () => rt.status().phase === 'unavailable' || null);
      assert.match(rt.status().problem ?? '', /not downloaded yet; a one-shot query does not download it/);
      assert.match(rt.status().fix ?? '', /models pull/);
      assert.equal(hub.countFor('onnx/model_quantized.onnx'), before, 'nothing downloaded');
    } finally {
      await rt.close();
    }
  });

  test('status without starting (the CLI status command) names the missing runtime, not a missing model', async () => {
    const rt = runtime(embedderConfig(), { transformersInstalled: () => false });
    try {
      await rt.inspect();
      const st = rt.status();
      assert.equal(st.phase, 'unavailable');
      assert.match(st.problem ?? '', /semantic search is off: @huggingface\/transformers/);
      assert.match(st.fix ?? '', /ONNXRUNTIME_NODE_INSTALL=skip/);
    } finally {
      await rt.close();
    }
  });

  test('downloads the model in the background, loads it in the worker and embeds by meaning', async () => {
    const config = embedderConfig();
    const before = hub.countFor('onnx/model_quantized.onnx');
    const rt = runtime(config);
    try {
      assert.equal(rt.status().phase, 'idle', 'nothing happens before start');
      rt.start();
      assert.ok(await rt.whenSettled(20_000));
      assert.equal(rt.status().phase, 'ready', JSON.stringify(rt.status()));
      assert.equal(hub.countFor('onnx/model_quantized.onnx'), before + 1);
      const embedder = rt.embedder;
      assert.ok(embedder);
      assert.equal(embedder.dimension, 16);
      assert.match(rt.status().summary, /tiny-embed.*16 dims/);
      const [doc, other] = await embedder.embedDocuments(['Account recovery', 'database connection pool']);
      const query = await embedder.embedQuery('how do I get my login back?');
      assert.ok(doc && other);
      assert.ok(cosine(query, doc) > 0.9, `paraphrase similarity ${cosine(query, doc)}`);
      assert.ok(cosine(query, other) < 0.3);
    } finally {
      await rt.close();
    }
  });

  test('offline with no model: unavailable with the fix; ready by itself once the model arrives', async () => {
    const config = embedderConfig(['offline = true']);
    const requests = hub.requests.length;
    const rt = runtime(config, { recheckMs: 100 });
    try {
      rt.start();
      assert.ok(await rt.whenSettled(10_000));
      const s = rt.status();
      assert.equal(s.phase, 'unavailable');
      assert.match(s.problem ?? '', /not in .* downloads are off/);
      assert.match(s.fix ?? '', /models pull --docs X/);
      assert.equal(hub.requests.length, requests, 'offline: no request at all');
      // `models pull` run elsewhere (another process, same cache): the runtime notices.
      await pullModel({ modelId: MODEL, revision: 'main', dtype: 'q8', hubUrl: hub.url, cacheDir: config.modelCacheDir });
      await waitFor('the runtime to become ready', () => rt.status().phase === 'ready', 15_000).catch(() => undefined);
      assert.equal(rt.status().phase, 'ready');
    } finally {
      await rt.close();
    }
  });

  test('auto_download = false waits for `models pull`', async () => {
    const rt = runtime(embedderConfig(['auto_download = false']));
    try {
      rt.start();
      assert.ok(await rt.whenSettled(10_000));
      assert.equal(rt.status().phase, 'unavailable');
      assert.match(rt.status().problem ?? '', /not downloaded yet \(embedder\.auto_download = false\)/);
      assert.match(rt.status().fix ?? '', /^run `mcp-markdown-ragdocs models pull/);
    } finally {
      await rt.close();
    }
  });

  test('a failed download is reported with the hub and retried until it works', async () => {
    const config = embedderConfig();
    hub.setFault((file) => (file.endsWith('.onnx') ? 'status500' : null));
    const rt = runtime(config, { retryDelaysMs: [200] });
    try {
      rt.start();
      assert.ok(await rt.whenSettled(10_000));
      const s = rt.status();
      assert.equal(s.phase, 'unavailable');
      assert.match(s.problem ?? '', new RegExp(`could not be downloaded from ${hub.url.replace(/[.]/g, '\\.')}.*retrying in`));
      assert.match(s.fix ?? '', /hub_url/);
      assert.equal(existsSync(join(config.modelCacheDir, 'test-org', 'tiny-embed', 'main', '.complete.json')), false);
      hub.setFault(undefined);
      await waitFor('the runtime to become ready', () => rt.status().phase === 'ready', 15_000).catch(() => undefined);
      assert.equal(rt.status().phase, 'ready', JSON.stringify(rt.status()));
    } finally {
      hub.setFault(undefined);
      await rt.close();
    }
  });

  test('an unreachable hub (no network) leaves the runtime unavailable, never throwing', async () => {
    const rt = runtime(embedderConfig([], 'http://127.0.0.1:9'));
    try {
      rt.start();
      assert.ok(await rt.whenSettled(20_000));
      assert.equal(rt.status().phase, 'unavailable');
      assert.match(rt.status().fix ?? '', /models pull/);
      assert.equal(rt.embedder, null);
    } finally {
      await rt.close();
    }
  });
});

describe('embedding worker', () => {
  test('a query is answered while a long document batch is still running', async () => {
    const embedder = await openWorkerEmbedder({ kind: 'test', dimension: 8, costMs: 5 });
    try {
      const order: string[] = [];
      const texts = Array.from({ length: 200 }, (_, i) => `document ${i}`);
      const batch = embedder.embedDocuments(texts).then((v) => {
        order.push('batch');
        return v;
      });
      await new Promise((r) => setTimeout(r, 100));
      const started = performance.now();
      await embedder.embedQuery('a query').then(() => order.push('query'));
      const queryMs = performance.now() - started;
      const vectors = await batch;
      assert.deepEqual(order, ['query', 'batch']);
      assert.ok(queryMs < 500, `the query waited ${queryMs.toFixed(0)} ms (the batch takes about 1000 ms)`);
      assert.equal(vectors.length, 200);
      assert.ok(vectors.every((v) => v.length === 8));
    } finally {
      await embedder.close();
    }
  });

  test('a worker that cannot start rejects with the provider error', async () => {
    await assert.rejects(
      openWorkerEmbedder({ kind: 'transformers', options: { modelDir: '/nonexistent/model', id: 'x', dtype: 'q8', pooling: 'mean', queryPrefix: '', documentPrefix: '', threads: 1 } }),
      (err: Error & { code?: string }) => err.code === 'MODEL_INVALID' && /cannot be loaded/.test(err.message),
    );
  });

  test('after close, calls fail clearly', async () => {
    const embedder = await openWorkerEmbedder({ kind: 'test', dimension: 4 });
    await embedder.close();
    await assert.rejects(embedder.embedQuery('x'), /not running/);
  });
});
