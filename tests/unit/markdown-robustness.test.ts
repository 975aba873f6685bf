import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMarkdown } from '../../src/markdown/index.js';

const opts = { minChars: 50, maxChars: 500 };

const headings = (text: string): [number, string][] => parseMarkdown('t.md', text, opts).headings.map((h) => [h.line, h.text]);

/** Parses and returns how long it took, in milliseconds. */
function timeParse(text: string): { ms: number; doc: ReturnType<typeof parseMarkdown> } {
  const started = performance.now();
  const doc = parseMarkdown('big.md', text, { minChars: 200, maxChars: 2000 });
  return { ms: performance.now() - started, doc };
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

  test('tricky fences and HTML: headings exactly where CommonMark puts them', () => {
    const cases: [string, [number, string][]][] = [
      ['    ```\n    indented code\n\n```\nreal fence\n\n# inside\n\n```\n\n# outside\n', [[11, 'outside']]],
      ['- a\n\n  ```\n  x\ntext\n\n```\nreal\n\n# inside\n```\n\n# after\n', [[13, 'after']]],
      ['<!--\n\n# hidden\n\n-->\n# shown\n', [[6, 'shown']]],
      ['<div>\n\n# shown\n</div>\n', [[3, 'shown']]],
      ['<pre>\n\n# hidden\n\n</pre>\n\n# shown\n', [[7, 'shown']]],
      ['<span>x</span> text\n```\n\n# in fence\n```\n# shown\n', [[6, 'shown']]],
      ['para\n2. not a list\n# h\n', [[3, 'h']]],
      ['para\n2. lazy line, so this is a setext heading\n===\n', [[1, 'para 2. lazy line, so this is a setext heading']]],
      // After a blank line `3)` may start a list, so `===` is a lazy paragraph line, not an underline.
      ['    indented code\n\n3) a list starting at three\n4) second item\n===\n', []],
    ];
    for (const [text, expected] of cases) assert.deepEqual(headings(text), expected, text);
  });

  test('deeply nested lists and block quotes finish', () => {
    let nested = '';
    for (let i = 0; i < 150; i++) nested += `${' '.repeat(i * 2)}- level ${i}\n`;
    const doc = parseMarkdown('n.md', nested + '>'.repeat(1000) + ' quote\n', opts);
    assert.ok(doc.chunks.length > 0);
    const covered = new Set(doc.chunks.flatMap((c) => Array.from({ length: c.endLine - c.startLine + 1 }, (_, i) => c.startLine + i)));
    for (let line = 1; line <= 151; line++) assert.ok(covered.has(line), `line ${line}`);
  });

  test('many small lists: every heading, link and tag found, in bounded time', () => {
    const block = '## Section\n\n- item [link](a.md) #tag\n- item two\n  - nested\n\n> quote\n\n';
    const count = Math.ceil(60_000 / block.length);
    const { ms, doc } = timeParse(block.repeat(count));
    assert.equal(doc.headings.length, count);
    assert.equal(doc.headings.at(-1)?.line, (count - 1) * 8 + 1);
    assert.equal(doc.links.length, count);
    assert.deepEqual(doc.tags, ['tag']);
    assert.ok(ms < 5_000, `parsing took ${ms} ms`);
  });

  test('pathological nesting and brackets finish fast; too-deep content is still chunked, with a warning', () => {
    // 600 levels (2 block levels each) is far past the limit; 2,000 also passes, in ~0.3 s.
    let nested = '';
    for (let i = 0; i < 600; i++) nested += `${' '.repeat(i * 2)}- level ${i} [[Deep ${i}]]\n`;
    const deep = timeParse(nested);
    assert.ok(deep.ms < 5_000, `nested list took ${deep.ms} ms`);
    assert.match(deep.doc.warnings.join('\n'), /nested deeper than 100 levels/);
    // The outer levels are parsed; the lines beyond the limit still belong to chunks.
    assert.equal(deep.doc.links[0]?.target, 'Deep 0');
    assert.ok(deep.doc.links.length >= 40 && deep.doc.links.length < 600, `${deep.doc.links.length} links`);
    assert.equal(deep.doc.chunks.at(-1)?.endLine, 600);
    for (const text of ['>'.repeat(5000) + ' quote\n', '['.repeat(20_000), '['.repeat(10_000) + ']'.repeat(10_000), '*a'.repeat(20_000)]) {
      const { ms, doc } = timeParse(text);
      assert.ok(ms < 3_000, `${text.slice(0, 10)}… took ${ms} ms`);
      assert.equal(doc.chunks.length, 1);
    }
    assert.deepEqual(timeParse('# Shallow\n\n- a\n  - b\n').doc.warnings, []);
  });
});
