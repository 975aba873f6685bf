import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeywordIndex, createKeywordSegmentCache, loadKeywordIndex } from '../../src/indices/keyword.js';

const doc = (i: number, word: string) => ({ id: `d${i}`, title: `Doc ${i}`, headings: '', body: `page ${i} mentions ${word}` });

describe('keyword segment cache', () => {
  test('a load by reference gives the same results, and each index keeps its own deletion masks', () => {
    const source = createKeywordIndex({});
    source.upsert(Array.from({ length: 40 }, (_, i) => doc(i, i % 2 === 0 ? 'zebra' : 'okapi')));
    source.upsert([doc(40, 'zebra')]);
    const snapshot = source.toJSON();
    const cache = createKeywordSegmentCache();
    const first = loadKeywordIndex(snapshot, {}, cache);
    for (const seg of snapshot.segments) assert.ok(cache.has(seg.id));

    const byReference = { ...snapshot, segments: snapshot.segments.map((seg) => ({ id: seg.id })) };
    const second = loadKeywordIndex(byReference, {}, cache);
    assert.deepEqual(second.search('zebra', 50), first.search('zebra', 50));

    second.remove(['d0']);
    assert.ok(!second.search('zebra', 50).some((h) => h.id === 'd0'));
    assert.ok(first.search('zebra', 50).some((h) => h.id === 'd0'), 'masks are per index, not shared through the cache');
  });

  test('a reference to a segment the cache does not hold is a clear corruption error', () => {
    const snapshot = createKeywordIndex({}, [doc(1, 'zebra')]).toJSON();
    const byReference = { ...snapshot, segments: snapshot.segments.map((seg) => ({ id: seg.id })) };
    assert.throws(() => loadKeywordIndex(byReference, {}, createKeywordSegmentCache()), /INDEX_CORRUPT|neither stored nor cached/);
  });

  test('retain drops segments no longer in use', () => {
    const snapshot = createKeywordIndex({}, [doc(1, 'zebra')]).toJSON();
    const cache = createKeywordSegmentCache();
    loadKeywordIndex(snapshot, {}, cache);
    const id = snapshot.segments[0]!.id;
    assert.ok(cache.has(id));
    cache.retain([]);
    assert.ok(!cache.has(id));
  });
});
