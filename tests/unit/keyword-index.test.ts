import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeywordIndex, loadKeywordIndex, type KeywordDoc } from '../../src/indices/keyword.js';

function doc(id: string, body: string, title = '', headings = ''): KeywordDoc {
  return { id, title, headings, body };
}

const corpus: KeywordDoc[] = [
  doc('api.md#0', 'Call getUserById to fetch a user record from the store.', 'API'),
  doc('config.md#0', 'The max_file_bytes option limits the size of indexed files.', 'Config'),
  doc('cli.md#0', 'Pass --dry-run to preview changes without writing anything.', 'CLI'),
  doc('errors.md#0', 'ERR_TLS_CERT means the certificate chain is invalid; E404 means not found.', 'Errors'),
  doc('paths.md#0', 'Edit src/core/types.ts and config.search.rrfK to tune ranking.', 'Paths'),
  doc('kebab.md#0', 'Use kebab-case file names and PascalCase class names like HttpRequestParser.', 'Names'),
  doc('stem.md#0', 'The files were indexed overnight by the batch job.', 'Stemming'),
  doc('cjk.md#0', '東京タワーは日本の電波塔です。検索エンジンのテスト。', '日本語'),
  doc('accent.md#0', 'Le café est très bon à Zürich.', 'Français'),
  doc('emoji.md#0', 'Deploy 🚀 rockets and 🎉 celebrate the release.', 'Emoji'),
];

function ids(hits: { id: string }[]): string[] {
  return hits.map((h) => h.id);
}

describe('keyword index: finding things', () => {
  const index = createKeywordIndex({}, corpus);

  const cases: [string, string][] = [
    ['getUserById', 'api.md#0'],
    ['getuserbyid', 'api.md#0'],
    ['get user by id', 'api.md#0'],
    ['max_file_bytes', 'config.md#0'],
    ['file bytes', 'config.md#0'],
    ['--dry-run', 'cli.md#0'],
    ['dry run', 'cli.md#0'],
    ['ERR_TLS_CERT', 'errors.md#0'],
    ['E404', 'errors.md#0'],
    ['src/core/types.ts', 'paths.md#0'],
    ['rrfK', 'paths.md#0'],
    ['config.search.rrfK', 'paths.md#0'],
    ['kebab-case', 'kebab.md#0'],
    ['HttpRequestParser', 'kebab.md#0'],
    ['request parser', 'kebab.md#0'],
    ['indexing', 'stem.md#0'],
    ['東京', 'cjk.md#0'],
    ['検索', 'cjk.md#0'],
    ['cafe', 'accent.md#0'],
    ['café', 'accent.md#0'],
    ['zurich', 'accent.md#0'],
    ['rockets 🚀', 'emoji.md#0'],
  ];
  for (const [query, expected] of cases) {
    test(`"${query}" finds ${expected} first`, () => {
      const hits = index.search(query, 5);
      assert.equal(hits[0]?.id, expected, `got ${JSON.stringify(hits)}`);
    });
  }

  test('lunr query syntax is treated as plain text', () => {
    for (const query of ['title:x^2 -y +z~1 *', '*', '+', '-', '~', '^', ':', 'title:', 'body:getUserById^10', 'foo~', '"unclosed', '\\', 'a*b']) {
      assert.doesNotThrow(() => index.search(query, 5), query);
    }
    assert.deepEqual(ids(index.search('body:getUserById^10', 3)).slice(0, 1), ['api.md#0']);
  });

  test('empty, blank, stop-word-only and emoji-only queries return []', () => {
    for (const query of ['', '   ', 'the and of', '🚀🎉', '\u0000', '!!!']) assert.deepEqual(index.search(query, 5), [], query);
  });

  test('a 100 KB query returns quickly', () => {
    const words = 'lorem ipsum dolor sit amet getUserById 東京 🚀 title:x^2 ';
    const query = words.repeat(Math.ceil(100_000 / words.length));
    const started = performance.now();
    const hits = index.search(query, 5);
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1000, `took ${elapsed} ms`);
    assert.ok(ids(hits).includes('api.md#0'));
  });

  test('limit is respected and scores are descending', () => {
    const hits = index.search('the files names config', 2);
    assert.equal(hits.length, 2);
    const all = index.search('files names config user', 100);
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1]!.score >= all[i]!.score);
    assert.deepEqual(index.search('files', 0), []);
  });

  test('title matches outrank body matches through field boosts', () => {
    const boosted = createKeywordIndex({ titleBoost: 5 }, [doc('a#0', 'zebra notes here'), doc('b#0', 'other notes here', 'zebra')]);
    assert.equal(boosted.search('zebra', 2)[0]?.id, 'b#0');
  });

  test('odd terms like __proto__ and constructor are safe', () => {
    const odd = createKeywordIndex({}, [doc('x#0', '__proto__ constructor hasOwnProperty toString')]);
    for (const q of ['__proto__', 'constructor', 'hasOwnProperty', 'prototype']) assert.doesNotThrow(() => odd.search(q, 3));
    assert.equal(odd.search('constructor', 3)[0]?.id, 'x#0');
  });

  test('random Unicode (lone surrogates, marks, emoji, controls) never throws when indexing or querying', () => {
    let state = 99;
    const random = () => {
      state = (state * 1664525 + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const ranges = [[0x20, 0x7e], [0xc0, 0x24f], [0x300, 0x36f], [0x3040, 0x30ff], [0x4e00, 0x9fff], [0xac00, 0xd7a3], [0x0e00, 0x0e7f], [0xd800, 0xdfff], [0x1f300, 0x1faff], [0, 0x1f]];
    const randomText = () =>
      Array.from({ length: 1 + Math.floor(random() * 40) }, () => {
        const [lo, hi] = ranges[Math.floor(random() * ranges.length)]!;
        return String.fromCodePoint(lo! + Math.floor(random() * (hi! - lo! + 1)));
      }).join('');
    const docs = Array.from({ length: 50 }, (_, i) => doc(`u${i}`, randomText(), randomText(), randomText()));
    const fuzzed = createKeywordIndex({}, docs);
    for (let i = 0; i < 200; i++) assert.doesNotThrow(() => fuzzed.search(randomText(), 5));
    const cjkDoc = docs.find((d) => /[\u4e00-\u9fff]{2}/u.test(d.body));
    if (cjkDoc) {
      const pair = cjkDoc.body.match(/[\u4e00-\u9fff]{2}/u)![0];
      assert.ok(fuzzed.search(pair, 50).some((h) => h.id === cjkDoc.id));
    }
  });

  test('a whole identifier outranks the same words written apart, which still match', () => {
    const docs = [
      doc('words.md#0', 'The max file bytes setting: max bytes per file, file size in bytes.'),
      doc('ident.md#0', 'Set max_file_bytes in the config.'),
      doc('other.md#0', 'Nothing related here at all.'),
    ];
    const small = createKeywordIndex({}, docs);
    assert.equal(small.search('max_file_bytes', 3)[0]?.id, 'ident.md#0');
    assert.deepEqual(ids(small.search('max_file_bytes', 3)).sort(), ['ident.md#0', 'words.md#0']);
    assert.deepEqual(ids(small.search('max file bytes', 3)).sort(), ['ident.md#0', 'words.md#0']);
  });

  test('invalid settings are rejected with a clear error', () => {
    assert.throws(() => createKeywordIndex({ b: 2 }), /b=2/);
    assert.throws(() => createKeywordIndex({ k1: Number.NaN }), /k1/);
  });
});

