import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { createVectorIndex, loadVectorIndex } from '../../src/indices/vector.js';
import { makeTempDir } from '../helpers/paths.js';

function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomVector(random: () => number, dim: number): Float32Array {
  return Float32Array.from({ length: dim }, () => random() * 2 - 1);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  return dot / Math.sqrt(na * nb);
}

function bruteForce(vectors: Map<string, Float32Array>, query: Float32Array, k: number): string[] {
  return [...vectors]
    .map(([id, v]) => ({ id, s: cosine(v, query) }))
    .sort((a, b) => b.s - a.s)
    .slice(0, k)
    .map((x) => x.id);
}

describe('vector index', () => {
  const temp = makeTempDir();
  after(() => temp.cleanup());

  test('recall@10 against brute force on 2,000 random vectors is at least 0.95', () => {
    const random = createRandom(42);
    const dim = 32;
    const index = createVectorIndex({ dimension: dim, initialCapacity: 256 });
    const vectors = new Map<string, Float32Array>();
    for (let i = 0; i < 2000; i++) {
      const v = randomVector(random, dim);
      vectors.set(`c${i}`, v);
      index.add(`c${i}`, v);
    }
    assert.equal(index.size, 2000);
    let found = 0;
    const queries = 100;
    for (let q = 0; q < queries; q++) {
      const query = randomVector(random, dim);
      const expected = new Set(bruteForce(vectors, query, 10));
      const got = index.search(query, 10);
      assert.equal(got.length, 10);
      found += got.filter((h) => expected.has(h.id)).length;
      const top = got[0]!;
      assert.ok(Math.abs(top.score - cosine(vectors.get(top.id)!, query)) < 1e-4, 'score is cosine similarity');
    }
    const recall = found / (queries * 10);
    assert.ok(recall >= 0.95, `recall ${recall}`);
  });

  test('deleted and replaced vectors are never returned', () => {
    const random = createRandom(1);
    const index = createVectorIndex({ dimension: 8, initialCapacity: 16 });
    const vectors = new Map<string, Float32Array>();
    for (let i = 0; i < 50; i++) {
      const v = randomVector(random, 8);
      vectors.set(`c${i}`, v);
      index.add(`c${i}`, v);
    }
    for (let i = 0; i < 50; i += 2) {
      assert.equal(index.remove(`c${i}`), true);
      vectors.delete(`c${i}`);
    }
    assert.equal(index.remove('c0'), false);
    assert.equal(index.size, 25);
    for (let q = 0; q < 20; q++) {
      const hits = index.search(randomVector(random, 8), 100);
      assert.equal(hits.length, 25, 'k is clamped to the live count');
      for (const hit of hits) assert.ok(vectors.has(hit.id), `${hit.id} was deleted`);
    }
    // Replacing an id keeps one live copy, found by its new vector.
    const fresh = randomVector(random, 8);
    index.add('c1', fresh);
    assert.equal(index.size, 25);
    const hits = index.search(fresh, 25);
    assert.equal(hits[0]?.id, 'c1');
    assert.ok(hits[0]!.score > 0.999);
    assert.equal(hits.filter((h) => h.id === 'c1').length, 1);
  });

  test('grows past its initial capacity and reuses deleted slots', () => {
    const random = createRandom(5);
    const index = createVectorIndex({ dimension: 4, initialCapacity: 2 });
    for (let i = 0; i < 100; i++) index.add(`c${i}`, randomVector(random, 4));
    assert.equal(index.size, 100);
    for (let round = 0; round < 5; round++) for (let i = 0; i < 100; i++) index.add(`c${i}`, randomVector(random, 4));
    assert.equal(index.size, 100);
    assert.equal(index.search(randomVector(random, 4), 200).length, 100);
  });

  test('empty index, k <= 0 and k > size are handled', () => {
    const index = createVectorIndex({ dimension: 3 });
    assert.deepEqual(index.search([1, 0, 0], 5), []);
    index.add('a', [1, 0, 0]);
    assert.deepEqual(index.search([1, 0, 0], 0), []);
    assert.deepEqual(index.search([1, 0, 0], 10).map((h) => h.id), ['a']);
  });

  test('bad vectors fail with a typed error', () => {
    const index = createVectorIndex({ dimension: 3 });
    assert.throws(() => index.add('a', [1, 2]), (err: Error & { code?: string }) => err.code === 'INVALID_ARGUMENT');
    assert.throws(() => index.add('a', [1, Number.NaN, 0]), /NaN/);
    assert.throws(() => index.search([1, 2, 3, 4], 1), /4 dimensions/);
    assert.throws(() => createVectorIndex({ dimension: 0 }), /dimension 0/);
  });

  test('getVector returns the stored unit vector', () => {
    const index = createVectorIndex({ dimension: 2 });
    index.add('a', [3, 4]);
    const v = index.getVector('a')!;
    assert.ok(Math.abs(v[0]! - 0.6) < 1e-6 && Math.abs(v[1]! - 0.8) < 1e-6);
    assert.equal(index.getVector('missing'), undefined);
  });

  test('save/load round trip gives identical results and keeps working', async () => {
    const random = createRandom(9);
    const index = createVectorIndex({ dimension: 16, initialCapacity: 8 });
    for (let i = 0; i < 300; i++) index.add(`doc/${i}.md#0`, randomVector(random, 16));
    for (let i = 0; i < 300; i += 7) index.remove(`doc/${i}.md#0`);
    const file = join(temp.dir, 'vectors.hnsw');
    await index.writeTo(file);
    const meta = JSON.parse(JSON.stringify(index.meta()));
    const loaded = await loadVectorIndex(file, meta);
    assert.equal(loaded.size, index.size);
    assert.deepEqual(loaded.ids(), index.ids());
    for (let q = 0; q < 10; q++) {
      const query = randomVector(random, 16);
      assert.deepEqual(loaded.search(query, 10), index.search(query, 10));
    }
    loaded.add('doc/new.md#0', randomVector(random, 16));
    loaded.add('doc/1.md#0', randomVector(random, 16));
    assert.equal(loaded.size, index.size + 1);
    assert.equal(loaded.search(loaded.getVector('doc/new.md#0')!, 1)[0]?.id, 'doc/new.md#0');
  });

  test('loading a corrupt file or mismatched meta fails with INDEX_CORRUPT', async () => {
    const file = join(temp.dir, 'garbage.hnsw');
    writeFileSync(file, 'not an index');
    const meta = createVectorIndex({ dimension: 4 }).meta();
    await assert.rejects(loadVectorIndex(file, meta), (err: Error & { code?: string }) => err.code === 'INDEX_CORRUPT');
    const good = createVectorIndex({ dimension: 4 });
    good.add('a', [1, 0, 0, 0]);
    const goodFile = join(temp.dir, 'good.hnsw');
    await good.writeTo(goodFile);
    const wrong = { ...good.meta(), ids: ['a', 'b'], labels: [0, 99] };
    await assert.rejects(loadVectorIndex(goodFile, wrong), /no point for "b"/);
    await assert.rejects(loadVectorIndex(goodFile, { ...good.meta(), version: 2 } as never), (err: Error & { code?: string }) => err.code === 'INDEX_FORMAT');
  });
});
