import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRun, meanScores, metricLabel, mrrAtK, ndcgAtK, recallAtK, scoreQuery } from '../../bench/eval/metrics.js';

const close = (actual: number, expected: number, eps = 1e-4): void =>
  assert.ok(Math.abs(actual - expected) < eps, `expected ${expected}, got ${actual}`);

describe('ndcgAtK', () => {
  test('graded gains with log2 discount, ideal from the qrels', () => {
    // DCG = 0/log2(2) + 2/log2(3) + 1/log2(4) = 1.26186 + 0.5 = 1.76186
    // IDCG = 2/log2(2) + 1/log2(3) = 2.63093 → 0.66967
    const qrels = new Map([['a', 2], ['b', 1], ['c', 0]]);
    close(ndcgAtK(['x', 'a', 'b'], qrels, 3), 0.66967);
  });

  test('the ideal counts relevant documents that were never retrieved', () => {
    // ranking [c(1), b(2)], qrels a3 b2 c1, k=2: DCG = 1 + 2/log2(3) = 2.26186; IDCG = 3 + 2/log2(3) = 4.26186
    const qrels = new Map([['a', 3], ['b', 2], ['c', 1]]);
    close(ndcgAtK(['c', 'b'], qrels, 2), 0.53072);
  });

  test('perfect ranking is 1, nothing relevant retrieved is 0, cutoff excludes later hits', () => {
    const qrels = new Map([['a', 1], ['b', 1]]);
    close(ndcgAtK(['a', 'b', 'x'], qrels, 10), 1);
    assert.equal(ndcgAtK(['x', 'y'], qrels, 10), 0);
    assert.equal(ndcgAtK(['x', 'a'], qrels, 1), 0);
  });

  test('a repeated key counts once and does not take a rank', () => {
    const qrels = new Map([['a', 1], ['b', 1]]);
    close(ndcgAtK(['a', 'a', 'b'], qrels, 2), 1);
  });

  test('no relevant document scores 0 instead of NaN', () => {
    assert.equal(ndcgAtK(['a'], new Map([['a', 0]]), 10), 0);
  });
});

describe('recallAtK and mrrAtK', () => {
  const qrels = new Map([['a', 1], ['b', 2], ['c', 1], ['d', 0]]);

  test('recall is the share of relevant documents in the top k', () => {
    close(recallAtK(['x', 'a', 'd', 'b'], qrels, 3), 1 / 3);
    close(recallAtK(['x', 'a', 'd', 'b'], qrels, 4), 2 / 3);
    assert.equal(recallAtK([], qrels, 10), 0);
  });

  test('mrr is 1/rank of the first relevant hit within k', () => {
    close(mrrAtK(['x', 'd', 'c', 'a'], qrels, 10), 1 / 3);
    assert.equal(mrrAtK(['x', 'd', 'c'], qrels, 2), 0);
    assert.equal(mrrAtK(['b'], qrels, 1), 1);
  });
});

describe('averaging', () => {
  test('scoreQuery labels and meanScores average per label', () => {
    const specs = [{ name: 'mrr', k: 10 }, { name: 'recall', k: 2 }] as const;
    assert.equal(metricLabel(specs[0]), 'MRR@10');
    const q1 = scoreQuery(['a'], new Map([['a', 1]]), specs);
    const q2 = scoreQuery(['x', 'b'], new Map([['b', 1], ['c', 1]]), specs);
    assert.deepEqual(q1, { 'MRR@10': 1, 'Recall@2': 1 });
    assert.deepEqual(q2, { 'MRR@10': 0.5, 'Recall@2': 0.5 });
    assert.deepEqual(meanScores([q1, q2], specs), { 'MRR@10': 0.75, 'Recall@2': 0.75 });
  });

  test('evaluateRun scores a query without a ranking as empty', () => {
    const qrels = new Map([
      ['q1', new Map([['a', 1]])],
      ['q2', new Map([['b', 1]])],
    ]);
    const { mean, perQuery } = evaluateRun(new Map([['q1', ['a']]]), qrels, [{ name: 'mrr', k: 10 }]);
    assert.equal(perQuery.get('q2')?.['MRR@10'], 0);
    assert.equal(mean['MRR@10'], 0.5);
  });
});
