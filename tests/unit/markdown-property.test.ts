import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ParsedDocument } from '../../src/core/types.js';
import { splitFrontMatter } from '../../src/markdown/front-matter.js';
import { parseMarkdown } from '../../src/markdown/index.js';
import { createMarkdownTokenizer, type Token } from '../../src/markdown/tokenize.js';
import fc from 'fast-check';

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'snake_case', 'camelCase', 'dotted.name', 'x', 'long-word', 'über'];
const INLINE = ['[link](other.md)', '[[Wiki Page]]', '[[Page#Part|alias]]', '#tag-one', '`code #no [[no]]`', '[ref][r1]', '[r2]', '*em*', '<span>x</span>', '![img](a.png)', 'https://x.org/#frag'];

/** `min`..`max` words, about one in seven an inline construct (link, tag, code span…). */
function words(min: number, max: number): fc.Arbitrary<string> {
  const word = fc.oneof({ weight: 85, arbitrary: fc.constantFrom(...WORDS) }, { weight: 15, arbitrary: fc.constantFrom(...INLINE) });
  return fc.array(word, { minLength: min, maxLength: max, size: 'max' }).map((w) => w.join(' '));
}

/** `arbitrary` in about `percent` % of cases, else null. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: percent, arbitrary }, { weight: 100 - percent, arbitrary: fc.constant(null) });
}

const paragraph = fc.array(words(2, 12), { minLength: 1, maxLength: 4, size: 'max' }).map((lines) => lines.join('\n'));

function fence(indent = ''): fc.Arbitrary<string> {
  const body = fc.oneof(fc.constantFrom('# not a heading', '', '- not an item', '[r1]: nope.md', '| a | b |', '---', '<!--'), words(4, 4));
  return fc
    .record({ marker: fc.constantFrom('```', '~~~', '````'), info: fc.constantFrom('', 'js', 'md'), body: fc.array(body, { maxLength: 5, size: 'max' }) })
    .map(({ marker, info, body }) => [marker + info, ...body, marker].map((line) => indent + line).join('\n'));
}

const table = fc
  .array(fc.tuple(words(2, 2), words(1, 1)), { minLength: 1, maxLength: 4, size: 'max' })
  .map((rows) => ['| head | [[Other]] |', '| --- | --- |', ...rows.map(([a, b]) => `| ${a} | ${b} |`)].join('\n'));

const listItem = fc.record({
  text: words(1, 6),
  marker: fc.constantFrom('-', '*'),
  continuation: sometimes(words(3, 3), 30),
  nested: sometimes(words(2, 2), 20),
  fence: sometimes(fence('   '), 15),
  blankAfter: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
});

const list = fc.tuple(fc.boolean(), fc.array(listItem, { minLength: 1, maxLength: 5, size: 'max' })).map(([ordered, items]) =>
  items
    .flatMap((item, i) => [
      `${ordered ? `${i + 1}.` : item.marker} ${item.text}`,
      ...(item.continuation === null ? [] : [`   ${item.continuation}`]),
      ...(item.nested === null ? [] : [`   - nested ${item.nested}`]),
      ...(item.fence === null ? [] : ['', item.fence]),
      ...(item.blankAfter ? [''] : []),
    ])
    .join('\n'),
);

const block: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 1, max: 3 }), words(1, 3)).map(([depth, text]) => `${'#'.repeat(depth)} ${text}`) },
  fc.tuple(words(2, 2), fc.constantFrom('===', '---')).map(([text, underline]) => `${text}\n${underline}`),
  fence(),
  table,
  list,
  fc.tuple(words(4, 4), words(3, 3)).map(([a, b]) => `> ${a}\n> ${b}`),
  fc.constant('<!--\n\n# commented heading [x](hidden.md)\n\n-->'),
  fc.constantFrom('[r1]: defined.md', '[r2]: <other file.md> "title"', '***', '<div>\n- in html [h](html.md)\n# no\n</div>', '3) three\n4) four #t4', '    indented code [c](code.md)'),
  { weight: 2, arbitrary: paragraph },
);

/** A document of up to 30 blocks, sometimes with front matter, sometimes with CRLF line ends. */
const randomDocument = fc
  .record({
    front: sometimes(fc.constantFrom('\n\n', '\n', '\n\n\n'), 20),
    parts: fc.array(fc.tuple(block, fc.constantFrom('\n\n', '\n', '\n\n\n')), { maxLength: 30, size: 'max' }),
    crlf: fc.integer({ min: 0, max: 19 }).map((n) => n < 3),
  })
  .map(({ front, parts, crlf }) => {
    const doc = (front === null ? '' : `---\ntitle: Random\ntags: [a, b]\n---${front}`) + parts.map(([text, gap]) => text + gap).join('');
    return crlf ? doc.replace(/\n/g, '\r\n') : doc;
  });

const chunkingOptions = fc.record({ minChars: fc.integer({ min: 0, max: 119 }), maxChars: fc.integer({ min: 40, max: 439 }) });

const tokenize = createMarkdownTokenizer();
const FRONT_MATTER = '---\ntitle: Shifted\n---\n';

