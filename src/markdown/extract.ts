import type { BlockAnchor, Heading, Link } from '../core/types.js';
import { blockIdAlone, blockIdAtEnd } from './block-ids.js';
import { readInline } from './extract-inline.js';
import { isBlankLine } from './lines.js';
import { createSlugger } from './slug.js';
import { MAX_NESTING, type Token } from './tokenize.js';

/** A top-level (or, for containers, nested) block with absolute 1-based inclusive lines. */
export interface BlockInfo {
  type: string;
  startLine: number;
  endLine: number;
  /** Child blocks of lists, list items and block quotes; undefined for leaves. */
  children: BlockInfo[] | undefined;
  /** Set on headings. */
  heading?: { depth: number; text: string };
}

/** Everything parseMarkdown needs from the body's tokens, with absolute line numbers. */
export interface ExtractedBody {
  blocks: BlockInfo[];
  headings: Heading[];
  /** Blocks named by `^id` markers, in order, the first of a repeated id only. */
  blockIds: BlockAnchor[];
  links: Link[];
  /** Inline tags, lower-cased, in order of appearance (may repeat). */
  tags: string[];
  /** Some container was nested too deep: its inner content was not parsed. */
  truncated: boolean;
}

const BLOCK_TYPES: Readonly<Record<string, string>> = {
  paragraph_open: 'paragraph',
  heading_open: 'heading',
  bullet_list_open: 'list',
  ordered_list_open: 'list',
  list_item_open: 'listItem',
  blockquote_open: 'blockquote',
  fence: 'code',
  code_block: 'code',
  html_block: 'html',
  table_open: 'table',
  hr: 'thematicBreak',
  reference_definition: 'definition',
};
const CONTAINERS = new Set(['list', 'listItem', 'blockquote']);

/**
 * Reads blocks, headings (with GitHub slugs), links and tags from markdown-it tokens of a
 * body that starts on 0-based source line `lineOffset` (after the front matter).
 */
export function extractBody(tokens: readonly Token[], lines: readonly string[], lineOffset: number): ExtractedBody {
  const out: ExtractedBody = { blocks: [], headings: [], blockIds: [], links: [], tags: [], truncated: false };
  const slug = createSlugger();
  const anchor = createAnchorSink(out.blockIds, lines);
  // Children lists of the open block tokens: a container's, or null inside a leaf (table…);
  // `owners` holds the block each list belongs to (undefined for the top level).
  const open: (BlockInfo[] | null)[] = [out.blocks];
  const owners: (BlockInfo | undefined)[] = [undefined];
  let map: [number, number] = [0, 1];
  let heading: { depth: number; block: BlockInfo } | undefined;
  for (const token of tokens) {
    // Table cells' inline tokens have no map: their row's is the last one seen.
    if (token.map !== null) map = token.map;
    if (token.nesting === -1) {
      open.pop();
      owners.pop();
      continue;
    }
    if (token.type === 'inline') {
      const line = lineOffset + map[0] + 1;
      const text = readInline(token.children ?? [], line, out, heading !== undefined);
      if (heading !== undefined) {
        heading.block.heading = { depth: heading.depth, text };
        out.headings.push({ depth: heading.depth, text, slug: slug(text), line: heading.block.startLine });
        heading = undefined;
      }
      continue;
    }
    const siblings = open[open.length - 1];
    if (siblings === null || siblings === undefined) {
      if (token.nesting === 1) {
        open.push(null);
        owners.push(undefined);
      }
      continue;
    }
    const block = toBlock(token, map, lines, lineOffset);
    siblings.push(block);
    if (token.type === 'heading_open') heading = { depth: Number(token.tag.slice(1)) || 1, block };
    if (block.type === 'paragraph') anchor(block, siblings, owners[owners.length - 1]);
    if (token.nesting === 1) {
      if (token.level >= MAX_NESTING - 1) out.truncated = true;
      open.push(CONTAINERS.has(block.type) ? (block.children = []) : null);
      owners.push(block);
    }
  }
  return out;
}

/**
 * Records the block a paragraph's `^id` marker names: a paragraph ending in ` ^id` names itself,
 * or its list item when it is the item's first paragraph; a paragraph holding only `^id` names
 * the block before it (a table, a quote, a list), as in Obsidian.
 */
function createAnchorSink(into: BlockAnchor[], lines: readonly string[]): (paragraph: BlockInfo, siblings: readonly BlockInfo[], owner: BlockInfo | undefined) => void {
  const seen = new Set<string>();
  return (paragraph, siblings, owner) => {
    const last = lines[paragraph.endLine - 1] ?? '';
    if (!last.includes('^')) return;
    const alone = paragraph.startLine === paragraph.endLine ? blockIdAlone(last) : undefined;
    const id = alone ?? blockIdAtEnd(last);
    if (id === undefined || seen.has(id)) return;
    seen.add(id);
    const previous = siblings[siblings.length - 2];
    let named = paragraph;
    if (alone !== undefined && previous !== undefined && previous.type !== 'heading') named = previous;
    else if (owner?.type === 'listItem' && siblings[0] === paragraph) named = owner;
    into.push({ id, line: named.startLine, endLine: Math.max(named.endLine, paragraph.endLine) });
  };
}

function toBlock(token: Token, map: readonly [number, number], lines: readonly string[], lineOffset: number): BlockInfo {
  const startLine = lineOffset + map[0] + 1;
  let endLine = Math.max(startLine, lineOffset + map[1]);
  // markdown-it's ranges may include trailing blank lines (list items); blocks end on content.
  while (endLine > startLine && isBlankLine(lines[endLine - 1] ?? '')) endLine--;
  return { type: BLOCK_TYPES[token.type] ?? token.type, startLine, endLine, children: undefined };
}
