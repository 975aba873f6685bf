import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expandWithGraph } from '../../src/search/graph-expand.js';
import type { FusedHit } from '../../src/search/types.js';

const links: Record<string, string[]> = {
  'a.md': ['b.md', 'c.md'],
  'b.md': ['a.md'],
  'c.md': ['a.md', 'd.md'],
  'd.md': ['c.md'],
  'hub.md': Array.from({ length: 30 }, (_, i) => `leaf${String(i).padStart(2, '0')}.md`),
};
const chunkDoc = (id: string) => id.split('#')[0];
const neighbors = (doc: string) => links[doc] ?? [];
const firstChunks = (doc: string) => (doc === 'empty.md' ? [] : [`${doc}#0`, `${doc}#1`]);

function hit(id: string, score: number, bestRank: number): FusedHit {
  return { id, score, matchedBy: ['keyword'], bestRank };
}

describe('expandWithGraph', () => {
  test('adds neighbours\' first chunks and boosts neighbours already present', () => {
    const hits = [hit('a.md#2', 1 / 61, 1), hit('b.md#1', 1 / 62, 2)];
    const out = expandWithGraph({ hits, chunkDoc, neighbors, firstChunks, weight: 0.5, k: 60, seeds: 5 });
    const byId = new Map(out.map((h) => [h.id, h]));
    // b.md#1 is a's neighbour (seed rank 1): boosted by 0.5/(60+2), keeps its chunk.
    assert.equal(byId.get('b.md#1')!.score, 1 / 62 + 0.5 / 62);
    assert.deepEqual(byId.get('b.md#1')!.matchedBy, ['keyword', 'graph']);
    // a.md#2 is b's neighbour (seed rank 2): boosted by 0.5/(60+3).
    assert.equal(byId.get('a.md#2')!.score, 1 / 61 + 0.5 / 63);
    // c.md is new: its first chunk, graph only, from seed rank 1.
    assert.deepEqual(byId.get('c.md#0'), { id: 'c.md#0', score: 0.5 / 62, matchedBy: ['graph'], bestRank: 2 });
    assert.equal(byId.has('b.md#0'), false, 'an existing doc keeps its best chunk rather than gaining a new one');
    assert.equal(byId.has('d.md#0'), false, 'only neighbours of seeds are added');
    assert.deepEqual(hits.map((h) => h.score), [1 / 61, 1 / 62], 'input is not modified');
  });

  test('only the top seeds expand', () => {
    const hits = [hit('b.md#0', 0.05, 1), hit('d.md#0', 0.04, 2), hit('x.md#0', 0.03, 3)];
    const out = expandWithGraph({ hits, chunkDoc, neighbors, firstChunks, weight: 1, k: 0, seeds: 2 });
    const byId = new Map(out.map((h) => [h.id, h]));
    assert.equal(byId.get('a.md#0')!.score, 1 / 2);
    assert.equal(byId.get('c.md#0')!.score, 1 / 3);
    const single = expandWithGraph({ hits, chunkDoc, neighbors, firstChunks, weight: 1, k: 0, seeds: 1 });
    assert.equal(single.some((h) => h.id === 'c.md#0'), false);
  });

  test('a document linked from several seeds gets the strongest contribution, not the sum', () => {
    const hits = [hit('s1.md#0', 0.05, 1), hit('s2.md#0', 0.04, 2)];
    const hubNeighbors = (doc: string): string[] => (doc === 's1.md' || doc === 's2.md' ? ['hub.md'] : []);
    const out = expandWithGraph({ hits, chunkDoc, neighbors: hubNeighbors, firstChunks, weight: 1, k: 60 });
    const hub = out.find((h) => h.id === 'hub.md#0');
    assert.equal(hub?.score, 1 / 62);
  });

  test('a document seeds once, through its best hit', () => {
    const hits = [hit('a.md#0', 0.1, 1), hit('a.md#1', 0.09, 2), hit('x.md#0', 0.08, 3), hit('d.md#0', 0.07, 4)];
    const out = expandWithGraph({ hits, chunkDoc, neighbors, firstChunks, weight: 1, k: 60, seeds: 2 });
    const byId = new Map(out.map((h) => [h.id, h]));
    assert.equal(byId.get('b.md#0')!.score, 1 / 62, 'only a.md#0 seeds for a.md');
    assert.equal(byId.get('c.md#0')!.score, 1 / 62, 'd.md (third document) does not seed');
  });

  test('hubs are capped per seed, deterministically', () => {
    const hits = [hit('hub.md#0', 0.1, 1)];
    const out = expandWithGraph({ hits, chunkDoc, neighbors, firstChunks, weight: 1, k: 60, maxNeighborsPerSeed: 3 });
    assert.deepEqual(out.map((h) => h.id), ['hub.md#0', 'leaf00.md#0', 'leaf01.md#0', 'leaf02.md#0']);
  });

  test('weight 0, unknown docs and docs without chunks change nothing', () => {
    const hits = [hit('a.md#0', 0.1, 1), hit('zzz#0', 0.05, 2)];
    assert.deepEqual(expandWithGraph({ hits, chunkDoc, neighbors, firstChunks, weight: 0, k: 60 }), hits);
    const out = expandWithGraph({
      hits: [hit('q#0', 0.1, 1)],
      chunkDoc: () => undefined,
      neighbors: () => ['empty.md'],
      firstChunks,
      weight: 1,
      k: 60,
    });
    assert.deepEqual(out.map((h) => h.id), ['q#0']);
  });

  test('the result is sorted by score and a deterministic tie-break', () => {
    const hits = [hit('a.md#0', 0.001, 1)];
    const first = expandWithGraph({ hits, chunkDoc, neighbors, firstChunks, weight: 1, k: 60 });
    const second = expandWithGraph({ hits, chunkDoc, neighbors: (d) => [...neighbors(d)].reverse(), firstChunks, weight: 1, k: 60 });
    assert.deepEqual(first, second);
    assert.deepEqual(first.map((h) => h.id), ['b.md#0', 'c.md#0', 'a.md#0']);
  });
});