describe('keyword index: snapshot', () => {
  test('round trip gives identical results and identical bytes', () => {
    const index = createKeywordIndex({}, corpus);
    index.upsert([doc('new.md#0', 'fresh getUserById notes')]);
    index.remove(['cli.md#0']);
    const json = JSON.stringify(index.toJSON());
    const loaded = loadKeywordIndex(JSON.parse(json), {});
    for (const q of ['getUserById', 'dry run', 'notes', '東京', 'files']) assert.deepEqual(loaded.search(q, 10), index.search(q, 10), q);
    assert.equal(JSON.stringify(loaded.toJSON()), json);
    assert.equal(loaded.size, index.size);
  });

  test('unchanged segments keep their ids and bytes across upserts and removals', () => {
    const index = createKeywordIndex({}, corpus);
    const [firstId] = index.segmentIds();
    const before = JSON.stringify(index.toJSON().segments[0]);
    index.upsert([doc('new.md#0', 'one')]);
    index.remove(['api.md#0']);
    assert.equal(index.segmentIds().length, 2);
    assert.equal(index.segmentIds()[0], firstId);
    assert.equal(JSON.stringify(index.toJSON().segments[0]), before);
    assert.deepEqual(index.toJSON().removed, ['api.md#0']);
    // Building the same docs elsewhere produces the same segment.
    assert.equal(JSON.stringify(createKeywordIndex({}, [...corpus].reverse()).toJSON().segments[0]), before);
  });

  test('different settings rebuild on load', () => {
    const snapshot = JSON.parse(JSON.stringify(createKeywordIndex({ k1: 1.2 }, corpus).toJSON()));
    const loaded = loadKeywordIndex(snapshot, { k1: 2 });
    assert.notEqual(loaded.segmentIds()[0], snapshot.segments[0].id);
    assert.deepEqual(ids(loaded.search('getUserById', 1)), ['api.md#0']);
  });

  test('bad snapshots fail with typed errors', () => {
    assert.throws(() => loadKeywordIndex({} as never), (err: Error & { code?: string }) => err.code === 'INDEX_CORRUPT');
    const snap = createKeywordIndex({}, corpus).toJSON();
    assert.throws(() => loadKeywordIndex({ ...snap, version: 9 } as never), (err: Error & { code?: string }) => err.code === 'INDEX_FORMAT');
    assert.throws(() => loadKeywordIndex({ ...snap, removed: 5 } as never), (err: Error & { code?: string }) => err.code === 'INDEX_CORRUPT');
    assert.throws(() => loadKeywordIndex({ ...snap, version: 1 } as never), (err: Error & { code?: string }) => err.code === 'INDEX_FORMAT');
    assert.throws(() => loadKeywordIndex({ ...snap, segments: [{ id: 'x' }] } as never), (err: Error & { code?: string }) => err.code === 'INDEX_CORRUPT');
    const broken = { ...snap, segments: [{ ...snap.segments[0]!, index: { nonsense: true } }] };
    assert.throws(() => loadKeywordIndex(broken), (err: Error & { code?: string }) => err.code === 'INDEX_CORRUPT');
  });
});
