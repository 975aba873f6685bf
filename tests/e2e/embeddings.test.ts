import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeOpenAi } from '../helpers/fake-openai.js';
import { startGatedProxy } from '../helpers/gated-proxy.js';
import { startHubServer, type HubServer } from '../helpers/hub-server.js';
import { makeTempDir } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import {
  assertStdoutJsonRpc,
  closedPort,
  listFiles,
  logMessages,
  queryHits as query,
  waitStatus,
  type Status,
} from '../helpers/server-probes.js';
import { spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';
import { buildTinyModel } from '../helpers/tiny-model.js';
import { waitFor } from '../helpers/wait.js';

const MODEL_ID = 'test-org/tiny-embed';
/** What dtype q8 (the default) needs: the quantized ONNX file only. */
const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx'];
/** Shares no word with account-recovery.md: only the meaning (the tiny model's login group) links them. */
const LOGIN_QUERY = 'how do I get my login back?';
const DOCS: Record<string, string> = {
  'account-recovery.md': '# Account recovery\n\nForgot the password? Reset the credentials, then recover the account.\n',
  'database.md': '# Database connections\n\nThe postgres pool keeps sql connections open; queries share a connection.\n',
  'deploy.md': '# Deployment\n\nShip each release to staging first, then to production.\n',
  'caching.md': '# Caching\n\nRedis entries invalidate after the ttl.\n',
};
const TINY_TOML = `[embedder]\nmodel = "${MODEL_ID}"\npooling = "mean"\n`;
/** Settings the test runner's own environment must not leak into the children. */
const CLEAN_ENV = { HF_HUB_OFFLINE: '', HF_TOKEN: '', HUGGING_FACE_HUB_TOKEN: '', RAGDOCS_CONFIG: '' };

/** Every file indexed and published (pending_files drops to 0 a moment before the state leaves `indexing`). */
const indexed = (s: Status): boolean =>
  s.documents === Object.keys(DOCS).length && s.pending_files === 0 && s.state !== 'indexing' && s.state !== 'loading';

/** Fully indexed and every chunk has a vector. */
const allEmbedded = (s: Status): boolean =>
  s.state === 'ready' && s.embedder_state === 'ready' && s.pending_files === 0 && s.chunks > 0 && s.chunks_embedded === s.chunks;

function writeDocs(dir: string, toml: string | null): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(DOCS)) writeFileSync(join(dir, name), text);
  if (toml !== null) writeFileSync(join(dir, '.ragdocs.toml'), toml);
  return dir;
}

const modelsDir = (xdg: string): string => join(xdg, 'mcp-markdown-ragdocs', 'models');
const tinyModelDir = (xdg: string): string => join(modelsDir(xdg), 'test-org', 'tiny-embed', 'main');

