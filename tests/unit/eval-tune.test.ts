import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EvalQuery } from '../../bench/eval/queries-file.js';
import type { Retriever } from '../../bench/eval/retriever.js';
import { cacheQueryVectors } from '../../bench/eval/shared-query-vectors.js';
import { formatTuneReport } from '../../bench/eval/tune-report.js';
import {
  boundaryOf,
  buildGrid,
  evaluateGrid,
  rankGrid,
  selectBest,
  splitOf,
  splitQueryIds,
  subsetMeans,
  type FusionSetting,
  type GridRow,
} from '../../bench/eval/tune.js';
import type { Embedder } from '../../src/embed/embedder.js';

const DEFAULT: FusionSetting = { weightKeyword: 1, weightSemantic: 1, weightGraph: 0.3, rrfK: 60 };
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `q${i}`);

function row(weightSemantic: number, rrfK: number, tune: number, check: number): GridRow {
  const setting = { ...DEFAULT, weightSemantic, rrfK };
  return { setting, isCurrent: weightSemantic === 1 && rrfK === 60, tune: { 'nDCG@10': tune }, check: { 'nDCG@10': check }, all: { 'nDCG@10': (tune + check) / 2 } };
}

describe('query split', () => {
  test('a query keeps its half whatever else is in the set', () => {
    const all = splitQueryIds(ids(200));
    const some = splitQueryIds(ids(200).filter((_, i) => i % 3 === 0));
    for (const id of some.tune) assert.ok(all.tune.includes(id), id);
    for (const id of some.check) assert.ok(all.check.includes(id), id);
    assert.equal(splitOf('q7'), splitOf('q7'));
  });

  test('the halves partition the ids in input order and are about equal', () => {
    const input = ids(1000);
    const { tune, check } = splitQueryIds(input);
    assert.equal(tune.length + check.length, 1000);
    assert.deepEqual([...tune, ...check].sort(), [...input].sort());
    assert.deepEqual(tune, input.filter((id) => tune.includes(id)));
    assert.ok(tune.length > 430 && tune.length < 570, `tune has ${tune.length} of 1000`);
  });
});

describe('grid', () => {
  test('every semantic weight × rrf_k with weight_keyword 1 and the configured graph weight', () => {
    const grid = buildGrid({ ...DEFAULT, weightGraph: 0.5 });
    assert.equal(grid.length, 35);
    assert.ok(grid.every((s) => s.weightKeyword === 1 && s.weightGraph === 0.5));
    assert.ok(grid.some((s) => s.weightSemantic === 0.25 && s.rrfK === 10));
    assert.ok(grid.some((s) => s.weightSemantic === 3 && s.rrfK === 100));
  });

  test('a configured setting off the grid is added so the default always has a row', () => {
    const current = { ...DEFAULT, rrfK: 50 };
    const grid = buildGrid(current);
    assert.equal(grid.length, 36);
    assert.deepEqual(grid.at(-1), current);
  });

  test('the best is chosen on the tune half, not the check half', () => {
    const rows = [row(1, 60, 0.5, 0.9), row(0.5, 20, 0.7, 0.4), row(2, 10, 0.6, 0.8)];
    assert.deepEqual(selectBest(rows).setting, { ...DEFAULT, weightSemantic: 0.5, rrfK: 20 });
    assert.deepEqual(rankGrid(rows).map((r) => r.tune['nDCG@10']), [0.7, 0.6, 0.5]);
  });

  test('a tie prefers the configured setting, then grid order', () => {
    assert.equal(selectBest([row(0.5, 20, 0.7, 0), row(1, 60, 0.7, 0)]).isCurrent, true);
    assert.equal(selectBest([row(0.5, 20, 0.7, 0), row(2, 10, 0.7, 0)]).setting.weightSemantic, 0.5);
    assert.throws(() => selectBest([]), RangeError);
  });

  test('a best setting on the boundary of the grid is flagged', () => {
    const grid = buildGrid(DEFAULT);
    assert.deepEqual(boundaryOf({ ...DEFAULT, weightSemantic: 0.25, rrfK: 40 }, grid), ['weight_semantic 0.25 is the smallest tried']);
    assert.deepEqual(boundaryOf({ ...DEFAULT, weightSemantic: 3, rrfK: 100 }, grid), ['weight_semantic 3 is the largest tried', 'rrf_k 100 is the largest tried']);
    assert.deepEqual(boundaryOf(DEFAULT, grid), []);
  });
});

describe('evaluateGrid', () => {
  test('runs each setting once and scores each half from the per-query figures', async () => {
    const queries: EvalQuery[] = ids(40).map((id) => ({ id, text: id, relevant: new Map([[`doc-${id}`, 1]]) }));
    // Only rrf_k 20 finds the answers, and only for tune queries: it must win on tune and score 0 on check.
    const split = splitQueryIds(queries.map((q) => q.id));
    const runs: FusionSetting[] = [];
    const makeRetriever = (s: FusionSetting): Retriever => {
      runs.push(s);
      return { name: 'fake', search: async (q) => (s.rrfK === 20 && split.tune.includes(q) ? [`doc-${q}`] : ['nothing']) };
    };
    const grid = buildGrid(DEFAULT, [0.5, 1], [20, 60]);
    const result = await evaluateGrid(grid, DEFAULT, makeRetriever, queries, { top: 100 });
    assert.equal(runs.length, 4);
    const best = selectBest(result.rows);
    assert.equal(best.setting.rrfK, 20);
    assert.equal(best.tune['nDCG@10'], 1);
    assert.equal(best.check['nDCG@10'], 0);
    assert.equal(best.all['nDCG@10'], split.tune.length / 40);
    assert.equal(result.rows.filter((r) => r.isCurrent).length, 1);

    const keyword = { tune: subsetMeans(new Map(), split.tune), check: subsetMeans(new Map(), split.check), all: {} };
    const text = formatTuneReport({ rows: result.rows, split: result.split, keyword, baseline: { name: 'bm25', ...keyword }, shown: 1 });
    assert.match(text, /best on tune: weight_semantic 0\.5, rrf_k 20/);
    assert.match(text, /^\* 1 +60 /m, 'the configured row is shown, marked, though outside the top 1');
  });

  test('subsetMeans averages only the listed queries, 0 for none', () => {
    const perQuery = new Map([
      ['a', { scores: { 'nDCG@10': 1 }, ranking: [] }],
      ['b', { scores: { 'nDCG@10': 0.5 }, ranking: [] }],
      ['c', { scores: { 'nDCG@10': 0 }, ranking: [] }],
    ]);
    assert.equal(subsetMeans(perQuery, ['a', 'b'])['nDCG@10'], 0.75);
    assert.equal(subsetMeans(perQuery, [])['nDCG@10'], 0);
  });
});

describe('cacheQueryVectors', () => {
  test('embeds a query once and does not remember a failure', async () => {
    let calls = 0;
    const inner: Embedder = {
      id: 'fake',
      dimension: 1,
      embedDocuments: async (texts) => texts.map(() => new Float32Array([1])),
      embedQuery: async (text) => {
        calls++;
        if (text === 'bad' && calls === 1) throw new Error('transient');
        return new Float32Array([text.length]);
      },
      close: async () => undefined,
    };
    const cached = cacheQueryVectors(inner);
    await assert.rejects(cached.embedQuery('bad'), /transient/);
    assert.deepEqual([...(await cached.embedQuery('bad'))], [3]);
    await cached.embedQuery('bad');
    await cached.embedQuery('other');
    assert.equal(calls, 3);
  });
});
