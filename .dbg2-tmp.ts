import { extractDocument } from './src/markdown/extract.js';
import { splitSourceLines } from './src/markdown/lines.js';
import { parseTree } from './src/markdown/parse-tree.js';
import { parseMarkdown } from './src/markdown/index.js';
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

function extractWith(text: string, targetChars: number) { const source = splitSourceLines(text); return extractDocument(text, source, parseTree(text, source, { targetChars, hardCapChars: Number.MAX_SAFE_INTEGER })); }
let bad = 0; const kinds = new Map<string, number>();
for (let seed = 1; seed <= 70; seed++) {
  const r = createRandom(seed * 7777);
  for (let run = 0; run < 200; run++) {
    const text = randomDocument(r);
    const w = extractWith(text, 1e15), c = extractWith(text, 1);
    for (const k of ['headings', 'links', 'tags'] as const) {
      if (JSON.stringify(w[k]) !== JSON.stringify(c[k])) { bad++; kinds.set(k, (kinds.get(k) ?? 0) + 1); if (bad <= 3) { console.log('seed', seed * 7777, 'run', run, k); } break; }
    }
  }
}
console.log('bad', bad, kinds);
