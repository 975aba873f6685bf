import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fuseRankings } from '../../src/search/fuse.js';
import type { RankedList } from '../../src/search/types.js';
import type { MatchSource } from '../../src/core/types.js';

function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const SOURCES: MatchSource[] = ['keyword', 'semantic', 'graph'];

function randomLists(random: () => number): RankedList[] {
  const count = 1 + Math.floor(random() * 4);
  return Array.from({ length: count }, () => {
    const ids = Array.from({ length: 20 }, (_, i) => `c${i}`).sort(() => random() - 0.5);
    return {
      source: SOURCES[Math.floor(random() * SOURCES.length)]!,
      weight: Math.round(random() * 30) / 10,
      hits: ids.slice(0, Math.floor(random() * 15)).map((id) => ({ id, score: random() })),
    };
  });
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

describe('fuseRankings', () => {
  test('computes weighted RRF with 1-based ranks', () => {
    const fused = fuseRankings(
      [
        { source: 'keyword', weight: 1, hits: [{ id: 'a', score: 9 }, { id: 'b', score: 5 }] },
        { source: 'semantic', weight: 2, hits: [{ id: 'b', score: 0.9 }] },
      ],
      60,
    );
    assert.deepEqual(fused.map((h) => h.id), ['b', 'a']);
    assert.equal(fused[0]!.score, 1 / 62 + 2 / 61);
    assert.deepEqual(fused[0]!.matchedBy, ['semantic', 'keyword']);
    assert.equal(fused[1]!.score, 1 / 61);
    assert.deepEqual(fused[1]!.matchedBy, ['keyword']);
  });

  test('property: the order of the lists does not matter', () => {
    const random = createRandom(1);
    for (let run = 0; run < 200; run++) {
      const lists = randomLists(random);
      assert.deepEqual(fuseRankings(shuffle(lists, random), 60), fuseRankings(lists, 60));
    }
  });

  test('property: a doc ranked first in every list scores Σw/(k+1)', () => {
    const random = createRandom(2);
    for (let run = 0; run < 100; run++) {
      const k = Math.floor(random() * 100);
      const lists = randomLists(random).map((list) => ({ ...list, weight: list.weight + 0.1, hits: [{ id: 'top', score: 1 }, ...list.hits] }));
      const expected = lists.reduce((sum, list) => sum + list.weight / (k + 1), 0);
      const top = fuseRankings(lists, k).find((h) => h.id === 'top')!;
      assert.ok(Math.abs(top.score - expected) < 1e-12, `${top.score} vs ${expected}`);
    }
  });

  test('property: improving a rank never lowers the score', () => {
    const random = createRandom(3);
    for (let run = 0; run < 200; run++) {
      const lists = randomLists(random);
      const listIndex = Math.floor(random() * lists.length);
      const list = lists[listIndex]!;
      if (list.hits.length < 2) continue;
      const from = 1 + Math.floor(random() * (list.hits.length - 1));
      const to = Math.floor(random() * from);
      const moved = list.hits[from]!;
      const hits = [...list.hits];
      hits.splice(from, 1);
      hits.splice(to, 0, moved);
      const improved = lists.map((l, i) => (i === listIndex ? { ...l, hits } : l));
      const before = fuseRankings(lists, 60).find((h) => h.id === moved.id)?.score ?? 0;
      const after = fuseRankings(improved, 60).find((h) => h.id === moved.id)?.score ?? 0;
      assert.ok(after >= before, `moved ${moved.id} from ${from} to ${to}: ${before} → ${after}`);
    }
  });

  test('property: a weight-0 list contributes nothing', () => {
    const random = createRandom(4);
    for (let run = 0; run < 100; run++) {
      const lists = randomLists(random);
      const zero: RankedList = { source: 'graph', weight: 0, hits: [{ id: 'only-here', score: 1 }, { id: 'c1', score: 1 }] };
      assert.deepEqual(fuseRankings([...lists, zero], 60), fuseRankings(lists, 60));
    }
  });

  test('ties break by best rank, then id; duplicates in a list count once', () => {
    const fused = fuseRankings(
      [
        { source: 'keyword', weight: 1, hits: [{ id: 'x', score: 1 }, { id: 'y', score: 1 }, { id: 'x', score: 1 }] },
        { source: 'semantic', weight: 1, hits: [{ id: 'y', score: 1 }, { id: 'x', score: 1 }] },
        { source: 'graph', weight: 1, hits: [{ id: 'm', score: 1 }] },
        { source: 'graph', weight: 1, hits: [{ id: 'b', score: 1 }] },
      ],
      10,
    );
    assert.deepEqual(fused.map((h) => h.id), ['x', 'y', 'b', 'm']);
    assert.equal(fused[0]!.score, fused[1]!.score);
    assert.equal(fused[0]!.score, 1 / 11 + 1 / 12);
  });

  test('rejects a negative or non-finite k', () => {
    assert.throws(() => fuseRankings([], -1), /rrf k=-1/);
    assert.throws(() => fuseRankings([], Number.NaN), (err: Error & { code?: string }) => err.code === 'INVALID_ARGUMENT');
    assert.deepEqual(fuseRankings([], 0), []);
  });
});
