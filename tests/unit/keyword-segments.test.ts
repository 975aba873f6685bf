import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compactKeywordSnapshot, createKeywordIndex, loadKeywordIndex, type KeywordDoc } from '../../src/indices/keyword.js';

// Made-up words the stemmer leaves alone, so the oracle can match by plain word equality.
const VOCAB = Array.from({ length: 40 }, (_, i) => `zq${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}x`);

function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomDoc(id: string, random: () => number): KeywordDoc {
  const words = Array.from({ length: 3 + Math.floor(random() * 6) }, () => VOCAB[Math.floor(random() * VOCAB.length)]!);
  return { id, title: '', headings: '', body: words.join(' ') };
}

function oracleMatches(live: Map<string, KeywordDoc>, word: string): string[] {
  return [...live.values()].filter((d) => d.body.split(' ').includes(word)).map((d) => d.id).sort();
}

describe('keyword index: segments against an oracle', () => {
  test('upsert/remove/compact keep exactly the live docs findable', () => {
    const random = createRandom(7);
    const index = createKeywordIndex({ mergeFactor: 3, minSegmentDocs: 2 });
    const live = new Map<string, KeywordDoc>();
    let compactions = 0;
    let maxSegments = 0;
    for (let step = 0; step < 120; step++) {
      const action = random();
      if (action < 0.6) {
        const batch = Array.from({ length: 1 + Math.floor(random() * 4) }, () => randomDoc(`d${Math.floor(random() * 80)}`, random));
        index.upsert(batch);
        for (const d of batch) live.set(d.id, d);
      } else if (action < 0.9) {
        const gone = Array.from({ length: 1 + Math.floor(random() * 3) }, () => `d${Math.floor(random() * 80)}`);
        index.remove(gone);
        for (const id of gone) live.delete(id);
      } else if (step % 3 === 0) {
        index.compact();
      }
      if (index.needsCompaction()) {
        index.compact();
        compactions++;
      }
      maxSegments = Math.max(maxSegments, index.stats().segments);
      assert.equal(index.size, live.size, `size at step ${step}`);
      const word = VOCAB[step % VOCAB.length]!;
      const got = index.search(word, 1000).map((h) => h.id).sort();
      assert.deepEqual(got, oracleMatches(live, word), `"${word}" at step ${step}`);
    }
    // ~70 upserts each built a segment; tier merges keep only a handful alive at any time.
    assert.ok(maxSegments <= 12, `at most 12 segments at once, saw ${maxSegments}`);
    const reloaded = loadKeywordIndex(JSON.parse(JSON.stringify(index.toJSON())), { mergeFactor: 3, minSegmentDocs: 2 });
    for (const word of VOCAB) assert.deepEqual(reloaded.search(word, 1000), index.search(word, 1000), word);
    assert.ok(compactions >= 0);
  });

  test('after compaction scores equal a fresh build of the live docs', () => {
    const random = createRandom(11);
    const docs = Array.from({ length: 60 }, (_, i) => randomDoc(`d${i}`, random));
    const index = createKeywordIndex({}, docs.slice(0, 40));
    index.upsert(docs.slice(40));
    index.upsert([randomDoc('d3', random)]);
    index.remove(['d5', 'd45']);
    index.compact();
    const liveDocs = new Map(docs.map((d) => [d.id, d]));
    liveDocs.set('d3', index.toJSON().segments[0]!.docs.find((d) => d.id === 'd3')!);
    liveDocs.delete('d5');
    liveDocs.delete('d45');
    const fresh = createKeywordIndex({}, [...liveDocs.values()]);
    for (const word of VOCAB.slice(0, 10)) assert.deepEqual(index.search(word, 100), fresh.search(word, 100), word);
    assert.deepEqual(index.segmentIds(), fresh.segmentIds());
    const { segments, storedDocs, deadDocs } = index.stats();
    assert.deepEqual({ segments, storedDocs, deadDocs }, { segments: 1, storedDocs: 58, deadDocs: 0 });
  });

  test('re-adding a removed id makes it findable again, with the new text only', () => {
    const index = createKeywordIndex({}, [{ id: 'a', title: '', headings: '', body: 'alpha' }]);
    index.remove(['a']);
    assert.deepEqual(index.search('alpha', 5), []);
    index.upsert([{ id: 'a', title: '', headings: '', body: 'bravo' }]);
    assert.deepEqual(index.search('alpha', 5), []);
    assert.deepEqual(index.search('bravo', 5).map((h) => h.id), ['a']);
    const reloaded = loadKeywordIndex(JSON.parse(JSON.stringify(index.toJSON())));
    assert.deepEqual(reloaded.search('alpha', 5), []);
    assert.equal(reloaded.search('bravo', 5)[0]?.id, 'a');
  });

  test('compactKeywordSnapshot merges segments and keeps results', () => {
    const index = createKeywordIndex({}, [{ id: 'a', title: '', headings: '', body: 'alpha' }]);
    index.upsert([{ id: 'b', title: '', headings: '', body: 'alpha bravo' }]);
    const compacted = compactKeywordSnapshot(index.toJSON());
    assert.equal(compacted.segments.length, 1);
    assert.deepEqual(compacted.segments[0]?.docs.map((d) => d.id), ['a', 'b']);
    assert.deepEqual(
      loadKeywordIndex(compacted).search('alpha', 5).map((h) => h.id).sort(),
      ['a', 'b'],
    );
  });

  test('a bulk load in batches rebuilds each doc only a few times and ranks like one build', () => {
    const random = createRandom(5);
    const docs = Array.from({ length: 3000 }, (_, i) => randomDoc(`d${i}`, random));
    const batched = createKeywordIndex({});
    for (let i = 0; i < docs.length; i += 100) batched.upsert(docs.slice(i, i + 100));
    const { builtDocs, segments } = batched.stats();
    assert.ok(builtDocs <= 2.5 * docs.length, `built ${builtDocs} docs for ${docs.length}`);
    assert.ok(segments <= 10, `${segments} segments`);
    const single = createKeywordIndex({}, docs);
    for (const word of VOCAB.slice(0, 8)) {
      const got = batched.search(word, 5000);
      const want = single.search(word, 5000);
      assert.deepEqual(got.map((h) => h.id).sort(), want.map((h) => h.id).sort(), word);
      // Per-segment length norms differ a little; corpus-wide idf keeps scores close.
      const wantScore = new Map(want.map((h) => [h.id, h.score]));
      for (const hit of got) assert.ok(Math.abs(hit.score - (wantScore.get(hit.id) ?? 0)) <= 0.15 * hit.score, `${word} ${hit.id}`);
    }
  });

  test('a one-doc segment scores like the same text in a large segment', () => {
    const random = createRandom(9);
    const docs = Array.from({ length: 500 }, (_, i) => randomDoc(`d${i}`, random));
    const index = createKeywordIndex({}, docs);
    // Length norms stay per segment (lunr's), so pick a doc of about average length (3..8 words).
    const pick = docs.find((d) => d.body.split(' ').length === 6)!;
    index.upsert([{ ...pick, id: 'copy' }]);
    assert.equal(index.stats().segments, 2);
    const word = pick.body.split(' ')[0]!;
    const hits = index.search(word, 1000);
    const original = hits.find((h) => h.id === pick.id)!.score;
    const copy = hits.find((h) => h.id === 'copy')!.score;
    assert.ok(Math.abs(original - copy) <= 0.15 * original, `${original} vs ${copy}`);
  });

  test('2,000-doc build and a one-doc upsert (timings printed)', () => {
    const random = createRandom(3);
    const words = ['index', 'search', 'getUserById', 'max_file_bytes', 'config', 'vector', 'graph', 'chunk', 'heading', 'markdown'];
    const docs: KeywordDoc[] = Array.from({ length: 2000 }, (_, i) => ({
      id: `docs/file-${i}.md#0`,
      title: `File ${i}`,
      headings: 'Intro Usage',
      body: Array.from({ length: 150 }, () => words[Math.floor(random() * words.length)]).join(' '),
    }));
    let started = performance.now();
    const index = createKeywordIndex({}, docs);
    const buildMs = performance.now() - started;
    started = performance.now();
    index.upsert([{ ...docs[5]!, body: 'a brand new paragraph about zanzibar' }]);
    const upsertMs = performance.now() - started;
    started = performance.now();
    const json = JSON.stringify(index.toJSON());
    const serializeMs = performance.now() - started;
    started = performance.now();
    loadKeywordIndex(JSON.parse(json));
    const loadMs = performance.now() - started;
    console.log(
      `# keyword 2000 docs: build ${buildMs.toFixed(0)} ms, upsert ${upsertMs.toFixed(1)} ms, ` +
        `serialize ${serializeMs.toFixed(0)} ms (${(json.length / 1e6).toFixed(1)} MB), load ${loadMs.toFixed(0)} ms`,
    );
    assert.equal(index.search('zanzibar', 3)[0]?.id, 'docs/file-5.md#0');
    assert.equal(index.size, 2000);
  });
});