describe('embeddings end to end (transformers and openai providers)', () => {
  const tmp = makeTempDir('ragdocs-embed-e2e-');
  const model = buildTinyModel();
  const tinyDocs = writeDocs(join(tmp.dir, 'docs-tiny'), TINY_TOML);
  const servers: SpawnedServer[] = [];
  const hubs: HubServer[] = [];
  const closers: (() => Promise<void>)[] = [];
  /** Set by the download test, reused by the offline restart. */
  let downloadedCache: string | null = null;

  const spawn = async (opts: Parameters<typeof spawnServer>[0]): Promise<SpawnedServer> => {
    const server = await spawnServer({ ...opts, env: { ...CLEAN_ENV, ...opts.env } });
    servers.push(server);
    return server;
  };
  const hub = async (options: Parameters<typeof startHubServer>[1] = {}): Promise<HubServer> => {
    const h = await startHubServer(model, { modelId: MODEL_ID, ...options });
    hubs.push(h);
    return h;
  };

  before(() => {
    assert.deepEqual([...model.keys()].filter((f) => MODEL_FILES.includes(f)).sort(), [...MODEL_FILES].sort());
  });

  after(async () => {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
    await Promise.all(hubs.map((h) => h.close()));
    await Promise.all(closers.map((close) => close()));
    tmp.cleanup();
  });

  test('no network, default config: initialize answers, keyword search works, status says degraded and names `models pull`', async () => {
    const xdg = join(tmp.dir, 'cache-no-network');
    const port = await closedPort();
    const docs = writeDocs(join(tmp.dir, 'docs-default'), null);
    const server = await spawn({ docs, env: { XDG_CACHE_HOME: xdg, HF_ENDPOINT: `http://127.0.0.1:${port}`, RAGDOCS_EMBEDDER: 'transformers' } });
    const s = await waitStatus(server, 'the embedder to give up', (st) => st.embedder_state === 'unavailable' && indexed(st), 15_000);
    assert.equal(s.state, 'degraded');
    assert.match(s.embedder, /bge-small-en-v1\.5/);
    assert.match(String(s.embedder_fix), /models pull/);
    assert.match(String(s.last_error), /models pull/);
    assert.match(String(s.last_error), new RegExp(`127\\.0\\.0\\.1:${port}`), 'the error names the hub it could not reach');
    assert.ok(s.warnings.some((w: string) => /models pull/.test(w)));

    const hits = await query(server, 'postgres pool');
    assert.equal(hits[0]?.path, 'database.md');
    assert.deepEqual(hits[0]?.matched_by, ['keyword']);
    // The control for the semantic tests below: keyword search alone cannot find the paraphrase.
    const login = await query(server, LOGIN_QUERY);
    assert.ok(!login.some((h) => h.path === 'account-recovery.md'), `keyword search found ${JSON.stringify(login.map((h) => h.path))}`);

    assert.ok(!listFiles(modelsDir(xdg)).some((f) => f.endsWith('.complete.json')), 'nothing installed');
    assertStdoutJsonRpc(server);
    assert.equal((await server.stop()).code, 0);
  });

  test('the model downloads in the background while keyword search serves; then semantic results join', async () => {
    const xdg = join(tmp.dir, 'cache-download');
    const h = await hub({ delayMs: 300 });
    const server = await spawn({ docs: tinyDocs, env: { XDG_CACHE_HOME: xdg, HF_ENDPOINT: h.url, RAGDOCS_EMBEDDER: 'transformers' } });

    // 5 requests × 300 ms: the files are indexed well before the download ends.
    const downloading = await waitStatus(
      server,
      'the files indexed while the model downloads',
      (st) => st.embedder_state === 'downloading' && indexed(st),
      10_000,
    );
    assert.equal(downloading.state, 'degraded');
    assert.match(String(downloading.last_error ?? downloading.warnings.join(' ')), /download/);
    const meanwhile = await query(server, 'postgres pool');
    assert.equal(meanwhile[0]?.path, 'database.md', 'keyword search answers during the download');

    const s = await waitStatus(server, 'every chunk embedded', allEmbedded, 20_000);
    assert.equal(s.chunks, Object.keys(DOCS).length);
    assert.equal(s.embeddings_computed, s.chunks);
    assert.equal(s.last_error, null);
    assert.equal(s.embedder_fix, null);

    const hits = await query(server, LOGIN_QUERY);
    assert.equal(hits[0]?.path, 'account-recovery.md', JSON.stringify(hits.map((x) => x.path)));
    assert.ok(hits[0]?.matched_by.includes('semantic'));
    assert.ok(!hits[0]?.matched_by.includes('keyword'), 'found by meaning, not by a shared word');
    const deploy = await query(server, 'rollout');
    assert.equal(deploy[0]?.path, 'deploy.md', 'another paraphrase lands on its own topic');

    for (const file of MODEL_FILES) assert.equal(h.countFor(file), 1, `${file} requested once`);
    assert.equal(h.countFor('onnx/model.onnx'), 0, 'only the dtype in use is downloaded');
    const dir = tinyModelDir(xdg);
    assert.ok(existsSync(join(dir, '.complete.json')));
    assert.ok(readFileSync(join(dir, 'onnx', 'model_quantized.onnx')).equals(model.get('onnx/model_quantized.onnx') as Buffer));
    assert.ok(!listFiles(dir).some((f) => f.includes('.partial-')));
    assert.ok(logMessages(server.stderr()).includes('embedding model downloaded'));
    assertStdoutJsonRpc(server);
    assert.equal((await server.stop()).code, 0);
    downloadedCache = xdg;
  });

  test('offline restart: the model loads from the cache with no request to any hub', async (t) => {
    if (downloadedCache === null) return t.skip('needs the download test');
    for (const h of hubs) await h.close();
    // A hub that counts: HF_HUB_OFFLINE must keep the server from asking it anything.
    const sentinel = await hub();
    const server = await spawn({
      docs: tinyDocs,
      // A fresh index: every chunk must be embedded with the cached model, not read from disk.
      indexDir: join(tmp.dir, 'index-offline'),
      env: { XDG_CACHE_HOME: downloadedCache, HF_ENDPOINT: sentinel.url, HF_HUB_OFFLINE: '1', RAGDOCS_EMBEDDER: 'transformers' },
    });
    const s = await waitStatus(server, 'every chunk embedded offline', allEmbedded, 20_000);
    assert.equal(s.embeddings_computed, s.chunks);
    const hits = await query(server, LOGIN_QUERY);
    assert.equal(hits[0]?.path, 'account-recovery.md');
    assert.ok(hits[0]?.matched_by.includes('semantic'));
    assert.deepEqual(sentinel.requests, []);
    assert.ok(!logMessages(server.stderr()).includes('downloading the embedding model in the background'));
    assert.equal((await server.stop()).code, 0);
  });

  test('two instances starting together on a fresh cache download the model once and embed each chunk once', async () => {
    const xdg = join(tmp.dir, 'cache-two');
    const h = await hub();
    // Both must find the cache empty and set out to download: the gate holds the first request
    // until both say so, however unevenly a busy machine starts them.
    const gate = await startGatedProxy(h.url);
    closers.push(() => gate.close());
    const env = { XDG_CACHE_HOME: xdg, HF_ENDPOINT: gate.url, RAGDOCS_EMBEDDER: 'transformers' };
    const pair = await Promise.all([spawn({ docs: tinyDocs, env }), spawn({ docs: tinyDocs, env })]);
    await Promise.all(pair.map((server) => waitStatus(server, 'the download to start', (st) => st.embedder_state === 'downloading', 15_000)));
    await waitFor('the first file request to reach the gate', () => gate.received() > 0, 5000);
    assert.deepEqual(h.requests, [], 'nothing passed the gate yet');
    gate.open();
    const done = await Promise.all(pair.map((server) => waitStatus(server, 'every chunk embedded', allEmbedded, 25_000)));

    for (const file of MODEL_FILES) assert.equal(h.countFor(file), 1, `${file} requested once over both instances`);
    assert.equal(h.cdnCountFor('onnx/model_quantized.onnx'), 1);
    const logs = pair.map((server) => logMessages(server.stderr()));
    // Both found the cache empty and set out to download (so they really overlapped); one did.
    for (const l of logs) assert.ok(l.includes('downloading the embedding model in the background'), 'each instance started a download');
    assert.equal(logs.filter((l) => l.includes('embedding model downloaded')).length, 1, 'one instance downloaded, the other waited');
    assert.equal(done[0]?.index_dir, done[1]?.index_dir, 'one shared index');
    const computed = done.reduce((sum, s) => sum + s.embeddings_computed, 0);
    assert.equal(computed, done[0]?.chunks, `embeddings computed over both instances: ${done.map((s) => s.embeddings_computed).join(' + ')}`);
    for (const server of pair) {
      const hits = await query(server, LOGIN_QUERY);
      assert.equal(hits[0]?.path, 'account-recovery.md');
    }
    const codes = await Promise.all(pair.map((server) => server.stop()));
    assert.deepEqual(codes.map((c) => c.code), [0, 0]);
  });

  for (const fault of ['truncate', 'html'] as const) {
    test(`a ${fault === 'truncate' ? 'truncated' : 'HTML'} model download is rejected: degraded, nothing installed, keyword search works`, async () => {
      const xdg = join(tmp.dir, `cache-${fault}`);
      const h = await hub({ fault: (file) => (file.endsWith('.onnx') ? fault : null) });
      const server = await spawn({ docs: tinyDocs, env: { XDG_CACHE_HOME: xdg, HF_ENDPOINT: h.url, RAGDOCS_EMBEDDER: 'transformers' } });
      const s = await waitStatus(server, 'the download to fail', (st) => st.embedder_state === 'unavailable' && indexed(st), 15_000);
      assert.equal(s.state, 'degraded');
      assert.match(String(s.last_error), fault === 'truncate' ? /truncated|broke off/ : /HTML/);
      assert.match(String(s.last_error), /model_quantized\.onnx/);
      assert.match(String(s.embedder_fix), /models pull/);
      assert.equal(s.chunks_embedded, 0);

      const files = listFiles(modelsDir(xdg));
      assert.ok(!files.some((f) => f.endsWith('.complete.json')), `no install marker: ${files.join(', ')}`);
      assert.ok(!files.some((f) => f.endsWith('.onnx')), `no final onnx file: ${files.join(', ')}`);
      assert.ok(!files.some((f) => f.includes('.partial-')), `no partial left: ${files.join(', ')}`);
      const hits = await query(server, 'postgres pool');
      assert.equal(hits[0]?.path, 'database.md');
      assertStdoutJsonRpc(server);
      assert.equal((await server.stop()).code, 0);
    });
  }

  test('CLI: models status says not installed; models pull downloads, loads the model and prints "model ready"; status then says installed', async () => {
    const xdg = join(tmp.dir, 'cache-cli');
    const h = await hub();
    const env = { ...CLEAN_ENV, XDG_CACHE_HOME: xdg, HF_ENDPOINT: h.url, RAGDOCS_EMBEDDER: 'transformers' };

    const before = await runCli(['models', 'status', '--json', '--docs', tinyDocs], env);
    assert.equal(before.code, 0, before.stderr);
    assert.equal(JSON.parse(before.stdout).installed, false);

    const pull = await runCli(['models', 'pull', '--docs', tinyDocs], env);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(pull.stdout, '', 'progress goes to stderr');
    assert.match(pull.stderr, /model ready/);
    for (const file of MODEL_FILES) assert.equal(h.countFor(file), 1, `${file} requested once`);

    const after = await runCli(['models', 'status', '--json', '--docs', tinyDocs], env);
    assert.equal(after.code, 0, after.stderr);
    const info = JSON.parse(after.stdout);
    assert.equal(info.installed, true);
    assert.equal(info.model_dir, tinyModelDir(xdg));
    assert.deepEqual(info.files.map((f: { name: string }) => f.name).sort(), [...MODEL_FILES].sort());
  });

  test('CLI: models pull that cannot apply (provider none, downloads off) exits 2 with a clear message', async () => {
    const env = { ...CLEAN_ENV, XDG_CACHE_HOME: join(tmp.dir, 'cache-cli-refused'), HF_ENDPOINT: `http://127.0.0.1:${await closedPort()}` };
    // Exit codes (src/cli/main.ts): 0 success, 1 runtime failure, 2 bad arguments or configuration.
    const none = await runCli(['models', 'pull', '--docs', tinyDocs], { ...env, RAGDOCS_EMBEDDER: 'none' });
    assert.match(none.stderr, /provider is "none".*only the transformers provider downloads a model/);
    const offline = await runCli(['models', 'pull', '--docs', tinyDocs], { ...env, RAGDOCS_EMBEDDER: 'transformers', HF_HUB_OFFLINE: '1' });
    assert.match(offline.stderr, /downloads are off/);
    assert.deepEqual([none.code, offline.code], [2, 2], `exit codes: provider none ${none.code}, offline ${offline.code}`);
  });

  describe('openai provider through the server', () => {
    const KEY = 'sk-test-key-5e1f9a7c';
    const tomlFor = (baseUrl: string): string =>
      `[embedder]\nprovider = "openai"\nbase_url = "${baseUrl}"\nmodel = "fake-embed"\napi_key_env = "TEST_EMBED_KEY"\n`;

    test('with the key from api_key_env: ready, semantic results, the key sent as a Bearer token', async () => {
      const fake = await startFakeOpenAi({ requiredKey: KEY });
      try {
        const docs = writeDocs(join(tmp.dir, 'docs-openai'), tomlFor(fake.baseUrl));
        const server = await spawn({ docs, env: { XDG_CACHE_HOME: join(tmp.dir, 'cache-openai'), RAGDOCS_EMBEDDER: 'openai', TEST_EMBED_KEY: KEY } });
        const s = await waitStatus(server, 'every chunk embedded', allEmbedded, 15_000);
        assert.equal(s.embeddings_computed, s.chunks);
        assert.match(s.embedder, /fake-embed/);
        const hits = await query(server, LOGIN_QUERY);
        assert.equal(hits[0]?.path, 'account-recovery.md', JSON.stringify(hits.map((x) => x.path)));
        assert.ok(hits[0]?.matched_by.includes('semantic'));
        assert.ok(fake.authorizations.length >= 2, 'probe, documents and query were sent');
        assert.ok(fake.authorizations.every((a) => a === `Bearer ${KEY}`), `Authorization headers: ${[...new Set(fake.authorizations)].join(', ')}`);
        assert.ok(!server.stderr().includes(KEY), 'the key is never logged');
        assertStdoutJsonRpc(server);
        assert.equal((await server.stop()).code, 0);
      } finally {
        await fake.close();
      }
    });

    test('a refused key: degraded, the variable is named, the key value appears nowhere', async () => {
      const fake = await startFakeOpenAi({ requiredKey: 'sk-the-right-one' });
      try {
        const docs = writeDocs(join(tmp.dir, 'docs-openai-401'), tomlFor(fake.baseUrl));
        const server = await spawn({ docs, env: { XDG_CACHE_HOME: join(tmp.dir, 'cache-openai-401'), RAGDOCS_EMBEDDER: 'openai', TEST_EMBED_KEY: KEY } });
        const s = await waitStatus(server, 'the embedder to give up', (st) => st.embedder_state === 'unavailable' && indexed(st), 15_000);
        assert.equal(s.state, 'degraded');
        assert.ok(fake.authorizations.includes(`Bearer ${KEY}`), 'the configured key was sent');
        assert.match(String(s.last_error), /TEST_EMBED_KEY/);
        assert.match(String(s.embedder_fix) + s.warnings.join('\n'), /TEST_EMBED_KEY/);
        const hits = await query(server, 'postgres pool');
        assert.equal(hits[0]?.path, 'database.md', 'keyword search is unaffected');
        const stopped = await server.stop();
        assert.equal(stopped.code, 0);
        // The fake echoes the key it got (as real servers do); none of it may reach logs or status.
        assert.ok(!JSON.stringify(s).includes(KEY), `status leaks the key: ${JSON.stringify(s)}`);
        assert.ok(!server.stderr().includes(KEY), 'stderr leaks the key');
        assert.ok(!server.stdoutLines.some((l) => l.includes(KEY)), 'stdout leaks the key');
      } finally {
        await fake.close();
      }
    });
  });
});
