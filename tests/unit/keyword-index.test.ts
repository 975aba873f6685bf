import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RankedHit } from '../../src/core/types.js';
import { createSegmentIndex, type KeywordIndexParams } from '../../src/indices/keyword.js';
import type { Corpus } from '../../src/indexing/corpus.js';
import { applyDocs, memoryCorpus } from '../helpers/corpus.js';

// Finding things through the keyword side of a corpus: Markdown parsed, built into a segment,
// applied, queried with corpus.search (BM25F over the segments). Chunk ids are `path#ordinal`.

const DOCS: [string, string][] = [
  ['api.md', '# API\n\nCall getUserById to fetch a user record from the store.\n'],
  ['config.md', '# Config\n\nThe max_file_bytes option limits the size of indexed files.\n'],
  ['cli.md', '# CLI\n\nPass --dry-run to preview changes without writing anything.\n'],
  ['errors.md', '# Errors\n\nERR_TLS_CERT means the certificate chain is invalid; E404 means not found.\n'],
  ['paths.md', '# Paths\n\nEdit src/core/types.ts and config.search.rrfK to tune ranking.\n'],
  ['kebab.md', '# Names\n\nUse kebab-case file names and PascalCase class names like HttpRequestParser.\n'],
  ['stem.md', '# Stemming\n\nThe files were indexed overnight by the batch job.\n'],
  ['cjk.md', '# 日本語\n\n東京タワーは日本の電波塔です。検索エンジンのテスト。\n'],
  ['accent.md', '# Français\n\nLe café est très bon à Zürich.\n'],
  ['emoji.md', '# Emoji\n\nDeploy 🚀 rockets and 🎉 celebrate the release.\n'],
  ['guide.md', '# Guide\n\nIntro text.\n\n## Install\n\nRun the installer once.\n\n## Upgrade\n\nRun the upgrader after a release.\n'],
];

const ids = (hits: readonly RankedHit[]): string[] => hits.map((h) => h.id);

async function corpusOf(docs: Iterable<[string, string]>, params: KeywordIndexParams = {}): Promise<Corpus> {
  const corpus = memoryCorpus(params);
  await applyDocs(corpus, docs);
  return corpus;
}

describe('keyword index: finding things', async () => {
  const corpus = await corpusOf(DOCS);

  const cases: [string, string][] = [
    ['getUserById', 'api.md#0'],
    ['getuserbyid', 'api.md#0'],
    ['get user by id', 'api.md#0'],
    ['max_file_bytes', 'config.md#0'],
    ['file bytes', 'config.md#0'],
    ['--dry-run', 'cli.md#0'],
    ['dry run', 'cli.md#0'],
    ['ERR_TLS_CERT', 'errors.md#0'],
    ['tls cert', 'errors.md#0'],
    ['E404', 'errors.md#0'],
    ['src/core/types.ts', 'paths.md#0'],
    ['rrfK', 'paths.md#0'],
    ['config.search.rrfK', 'paths.md#0'],
    ['kebab-case', 'kebab.md#0'],
    ['HttpRequestParser', 'kebab.md#0'],
    ['request parser', 'kebab.md#0'],
    ['indexing', 'stem.md#0'],
    ['overnights', 'stem.md#0'],
    ['東京', 'cjk.md#0'],
    ['検索', 'cjk.md#0'],
    ['cafe', 'accent.md#0'],
    ['café', 'accent.md#0'],
    ['zurich', 'accent.md#0'],
    ['rockets 🚀', 'emoji.md#0'],
    ['installer', 'guide.md#1'],
    ['upgrade', 'guide.md#2'],
  ];
  for (const [query, expected] of cases) {
    test(`"${query}" finds ${expected} first`, () => {
      const hits = corpus.search(query, 5);
      assert.equal(hits[0]?.id, expected, `got ${JSON.stringify(hits)}`);
    });
  }

  test('stemming: "indexing" finds exactly the two documents that say "indexed"', () => {
    assert.deepEqual(ids(corpus.search('indexing', 10)).sort(), ['config.md#0', 'stem.md#0']);
  });

  test('stop words are not indexed: a stop-word-only query finds nothing though every document uses them', () => {
    assert.ok(corpus.search('release', 10).length > 0);
    for (const query of ['the', 'the and of', 'to a by']) assert.deepEqual(corpus.search(query, 10), [], query);
  });

  test('a word of one section finds that section, not the whole document', () => {
    assert.deepEqual(ids(corpus.search('installer', 10)), ['guide.md#1']);
    assert.deepEqual(ids(corpus.search('upgrader', 10)), ['guide.md#2']);
  });

  test('query syntax of other engines is plain text', () => {
    for (const query of ['title:x^2 -y +z~1 *', '*', '+', '-', '~', '^', ':', 'title:', 'body:getUserById^10', 'foo~', '"unclosed', '\\', 'a*b']) {
      assert.doesNotThrow(() => corpus.search(query, 5), query);
    }
    assert.equal(corpus.search('body:getUserById^10', 3)[0]?.id, 'api.md#0');
  });

  test('empty, blank, stop-word-only, emoji-only and punctuation queries return []', () => {
    for (const query of ['', '   ', 'the and of', '🚀🎉', '\u0000', '!!!']) assert.deepEqual(corpus.search(query, 5), [], JSON.stringify(query));
  });

  test('limit is respected (fractions floored, 0 and below give []) and scores are descending', () => {
    const all = corpus.search('files names config user release run', 100);
    assert.ok(all.length >= 5, `only ${all.length} hits`);
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.score >= all[i]!.score, `${all[i - 1]!.id} before ${all[i]!.id}`);
    assert.deepEqual(corpus.search('files names config user release run', 2), all.slice(0, 2));
    assert.deepEqual(corpus.search('files names config user release run', 3.9), all.slice(0, 3));
    assert.deepEqual(corpus.search('files', 0), []);
    assert.deepEqual(corpus.search('files', -1), []);
    assert.deepEqual(corpus.search('files', Number.NaN), []);
  });

  test('a 100 KB query is cut and still answers', () => {
    const words = 'lorem ipsum dolor sit amet getUserById 東京 🚀 title:x^2 ';
    const hits = corpus.search(words.repeat(Math.ceil(100_000 / words.length)), 5);
    assert.ok(ids(hits).includes('api.md#0'), JSON.stringify(hits));
  });
});

