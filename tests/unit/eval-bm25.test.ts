import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BM25_PRESETS, createBm25Index } from '../../bench/eval/bm25-baseline.js';
import { tokenizeForBm25 } from '../../bench/eval/bm25-tokenize.js';
import { stemPorter } from '../../bench/eval/porter-stemmer.js';

describe('stemPorter', () => {
  test('matches the reference outputs of Porter’s vocabulary', () => {
    const pairs: [string, string][] = [
      ['caresses', 'caress'], ['ponies', 'poni'], ['ties', 'ti'], ['cats', 'cat'], ['feed', 'feed'],
      ['agreed', 'agre'], ['plastered', 'plaster'], ['bled', 'bled'], ['motoring', 'motor'], ['sing', 'sing'],
      ['conflated', 'conflat'], ['troubled', 'troubl'], ['sized', 'size'], ['hopping', 'hop'], ['falling', 'fall'],
      ['hissing', 'hiss'], ['filing', 'file'], ['happy', 'happi'], ['sky', 'sky'], ['relational', 'relat'],
      ['conditional', 'condit'], ['rational', 'ration'], ['digitizer', 'digit'], ['vietnamization', 'vietnam'],
      ['predication', 'predic'], ['operator', 'oper'], ['feudalism', 'feudal'], ['decisiveness', 'decis'],
      ['hopefulness', 'hope'], ['callousness', 'callous'], ['sensibiliti', 'sensibl'], ['triplicate', 'triplic'],
      ['formative', 'form'], ['formalize', 'formal'], ['electrical', 'electr'], ['goodness', 'good'],
      ['revival', 'reviv'], ['allowance', 'allow'], ['inference', 'infer'], ['airliner', 'airlin'],
      ['adjustable', 'adjust'], ['defensible', 'defens'], ['replacement', 'replac'], ['adoption', 'adopt'],
      ['communism', 'commun'], ['effective', 'effect'], ['probate', 'probat'], ['rate', 'rate'], ['cease', 'ceas'],
      ['controll', 'control'], ['roll', 'roll'], ['generalizations', 'gener'], ['oscillators', 'oscil'],
      ['yellow', 'yellow'], ['by', 'by'],
    ];
    for (const [word, stem] of pairs) assert.equal(stemPorter(word), stem, word);
  });
});

describe('tokenizeForBm25', () => {
  test('lower-cases, splits on non-alphanumerics, drops stop words and possessives, stems', () => {
    assert.deepEqual(tokenizeForBm25("The Cell's mitochondria are 0-dimensional, not_rated!"), [
      'cell', 'mitochondria', '0', 'dimension', 'rate',
    ]);
    assert.deepEqual(tokenizeForBm25('Running dogs', { stem: false }), ['running', 'dogs']);
  });
});

describe('createBm25Index', () => {
  // Hand-computed with N=4, avgdl=4.75, idf = ln(1 + (N − df + 0.5)/(df + 0.5)):
  // k1=1.2, b=0.75, query "apple cherry": d1 1.84683, d3 0.58012, d2 0.46737, d4 0.24562
  // k1=0.9, b=0.4,  same query:           d1 1.65323, d3 0.52900, d2 0.40062, d4 0.29491
  const docs = [
    { key: 'd1', text: 'apple banana apple' },
    { key: 'd2', text: 'banana cherry' },
    { key: 'd3', text: 'cherry cherry cherry date' },
    { key: 'd4', text: `cherry${' fig'.repeat(9)}` },
  ];
  const near = (actual: number, expected: number): void =>
    assert.ok(Math.abs(actual - expected) < 1e-4, `expected ${expected}, got ${actual}`);

  test('scores and orders like hand-computed BM25 for both presets', () => {
    for (const [params, expected] of [
      [BM25_PRESETS.classic, [['d1', 1.84683], ['d3', 0.58012], ['d2', 0.46737], ['d4', 0.24562]]],
      [BM25_PRESETS.anserini, [['d1', 1.65323], ['d3', 0.529], ['d2', 0.40062], ['d4', 0.29491]]],
    ] as const) {
      const index = createBm25Index(docs, params);
      const hits = index.search('apple cherry', 10);
      assert.deepEqual(hits.map((h) => h.key), expected.map(([key]) => key));
      hits.forEach((hit, i) => near(hit.score, expected[i]?.[1] ?? NaN));
    }
  });

  test('k limits the list, unknown terms and stop words find nothing', () => {
    const index = createBm25Index(docs, BM25_PRESETS.classic);
    assert.equal(index.size, 4);
    assert.deepEqual(index.search('apple cherry', 2).map((h) => h.key), ['d1', 'd3']);
    assert.deepEqual(index.search('the zebra', 10), []);
    assert.deepEqual(index.search('cherry', 0), []);
  });

  test('a repeated query term counts twice; equal scores tie-break by key', () => {
    const index = createBm25Index(docs, { k1: 1.2, b: 0 });
    const once = index.search('banana', 10);
    const twice = index.search('banana banana', 10);
    assert.deepEqual(once.map((h) => h.key), ['d1', 'd2']);
    near(twice[0]?.score ?? 0, 2 * (once[0]?.score ?? 0));
  });
});
