import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { ChunkingOptions } from '../../src/core/types.js';
import { splitFrontMatter } from '../../src/markdown/front-matter.js';
import { parseDocument } from '../../src/markdown/index.js';
import { createMarkdownTokenizer } from '../../src/markdown/tokenize.js';

/**
 * Fuzzing of the parser and chunker with any string, not only well-formed Markdown (the
 * generated documents of markdown-property.test.ts): what the chunker promises must hold for
 * whatever a vault holds. Fixed seeds; a failure prints the seed and a shrunk input.
 */

// Pieces that make parsers and line counters stumble, mixed with arbitrary text.
const FRAGMENTS = [
  '\n', '\n', '\n', '\r\n', '\r', '\0', '\t', '    ', '\uFEFF', '\u2028', '\uD800', '\uDFFF', '🧪', 'é', 'ü\u0301',
  '```', '~~~', '````', '```js\n', '~~~~~~\n', '---\n', '---', '+++\n', '...\n', 'title: x\n', 'tags: [a, \n', 'a: *b\n', ': :\n',
  '# ', '## h\n', '=====\n', '- ', '* ', '1. ', '1) ', '> ', '>> ', '| a | b |\n', '|---|---|\n', '[[', ']]', '[[a|b]]', '[x](y.md)',
  '[r]: <u> "t"\n', '<!--', '-->', '<div>\n', '</div>\n', '<pre>', '#tag', '^block-id', '\\', '`', '*', '_', '[', ']', '(', ')',
];

const fragment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...FRAGMENTS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12, size: 'max' }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12, size: 'max' }) },
  // A string is UTF-16: lone surrogates and controls are possible file contents after decoding.
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 8, size: 'max' }) },
);

const nestedFences = fc
  .tuple(fc.integer({ min: 1, max: 12 }), fc.constantFrom('`', '~'), fc.constantFrom('', '  ', '> ', '- '))
  .map(([depth, char, prefix]) => {
    const open = Array.from({ length: depth }, (_, i) => prefix.repeat(i) + char.repeat(3 + depth - i));
    return [...open, 'body', ...open.reverse()].join('\n');
  });

const hugeLine = fc.tuple(fc.constantFrom('a', 'word ', '`', '[', '#', '|', '- '), fc.integer({ min: 1_000, max: 60_000 })).map(([s, n]) => s.repeat(n).slice(0, 120_000));

const anyText = fc.oneof(
  { weight: 6, arbitrary: fc.array(fragment, { maxLength: 120, size: 'max' }).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 400, size: 'max' }) },
  { weight: 1, arbitrary: fc.tuple(fc.array(fragment, { maxLength: 30, size: 'max' }), nestedFences, fc.array(fragment, { maxLength: 30, size: 'max' })).map(([a, f, b]) => `${a.join('')}\n${f}\n${b.join('')}`) },
  { weight: 1, arbitrary: fc.tuple(fc.array(fragment, { maxLength: 20, size: 'max' }), hugeLine, fc.array(fragment, { maxLength: 20, size: 'max' })).map(([a, h, b]) => a.join('') + h + b.join('')) },
);

const chunkingOptions: fc.Arbitrary<ChunkingOptions> = fc
  .record({ minChars: fc.integer({ min: 0, max: 300 }), maxChars: fc.integer({ min: 1, max: 2000 }) })
  .filter((o) => o.minChars < o.maxChars);

const tokenize = createMarkdownTokenizer();

/** The file's lines as the parser counts them (CR, LF and CRLF end a line), BOM removed. */
function fileLines(text: string): string[] {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split(/\r\n|\r|\n/);
}

/** Line ranges (1-based, inclusive) of fenced/indented code, tables and HTML blocks, from one whole-file parse. */
function atomicRanges(lines: readonly string[], bodyLine: number): { start: number; end: number; type: string }[] {
  const tokens = tokenize(lines.map((line, i) => (i < bodyLine ? '' : line)).join('\n'));
  return tokens
    .filter((t) => ['fence', 'code_block', 'table_open', 'html_block'].includes(t.type) && t.map !== null)
    .map((t) => ({ start: (t.map?.[0] ?? 0) + 1, end: t.map?.[1] ?? 0, type: t.type }));
}

function checkChunks(path: string, text: string, opts: ChunkingOptions, markdown: boolean): void {
  const doc = parseDocument(path, text, opts);
  assert.ok(!doc.warnings.some((w) => w.startsWith('Markdown parsing failed')), doc.warnings.join('; '));
  const lines = fileLines(text);
  const bodyLine = markdown ? splitFrontMatter(lines).bodyLine : 0;
  const owner = new Map<number, number>();
  let previousEnd = 0;
  doc.chunks.forEach((chunk, i) => {
    assert.equal(chunk.ordinal, i);
    assert.ok(chunk.startLine >= 1 && chunk.endLine <= lines.length, `chunk ${i} lines ${chunk.startLine}-${chunk.endLine} outside 1-${lines.length}`);
    assert.ok(chunk.startLine > previousEnd, `chunk ${i} overlaps or is out of order`);
    assert.ok(chunk.endLine >= chunk.startLine);
    assert.equal(chunk.content, lines.slice(chunk.startLine - 1, chunk.endLine).join('\n'));
    previousEnd = chunk.endLine;
    for (let line = chunk.startLine; line <= chunk.endLine; line++) owner.set(line, i);
  });
  lines.forEach((line, index) => {
    if (index < bodyLine || line.trim() === '') return;
    assert.ok(owner.has(index + 1), `non-blank line ${index + 1} is in no chunk: ${JSON.stringify(line.slice(0, 80))}`);
  });
  if (!markdown) return;
  // The chunker's promise: code, tables and HTML blocks are never cut, whatever their size.
  for (const range of atomicRanges(lines, bodyLine)) {
    const first = owner.get(range.start);
    for (let line = range.start; line <= range.end; line++) {
      if (owner.has(line)) assert.equal(owner.get(line), first, `${range.type} at lines ${range.start}-${range.end} split across chunks`);
    }
  }
}

describe('fuzz: Markdown parser and chunker on any string', () => {
  test('Markdown: never throws; chunks ordered, inside the file, cover every non-blank body line; code/tables/HTML never split', () => {
    fc.assert(
      fc.property(anyText, chunkingOptions, (text, opts) => checkChunks('fuzz/doc.md', text, opts, true)),
      { seed: 1205, numRuns: 400 },
    );
  });

  test('front matter fragments: never throws, body lines still covered', () => {
    const frontMatter = fc
      .tuple(fc.constantFrom('---', '---\n', '---\r\n', '\uFEFF---\n', '+++\n'), fc.array(fragment, { maxLength: 40, size: 'max' }), fc.constantFrom('', '---', '\n---\n', '...\n', '\n---'), fc.array(fragment, { maxLength: 40, size: 'max' }))
      .map(([open, inside, close, body]) => open + inside.join('') + close + body.join(''));
    fc.assert(
      fc.property(frontMatter, chunkingOptions, (text, opts) => checkChunks('fuzz/doc.md', text, opts, true)),
      { seed: 1206, numRuns: 300 },
    );
  });

  test('plain text (.txt): never throws; chunks ordered and cover every non-blank line', () => {
    fc.assert(
      fc.property(anyText, chunkingOptions, (text, opts) => checkChunks('fuzz/doc.txt', text, opts, false)),
      { seed: 1207, numRuns: 200 },
    );
  });
});
