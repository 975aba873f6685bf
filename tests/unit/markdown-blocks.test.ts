import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Heading } from '../../src/core/types.js';
import { blankBlockMarkers, findBlock, findHeading, parseDocument } from '../../src/markdown/index.js';
import { applyDocs, memoryCorpus } from '../helpers/corpus.js';

const opts = { minChars: 0, maxChars: 1500 };

describe('^block ids', () => {
  const text = [
    '---', // 1
    'title: Blocks',
    '---',
    '# Blocks', // 4
    '',
    'A paragraph that ends with an id. ^para-1', // 6
    '',
    'A paragraph over',
    'two lines ^two', // 9
    '',
    '- first item ^item1', // 11
    '  - nested under it',
    '- second item',
    '  continued ^item2', // 14
    '',
    '| a | b |', // 16
    '| - | - |',
    '| x | y |',
    '',
    '^table-id', // 20
    '',
    '```',
    'code ^notanid', // 23
    '```',
    '',
    '> quoted ^quote', // 26
    '',
    'Not an id: x^y and 2 ^ 3, nor `^code`.',
    '',
    'Repeated ^para-1',
  ].join('\n');
  const doc = parseDocument('blocks.md', text, opts);

  test('paragraphs, list items (with their nested lines), a standalone id naming the block before it; not in code; the first of a repeated id', () => {
    assert.deepEqual(doc.blockIds, [
      { id: 'para-1', line: 6, endLine: 6 },
      { id: 'two', line: 8, endLine: 9 },
      { id: 'item1', line: 11, endLine: 12 },
      { id: 'item2', line: 13, endLine: 14 },
      { id: 'table-id', line: 16, endLine: 20 },
      { id: 'quote', line: 26, endLine: 26 },
    ]);
  });

  test('[[Page#^id]] and [x](page.md#^id) link a block, not a heading', () => {
    const links = parseDocument('a.md', '[[Blocks#^para-1]] [[Blocks#Heading]] [b](blocks.md#^two) [[Blocks#^]]', opts).links;
    assert.deepEqual(
      links.map((l) => [l.target, l.heading, l.block]),
      [
        ['Blocks', undefined, 'para-1'],
        ['Blocks', 'Heading', undefined],
        ['blocks.md', undefined, 'two'],
        ['Blocks', '^', undefined],
      ],
    );
  });

  test('markers are blanked for the keyword index, other carets are kept', () => {
    assert.equal(blankBlockMarkers('Text ^abc\nx^y ^other\n^abc', new Set(['abc'])), 'Text \nx^y ^other\n');
    assert.equal(blankBlockMarkers('Text ^abc', new Set()), 'Text ^abc');
  });

  test('a block id is not a searchable word, the text around it is', async () => {
    const corpus = memoryCorpus();
    await applyDocs(corpus, [['blocks.md', text]]);
    assert.deepEqual(corpus.search('para-1', 5), []);
    assert.deepEqual(corpus.search('item1', 5), []);
    assert.equal(corpus.search('notanid', 5).length, 1, 'code keeps its text');
    assert.equal(corpus.search('paragraph', 5).length, 1);
    const meta = await corpus.readDocument('blocks.md');
    assert.deepEqual(meta?.blockIds, doc.blockIds);
  });

  test('findBlock: with or without ^, any case', () => {
    assert.equal(findBlock(doc.blockIds, '^ITEM1')?.line, 11);
    assert.equal(findBlock(doc.blockIds, 'two')?.endLine, 9);
    assert.equal(findBlock(doc.blockIds, 'nope'), undefined);
  });
});

describe('findHeading matches the way Obsidian links headings', () => {
  const headings: Heading[] = [
    { depth: 1, text: 'Setup: Linux', slug: 'setup-linux', line: 1 },
    { depth: 2, text: 'Install', slug: 'install', line: 3 },
    { depth: 2, text: 'Install', slug: 'install-1', line: 9 },
  ];
  test('text in any case, the slug, link-safe text, nested Parent#Child', () => {
    assert.equal(findHeading(headings, 'setup: linux'), 0);
    assert.equal(findHeading(headings, 'Setup Linux'), 0);
    assert.equal(findHeading(headings, 'setup-linux'), 0);
    assert.equal(findHeading(headings, 'install-1'), 2);
    assert.equal(findHeading(headings, 'Setup Linux#Install'), 1);
    assert.equal(findHeading(headings, '## INSTALL'), 1);
    assert.equal(findHeading(headings, 'Uninstall'), -1);
    assert.equal(findHeading(headings, '#'), -1);
  });
});
