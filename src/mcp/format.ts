import type { SearchResult } from '../core/types.js';
import type { IndexingNotice, LinkOut, LinkProblems, SkippedCollection } from './service.js';

/** How results are shown when several collections are served. */
export interface CollectionView {
  /** Several collections are served: name each result's collection. */
  several?: boolean;
  /** Collections left out of this answer. */
  skipped?: readonly SkippedCollection[] | undefined;
}

/** "Not searched: collection "vendor" (its folder … does not exist)." */
export function formatSkipped(skipped: readonly SkippedCollection[] | undefined, verb = 'searched'): string {
  if (skipped === undefined || skipped.length === 0) return '';
  return `Not ${verb}: ${skipped.map((s) => `collection "${s.collection}" (${s.reason})`).join('; ')}.\n\n`;
}

/**
 * Text renderings of tool results. Many clients show the model only the text content, so it
 * carries everything needed to decide what to read next; the structured content has the rest.
 */

/** Characters of a chunk shown per search result; the full chunk is in `structuredContent`. */
const SNIPPET_CHARS = 600;
/** Documents listed in the text of `list_documents`; all of them are in `structuredContent`. */
const MAX_LISTED_DOCUMENTS = 200;
/** Links named per kind of problem in the text of `get_document`. */
const MAX_NAMED_LINKS = 5;

/** `path › Heading › Sub`, or just the path for text before the first heading. */
export function formatLocation(path: string, headingPath: readonly string[]): string {
  return [path, ...headingPath].join(' › ');
}

/** The chunk's non-blank lines, cut at a word boundary near `maxChars`. */
export function trimSnippet(content: string, maxChars = SNIPPET_CHARS): string {
  const compact = content
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .join('\n');
  if (compact.length <= maxChars) return compact;
  const cut = compact.slice(0, maxChars);
  const lastSpace = cut.search(/\s\S*$/);
  return `${lastSpace > maxChars / 2 ? cut.slice(0, lastSpace) : cut}…`;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

/** The query on one line, shortened, for echoing back in a header. */
function quoteQuery(query: string): string {
  const oneLine = query.replace(/\s+/g, ' ');
  return `"${oneLine.length > 120 ? `${oneLine.slice(0, 119)}…` : oneLine}"`;
}

/** "Indexing in progress: 1,200 of 5,124 files indexed; results may be incomplete." */
export function formatIndexingNotice(notice: IndexingNotice): string {
  const n = (x: number): string => x.toLocaleString('en-US');
  if (notice.files_total === null) return `Indexing in progress: ${n(notice.files_indexed)} files indexed so far, still scanning the folder; results may be incomplete.`;
  return `Indexing in progress: ${n(notice.files_indexed)} of ${n(notice.files_total)} files indexed; results may be incomplete.`;
}

/** Numbered results: location, lines, score, retrievers, then an indented snippet (after the indexing notice, if any). */
export function formatResults(query: string, results: readonly SearchResult[], indexing?: IndexingNotice, view: CollectionView = {}): string {
  const notice = `${indexing ? `${formatIndexingNotice(indexing)}\n\n` : ''}${formatSkipped(view.skipped)}`;
  if (results.length === 0) {
    if (indexing) return `${notice}No results for ${quoteQuery(query)} yet. Try again when indexing is done, or check index_status.`;
    return `No results for ${quoteQuery(query)}. Try other words, drop filters, or check index_status.`;
  }
  const header = `${notice}${results.length} result${results.length === 1 ? '' : 's'} for ${quoteQuery(query)}:`;
  const blocks = results.map((r, i) => {
    const head =
      `${i + 1}. ${view.several ? `[${r.collection}] ` : ''}${formatLocation(r.path, r.heading_path)} (lines ${r.start_line}–${r.end_line}, ` +
      `score ${formatScore(r.score)}, ${r.matched_by.join('+') || 'unknown'})`;
    return `${head}\n${indent(trimSnippet(r.content), '   ')}`;
  });
  return [header, ...blocks].join('\n\n') + `\n\nRead more with get_document (path, ${view.several ? 'collection, ' : ''}start_line, end_line).`;
}

/** Enough digits to compare RRF-sized scores (≈0.01–0.1) without noise. */
export function formatScore(score: number): string {
  return score.toPrecision(3);
}

export function formatDocumentList(
  documents: readonly { collection?: string; path: string; title: string; tags: string[]; chunks: number }[],
  indexing?: IndexingNotice,
  named?: { name: string; hint?: string | undefined },
  view: CollectionView = {},
): string {
  const notice = `${indexing ? `${formatIndexingNotice(indexing)}\n\n` : ''}${formatSkipped(view.skipped, 'listed')}`;
  if (documents.length === 0) {
    if (named) return `${notice}${named.hint ?? `No document is called ${JSON.stringify(named.name)}.`}`;
    return `${notice}No documents match. Drop the filters, or check index_status.`;
  }
  const shown = documents.slice(0, MAX_LISTED_DOCUMENTS).map((d) => {
    const tags = d.tags.length > 0 ? ` [${d.tags.join(', ')}]` : '';
    return `- ${view.several && d.collection !== undefined ? `[${d.collection}] ` : ''}${d.path} — ${d.title}${tags} (${d.chunks} chunk${d.chunks === 1 ? '' : 's'})`;
  });
  const more =
    documents.length > MAX_LISTED_DOCUMENTS
      ? [`… and ${documents.length - MAX_LISTED_DOCUMENTS} more (all are in the structured result; narrow with glob or tag).`]
      : [];
  const count = `${documents.length} document${documents.length === 1 ? '' : 's'}`;
  const header = !named
    ? `${count}:`
    : documents.length === 1
      ? `1 document is called ${JSON.stringify(named.name)}:`
      : `${count} are called ${JSON.stringify(named.name)} (the first is the one [[${named.name}]] opens from the docs root; from a folder that holds another, that one; link by path to be sure):`;
  return notice + [header, ...shown, ...more].join('\n');
}

/**
 * One line on the links that need a look, or null when none does: "Links: 2 unresolved (Foo,
 * Bar), 1 ambiguous (Tag → Architecture/Tag.md; also Tag.md), 1 missing heading (setup.md#Instal)".
 */
export function formatLinkProblems(links: readonly LinkOut[], problems: LinkProblems): string | null {
  const parts: string[] = [];
  const add = (count: number, label: string, all: string[], separator = ', '): void => {
    if (count === 0) return;
    // `[[Tag]]` and `[[Tag#Usage]]` are two links but one name to fix.
    const names = [...new Set(all)];
    const shown = names.slice(0, MAX_NAMED_LINKS).join(separator);
    const more = names.length > MAX_NAMED_LINKS ? `${separator}…` : '';
    parts.push(`${count} ${label} (${shown}${more})`);
  };
  add(problems.unresolved, 'unresolved', links.filter((l) => l.status === 'unresolved').map((l) => l.target));
  add(
    problems.ambiguous,
    'ambiguous',
    links.filter((l) => l.status === 'ambiguous').map((l) => `${l.target} → ${l.path ?? '?'}; also ${(l.candidates ?? []).join(', ')}`),
    ' | ',
  );
  add(problems.missing_headings, problems.missing_headings === 1 ? 'missing heading' : 'missing headings', links.filter((l) => l.heading_found === false).map((l) => `${l.target}#${l.heading ?? ''}`));
  add(problems.missing_blocks, problems.missing_blocks === 1 ? 'missing block' : 'missing blocks', links.filter((l) => l.block_found === false).map((l) => `${l.target}#^${l.block ?? ''}`));
  return parts.length === 0 ? null : `Links: ${parts.join(', ')}`;
}
