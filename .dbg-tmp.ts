import type { Nodes } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { gfmTableFromMarkdown } from 'mdast-util-gfm-table';
import { frontmatter } from 'micromark-extension-frontmatter';
import { gfmTable } from 'micromark-extension-gfm-table';
import { extractDocument } from './src/markdown/extract.js';
import { splitSourceLines } from './src/markdown/lines.js';
import { parseTree } from './src/markdown/parse-tree.js';
import { planSegments } from './src/markdown/segments.js';
function createRandom(seed: number): { int(n: number): number; pick<T>(items: readonly T[]): T; chance(p: number): boolean } {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(next() * n);
  return { int, pick: (items) => items[int(items.length)] as (typeof items)[number], chance: (p) => next() < p };
}

type Random = ReturnType<typeof createRandom>;

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'snake_case', 'camelCase', 'dotted.name', 'x', 'long-word', 'über'];
const INLINE = ['[link](other.md)', '[[Wiki Page]]', '[[Page#Part|alias]]', '#tag-one', '`code #no [[no]]`', '[ref][r1]', '[r2]', '*em*', '<span>x</span>', '![img](a.png)', 'https://x.org/#frag'];

function words(r: Random, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.chance(0.15) ? r.pick(INLINE) : r.pick(WORDS));
  return out.join(' ');
}

function paragraph(r: Random): string {
  const lines: string[] = [];
  for (let i = 0, n = 1 + r.int(4); i < n; i++) lines.push(words(r, 2 + r.int(12)));
  return lines.join('\n');
}

function fence(r: Random, indent = ''): string {
  const marker = r.pick(['```', '~~~', '````']);
  const body = ['# not a heading', '', '- not an item', '[r1]: nope.md', '| a | b |', '---', words(r, 4), '<!--'];
  const lines = [indent + marker + r.pick(['', 'js', 'md'])];
  for (let i = 0, n = r.int(6); i < n; i++) lines.push(indent + r.pick(body));
  lines.push(indent + marker);
  return lines.join('\n');
}

function table(r: Random): string {
  const rows = ['| head | [[Other]] |', '| --- | --- |'];
  for (let i = 0, n = 1 + r.int(4); i < n; i++) rows.push(`| ${words(r, 2)} | ${words(r, 1)} |`);
  return rows.join('\n');
}

function list(r: Random): string {
  const ordered = r.chance(0.3);
  const lines: string[] = [];
  for (let i = 0, n = 1 + r.int(5); i < n; i++) {
    lines.push(`${ordered ? `${i + 1}.` : r.pick(['-', '*'])} ${words(r, 1 + r.int(6))}`);
    if (r.chance(0.3)) lines.push(`   ${words(r, 3)}`);
    if (r.chance(0.2)) lines.push(`   - nested ${words(r, 2)}`);
    if (r.chance(0.15)) lines.push('', fence(r, '   '));
    if (r.chance(0.2)) lines.push('');
  }
  return lines.join('\n');
}

function block(r: Random): string {
  switch (r.int(11)) {
    case 0:
    case 1:
      return `${'#'.repeat(1 + r.int(3))} ${words(r, 1 + r.int(3))}`;
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
  for (let i = 0, n = r.int(30); i < n; i++) parts.push(block(r));
  let doc = '';
  for (const part of parts) doc += part + r.pick(['\n\n', '\n\n', '\n', '\n\n\n']);
  return r.chance(0.15) ? doc.replace(/\n/g, '\r\n') : doc;
}

/** Line ranges of every code block and table, from one whole-document parse (the oracle). */
function atomicRanges(text: string): { start: number; end: number }[] {
  const root = fromMarkdown(text, {
    extensions: [frontmatter(['yaml']), gfmTable()],
    mdastExtensions: [frontmatterFromMarkdown(['yaml']), gfmTableFromMarkdown()],
  });
  const out: { start: number; end: number }[] = [];
  const stack: Nodes[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Nodes;
    if ((node.type === 'code' || node.type === 'table') && node.position !== undefined) {
      out.push({ start: node.position.start.line, end: node.position.end.line });
    }
    if ('children' in node) stack.push(...(node.children as Nodes[]));
  }
  return out;
}

function extractWith(text: string, targetChars: number): ReturnType<typeof extractDocument> {
  const source = splitSourceLines(text);
  const tree = parseTree(text, source, { targetChars, hardCapChars: Number.MAX_SAFE_INTEGER });
  return extractDocument(text, source, tree);
}

const want = Number(process.argv[2]);
const r = createRandom(20240611);
for (let run = 0; run < 200; run++) {
  const text = randomDocument(r);
  r.int(120); r.int(400);
  if (run !== want) continue;
  const whole = extractWith(text, Number.MAX_SAFE_INTEGER), cut = extractWith(text, 1);
  const lines = text.split(/\r\n|\r|\n/);
  console.log(planSegments(lines, { targetChars: 1, hardCapChars: 1e15 }).starts.map(s => s + 1).join(','));
  lines.forEach((l, i) => console.log(String(i + 1).padStart(3), l));
  const a = JSON.stringify(whole.links.map(l => [l.line, l.kind, l.target])), b = JSON.stringify(cut.links.map(l => [l.line, l.kind, l.target]));
  console.log('whole', a); console.log('cut  ', b);
  console.log(JSON.stringify(whole.headings.map(h => h.line)), JSON.stringify(cut.headings.map(h => h.line)));
}
