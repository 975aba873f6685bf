import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeywordIndex, createSegmentBuilder, loadKeywordIndex, type KeywordDoc } from '../../src/indices/keyword.js';

const params = { k1: 1.2, b: 0.75, titleBoost: 6, headingBoost: 2, mergeFactor: 2, minSegmentDocs: 1 };
const doc = (id: string, body: string): KeywordDoc => ({ id, title: `Title ${id}`, headings: '', body });
const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
const batch = (n: number, offset = 0): KeywordDoc[] =>
  Array.from({ length: n }, (_, i) => doc(`d${i + offset}`, `${words[(i + offset) % words.length]} common text ${i + offset}`));

describe('keyword segments built elsewhere', () => {
  test('a prebuilt segment equals the one upsert builds: same id, bytes and results', () => {
    const docs = batch(12);
    const local = createKeywordIndex(params);
    local.upsert(docs);
    const remote = createKeywordIndex(params);
    // Given out of order and with a repeated id, like upsert accepts them.
    const built = createSegmentBuilder(params)([...docs].reverse());
    remote.upsert(docs, built);
    assert.deepEqual(remote.segmentIds(), local.segmentIds());
    const id = local.segmentIds()[0] ?? '';
    assert.deepEqual(Buffer.from(remote.segmentBytes(id) ?? []), Buffer.from(local.segmentBytes(id) ?? []));
    for (const q of ['alpha', 'common text', 'd3', 'Title d7']) assert.deepEqual(remote.search(q, 5), local.search(q, 5), q);
    const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
    assert.deepEqual(plain(remote.toJSON()), plain(local.toJSON()), 'a snapshot parsed back from the bytes');
  });

  test('a prebuilt segment for other docs is ignored (built here instead)', () => {
    const index = createKeywordIndex(params);
    index.upsert(batch(3), createSegmentBuilder(params)(batch(4)));
    assert.equal(index.size, 3);
    assert.deepEqual(index.search('d3', 5), []);
  });

  test('deferred merges: nothing merges until the owner applies a built merge', () => {
    const index = createKeywordIndex(params);
    index.deferMerges(true);
    const build = createSegmentBuilder(params);
    for (let i = 0; i < 4; i++) index.upsert(batch(2, i * 2));
    assert.equal(index.stats().segments, 4);
    const ids = (q: string): string[] => index.search(q, 20).map((h) => h.id).sort();
    const before = ids('common');
    let merges = 0;
    for (let job = index.nextMerge(); job !== null; job = index.nextMerge()) {
      assert.ok(index.applyMerge(job, build(job.docs)));
      merges++;
    }
    assert.ok(merges > 0);
    assert.ok(index.stats().segments < 4);
    // Same documents found (scores move a little: segment statistics differ once merged).
    assert.deepEqual(ids('common'), before);
    assert.equal(before.length, 8);
  });

  test('a copy edited or removed while its merge was being built stays dead', () => {
    const index = createKeywordIndex(params);
    index.deferMerges(true);
    const build = createSegmentBuilder(params);
    index.upsert([doc('a', 'zulu one'), doc('b', 'zulu two')]);
    index.upsert([doc('c', 'zulu three'), doc('d', 'zulu four')]);
    const job = index.nextMerge();
    assert.ok(job);
    const built = build(job.docs);
    // Meanwhile: a is edited, b removed.
    index.upsert([doc('a', 'yankee one')]);
    index.remove(['b']);
    assert.ok(index.applyMerge(job, built));
    assert.deepEqual(index.search('zulu', 10).map((h) => h.id).sort(), ['c', 'd']);
    assert.deepEqual(index.search('yankee', 10).map((h) => h.id), ['a']);
    assert.equal(index.size, 3);
    // Persisted and loaded again, the masks hold.
    const reloaded = loadKeywordIndex(index.toJSON(), params);
    assert.deepEqual(reloaded.search('zulu', 10).map((h) => h.id).sort(), ['c', 'd']);
  });

  test('a merge whose segments were merged meanwhile is refused', () => {
    const index = createKeywordIndex(params);
    index.deferMerges(true);
    const build = createSegmentBuilder(params);
    index.upsert(batch(2));
    index.upsert(batch(2, 2));
    const job = index.nextMerge();
    assert.ok(job);
    index.compact();
    const segments = index.segmentIds();
    assert.equal(index.applyMerge(job, build(job.docs)), false);
    assert.deepEqual(index.segmentIds(), segments);
  });
});
