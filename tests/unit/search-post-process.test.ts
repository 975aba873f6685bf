import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { capPerDocument, dedupNearDuplicates, jaccardShingles } from '../../src/search/post-process.js';

const chunkDoc = (id: string) => (id.includes('#') ? id.split('#')[0] : undefined);

describe('capPerDocument', () => {
  test('keeps the first `max` hits of each document, in order', () => {
    const hits = ['a#0', 'a#1', 'b#0', 'a#2', 'b#1', 'b#2', 'loose', 'loose2'].map((id) => ({ id }));
    assert.deepEqual(capPerDocument(hits, chunkDoc, 2).map((h) => h.id), ['a#0', 'a#1', 'b#0', 'b#1', 'loose', 'loose2']);
    assert.deepEqual(capPerDocument(hits, chunkDoc, 1).map((h) => h.id), ['a#0', 'b#0', 'loose', 'loose2']);
    assert.equal(capPerDocument(hits, chunkDoc, Number.POSITIVE_INFINITY).length, hits.length);
  });

  test('rejects a max below 1', () => {
    assert.throws(() => capPerDocument([], chunkDoc, 0), /at least 1/);
  });
});

describe('dedupNearDuplicates', () => {
  test('keeps the better-ranked of two near-duplicates', () => {
    const texts: Record<string, string> = {
      a: 'install the package with npm install ragdocs and run it',
      b: 'something entirely different about vectors',
      c: 'install the package with npm install ragdocs and run it now',
      d: 'install the package with npm install ragdocs and run it',
    };
    const hits = ['a', 'b', 'c', 'd'].map((id, i) => ({ id, score: 1 - i / 10 }));
    const sim = (x: string, y: string) => jaccardShingles(texts[x]!, texts[y]!);
    assert.deepEqual(dedupNearDuplicates(hits, sim, 0.8).map((h) => h.id), ['a', 'b']);
    assert.deepEqual(dedupNearDuplicates(hits, sim, 1.01).map((h) => h.id), ['a', 'b', 'c', 'd']);
  });
});

describe('jaccardShingles', () => {
  test('identical, disjoint and partial overlaps', () => {
    assert.equal(jaccardShingles('The quick brown fox', 'the QUICK brown fox!'), 1);
    assert.equal(jaccardShingles('alpha beta gamma', 'delta epsilon zeta'), 0);
    const partial = jaccardShingles('one two three four five', 'one two three four six');
    assert.ok(partial > 0.3 && partial < 0.8, String(partial));
  });

  test('short and empty texts', () => {
    assert.equal(jaccardShingles('', ''), 1);
    assert.equal(jaccardShingles('', 'word'), 0);
    assert.equal(jaccardShingles('🚀', '🎉'), 1, 'no words on either side');
    assert.equal(jaccardShingles('word', 'word and more words'), 1 / 4);
    assert.equal(jaccardShingles('東京', '東京'), 1);
  });
});
