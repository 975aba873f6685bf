/**
 * Markdown building blocks for the synthetic corpus: sentences, paragraphs with inline code,
 * emphasis, links and wikilinks, lists, code fences, tables and quotes. Every block fits a
 * character budget so a section's size stays within the range the generator asks for.
 */
import type { Random } from '../lib/random.js';
import type { Vocabulary } from './vocabulary.js';

/** Where a paragraph may link to: inline Markdown links (relative paths) and wikilinks (file stems). */
export interface LinkTargets {
  /** A relative path from the current file to another file, and that file's title. */
  inline(): { href: string; text: string } | null;
  /** A wikilink target (file stem) and, sometimes, an alias. */
  wiki(): { target: string; alias?: string } | null;
}

export interface BlockContext {
  random: Random;
  vocab: Vocabulary;
  links: LinkTargets;
}

const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

/** `camelCase`, `snake_case` or `dotted.name` identifier from topical words. */
export function makeIdentifier(ctx: BlockContext): string {
  const { random, vocab } = ctx;
  const parts = [vocab.drawTopical(random), vocab.drawTopical(random), ...(random.chance(0.4) ? [vocab.drawTopical(random)] : [])];
  const style = random.int(0, 2);
  if (style === 0) return parts[0] + parts.slice(1).map(capitalize).join('');
  if (style === 1) return parts.join('_');
  return parts.join('.');
}

/** One sentence of 6–18 words, with occasional inline code, emphasis, link or wikilink. */
export function makeSentence(ctx: BlockContext): string {
  const { random, vocab } = ctx;
  const n = random.int(6, 18);
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(vocab.draw(random));
  const at = random.int(1, words.length - 1);
  const roll = random.next();
  if (roll < 0.08) words.splice(at, 0, `\`${makeIdentifier(ctx)}\``);
  else if (roll < 0.12) words[at] = `**${words[at]}**`;
  else if (roll < 0.17) {
    const link = ctx.links.inline();
    if (link) words.splice(at, 0, `(see [${link.text}](${link.href}))`);
  } else if (roll < 0.22) {
    const wiki = ctx.links.wiki();
    if (wiki) words.splice(at, 0, wiki.alias ? `[[${wiki.target}|${wiki.alias}]]` : `[[${wiki.target}]]`);
  }
  return `${capitalize(words.join(' '))}.`;
}

/** A paragraph of whole sentences, at most `budget` characters (at least one sentence). */
export function makeParagraph(ctx: BlockContext, budget: number): string {
  const target = Math.min(budget, ctx.random.int(150, 600));
  let text = makeSentence(ctx);
  for (;;) {
    const next = makeSentence(ctx);
    if (text.length + 1 + next.length > target) return text;
    text += ` ${next}`;
  }
}

function makeList(ctx: BlockContext): string {
  const { random } = ctx;
  const ordered = random.chance(0.3);
  const items: string[] = [];
  const count = random.int(3, 6);
  for (let i = 0; i < count; i++) {
    items.push(`${ordered ? `${i + 1}.` : '-'} ${makeSentence(ctx)}`);
    if (random.chance(0.15)) items.push(`  - ${makeSentence(ctx)}`);
  }
  return items.join('\n');
}

const LANGUAGES = ['ts', 'bash', 'json', 'python', 'yaml'] as const;

function makeCode(ctx: BlockContext): string {
  const { random, vocab } = ctx;
  const lang = random.pick(LANGUAGES);
  const lines: string[] = [];
  const count = random.int(3, 8);
  for (let i = 0; i < count; i++) {
    const id = makeIdentifier(ctx);
    const word = vocab.drawTopical(random);
    switch (lang) {
      case 'ts': lines.push(i === 0 ? `export function ${id.replace(/[._]/g, '')}(${word}: string) {` : `  const ${word}${i} = ${id}(${random.int(1, 500)});`); break;
      case 'bash': lines.push(`${word} --${vocab.drawTopical(random)} ${random.int(1, 64)}  # ${vocab.draw(random)} ${vocab.draw(random)}`); break;
      case 'json': lines.push(`  "${id}": ${random.chance(0.5) ? random.int(0, 9999) : `"${word}"`}${i < count - 1 ? ',' : ''}`); break;
      case 'python': lines.push(i === 0 ? `def ${id.replace(/\./g, '_')}(${word}):` : `    ${word} = ${id.replace(/\./g, '_')}(${random.int(1, 99)})`); break;
      case 'yaml': lines.push(`${id.replace(/\./g, '_')}: ${random.chance(0.5) ? random.int(0, 100) : word}`); break;
    }
  }
  if (lang === 'ts') lines.push('}');
  if (lang === 'json') return `\`\`\`json\n{\n${lines.join('\n')}\n}\n\`\`\``;
  return `\`\`\`${lang}\n${lines.join('\n')}\n\`\`\``;
}

function makeTable(ctx: BlockContext): string {
  const { random, vocab } = ctx;
  const cols = random.int(2, 4);
  const header = Array.from({ length: cols }, () => capitalize(vocab.drawTopical(random)));
  const rows = Array.from({ length: random.int(2, 5) }, () =>
    Array.from({ length: cols }, (_, c) => (c === 0 ? `\`${makeIdentifier(ctx)}\`` : random.chance(0.4) ? String(random.int(1, 1000)) : `${vocab.draw(random)} ${vocab.draw(random)}`)),
  );
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** A block that fits `budget` characters: mostly paragraphs, sometimes a list, code, table or quote. */
export function makeBlock(ctx: BlockContext, budget: number): string {
  const roll = ctx.random.next();
  let block: string | null = null;
  if (roll < 0.15) block = makeList(ctx);
  else if (roll < 0.3) block = makeCode(ctx);
  else if (roll < 0.38) block = makeTable(ctx);
  else if (roll < 0.42) block = `> ${makeParagraph(ctx, Math.max(60, budget - 2))}`;
  // Lists, code and tables are never cut (the chunker keeps fences and tables whole), so a
  // structural block that does not fit gives way to a paragraph sized to the budget.
  return block !== null && block.length <= budget ? block : makeParagraph(ctx, budget);
}

/** Heading text of 2–5 words, first word capitalised. */
export function makeHeadingText(ctx: BlockContext): string {
  const words = Array.from({ length: ctx.random.int(2, 5) }, (_, i) => (i === 0 ? ctx.vocab.drawTopical(ctx.random) : ctx.vocab.draw(ctx.random)));
  return capitalize(words.join(' '));
}
