import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sha256 } from '../../src/core/hash.js';
import { parseMarkdown } from '../../src/markdown/index.js';

const chunksOf = (text: string, minChars: number, maxChars: number) =>
  parseMarkdown('d/x.md', text, { minChars, maxChars }).chunks.map((c) => ({
    path: c.headingPath,
    lines: [c.startLine, c.endLine],
  }));

const words = (n: number, word = 'word'): string => Array.from({ length: n }, () => word).join(' ');

describe('chunking', () => {
  test('sections by heading with heading paths, exact line ranges and content', () => {
    const text = 'Preamble text.\n\n# A\n\nAlpha body.\n\n## B\n\nBeta body.\n\n### C\n\nGamma body.\n\n## D\n\nDelta body.\n';
    const doc = parseMarkdown('d/x.md', text, { minChars: 0, maxChars: 1000 });
    assert.deepEqual(
      doc.chunks.map((c) => [c.headingPath, c.startLine, c.endLine]),
      [
        [[], 1, 1],
        [['A'], 3, 5],
        [['A', 'B'], 7, 9],
        [['A', 'B', 'C'], 11, 13],
        [['A', 'D'], 15, 17],
      ],
    );
    const lines = text.split('\n');
    for (const chunk of doc.chunks) assert.equal(chunk.content, lines.slice(chunk.startLine - 1, chunk.endLine).join('\n'));
    assert.equal(doc.chunks[2]?.content, '## B\n\nBeta body.');
    assert.deepEqual(doc.chunks.map((c) => c.id), ['d/x.md#0', 'd/x.md#1', 'd/x.md#2', 'd/x.md#3', 'd/x.md#4']);
    assert.equal(doc.chunks[1]?.hash, sha256('A\n\n# A\n\nAlpha body.'));
  });

  test('a code fence longer than maxChars stays whole', () => {
    const fence = ['```js', ...Array.from({ length: 40 }, (_, i) => `const v${i} = ${i};`), '```'].join('\n');
    const text = `# Code\n\nIntro.\n\n${fence}\n\nAfter.\n`;
    const doc = parseMarkdown('d/x.md', text, { minChars: 0, maxChars: 100 });
    const holder = doc.chunks.filter((c) => c.content.includes('```js'));
    assert.equal(holder.length, 1);
    assert.ok(holder[0]?.content.includes('const v39 = 39;\n```'));
    assert.ok(doc.chunks.length >= 3);
  });

  test('a table longer than maxChars stays whole', () => {
    const table = ['| k | v |', '|---|---|', ...Array.from({ length: 30 }, (_, i) => `| key${i} | value ${i} |`)].join('\n');
    const doc = parseMarkdown('d/x.md', `Para one.\n\n${table}\n\nPara two.\n`, { minChars: 0, maxChars: 80 });
    const holder = doc.chunks.find((c) => c.content.includes('| k | v |'));
    assert.ok(holder?.content.endsWith('| key29 | value 29 |'));
    assert.equal(holder?.startLine, 3);
    assert.equal(holder?.endLine, 34);
  });

  test('a tiny section merges into the next; the merged chunk keeps the first heading path', () => {
    const text = `# Title\n\n## Install\n\nnpm i x\n\n## Usage\n\n${words(30)}\n`;
    assert.deepEqual(chunksOf(text, 50, 1000), [{ path: ['Title'], lines: [1, 9] }]);
    // Without merging every section is its own chunk.
    assert.equal(chunksOf(text, 0, 1000).length, 3);
  });

  test('merging never exceeds maxChars; a tiny last section joins the previous one', () => {
    const text = `# Big\n\n${words(30)}\n\n# Small\n\ntiny\n`;
    assert.deepEqual(chunksOf(text, 20, 1000), [{ path: ['Big'], lines: [1, 7] }]);
    assert.deepEqual(chunksOf(text, 20, 160), [
      { path: ['Big'], lines: [1, 3] },
      { path: ['Small'], lines: [5, 7] },
    ]);
  });

  test('a long section splits at paragraph boundaries, heading kept with the first part', () => {
    const para = words(15); // 74 chars
    const text = `# Long\n\n${para}\n\n${para}\n\n${para}\n\n${para}\n`;
    assert.deepEqual(chunksOf(text, 0, 160), [
      { path: ['Long'], lines: [1, 5] },
      { path: ['Long'], lines: [7, 9] },
    ]);
  });

  test('long lists split between items, never inside a nested fence', () => {
    const item = (i: number) => `- item ${i} ${words(8)}\n  more text for item ${i}`;
    const list = [item(0), item(1), '- item with code\n\n  ```\n  a\n  b\n  ```', item(2), item(3)].join('\n');
    const doc = parseMarkdown('d/x.md', `# L\n\n${list}\n`, { minChars: 0, maxChars: 90 });
    assert.ok(doc.chunks.length >= 4);
    for (const c of doc.chunks) assert.ok(/^(# L|- item)/.test(c.content), c.content);
    const fenced = doc.chunks.find((c) => c.content.includes('```'));
    assert.match(fenced?.content ?? '', /```\n {2}a\n {2}b\n {2}```/);
  });

  test('a huge single paragraph is cut between lines', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} ${words(5)}`);
    const doc = parseMarkdown('d/x.md', lines.join('\n'), { minChars: 0, maxChars: 200 });
    assert.ok(doc.chunks.length > 5);
    assert.deepEqual(doc.chunks.flatMap((c) => c.content.split('\n')), lines);
  });

  test('CRLF: lines are counted like LF and content uses \\n', () => {
    const doc = parseMarkdown('d/x.md', '# A\r\n\r\none\r\n\r\n# B\r\n\r\ntwo\r\n', { minChars: 0, maxChars: 100 });
    assert.deepEqual(doc.chunks.map((c) => [c.startLine, c.endLine, c.content]), [
      [1, 3, '# A\n\none'],
      [5, 7, '# B\n\ntwo'],
    ]);
  });

  test('no chunk starts or ends with blank lines; empty documents have none', () => {
    assert.deepEqual(chunksOf('\n\n\n# H\n\n\ntext\n\n\n', 0, 100), [{ path: ['H'], lines: [4, 7] }]);
    for (const empty of ['', '\n\n', '   \n\t\n']) assert.deepEqual(chunksOf(empty, 0, 100), []);
  });

  test('a heading-only document is one chunk', () => {
    assert.deepEqual(chunksOf('# Only\n', 100, 1000), [{ path: ['Only'], lines: [1, 1] }]);
  });
});
