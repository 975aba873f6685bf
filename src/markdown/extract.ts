import type { Nodes, Parents, RootContent } from 'mdast';
import type { Heading, Link } from '../core/types.js';
import { blankWikiLinks, findTags, findWikiLinks } from './inline-syntax.js';
import type { SourceLines } from './lines.js';
import type { ParsedTree, TreeSegment } from './parse-tree.js';
import { createSlugger } from './slug.js';

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

/** Everything parseMarkdown needs from the tree, with absolute line numbers. */
export interface ExtractedDocument {
  frontMatterSource: string | undefined;
  /** First line (1-based) after the front matter; 1 when there is none. */
  bodyStartLine: number;
  blocks: BlockInfo[];
  headings: Heading[];
  links: Link[];
  /** Inline tags, lower-cased, in order of appearance (may repeat). */
  tags: string[];
}

const CONTAINERS = new Set(['list', 'listItem', 'blockquote']);
const SKIPPED = new Set(['code', 'inlineCode', 'html', 'yaml', 'image', 'imageReference']);
// Deeper nesting is treated as one leaf: keeps recursion bounded on pathological input.
const MAX_BLOCK_DEPTH = 64;
const SCHEME = /^[a-z][a-z0-9+.-]*:|^\/\//i;

export function extractDocument(text: string, source: SourceLines, tree: ParsedTree): ExtractedDocument {
  const out: ExtractedDocument = { frontMatterSource: undefined, bodyStartLine: 1, blocks: [], headings: [], links: [], tags: [] };
  const definitions = new Map<string, string>();
  const references: { index: number; identifier: string }[] = [];
  const slug = createSlugger();

  for (const segment of tree.segments) {
    const offset = segment.firstLine;
    const limit = segment.endLine - segment.firstLine;
    const real = (node: Nodes): boolean => node.position !== undefined && node.position.start.line <= limit;
    for (const child of segment.root.children) {
      if (!real(child)) continue;
      if (child.type === 'yaml' && offset === 0) {
        out.frontMatterSource = child.value;
        out.bodyStartLine = (child.position?.end.line ?? 0) + 1;
        continue;
      }
      out.blocks.push(toBlock(child, offset, limit, 0));
    }

    // Document order walk with an explicit stack: nesting depth is attacker-controlled.
    const stack: Nodes[] = [segment.root];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node === undefined || (node.type !== 'root' && !real(node)) || SKIPPED.has(node.type)) continue;
      const line = offset + (node.position?.start.line ?? 1);
      switch (node.type) {
        case 'heading': {
          const headingText = plainText(node);
          out.headings.push({ depth: node.depth, text: headingText, slug: slug(headingText), line });
          break;
        }
        case 'link':
          out.links.push({ kind: 'inline', ...splitLinkTarget(node.url), ...textField(plainText(node)), line });
          break;
        case 'linkReference':
          references.push({ index: out.links.length, identifier: node.identifier });
          out.links.push({ kind: 'reference', target: '', ...textField(plainText(node)), line });
          break;
        case 'definition':
          if (!definitions.has(node.identifier)) definitions.set(node.identifier, node.url);
          break;
        case 'text':
          readText(node.value, line, textStart(node, segment, source, text), out);
          break;
        default:
          break;
      }
      if ('children' in node) for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i] as Nodes);
    }
  }

  const unresolved = new Set<number>();
  for (const ref of references) {
    const url = definitions.get(ref.identifier);
    const link = out.links[ref.index];
    if (url === undefined || link === undefined) unresolved.add(ref.index);
    else Object.assign(link, splitLinkTarget(url));
  }
  if (unresolved.size > 0) out.links = out.links.filter((_, i) => !unresolved.has(i));
  return out;
}

/** Splits `path#heading` and percent-decodes both; URLs with a scheme are kept as written. */
export function splitLinkTarget(url: string): { target: string; heading?: string } {
  const trimmed = url.trim();
  if (SCHEME.test(trimmed)) return { target: trimmed };
  const hash = trimmed.indexOf('#');
  const pathPart = (hash >= 0 ? trimmed.slice(0, hash) : trimmed).replace(/\?.*$/, '');
  const heading = hash >= 0 ? safeDecode(trimmed.slice(hash + 1)) : '';
  return heading === '' ? { target: safeDecode(pathPart) } : { target: safeDecode(pathPart), heading };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function textField(value: string): { text?: string } {
  return value === '' ? {} : { text: value };
}

function readText(value: string, line: number, before: string | undefined, out: ExtractedDocument): void {
  const wiki = value.includes('[[') ? findWikiLinks(value) : [];
  for (const link of wiki) {
    const lineBreaks = value.slice(0, link.index).match(/\r\n|\r|\n/g)?.length ?? 0;
    out.links.push({
      kind: 'wiki',
      target: link.target,
      ...(link.heading === undefined ? {} : { heading: link.heading }),
      text: link.alias ?? link.raw,
      line: line + lineBreaks,
    });
  }
  if (value.includes('#')) out.tags.push(...findTags(blankWikiLinks(value, wiki), before));
}

/** The source character just before a text node, to tell `word#x` from ` #x`. */
function textStart(node: Nodes, segment: TreeSegment, source: SourceLines, text: string): string | undefined {
  const offset = (source.starts[segment.firstLine] ?? 0) + (node.position?.start.offset ?? 0);
  return offset > 0 ? text[offset - 1] : undefined;
}

/** Visible text of a node (text and inline code), whitespace collapsed; images and HTML skipped. */
export function plainText(node: Nodes): string {
  const parts: string[] = [];
  const stack: Nodes[] = [node];
  while (stack.length > 0) {
    const current = stack.pop();
    if (current === undefined || current.type === 'html' || current.type === 'image') continue;
    if (current.type === 'text' || current.type === 'inlineCode') parts.push(current.value);
    else if (current.type === 'break') parts.push(' ');
    else if ('children' in current) {
      const children = (current as Parents).children;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Nodes);
    }
  }
  return parts.join('').replace(/\s+/g, ' ').trim();
}

function toBlock(node: RootContent, offset: number, limit: number, depth: number): BlockInfo {
  const start = offset + (node.position?.start.line ?? 1);
  const end = Math.max(start, offset + Math.min(node.position?.end.line ?? 1, limit));
  let children: BlockInfo[] | undefined;
  if (CONTAINERS.has(node.type) && depth < MAX_BLOCK_DEPTH && 'children' in node) {
    children = [];
    for (const child of node.children as RootContent[]) {
      if (child.position !== undefined && child.position.start.line <= limit) children.push(toBlock(child, offset, limit, depth + 1));
    }
  }
  const block: BlockInfo = { type: node.type, startLine: start, endLine: end, children };
  if (node.type === 'heading') block.heading = { depth: node.depth, text: plainText(node) };
  return block;
}
