import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempFileName } from '../../src/storage/atomic.js';
import { collectGarbage } from '../../src/storage/gc.js';
import { listGenerationDirs, publishGeneration } from '../../src/storage/generation.js';
import { generationDir, manifestPath } from '../../src/storage/layout.js';
import type { Manifest } from '../../src/storage/manifest.js';
import { loadGenerationWithFallback } from '../../src/storage/read.js';
import { makeTempDir } from '../helpers/paths.js';

describe('collectGarbage', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => (temp = makeTempDir()));
  afterEach(() => temp.cleanup());

  /** Generations 1..count; 'static' is written once in generation 1 and kept ever after. */
  async function publishChain(count: number): Promise<Manifest> {
    let base: Manifest | null = null;
    for (let i = 1; i <= count; i++) {
      base = await publishGeneration(temp.dir, {
        base,
        meta: {},
        newBlobs: i === 1 ? { static: Buffer.from('static'), chunks: Buffer.from('c1') } : { chunks: Buffer.from(`c${i}`) },
        keepBlobs: i === 1 ? [] : ['static'],
        instanceId: 'w',
      });
    }
    assert.ok(base);
    return base;
  }

  test('removes unreferenced generations, never current, previous or shared ones', async () => {
    const manifest = await publishChain(5);
    const result = await collectGarbage(temp.dir, manifest, { minAgeMs: 0 });
    // 5 current, 4 previous, 1 holds the shared 'static' blob.
    assert.deepEqual(result.removed, [2, 3]);
    assert.deepEqual(await listGenerationDirs(temp.dir), [1, 4, 5]);
    const loaded = await loadGenerationWithFallback(temp.dir, manifest);
    assert.equal(loaded.source, 'current');
    assert.equal(loaded.blobs['static']?.toString(), 'static');
    // The previous generation is still loadable as a fallback.
    writeFileSync(join(generationDir(temp.dir, 5), manifest.blobs['chunks']?.file ?? ''), 'xx');
    const fallback = await loadGenerationWithFallback(temp.dir, manifest);
    assert.equal(fallback.source, 'previous');
    assert.equal(fallback.blobs['chunks']?.toString(), 'c4');
  });

  test('respects minAgeMs, counted from when the folder was first seen unreferenced', async () => {
    const manifest = await publishChain(4); // only generation 2 is unreferenced
    let clock = 1_000_000;
    const now = () => clock;
    const first = await collectGarbage(temp.dir, manifest, { minAgeMs: 5000, now });
    assert.deepEqual(first, { removed: [], deferred: [2], removedTempFiles: [], removedFiles: [] });
    clock += 4999;
    assert.deepEqual((await collectGarbage(temp.dir, manifest, { minAgeMs: 5000, now })).deferred, [2]);
    assert.ok(existsSync(generationDir(temp.dir, 2)));
    clock += 1;
    assert.deepEqual((await collectGarbage(temp.dir, manifest, { minAgeMs: 5000, now })).removed, [2]);
    assert.ok(!existsSync(generationDir(temp.dir, 2)));
  });

  test('leaves folders of a crashed publish above the current generation until superseded', async () => {
    const manifest = await publishChain(2);
    mkdirSync(generationDir(temp.dir, 7));
    const result = await collectGarbage(temp.dir, manifest, { minAgeMs: 0 });
    assert.deepEqual(result.removed, []);
    assert.ok(existsSync(generationDir(temp.dir, 7)));
    const next = await publishGeneration(temp.dir, { base: manifest, meta: {}, newBlobs: {}, keepBlobs: ['static', 'chunks'], instanceId: 'w' });
    assert.equal(next.generation, 8);
    assert.deepEqual((await collectGarbage(temp.dir, next, { minAgeMs: 0 })).removed, [7]);
  });

  test('removes stale temp files only once they are old', async () => {
    const manifest = await publishChain(1);
    const oldTemp = join(temp.dir, tempFileName(manifestPath(temp.dir)));
    const newTemp = join(temp.dir, tempFileName(manifestPath(temp.dir)));
    writeFileSync(oldTemp, 'partial');
    writeFileSync(newTemp, 'in progress');
    const hourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(oldTemp, hourAgo, hourAgo);
    const result = await collectGarbage(temp.dir, manifest, { minAgeMs: 60_000 });
    assert.deepEqual(result.removedTempFiles, [oldTemp]);
    assert.ok(existsSync(newTemp));
    assert.ok(existsSync(manifestPath(temp.dir)));
  });
});
