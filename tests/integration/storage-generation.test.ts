import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../src/core/errors.js';
import { listGenerationDirs, publishGeneration } from '../../src/storage/generation.js';
import { generationDirName, manifestPath } from '../../src/storage/layout.js';
import { FORMAT_VERSION, readManifest, type BlobRef, type Manifest } from '../../src/storage/manifest.js';
import { loadGenerationWithFallback, readBlobs } from '../../src/storage/read.js';
import { makeTempDir } from '../helpers/paths.js';

const buf = (text: string) => Buffer.from(text);

function blobPath(dir: string, ref: BlobRef | undefined): string {
  assert.ok(ref);
  return join(dir, generationDirName(ref.gen), ref.file);
}

async function assertAppError(promise: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof AppError, String(err));
    assert.equal(err.code, code, err.message);
    if (pattern !== undefined) assert.match(`${err.message} ${err.hint ?? ''}`, pattern);
    return true;
  });
}

describe('publishGeneration / readManifest / readBlobs', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => (temp = makeTempDir()));
  afterEach(() => temp.cleanup());

  const publishTwo = async () => {
    const first = await publishGeneration(temp.dir, {
      base: null,
      meta: { embedder: 'test-8' },
      newBlobs: { chunks: buf('chunks v1'), 'vector.hnsw': buf('vectors v1') },
      keepBlobs: [],
      instanceId: 'one',
    });
    const second = await publishGeneration(temp.dir, {
      base: first,
      meta: { embedder: 'test-8', n: 2 },
      newBlobs: { chunks: buf('chunks v2') },
      keepBlobs: ['vector.hnsw'],
      instanceId: 'two',
    });
    return { first, second };
  };

  test('no manifest reads as null', async () => {
    assert.equal(await readManifest(temp.dir), null);
    assert.equal(await readManifest(join(temp.dir, 'absent')), null);
  });

  test('publish → read round trip', async () => {
    const published = await publishGeneration(temp.dir, {
      base: null,
      meta: { embedder: 'test-8', files: { 'a.md': 1 } },
      newBlobs: { chunks: buf('hello'), graph: buf('') },
      keepBlobs: [],
      instanceId: 'me',
    });
    assert.equal(published.generation, 1);
    assert.equal(published.format, FORMAT_VERSION);
    assert.equal(published.previous, null);
    assert.deepEqual(published.writer, { pid: process.pid, instanceId: 'me' });
    const read = await readManifest(temp.dir);
    assert.deepEqual(read, published);
    assert.ok(read);
    const blobs = await readBlobs(temp.dir, read);
    assert.equal(blobs['chunks']?.toString(), 'hello');
    assert.equal(blobs['graph']?.byteLength, 0);
    assert.deepEqual(Object.keys(await readBlobs(temp.dir, read, ['graph'])), ['graph']);
    assert.deepEqual(readdirSync(temp.dir).sort(), [generationDirName(1), 'manifest.json']);
  });

  test('kept blobs are shared across generations, not rewritten', async () => {
    const first = await publishGeneration(temp.dir, {
      base: null,
      meta: {},
      newBlobs: { chunks: buf('chunks v1'), 'vector.hnsw': buf('vectors v1') },
      keepBlobs: [],
      instanceId: 'one',
    });
    const vectorFile = blobPath(temp.dir, first.blobs['vector.hnsw']);
    const before = statSync(vectorFile);
    await new Promise((resolve) => setTimeout(resolve, 20)); // make an mtime change observable
    const second = await publishGeneration(temp.dir, {
      base: first,
      meta: {},
      newBlobs: { chunks: buf('chunks v2') },
      keepBlobs: ['vector.hnsw'],
      instanceId: 'two',
    });
    assert.equal(second.generation, 2);
    assert.deepEqual(second.blobs['vector.hnsw'], first.blobs['vector.hnsw']);
    assert.equal(second.blobs['chunks']?.gen, 2);
    const after = statSync(vectorFile);
    assert.equal(after.ino, before.ino);
    assert.equal(after.mtimeMs, before.mtimeMs);
    assert.deepEqual(readdirSync(join(temp.dir, generationDirName(2))), [second.blobs['chunks']?.file]);
    assert.deepEqual(second.previous, { generation: 1, blobs: first.blobs });
    const blobs = await readBlobs(temp.dir, second);
    assert.equal(blobs['vector.hnsw']?.toString(), 'vectors v1');
    assert.equal(blobs['chunks']?.toString(), 'chunks v2');
  });

  test('generation numbers are never reused after a partial folder was left behind', async () => {
    const { second } = await publishTwo();
    mkdirSync(join(temp.dir, generationDirName(5))); // a crashed publish of generation 5
    writeFileSync(join(temp.dir, 'gen-9'), ''); // any entry named like a generation reserves its number
    const third = await publishGeneration(temp.dir, {
      base: second,
      meta: {},
      newBlobs: {},
      keepBlobs: ['chunks', 'vector.hnsw'],
      instanceId: 'x',
    });
    assert.equal(third.generation, 10);
    assert.deepEqual(await listGenerationDirs(temp.dir), [1, 2, 5, 9, 10]);
  });

  test('refuses a stale base (lost-update guard) and bad keep lists', async () => {
    const { first } = await publishTwo();
    const stale = publishGeneration(temp.dir, { base: first, meta: {}, newBlobs: {}, keepBlobs: [], instanceId: 'x' });
    await assertAppError(stale, 'INTERNAL', /generation 2.*generation 1/);
    const fresh = publishGeneration(temp.dir, { base: null, meta: {}, newBlobs: {}, keepBlobs: [], instanceId: 'x' });
    await assertAppError(fresh, 'INTERNAL');
    const current = await readManifest(temp.dir);
    const missing = publishGeneration(temp.dir, { base: current, meta: {}, newBlobs: {}, keepBlobs: ['nope'], instanceId: 'x' });
    await assertAppError(missing, 'INVALID_ARGUMENT', /nope/);
    const both = publishGeneration(temp.dir, {
      base: current,
      meta: {},
      newBlobs: { chunks: buf('x') },
      keepBlobs: ['chunks'],
      instanceId: 'x',
    });
    await assertAppError(both, 'INVALID_ARGUMENT');
    assert.equal((await readManifest(temp.dir))?.generation, 2);
  });

  test('a format newer than supported is INDEX_FORMAT; garbage is INDEX_CORRUPT', async () => {
    const { second } = await publishTwo();
    writeFileSync(manifestPath(temp.dir), JSON.stringify({ ...second, format: FORMAT_VERSION + 1 }));
    await assertAppError(readManifest(temp.dir), 'INDEX_FORMAT', /index --rebuild/);
    writeFileSync(manifestPath(temp.dir), '{"format":1,');
    await assertAppError(readManifest(temp.dir), 'INDEX_CORRUPT', /manifest\.json/);
  });

  test('readBlobs names the damaged or missing file', async () => {
    const { second } = await publishTwo();
    const chunksFile = blobPath(temp.dir, second.blobs['chunks']);
    writeFileSync(chunksFile, 'chunks vX'); // same size, other bytes
    await assertAppError(readBlobs(temp.dir, second), 'INDEX_CORRUPT', new RegExp(second.blobs['chunks']?.file ?? '-'));
    writeFileSync(chunksFile, 'short');
    await assertAppError(readBlobs(temp.dir, second, ['chunks']), 'INDEX_CORRUPT', /5 bytes/);
    rmSync(chunksFile);
    await assertAppError(readBlobs(temp.dir, second, ['chunks']), 'INDEX_CORRUPT', /ENOENT/);
    await assertAppError(readBlobs(temp.dir, second, ['unknown']), 'INDEX_CORRUPT', /unknown/);
  });
});