describe('keyword index: ranking', () => {
  // Equal scores break ties by id, so the documents that should lose are named to win a tie:
  // each test fails if the field it is about is ignored.

  test('a title match outranks the same word in the body (front-matter title, not in the text)', async () => {
    const docs: [string, string][] = [
      ['a-body.md', '---\ntitle: Notes\n---\n\nzebra notes here\n'],
      ['z-title.md', '---\ntitle: Zebra\n---\n\nother notes here\n'],
    ];
    assert.equal((await corpusOf(docs)).search('zebra', 2)[0]?.id, 'z-title.md#0');
    // Boosts apply at query time: without the title boost the body match wins.
    assert.deepEqual(ids((await corpusOf(docs, { titleBoost: 0 })).search('zebra', 2)), ['a-body.md#0']);
  });

  test('a heading match outranks the same word in the body alone', async () => {
    const docs: [string, string][] = [
      ['a-body.md', '# Doc\n\n## Notes\n\nzebra here\n'],
      ['z-heading.md', '# Doc\n\n## Zebra\n\nnotes here\n'],
    ];
    const hits = (await corpusOf(docs)).search('zebra', 5);
    assert.equal(hits[0]?.id, 'z-heading.md#1', JSON.stringify(hits));
    const flat = (await corpusOf(docs, { headingBoost: 0 })).search('zebra', 5);
    assert.equal(flat[0]?.id, 'a-body.md#1', JSON.stringify(flat));
  });

  test('more occurrences rank higher, with saturation (k1) and length normalisation (b)', async () => {
    const docs: [string, string][] = [
      ['a-once.md', 'zebra one two three four five six\n'],
      ['z-thrice.md', 'zebra zebra zebra four five six seven\n'],
    ];
    assert.deepEqual(ids((await corpusOf(docs)).search('zebra', 5)), ['z-thrice.md#0', 'a-once.md#0']);
    // k1 = 0: term frequency is ignored, equal scores, ties by id.
    const flat = (await corpusOf(docs, { k1: 0 })).search('zebra', 5);
    assert.deepEqual(ids(flat), ['a-once.md#0', 'z-thrice.md#0']);
    assert.equal(flat[0]!.score, flat[1]!.score);
    // Same count, longer chunk: lower score while b > 0, equal at b = 0.
    const lengths: [string, string][] = [
      ['a-long.md', `zebra ${'filler '.repeat(30)}\n`],
      ['z-short.md', 'zebra filler\n'],
    ];
    assert.deepEqual(ids((await corpusOf(lengths)).search('zebra', 5)), ['z-short.md#0', 'a-long.md#0']);
    const noNorm = (await corpusOf(lengths, { b: 0 })).search('zebra', 5);
    assert.equal(noNorm[0]!.score, noNorm[1]!.score);
  });

  test('a rare term weighs more than a common one', async () => {
    const docs: [string, string][] = [
      ['a.md', 'common word here\n'],
      ['b.md', 'common word there\n'],
      ['c.md', 'common word again\n'],
      ['z.md', 'rare word\n'],
    ];
    const hits = (await corpusOf(docs)).search('common rare', 5);
    assert.equal(hits[0]?.id, 'z.md#0', JSON.stringify(hits));
  });

  test('a whole identifier outranks the same words written apart, which still match', async () => {
    const corpus = await corpusOf([
      ['words.md', 'The max file bytes setting: max bytes per file, file size in bytes.\n'],
      ['ident.md', 'Set max_file_bytes in the config.\n'],
      ['other.md', 'Nothing related here at all.\n'],
    ]);
    assert.equal(corpus.search('max_file_bytes', 3)[0]?.id, 'ident.md#0');
    assert.deepEqual(ids(corpus.search('max_file_bytes', 3)).sort(), ['ident.md#0', 'words.md#0']);
    assert.deepEqual(ids(corpus.search('max file bytes', 3)).sort(), ['ident.md#0', 'words.md#0']);
  });

  test('odd terms like __proto__ and constructor are ordinary words', async () => {
    const corpus = await corpusOf([['x.md', '__proto__ constructor hasOwnProperty toString\n'], ['y.md', 'plain\n']]);
    for (const q of ['__proto__', 'constructor', 'hasOwnProperty', 'prototype']) assert.doesNotThrow(() => corpus.search(q, 3), q);
    assert.deepEqual(ids(corpus.search('constructor', 3)), ['x.md#0']);
    assert.deepEqual(ids(corpus.search('__proto__', 3)), ['x.md#0']);
  });

  test('invalid settings are rejected with a clear error', () => {
    assert.throws(() => createSegmentIndex({ b: 2 }), /b=2/);
    assert.throws(() => createSegmentIndex({ k1: Number.NaN }), /k1/);
    assert.throws(() => createSegmentIndex({ titleBoost: -1 }), /titleBoost/);
  });
});

