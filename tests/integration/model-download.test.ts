import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../src/core/errors.js';
import { modelDir, modelFileList, modelLockDir } from '../../src/embed/model-files.js';
import { pullModel, readInstalledModel, type PullOptions } from '../../src/embed/model-store.js';
import { openLockFile } from '../../src/storage/lock.js';
import { startHubServer, sha256, type HubServer, type HubServerOptions } from '../helpers/hub-server.js';
import { makeTempDir, repoRoot } from '../helpers/paths.js';
import { buildTinyModel } from '../helpers/tiny-model.js';

const MODEL = 'test-org/tiny-model';
const ONNX_Q8 = 'onnx/model_quantized.onnx';
const Q8_FILES = modelFileList('q8');

const ownUrl = new URL(import.meta.url);
const isTypeScript = ownUrl.pathname.endsWith('.ts');
const childPath = fileURLToPath(new URL(`../helpers/pull-model-child.${isTypeScript ? 'ts' : 'js'}`, ownUrl));

/** Every file under `dir`, relative and `/`-separated. */
function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'))
    .sort();
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => assert.fail('expected the pull to fail'),
    (error: unknown) => error,
  );
  assert.ok(err instanceof AppError, `expected an AppError, got ${String(err)}`);
  return err;
}

describe('model download', () => {
  let temp: { dir: string; cleanup: () => void };
  let cacheDir: string;
  let dir: string;
  let files: Map<string, Buffer>;
  let server: HubServer | undefined;

  beforeEach(() => {
    temp = makeTempDir('ragdocs-model-');
    cacheDir = join(temp.dir, 'models');
    dir = modelDir(cacheDir, MODEL, 'main');
    files = buildTinyModel();
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    temp.cleanup();
  });

  async function serve(options: HubServerOptions = {}, served = files): Promise<HubServer> {
    server = await startHubServer(served, { modelId: MODEL, ...options });
    return server;
  }
  function pull(hub: HubServer, extra: Partial<PullOptions> = {}) {
    return pullModel({ modelId: MODEL, revision: 'main', dtype: 'q8', hubUrl: hub.url, cacheDir, idleTimeoutMs: 5_000, ...extra });
  }
  /** Nothing of a failed pull may remain under a final name, and no partial at all. */
  function assertNothingLeft(finalFile: string): void {
    const left = listFiles(dir);
    assert.ok(!left.includes(finalFile), `${finalFile} must not exist: ${left.join(', ')}`);
    assert.ok(!left.includes('.complete.json'), 'no marker after a failed pull');
    assert.deepEqual(left.filter((name) => name.includes('.partial-')), []);
  }

  test('pulls every file once, verifies it, marks it complete, and never asks again', async () => {
    const hub = await serve();
    const progress: string[] = [];
    const result = await pull(hub, { onProgress: (p) => progress.push(`${p.filesDone}/${p.filesTotal} ${p.file}`) });
    assert.equal(result.dir, dir);
    assert.equal(result.downloaded, true);
    assert.equal(result.bytes, Q8_FILES.reduce((sum, file) => sum + (files.get(file)?.length ?? 0), 0));
    for (const file of Q8_FILES) {
      assert.equal(hub.countFor(file), 1, file);
      assert.deepEqual(readFileSync(join(dir, file)), files.get(file), file);
    }
    assert.equal(hub.cdnCountFor(ONNX_Q8), 1, 'the LFS file is fetched through its redirect');
    assert.equal(hub.countFor('onnx/model.onnx'), 0, 'only the ONNX file of the dtype');
    assert.deepEqual(listFiles(dir), [...Q8_FILES, '.complete.json'].sort());
    assert.ok(progress.includes(`3/4 ${ONNX_Q8}`));

    const installed = await readInstalledModel(dir, Q8_FILES);
    assert.ok(installed !== null);
    assert.equal(installed.revision, 'main');
    assert.equal(installed.source, `${hub.url}/${MODEL}`);
    assert.deepEqual(
      installed.files.map((file) => [file.name, file.size, file.sha256]),
      Q8_FILES.map((file) => [file, files.get(file)?.length, sha256(files.get(file) ?? Buffer.alloc(0))]),
    );
    assert.equal(await readInstalledModel(dir, modelFileList('fp32')), null, 'another dtype is not installed');

    await hub.close();
    const again = await pull(hub);
    assert.deepEqual(again, { dir, downloaded: false, bytes: 0 });
  });

  test('a file of the wrong size makes the model not installed', async () => {
    await pull(await serve());
    writeFileSync(join(dir, 'tokenizer.json'), '{}');
    assert.equal(await readInstalledModel(dir, Q8_FILES), null);
  });

  test('the pulled model loads and runs in transformers.js', async () => {
    await pull(await serve());
    const { env, pipeline } = await import('@huggingface/transformers');
    env.allowRemoteModels = false;
    env.useFSCache = false;
    const extractor = await pipeline('feature-extraction', dir, { dtype: 'q8', local_files_only: true });
    try {
      const output = await extractor(['how do I get my login back?', 'Account recovery', 'database connection pool'], {
        pooling: 'mean',
        normalize: true,
      });
      const [login, recovery, database] = output.tolist() as number[][];
      const cosine = (a: number[] = [], b: number[] = []): number => a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);
      assert.ok(cosine(login, recovery) > 0.9, `login vs recovery: ${cosine(login, recovery)}`);
      assert.ok(cosine(database, recovery) < 0.3, `database vs recovery: ${cosine(database, recovery)}`);
    } finally {
      await extractor.dispose();
    }
  });

  test('two processes pulling at once download each file once', async () => {
    const hub = await serve({ delayMs: 150 });
    const children = [0, 1].map(() =>
      spawn(process.execPath, [...(isTypeScript ? ['--import', 'tsx'] : []), childPath, hub.url, cacheDir, MODEL, 'main', 'q8'], {
        cwd: repoRoot(),
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    try {
      const lines = children.map((child) => {
        const received: string[] = [];
        let buffer = '';
        const waiters: (() => void)[] = [];
        child.stdout?.on('data', (data: Buffer) => {
          buffer += data.toString();
          const parts = buffer.split('\n');
          buffer = parts.pop() ?? '';
          received.push(...parts);
          for (const wake of waiters.splice(0)) wake();
        });
        return async (index: number): Promise<string> => {
          const deadline = Date.now() + 15_000;
          while (received[index] === undefined) {
            if (Date.now() > deadline || child.exitCode !== null) assert.fail(`child said only: ${received.join(' | ')}`);
            await new Promise<void>((resolve) => {
              waiters.push(resolve);
              setTimeout(resolve, 100);
            });
          }
          return received[index] ?? '';
        };
      });
      for (const line of lines) assert.equal(await line(0), 'ready');
      for (const child of children) child.stdin?.write('go\n');
      const results = (await Promise.all(lines.map((line) => line(1)))).map(
        (text) => JSON.parse(text) as { ok: boolean; downloaded?: boolean; message?: string },
      );
      assert.deepEqual(results.map((result) => result.ok), [true, true], JSON.stringify(results));
      assert.deepEqual(results.map((result) => result.downloaded).sort(), [false, true]);
      for (const file of Q8_FILES) assert.equal(hub.countFor(file), 1, file);
      assert.ok((await readInstalledModel(dir, Q8_FILES)) !== null);
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
    }
  });

  test('a truncated ONNX file is rejected and leaves nothing behind; a later pull succeeds', async () => {
    const hub = await serve({ fault: (file) => (file === ONNX_Q8 ? 'truncate' : null) });
    const size = files.get(ONNX_Q8)?.length ?? 0;
    const err = await rejection(pull(hub));
    assert.equal(err.code, 'MODEL_DOWNLOAD_FAILED');
    assert.match(err.message, new RegExp(`${ONNX_Q8}.*received \\d+ bytes, expected ${size} bytes`));
    assertNothingLeft(ONNX_Q8);
    assert.equal(await readInstalledModel(dir, Q8_FILES), null);

    hub.setFault((file) => (file === ONNX_Q8 ? 'short' : null));
    const short = await rejection(pull(hub));
    assert.match(short.message, new RegExp(`${ONNX_Q8}.*received ${size >> 1} bytes, expected ${size} bytes`));
    assertNothingLeft(ONNX_Q8);

    hub.setFault(undefined);
    const result = await pull(hub);
    assert.equal(result.downloaded, true);
    assert.deepEqual(readFileSync(join(dir, ONNX_Q8)), files.get(ONNX_Q8));
  });

  test('an HTML page instead of a file is rejected, by content type or by content', async () => {
    const hub = await serve({ fault: (file) => (file === 'config.json' ? 'html' : null) });
    const err = await rejection(pull(hub));
    assert.equal(err.code, 'MODEL_DOWNLOAD_FAILED');
    assert.match(err.message, /HTML page instead of config\.json.*embedder\.hub_url/);
    assertNothingLeft('config.json');
    await hub.close();

    const sniffed = new Map(files).set('config.json', Buffer.from('\n  <!DOCTYPE html><html><body>login</body></html>'));
    const err2 = await rejection(pull(await serve({}, sniffed)));
    assert.match(err2.message, /HTML page instead of config\.json/);
    assertNothingLeft('config.json');
  });

  test('404 names the model, revision and file; 401 points at HF_TOKEN', async () => {
    const hub = await serve({ fault: (file) => (file === 'tokenizer.json' ? 'status404' : null) });
    const missing = await rejection(pull(hub));
    assert.equal(missing.code, 'MODEL_DOWNLOAD_FAILED');
    assert.match(missing.message, /tokenizer\.json.*"test-org\/tiny-model".*revision "main".*embedder\.model/);
    assertNothingLeft('tokenizer.json');

    const otherRevision = await rejection(pull(hub, { revision: 'v9' }));
    assert.match(otherRevision.message, /404.*revision "v9"/);

    hub.setFault(() => 'status401');
    const gated = await rejection(pull(hub));
    assert.match(gated.message, /gated or private.*HF_TOKEN/);
  });

  test('the token is sent to the hub only when given', async () => {
    const hub = await serve();
    const seen: (string | null)[] = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(new Headers(init?.headers).get('authorization'));
      return fetch(input, init);
    };
    await pull(hub, { fetch: recording, token: 'hf_secret' });
    assert.ok(seen.length >= 4 && seen.every((value) => value === 'Bearer hf_secret'), JSON.stringify(seen));
    seen.length = 0;
    await pull(hub, { fetch: recording, force: true });
    assert.ok(seen.length >= 4 && seen.every((value) => value === null), JSON.stringify(seen));
  });

  test('a file that does not match the announced sha256 is rejected', async () => {
    const hub = await serve({ fault: (file) => (file === ONNX_Q8 ? 'corrupt' : null) });
    const err = await rejection(pull(hub));
    assert.equal(err.code, 'MODEL_INVALID');
    assert.match(err.message, new RegExp(`${ONNX_Q8}.*checksum.*${sha256(files.get(ONNX_Q8) ?? Buffer.alloc(0))}`));
    assertNothingLeft(ONNX_Q8);
  });

  test('invalid JSON and a non-ONNX model file are rejected', async () => {
    const broken = new Map(files).set('tokenizer_config.json', Buffer.from('{"tokenizer_class": '));
    const err = await rejection(pull(await serve({}, broken)));
    assert.equal(err.code, 'MODEL_INVALID');
    assert.match(err.message, /tokenizer_config\.json .*not valid JSON/);
    assertNothingLeft('tokenizer_config.json');
    await server?.close();

    const notOnnx = new Map(files).set(ONNX_Q8, Buffer.alloc(4096, 0x41));
    const err2 = await rejection(pull(await serve({}, notOnnx)));
    assert.equal(err2.code, 'MODEL_INVALID');
    assert.match(err2.message, /not an ONNX model/);
    assertNothingLeft(ONNX_Q8);
  });

  test('a stalled download is aborted after the idle timeout', async () => {
    const hub = await serve({ delayMs: 3_000 });
    const started = Date.now();
    const err = await rejection(pull(hub, { idleTimeoutMs: 200 }));
    assert.equal(err.code, 'MODEL_DOWNLOAD_FAILED');
    assert.match(err.message, /config\.json.*stalled/);
    assert.ok(Date.now() - started < 2_000);
    assertNothingLeft('config.json');
  });

  test('waits for the lock of another download, bounded by lockTimeoutMs', async () => {
    const hub = await serve();
    const other = await openLockFile(modelLockDir(cacheDir, MODEL, 'main'));
    try {
      const handle = await other.acquire('exclusive', { timeoutMs: 0 });
      const err = await rejection(pull(hub, { lockTimeoutMs: 200 }));
      assert.equal(err.code, 'LOCK_TIMEOUT');
      assert.match(err.message, /another process downloading model "test-org\/tiny-model"/);
      assert.deepEqual(hub.requests, []);
      const waiting = pull(hub, { lockTimeoutMs: 5_000 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(hub.requests, [], 'nothing is fetched while another process holds the lock');
      await handle.release();
      assert.equal((await waiting).downloaded, true);
    } finally {
      await other.close();
    }
  });

  test('aborting rejects with the reason and leaves no partial file', async () => {
    const hub = await serve({ delayMs: 2_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 100);
    await assert.rejects(pull(hub, { signal: controller.signal }), /shutting down/);
    assertNothingLeft('config.json');
  });

  test('partials left by a killed process are removed when the lock is taken', async () => {
    const stale = join(dir, 'onnx', 'model_quantized.onnx.partial-999999-deadbeef');
    mkdirSync(join(dir, 'onnx'), { recursive: true });
    writeFileSync(stale, 'half a model');
    const past = new Date(Date.now() - 60_000);
    utimesSync(stale, past, past);
    await pull(await serve());
    assert.equal(existsSync(stale), false);
  });
});