describe('loadGenerationWithFallback', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => (temp = makeTempDir()));
  afterEach(() => temp.cleanup());

  async function publishChain(count: number): Promise<Manifest[]> {
    const manifests: Manifest[] = [];
    let base: Manifest | null = null;
    for (let i = 1; i <= count; i++) {
      base = await publishGeneration(temp.dir, {
        base,
        meta: { i },
        newBlobs: { chunks: buf(`chunks v${i}`) },
        keepBlobs: [],
        instanceId: 'w',
      });
      manifests.push(base);
    }
    return manifests;
  }

  test('loads the current generation when it is intact', async () => {
    const [, second] = await publishChain(2);
    assert.ok(second);
    const loaded = await loadGenerationWithFallback(temp.dir, second);
    assert.equal(loaded.source, 'current');
    assert.equal(loaded.generation, 2);
    assert.deepEqual(loaded.warnings, []);
    assert.equal(loaded.blobs['chunks']?.toString(), 'chunks v2');
  });

  test('a corrupt current blob falls back to the previous generation with a warning', async () => {
    const [, second] = await publishChain(2);
    assert.ok(second);
    writeFileSync(blobPath(temp.dir, second.blobs['chunks']), 'garbage!!!');
    const loaded = await loadGenerationWithFallback(temp.dir, second);
    assert.equal(loaded.source, 'previous');
    assert.equal(loaded.generation, 1);
    assert.equal(loaded.blobs['chunks']?.toString(), 'chunks v1');
    assert.equal(loaded.warnings.length, 1);
    assert.match(loaded.warnings[0] ?? '', /generation 2.*previous generation 1/s);
  });

  test('when both are damaged it throws INDEX_CORRUPT', async () => {
    const [first, second] = await publishChain(2);
    assert.ok(first && second);
    writeFileSync(blobPath(temp.dir, second.blobs['chunks']), 'x');
    rmSync(blobPath(temp.dir, first.blobs['chunks']));
    await assertAppError(loadGenerationWithFallback(temp.dir, second), 'INDEX_CORRUPT', /generation 2.*generation 1/s);
  });

  test('files removed by GC under a stale manifest lead to the newer manifest, not to corruption', async () => {
    const [first, , third] = await publishChain(3);
    assert.ok(first && third);
    rmSync(join(temp.dir, generationDirName(1)), { recursive: true }); // GC raced this reader
    const loaded = await loadGenerationWithFallback(temp.dir, first);
    assert.equal(loaded.source, 'current');
    assert.equal(loaded.generation, 3);
    assert.equal(loaded.manifest.generation, 3);
    assert.equal(loaded.blobs['chunks']?.toString(), 'chunks v3');
  });
});