describe('keyword index: changes', () => {
  test('a deleted document is no longer found, the others still are', async () => {
    const corpus = await corpusOf(DOCS);
    assert.equal(corpus.documentCount, DOCS.length);
    assert.equal(corpus.search('dry run', 5)[0]?.id, 'cli.md#0');
    await applyDocs(corpus, [], ['cli.md']);
    assert.deepEqual(corpus.search('dry', 5), []);
    // "run" is in guide.md too: that is all the query finds now.
    assert.deepEqual(ids(corpus.search('--dry-run', 5)).sort(), ['guide.md#1', 'guide.md#2']);
    assert.equal(corpus.search('getUserById', 5)[0]?.id, 'api.md#0');
    assert.equal(corpus.documentCount, DOCS.length - 1);
    assert.equal(corpus.file('cli.md'), undefined);
    assert.deepEqual([...(await corpus.readChunks(['cli.md#0'])).keys()], []);
    // Deleting what is not there changes nothing.
    await applyDocs(corpus, [], ['cli.md', 'never.md']);
    assert.equal(corpus.documentCount, DOCS.length - 1);
  });

  test('re-adding a path replaces its old copy: old words gone, new words found, one copy only', async () => {
    const corpus = await corpusOf(DOCS);
    const chunksBefore = corpus.chunkCount;
    await applyDocs(corpus, [['guide.md', '# Guide\n\nA single section about the zeppelin installer.\n']]);
    assert.deepEqual(corpus.search('upgrader', 5), []);
    assert.deepEqual(ids(corpus.search('zeppelin', 5)), ['guide.md#0']);
    // "installer" is in the old and the new copy: found once, in the new one.
    assert.deepEqual(ids(corpus.search('installer', 5)), ['guide.md#0']);
    assert.equal(corpus.documentCount, DOCS.length);
    assert.equal(corpus.chunkCount, chunksBefore - 2);
    assert.deepEqual(corpus.chunkIds('guide.md'), ['guide.md#0']);
    const read = await corpus.readChunks(['guide.md#0', 'guide.md#1', 'guide.md#2']);
    assert.deepEqual([...read.keys()], ['guide.md#0']);
    assert.match(read.get('guide.md#0')!.content, /zeppelin installer/);
  });

  test('a path deleted and added again is found with its new text only', async () => {
    const corpus = await corpusOf([['a.md', 'alpha\n']]);
    await applyDocs(corpus, [], ['a.md']);
    assert.deepEqual(corpus.search('alpha', 5), []);
    await applyDocs(corpus, [['a.md', 'bravo\n']]);
    assert.deepEqual(corpus.search('alpha', 5), []);
    assert.deepEqual(ids(corpus.search('bravo', 5)), ['a.md#0']);
    assert.equal(corpus.documentCount, 1);
  });

  test('documents spread over several segments are found as in one', async () => {
    const split = memoryCorpus();
    for (const doc of DOCS) await applyDocs(split, [doc]);
    assert.equal(split.index.segments.length, DOCS.length);
    const whole = await corpusOf(DOCS);
    for (const query of ['getUserById', 'files', 'run release', 'names config', '東京']) {
      assert.deepEqual(split.search(query, 20), whole.search(query, 20), query);
    }
  });
});