/**
 * The oracle: the whole file tokenized in one piece with its front matter lines blanked
 * rather than cut off (the parser cuts them off and offsets), so maps are file lines.
 */
function wholeFileTokens(text: string): Token[] {
  const lines = text.split(/\r\n|\r|\n/);
  const { bodyLine } = splitFrontMatter(lines);
  return tokenize(lines.map((line, i) => (i < bodyLine ? '' : line)).join('\n'));
}

/** 1-based inclusive line ranges of the tokens of the given types (flat stream: nested ones too). */
function rangesOf(tokens: readonly Token[], types: readonly string[]): { start: number; end: number }[] {
  return tokens.filter((t) => types.includes(t.type) && t.map !== null).map((t) => ({ start: (t.map?.[0] ?? 0) + 1, end: t.map?.[1] ?? 0 }));
}

/** What a document's body says, with every line number moved by `-shift`. */
function shifted(doc: ParsedDocument, shift: number, frontMatterTags: readonly string[] = []): unknown {
  return {
    headings: doc.headings.map((h) => ({ ...h, line: h.line - shift })),
    links: doc.links.map((l) => ({ ...l, line: l.line - shift })),
    tags: doc.tags.filter((t) => !frontMatterTags.includes(t)),
    chunks: doc.chunks.map((c) => [c.headingPath, c.startLine - shift, c.endLine - shift, c.content, c.hash]),
  };
}

describe('chunking invariants on random documents', () => {
  test('200 generated documents (fast-check, fixed seed: a failure prints the seed and the shrunk document)', () => {
    fc.assert(
      fc.property(randomDocument, chunkingOptions, (text, opts) => {
      const doc = parseMarkdown('p/doc.md', text, opts);
      const lines = text.split(/\r\n|\r|\n/);
      const { bodyLine } = splitFrontMatter(lines);
      const whole = wholeFileTokens(text);
      // The generator's front matter says `tags: [a, b]`; its bodies never use #a or #b.
      const frontTags = bodyLine > 0 ? ['a', 'b'] : [];

      // Line endings and a byte-order mark change nothing.
      assert.deepEqual(parseMarkdown('p/doc.md', text.replace(/\r\n|\r|\n/g, '\r\n'), opts), doc);
      assert.deepEqual(parseMarkdown('p/doc.md', `\uFEFF${text}`, opts), doc);
      // Front matter only moves the body: same findings and chunks, lines offset.
      const body = lines.slice(bodyLine).join('\n');
      if (!/^---[ \t]*$/.test(lines[bodyLine] ?? '')) {
        const alone = parseMarkdown('p/doc.md', body, opts);
        const withFront = parseMarkdown('p/doc.md', FRONT_MATTER + body, opts);
        assert.deepEqual(shifted(doc, bodyLine, frontTags), shifted(alone, 0));
        assert.deepEqual(shifted(withFront, 3), shifted(alone, 0));
      }
      // Headings are where one whole-file parse puts them.
      assert.deepEqual(doc.headings.map((h) => h.line), rangesOf(whole, ['heading_open']).map((range) => range.start));
      for (const link of doc.links) {
        assert.ok(link.line > bodyLine && link.line <= lines.length, `link line ${link.line}`);
        const source = lines[link.line - 1] ?? '';
        assert.ok(link.kind === 'wiki' ? source.includes('[[') : /[[<]/.test(source), `${JSON.stringify(link)} on ${JSON.stringify(source)}`);
      }
      for (const tag of doc.tags.filter((t) => !frontTags.includes(t))) assert.ok(text.toLowerCase().includes(`#${tag}`), tag);

      let previousEnd = 0;
      const owner = new Map<number, number>();
      doc.chunks.forEach((chunk, i) => {
        assert.equal(chunk.ordinal, i);
        assert.equal(chunk.id, `p/doc.md#${i}`);
        assert.ok(chunk.startLine > previousEnd, `chunk ${i} overlaps or is out of order`);
        assert.ok(chunk.endLine >= chunk.startLine);
        previousEnd = chunk.endLine;
        assert.equal(chunk.content, lines.slice(chunk.startLine - 1, chunk.endLine).join('\n'));
        assert.notEqual(lines[chunk.startLine - 1]?.trim(), '', 'chunk starts with a blank line');
        assert.notEqual(lines[chunk.endLine - 1]?.trim(), '', 'chunk ends with a blank line');
        for (let line = chunk.startLine; line <= chunk.endLine; line++) owner.set(line, i);
      });
      lines.forEach((line, index) => {
        const number = index + 1;
        if (number <= bodyLine || line.trim() === '') return;
        assert.ok(owner.has(number), `non-blank line ${number} is in no chunk: ${JSON.stringify(line)}`);
      });
      for (const range of rangesOf(whole, ['fence', 'code_block', 'table_open'])) {
        const first = owner.get(range.start);
        for (let line = range.start; line <= range.end; line++) {
          if (owner.has(line)) assert.equal(owner.get(line), first, `code/table at ${range.start}-${range.end} split`);
        }
      }
      }),
      { seed: 20240611, numRuns: 200 },
    );
  });
});
