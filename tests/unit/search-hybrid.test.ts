import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runHybridSearch, type HybridSearchInput } from '../../src/search/hybrid.js';
import type { RankedHit } from '../../src/core/types.js';

const chunkDoc = (id: string) => id.split('#')[0];

function ranked(...ids: string[]): RankedHit[] {
  return ids.map((id, i) => ({ id, score: 10 - i }));
}

function baseInput(overrides: Partial<HybridSearchInput> = {}): HybridSearchInput {
  return {
    query: 'how to configure',
    topN: 5,
    keyword: () => ranked('a.md#0', 'a.md#1', 'a.md#2', 'b.md#0', 'c.md#0'),
    semantic: async () => ranked('b.md#0', 'a.md#0', 'd.md#0'),
    chunkDoc,
    weights: { keyword: 1, semantic: 1, graph: 0.5 },
    rrfK: 60,
    maxPerDocument: 2,
    ...overrides,
  };
}

describe('runHybridSearch', () => {
  test('fuses keyword and semantic with raw RRF scores and caps per document', async () => {
    const results = await runHybridSearch(baseInput());
    assert.deepEqual(results.map((r) => r.id), ['a.md#0', 'b.md#0', 'a.md#1', 'd.md#0', 'c.md#0']);
    assert.equal(results[0]!.score, 1 / 61 + 1 / 62);
    assert.deepEqual(results[0]!.matchedBy, ['semantic', 'keyword']);
    assert.equal(results.filter((r) => r.id.startsWith('a.md')).length, 2);
  });

  test('scores are not normalised: a weaker query gets lower scores', async () => {
    const weak = await runHybridSearch(baseInput({ keyword: () => ranked('x#0', 'y#0', 'z#0', 'a.md#0'), semantic: async () => [] }));
    assert.equal(weak.find((r) => r.id === 'a.md#0')!.score, 1 / 64);
    assert.equal(weak[0]!.score, 1 / 61);
  });

  test('asks retrievers for enough candidates and passes the trimmed query', async () => {
    const seen: [string, number][] = [];
    await runHybridSearch(
      baseInput({
        query: '  config  ',
        topN: 20,
        keyword: (q, n) => {
          seen.push([q, n]);
          return [];
        },
        semantic: async (q, n) => {
          seen.push([q, n]);
          return [];
        },
      }),
    );
    assert.deepEqual(seen, [['config', 100], ['config', 100]]);
  });

  test('the filter applies before fusion ranks and before the cap', async () => {
    const results = await runHybridSearch(
      baseInput({ filter: (id) => !id.startsWith('a.md'), semantic: undefined, graph: undefined }),
    );
    assert.deepEqual(results.map((r) => r.id), ['b.md#0', 'c.md#0']);
    assert.equal(results[0]!.score, 1 / 61, 'b.md#0 is rank 1 among allowed chunks');
  });

  test('graph expansion adds linked documents and respects the filter', async () => {
    const graph = {
      neighbors: (doc: string) => (doc === 'a.md' ? ['linked.md', 'secret.md'] : []),
      firstChunks: (doc: string) => [`${doc}#0`],
    };
    const results = await runHybridSearch(
      baseInput({ topN: 10, semantic: undefined, graph, filter: (id) => !id.startsWith('secret') }),
    );
    const linked = results.find((r) => r.id === 'linked.md#0');
    assert.ok(linked);
    assert.deepEqual(linked.matchedBy, ['graph']);
    assert.equal(linked.score, 0.5 / 62);
    assert.equal(results.some((r) => r.id.startsWith('secret')), false);
    const off = await runHybridSearch(baseInput({ topN: 10, graph, weights: { keyword: 1, semantic: 1, graph: 0 } }));
    assert.equal(off.some((r) => r.matchedBy.includes('graph')), false);
  });

  test('semantic failures are reported and the keyword results still come back', async () => {
    const errors: unknown[] = [];
    const input = baseInput({
      semantic: async () => {
        throw new Error('embedder down');
      },
      onSemanticError: (err) => errors.push(err),
    });
    const results = await runHybridSearch(input);
    assert.equal(errors.length, 1);
    assert.deepEqual(results.map((r) => r.id), ['a.md#0', 'a.md#1', 'b.md#0', 'c.md#0']);
    await assert.rejects(runHybridSearch({ ...input, onSemanticError: undefined }), /embedder down/);
    const syncThrow = baseInput({
      semantic: () => {
        throw new Error('sync failure');
      },
      onSemanticError: (err) => errors.push(err),
    });
    assert.equal((await runHybridSearch(syncThrow)).length, 4);
  });

  test('near-duplicates are removed when asked', async () => {
    const results = await runHybridSearch(
      baseInput({ semantic: undefined, dedup: { similarity: (a, b) => (a.startsWith('a.md') && b.startsWith('a.md') ? 1 : 0), threshold: 0.9 } }),
    );
    assert.deepEqual(results.map((r) => r.id), ['a.md#0', 'b.md#0', 'c.md#0']);
  });

  test('empty query, topN < 1 and no semantic retriever', async () => {
    assert.deepEqual(await runHybridSearch(baseInput({ query: '   ' })), []);
    assert.deepEqual(await runHybridSearch(baseInput({ topN: 0 })), []);
    const keywordOnly = await runHybridSearch(baseInput({ semantic: undefined, topN: 1 }));
    assert.deepEqual(keywordOnly, [{ id: 'a.md#0', score: 1 / 61, matchedBy: ['keyword'], bestRank: 1 }]);
  });
});
