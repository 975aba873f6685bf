import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RankedHit } from '../../src/core/types.js';
import type { Corpus } from '../../src/indexing/corpus.js';
import { calibrateSimilarity, fuseEvidence, lexicalScale, queryAnchors } from '../../src/search/evidence.js';
import { runHybridSearch, type HybridSearchInput } from '../../src/search/hybrid.js';
import { applyDocs, memoryCorpus } from '../helpers/corpus.js';

// Evidence fusion over a real keyword index (Markdown parsed, built into a segment, queried with
// corpus.searchEvidence) and semantic lists given by hand: cosine similarities as an embedder
// would return them, chosen to be the hard case (the neighbour that lacks the term is closer).

const THEME = [
  'Sync keeps every device in step with the server. The sync server stores pages and merges edits.',
  'Conflicts happen when two devices edit one page between syncs; the server keeps both versions.',
  'Run the sync server behind a reverse proxy and give it a folder for the page store.',
  'Each device polls the server on an interval and pushes its local edits before pulling.',
  'Offline edits queue up on the device and are pushed when the connection comes back.',
];

// The look-alike pages repeat the parts, in their title too: the hard case. Only kebab-case gets
// a plain look-alike (the words once, in a sentence): lower-case hyphenated names cannot be told
// from hyphenated words (`long-term`, `IL-6`), so they keep plain BM25F, where the whole (its own
// `ids` field) wins at equal density but not against a page that repeats the words; written in
// backticks they count as code.
const IDENTIFIERS: [string, string, string][] = [
  ['header', 'X-Permission', 'x permission'],
  ['snake', 'max_sync_interval', 'max sync interval'],
  ['camel', 'onPageSaved', 'on page saved'],
  ['kebab', 'sync-conflict', ''],
  ['dotted', 'space.readPage', 'space read page'],
];

function vault(): [string, string][] {
  const docs: [string, string][] = [];
  for (let i = 0; i < 20; i++) docs.push([`notes/sync-${String(i).padStart(2, '0')}.md`, `# Sync note ${i}\n\n${THEME[i % THEME.length]}\n\n${THEME[(i + 2) % THEME.length]}\n`]);
  docs.push(['notes/token.md', `# Sync note token\n\n${THEME[0]}\n\nThe device id zx81frob marks the test phone.\n`]);
  docs.push(['api/define.md', '# Defining pages\n\nCall `virtualPage.define` with a name pattern and a render function to register a page.\n']);
  docs.push(['api/virtual.md', '# Virtual pages\n\nA virtual page is a page without a file. Define the page, and the page page page renders.\n']);
  docs.push([
    'guides/leases.md',
    '# Leases\n\n## Renewal\n\nA worker renews its lease every ten seconds.\n\n' + 'Renewal is cheap. '.repeat(60) + '\n\n## Heartbeat timeout\n\nAfter three missed heartbeats the timeout fires.\n',
  ]);
  // Each identifier defined on one page, its parts repeated apart on a look-alike page.
  for (const [name, whole, apart] of IDENTIFIERS) {
    docs.push([`ids/${name}.md`, `# ${name}\n\nThe \`${whole}\` setting is described here, with its default and an example.\n`]);
    const lookalike = apart === '' ? `# Offline edits\n\nA sync can end in a conflict when two devices edit one page.\n` : `# About ${apart}\n\n${apart}: ${apart}, and again ${apart}; the words ${apart} come up a lot here.\n`;
    docs.push([`ids/${name}-apart.md`, lookalike]);
  }
  docs.push(['guides/renewal.md', '# Renewal\n\nLease renewal, lease renewal: a lease is renewed by its holder.\n']);
  return docs;
}

const chunkDoc = (id: string): string => id.slice(0, id.lastIndexOf('#'));

