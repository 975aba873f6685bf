import { errorMessage } from '../core/errors.js';
import type { ChunkingOptions, ParsedDocument } from '../core/types.js';
import { chunkMarkdown, chunkPlainText } from './chunker.js';
import { extractBody } from './extract.js';
import { normalizeTags, readFrontMatter, splitFrontMatter } from './front-matter.js';
import { splitSourceLines } from './lines.js';
import { createMarkdownTokenizer, MAX_NESTING } from './tokenize.js';

const MARKDOWN_EXTENSIONS = new Set(['.md', '.markdown']);

// Configured once, never changed afterwards: markdown-it keeps all per-parse state in the
// state objects of each call, so sharing it is safe and saves building it for every file.
const tokenize = createMarkdownTokenizer();

/**
 * Parses a Markdown file: front matter, title, headings (with GitHub slugs), links (inline,
 * reference, wiki), tags and chunks. Pure and total: any string input gives a document;
 * problems are reported in `warnings` (if the parser itself fails, the file is chunked as
 * plain text).
 */
export function parseMarkdown(path: string, text: string, opts: ChunkingOptions): ParsedDocument {
  const body = stripBom(text);
  try {
    const source = splitSourceLines(body);
    const split = splitFrontMatter(source.lines);
    // The body is parsed alone (markdown-it knows no front matter); its token lines are
    // relative to `split.bodyLine`. markdown-it counts CR, LF and CRLF as line ends, like splitSourceLines.
    const tokens = tokenize(body.slice(source.starts[split.bodyLine] ?? body.length));
    const doc = extractBody(tokens, source.lines, split.bodyLine);
    const front = readFrontMatter(split.source);
    const chunks = chunkMarkdown(path, source.lines, doc.blocks, split.bodyLine + 1, opts);
    // Vault convention: front matter `title`, else a level-1 heading that opens the document
    // (its first heading), else the file name. A first heading of another level is a section,
    // not the page's title ("Library.md — Terms").
    const first = doc.headings.find((h) => h.text !== '');
    const title = front.title ?? (first?.depth === 1 ? first.text : undefined) ?? titleFromPath(path);
    const nesting = doc.truncated
      ? [`Markdown nested deeper than ${MAX_NESTING} levels: the innermost content is indexed as text only (no headings, links or tags)`]
      : [];
    return {
      path,
      title,
      tags: normalizeTags([...front.tags, ...doc.tags]),
      aliases: front.aliases,
      frontMatter: front.data,
      headings: doc.headings,
      blockIds: doc.blockIds,
      links: doc.links,
      chunks,
      warnings: [...nesting, ...front.warnings],
    };
  } catch (err) {
    // Defensive: markdown-it is total on strings, but a bug here must not lose the file.
    const fallback = parseText(path, body, opts);
    fallback.warnings.push(`Markdown parsing failed (${errorMessage(err)}); indexed as plain text`);
    return fallback;
  }
}

/** Parses a plain-text file: paragraphs packed into chunks; no headings, links or tags. */
export function parseText(path: string, text: string, opts: ChunkingOptions): ParsedDocument {
  const { lines } = splitSourceLines(stripBom(text));
  return {
    path,
    title: titleFromPath(path),
    tags: [],
    aliases: [],
    frontMatter: {},
    headings: [],
    blockIds: [],
    links: [],
    chunks: chunkPlainText(path, lines, opts),
    warnings: [],
  };
}

/** Dispatches on the extension: `.md`/`.markdown` → Markdown, anything else (`.txt`) → text. */
export function parseDocument(path: string, text: string, opts: ChunkingOptions): ParsedDocument {
  return MARKDOWN_EXTENSIONS.has(extensionOf(path)) ? parseMarkdown(path, text, opts) : parseText(path, text, opts);
}

/** The file name without its extension: `notes/My Page.md` → `My Page`. */
export function titleFromPath(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

function extensionOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

// A byte-order mark is encoding, not content; it must not hide the front matter.
function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
