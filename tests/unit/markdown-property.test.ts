import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ParsedDocument } from '../../src/core/types.js';
import { splitFrontMatter } from '../../src/markdown/front-matter.js';
import { parseMarkdown } from '../../src/markdown/index.js';
import { createMarkdownTokenizer, type Token } from '../../src/markdown/tokenize.js';
import { createRandom, type Random } from '../../bench/lib/random.js';


const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'snake_case', 'camelCase', 'dotted.name', 'x', 'long-word', 'über'];
const INLINE = ['[link](other.md)', '[[Wiki Page]]', '[[Page#Part|alias]]', '#tag-one', '`code #no [[no]]`', '[ref][r1]', '[r2]', '*em*', '<span>x</span>', '![img](a.png)', 'https://x.org/#frag'];

function words(r: Random, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.chance(0.15) ? r.pick(INLINE) : r.pick(WORDS));
  return out.join(' ');
}

function paragraph(r: Random): string {
  const lines: string[] = [];
  for (let i = 0, n = 1 + r.int(0, 3); i < n; i++) lines.push(words(r, 2 + r.int(0, 11)));
  return lines.join('\n');
}

function fence(r: Random, indent = ''): string {
  const marker = r.pick(['```', '~~~', '````']);
  const body = ['# not a heading', '', '- not an item', '[r1]: nope.md', '| a | b |', '---', words(r, 4), '<!--'];
  const lines = [indent + marker + r.pick(['', 'js', 'md'])];
  for (let i = 0, n = r.int(0, 5); i < n; i++) lines.push(indent + r.pick(body));
  lines.push(indent + marker);
  return lines.join('\n');
}

function table(r: Random): string {
  const rows = ['| head | [[Other]] |', '| --- | --- |'];
  for (let i = 0, n = 1 + r.int(0, 3); i < n; i++) rows.push(`| ${words(r, 2)} | ${words(r, 1)} |`);
  return rows.join('\n');
}

function list(r: Random): string {
  const ordered = r.chance(0.3);
  const lines: string[] = [];
  for (let i = 0, n = 1 + r.int(0, 4); i < n; i++) {
    lines.push(`${ordered ? `${i + 1}.` : r.pick(['-', '*'])} ${words(r, 1 + r.int(0, 5))}`);
    if (r.chance(0.3)) lines.push(`   ${words(r, 3)}`);
    if (r.chance(0.2)) lines.push(`   - nested ${words(r, 2)}`);
    if (r.chance(0.15)) lines.push('', fence(r, '   '));
    if (r.chance(0.2)) lines.push('');
  }
  return lines.join('\n');
}

function block(r: Random): string {
  switch (r.int(0, 10)) {
    case 0:
    case 1:
      return `${'#'.repeat(1 + r.int(0, 2))} ${words(r, 1 + r.int(0, 2))}`;
    case 2:
      return `${words(r, 2)}\n${r.pick(['===', '---'])}`;
    case 3:
      return fence(r);
    case 4:
      return table(r);
    case 5:
      return list(r);
    case 6:
      return `> ${words(r, 4)}\n> ${words(r, 3)}`;
    case 7:
      return '<!--\n\n# commented heading [x](hidden.md)\n\n-->';
    case 8:
      return r.pick(['[r1]: defined.md', '[r2]: <other file.md> "title"', '***', '<div>\n- in html [h](html.md)\n# no\n</div>', '3) three\n4) four #t4', '    indented code [c](code.md)']);
    default:
      return paragraph(r);
  }
}

function randomDocument(r: Random): string {
  const parts: string[] = [];
  if (r.chance(0.2)) parts.push('---\ntitle: Random\ntags: [a, b]\n---');
  for (let i = 0, n = r.int(0, 29); i < n; i++) parts.push(block(r));
  let doc = '';
  for (const part of parts) doc += part + r.pick(['\n\n', '\n\n', '\n', '\n\n\n']);
  return r.chance(0.15) ? doc.replace(/\n/g, '\r\n') : doc;
}

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
  const r = createRandom(20240611);
  for (let run = 0; run < 200; run++) {
    const text = randomDocument(r);
    const opts = { minChars: r.int(0, 119), maxChars: 40 + r.int(0, 399) };
    test(`document ${run}`, () => {
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
    });
  }
});