function input(corpus: Corpus, query: string, semantic: RankedHit[], overrides: Partial<HybridSearchInput> = {}): HybridSearchInput {
  return {
    query,
    topN: 10,
    keyword: (q, n) => corpus.search(q, n),
    keywordEvidence: (q, n) => corpus.searchEvidence(q, n),
    fusion: 'evidence',
    semantic: async () => semantic,
    semanticFloor: 0.2,
    chunkDoc,
    weights: { keyword: 1, semantic: 1, graph: 0 },
    rrfK: 60,
    maxPerDocument: 3,
    ...overrides,
  };
}

describe('evidence fusion', async () => {
  const corpus = memoryCorpus();
  await applyDocs(corpus, vault());
  // The semantic retriever ranks look-alike pages first, the page holding the token fourth.
  const lookalikes: RankedHit[] = [
    { id: 'notes/sync-00.md#0', score: 0.97 },
    { id: 'notes/sync-05.md#0', score: 0.96 },
    { id: 'notes/sync-10.md#0', score: 0.95 },
    { id: 'notes/token.md#0', score: 0.6 },
  ];

  test('a token unique to one page ranks that page first, above closer semantic neighbours that lack it', async () => {
    for (const query of ['zx81frob', 'zx81frob sync', 'which device is zx81frob']) {
      const hits = await runHybridSearch(input(corpus, query, lookalikes));
      assert.equal(chunkDoc(hits[0]!.id), 'notes/token.md', query);
      assert.ok(hits[0]!.score > hits[1]!.score, `${query}: strictly first (${hits[0]!.score} vs ${hits[1]!.score})`);
      assert.ok(hits[0]!.matchedBy.includes('keyword'));
    }
  });

  test('a paraphrase keeps its semantic evidence, even when one of its words is rare elsewhere', async () => {
    // No page says "phones in agreement while travelling"; the semantic retriever knows sync-03 is
    // meant. "phone" occurs once, in token.md: an anchor, but only one of four query words.
    const hits = await runHybridSearch(input(corpus, 'keeping phones in agreement while travelling', [{ id: 'notes/sync-03.md#0', score: 0.9 }]));
    assert.equal(hits[0]!.id, 'notes/sync-03.md#0');
    assert.ok(hits[0]!.matchedBy.includes('semantic'));
    assert.equal(chunkDoc(hits[1]!.id), 'notes/token.md');
  });

  test('keyword only keeps the BM25F order and scores', async () => {
    for (const query of ['sync server page store', 'lease renewal', 'device edits', 'virtual page']) {
      const hits = await runHybridSearch(input(corpus, query, [], { semantic: undefined, maxPerDocument: 100, topN: 50 }));
      const bm25 = corpus.search(query, 50);
      assert.deepEqual(hits.map((h) => h.id), bm25.map((h) => h.id), query);
    }
  });

  test('every score lies in [0, 1], and a query word found nowhere lowers them', async () => {
    const full = await runHybridSearch(input(corpus, 'lease renewal', []));
    const diluted = await runHybridSearch(input(corpus, 'lease renewal qwertyuiop', []));
    for (const h of [...full, ...diluted]) assert.ok(h.score >= 0 && h.score <= 1, String(h.score));
    assert.equal(full[0]!.id, diluted[0]!.id);
    assert.ok(diluted[0]!.score < full[0]!.score);
  });

  test('the whole identifier ranks above its parts written apart', async () => {
    for (const query of ['virtualPage.define', 'what does virtualPage.define take?', 'virtualpage.define']) {
      const hits = await runHybridSearch(input(corpus, query, [], { semantic: undefined }));
      assert.equal(chunkDoc(hits[0]!.id), 'api/define.md', query);
    }
  });

  test('dotted, camelCase, snake_case, kebab-case and X-Header forms: the whole identifier ranks above its parts written apart', async () => {
    for (const [name, whole] of IDENTIFIERS) {
      for (const query of [whole, `what does ${whole} do?`, `\`${whole.toLowerCase()}\``]) {
        const hits = await runHybridSearch(input(corpus, query, [], { semantic: undefined }));
        assert.equal(chunkDoc(hits[0]!.id), `ids/${name}.md`, query);
        if (!query.startsWith('`')) assert.ok(hits.some((h) => chunkDoc(h.id) === `ids/${name}-apart.md`), `${query}: the parts still match the other page`);
      }
    }
  });

  test('a page whose sections together hold the query beats a page that repeats half of it', async () => {
    const hits = await runHybridSearch(input(corpus, 'lease renewal heartbeat timeout', [], { semantic: undefined }));
    assert.equal(chunkDoc(hits[0]!.id), 'guides/leases.md');
  });

  test('a link whose passage holds the matching words passes on more than a link elsewhere on the page', async () => {
    const linked = memoryCorpus();
    await applyDocs(linked, [
      ['journal.md', '# Journal\n\n- The phone forgot where it was after a long weekend away. [[Error codes]]\n- Lunch with the team. [[Cafeteria]]\n'],
      ['Error codes.md', '# Error codes\n\nQRY-4012 means the device was offline longer than the history window.\n'],
      ['Cafeteria.md', '# Cafeteria\n\nOpen from noon.\n'],
      // Ordinary words are ordinary: other notes use them too (so none is a rare anchor).
      ...Array.from({ length: 12 }, (_, i): [string, string] => [
        `notes/n${i}.md`,
        `# Note ${i}\n\n${['The phone was away', 'A long weekend', 'I forgot where it was', 'After the weekend the phone', 'Where was it after', 'A long time away'][i % 6]} and other things.\n`,
      ]),
    ]);
    const hits = await runHybridSearch({
      ...input(linked, 'phone forgot where it was after a long weekend', [], { semantic: undefined }),
      chunkDoc,
      weights: { keyword: 1, semantic: 0, graph: 0.3 },
      graph: { neighbors: (p) => linked.graph.neighbors(p), firstChunks: (p) => linked.chunkIds(p), linkContexts: (id, ev) => linked.linkContexts(id, ev) },
    });
    const score = (doc: string): number => hits.find((h) => chunkDoc(h.id) === doc)?.score ?? 0;
    assert.equal(chunkDoc(hits[0]!.id), 'journal.md');
    assert.ok(score('Error codes.md') > 2 * score('Cafeteria.md'), `${score('Error codes.md')} vs ${score('Cafeteria.md')}`);
    assert.ok(score('Error codes.md') >= 0.9 * score('journal.md'), 'the page the words point to gets nearly the seed’s evidence');
  });

  test('anchors: identifiers and words few chunks hold', () => {
    const evidence = corpus.searchEvidence('zx81frob sync virtualPage.define', 10);
    const kinds = evidence.units.map((u) => u.kind);
    assert.deepEqual(kinds.slice(0, 3), ['word', 'word', 'identifier']);
    const { mask } = queryAnchors(evidence);
    assert.equal(mask & 1, 1, 'zx81frob (one chunk) is an anchor');
    assert.equal(mask & 2, 0, 'sync (most chunks) is not');
    assert.equal(mask & 4, 4, 'the identifier is');
  });

  test('calibration maps stay in [0, 1] and are monotone', () => {
    assert.equal(calibrateSimilarity(0.2, 0.2), 0);
    assert.equal(calibrateSimilarity(1, 0.2), 1);
    assert.equal(calibrateSimilarity(-0.5, 0.2), 0);
    assert.ok(calibrateSimilarity(0.7, 0.2) > calibrateSimilarity(0.6, 0.2));
    assert.equal(lexicalScale(0), 0);
    assert.ok(Math.abs(lexicalScale(1 / 2.2) - 0.75) < 0.01);
    assert.ok(lexicalScale(1) < 1 && lexicalScale(1) > lexicalScale(0.9));
  });

  test('with keyword weight 0, semantic results stand alone (no lexical discount)', () => {
    const evidence = corpus.searchEvidence('zx81frob', 1);
    const fused = fuseEvidence({ keyword: evidence, semantic: lookalikes, semanticFloor: 0.2, chunkDoc, weights: { keyword: 0, semantic: 1 }, docShare: 0.3 });
    assert.deepEqual(fused.map((h) => h.id), lookalikes.map((h) => h.id));
  });
});
