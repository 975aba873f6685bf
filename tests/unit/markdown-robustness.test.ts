import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractDocument } from '../../src/markdown/extract.js';
import { parseMarkdown } from '../../src/markdown/index.js';
import { splitSourceLines } from '../../src/markdown/lines.js';
import { parseTree } from '../../src/markdown/parse-tree.js';

const opts = { minChars: 50, maxChars: 500 };

function headingsWith(text: string, targetChars: number): [number, string][] {
  const source = splitSourceLines(text);
  const doc = extractDocument(text, source, parseTree(text, source, { targetChars, hardCapChars: Number.MAX_SAFE_INTEGER }));
  return doc.headings.map((h) => [h.line, h.text]);
}

describe('robustness', () => {
  test('never throws on junk: control characters, NUL, lone CR, surrogates, binary', () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
    const samples = ['\u0000\u0000# x\u0000', '\r\r\r# a\r\rtext', '\uD800\uDFFF\uFFFE', '[[', ']]', '#', '---', '---\n---', '```', '<!--', '|', '| a |\n|-'];
    let junk = '';
    for (let i = 0; i < 20000; i++) junk += String.fromCharCode(next() % 0x3000);
    samples.push(junk);
    for (const text of samples) {
      const doc = parseMarkdown('j.md', text, opts);
      assert.equal(typeof doc.title, 'string');
      for (const chunk of doc.chunks) assert.ok(chunk.startLine <= chunk.endLine);
    }
  });

  test('a byte-order mark does not hide the front matter', () => {
    assert.equal(parseMarkdown('a.md', '\uFEFF---\ntitle: T\n---\nx\n', opts).title, 'T');
  });

  test('unclosed fence runs to the end of the file', () => {
    const doc = parseMarkdown('a.md', '# A\n\ntext\n\n```\n# not heading\n\nmore\n', { minChars: 0, maxChars: 20 });
    assert.deepEqual(doc.headings.map((h) => h.text), ['A']);
    assert.equal(doc.chunks.at(-1)?.endLine, 8);
  });

  test('tricky fences and HTML give the same headings parsed whole or cut everywhere', () => {
    const docs = [
      '    ```\n    indented code\n\n```\nreal fence\n\n# inside\n\n```\n\n# outside\n',
      '- a\n\n  ```\n  x\ntext\n\n```\nreal\n\n# inside\n```\n\n# after\n',
      '<!--\n\n# hidden\n\n-->\n# shown\n',
      '<div>\n\n# shown\n</div>\n',
      '<pre>\n\n# hidden\n\n</pre>\n\n# shown\n',
      '<span>x</span> text\n```\n\n# in fence\n```\n# shown\n',
      'para\n2. not a list\n# h\n',
    ];
    for (const text of docs) assert.deepEqual(headingsWith(text, 1), headingsWith(text, Number.MAX_SAFE_INTEGER), text);
  });

  test('deeply nested lists and block quotes finish', () => {
    let nested = '';
    for (let i = 0; i < 150; i++) nested += `${' '.repeat(i * 2)}- level ${i}\n`;
    const doc = parseMarkdown('n.md', nested + '>'.repeat(1000) + ' quote\n', opts);
    assert.ok(doc.chunks.length > 0);
    const covered = new Set(doc.chunks.flatMap((c) => Array.from({ length: c.endLine - c.startLine + 1 }, (_, i) => c.startLine + i)));
    for (let line = 1; line <= 151; line++) assert.ok(covered.has(line), `line ${line}`);
  });

  test('many small lists are parsed in small segments (one micromark parse is quadratic here)', () => {
    const block = '## Section\n\n- item [link](a.md) #tag\n- item two\n  - nested\n\n> quote\n\n';
    const count = Math.ceil(60_000 / block.length);
    const text = block.repeat(count);
    const source = splitSourceLines(text);
    const sizes = [...parseTree(text, source).segments].map((s) => (source.starts[s.endLine] ?? 0) - (source.starts[s.firstLine] ?? 0));
    assert.ok(sizes.length >= 10, `${sizes.length} segments`);
    assert.ok(Math.max(...sizes) < 8192, `largest segment ${Math.max(...sizes)}`);
    const started = performance.now();
    const doc = parseMarkdown('big.md', text, { minChars: 200, maxChars: 2000 });
    assert.equal(doc.headings.length, count);
    assert.equal(doc.links.length, count);
    assert.deepEqual(doc.tags, ['tag']);
    assert.ok(performance.now() - started < 30_000, 'parsing hung');
  });
});
