import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

export type { Token };

/**
 * Containers nested deeper than this (block levels: a list and its item count two) are not
 * parsed: markdown-it skips the rest of that container. Bounds time and recursion on
 * pathological input; real documents stay far below it.
 */
export const MAX_NESTING = 100;

/** Turns a Markdown body (no front matter) into markdown-it's flat token stream. */
export type MarkdownTokenizer = (body: string) => Token[];

/**
 * CommonMark + GFM tables, raw HTML recognised (so links inside HTML are not links), no
 * typographer or linkify; link reference definitions kept as tokens. Links keep their destination as written: markdown-it would
 * otherwise percent-encode and punycode it, and drop `file:`/`javascript:` links entirely.
 */
export function createMarkdownTokenizer(): MarkdownTokenizer {
  const md = new MarkdownIt('commonmark', { maxNesting: MAX_NESTING }).enable('table');
  // Keep `reference_definition` tokens: definitions are blocks for the chunker like any other.
  md.core.ruler.disable('strip_references');
  md.validateLink = () => true;
  md.normalizeLink = (url) => url;
  md.normalizeLinkText = (url) => url;
  return (body) => md.parse(body, {});
}
