import type { Link } from '../core/types.js';
import { splitFragment } from './block-ids.js';
import { blankWikiLinks, findTags, findWikiLinks } from './inline-syntax.js';
import type { Token } from './tokenize.js';

/** Where inline findings go, in document order. */
export interface InlineSink {
  links: Link[];
  /** Inline tags, lower-cased, in order of appearance (may repeat). */
  tags: string[];
}

const SCHEME = /^[a-z][a-z0-9+.-]*:|^\/\//i;
const LINE_BREAK = /\r\n|\r|\n/g;

/**
 * Reads the children of one markdown-it `inline` token: links (inline and reference-style),
 * wikilinks and tags (from text tokens only, so code and HTML never match). `firstLine` is
 * the 1-based line the inline content starts on. Returns the visible text (text and inline
 * code, whitespace collapsed, images and HTML skipped) when `wantText`, else ''.
 */
export function readInline(children: readonly Token[], firstLine: number, sink: InlineSink, wantText: boolean): string {
  const all: string[] | undefined = wantText ? [] : undefined;
  let line = firstLine;
  let open: { index: number; kind: Link['kind']; href: string; line: number; parts: string[] } | undefined;
  for (let i = 0; i < children.length; i++) {
    const child = children[i] as Token;
    let visible: string | undefined;
    switch (child.type) {
      case 'text':
        readText(child.content, line, charBefore(children[i - 1]), sink);
        visible = child.content;
        break;
      case 'code_inline':
        visible = child.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        visible = ' ';
        line++;
        break;
      case 'html_inline':
        line += countLineBreaks(child.content);
        break;
      case 'image':
        // The alt text is nested in the image token: skipped, but its line breaks still count.
        for (const part of child.children ?? []) if (part.type === 'softbreak' || part.type === 'hardbreak') line++;
        break;
      case 'link_open':
        // markdown-it records the label only on links resolved through a definition.
        open = {
          index: sink.links.length,
          kind: child.meta?.['label'] === undefined ? 'inline' : 'reference',
          href: String(child.attrGet('href') ?? ''),
          line,
          parts: [],
        };
        // Placeholder: the link comes before any wikilink found in its text.
        sink.links.push({ kind: open.kind, target: '', line });
        break;
      case 'link_close':
        if (open !== undefined) {
          sink.links[open.index] = { kind: open.kind, ...splitLinkTarget(open.href), ...textField(collapse(open.parts)), line: open.line };
        }
        open = undefined;
        break;
      default:
        break;
    }
    if (visible !== undefined) {
      all?.push(visible);
      open?.parts.push(visible);
    }
  }
  return all === undefined ? '' : collapse(all);
}

/**
 * Splits `path#heading` (or `path#^block`) and percent-decodes both; URLs with a scheme are
 * kept as written.
 */
export function splitLinkTarget(url: string): { target: string; heading?: string; block?: string } {
  const trimmed = url.trim();
  if (SCHEME.test(trimmed)) return { target: trimmed };
  const hash = trimmed.indexOf('#');
  const pathPart = (hash >= 0 ? trimmed.slice(0, hash) : trimmed).replace(/\?.*$/, '');
  const fragment = hash >= 0 ? safeDecode(trimmed.slice(hash + 1)) : '';
  return { target: safeDecode(pathPart), ...splitFragment(fragment) };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function collapse(parts: readonly string[]): string {
  return parts.join('').replace(/\s+/g, ' ').trim();
}

function textField(value: string): { text?: string } {
  return value === '' ? {} : { text: value };
}

function countLineBreaks(value: string): number {
  return value.match(LINE_BREAK)?.length ?? 0;
}

function readText(value: string, line: number, before: string | undefined, sink: InlineSink): void {
  const wiki = value.includes('[[') ? findWikiLinks(value) : [];
  for (const link of wiki) {
    sink.links.push({
      kind: 'wiki',
      target: link.target,
      ...splitFragment(link.heading ?? ''),
      text: link.alias ?? link.raw,
      line: line + countLineBreaks(value.slice(0, link.index)),
    });
  }
  if (value.includes('#')) sink.tags.push(...findTags(blankWikiLinks(value, wiki), before));
}

/**
 * The source character just before a text token, rebuilt from the previous token (tokens
 * carry no offsets), to tell `word#x` and `](x)#y` from ` #x` and `*#x*`. Undefined at the
 * start of the inline content (start of a line, cell or heading text).
 */
function charBefore(previous: Token | undefined): string | undefined {
  if (previous === undefined) return undefined;
  switch (previous.type) {
    case 'text':
    case 'html_inline':
      return previous.content.at(-1);
    case 'softbreak':
    case 'hardbreak':
      return '\n';
    case 'code_inline':
      return '`';
    case 'image':
      return ')';
    case 'link_open':
      return previous.markup === 'autolink' ? '<' : '[';
    case 'link_close':
      return previous.markup === 'autolink' ? '>' : ')';
    default:
      // Emphasis and strikethrough delimiters: `*`, `_`, `~`.
      return previous.markup.at(-1);
  }
}
