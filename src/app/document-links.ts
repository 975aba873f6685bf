import type { BlockAnchor, Heading, Link } from '../core/types.js';
import { findBlock, findHeading, type LinkResolution } from '../markdown/index.js';
import type { LinkOut, LinkProblems } from '../mcp/service.js';

const SCHEME = /^[a-z][a-z0-9+.-]*:|^\/\//i;
const EXTENSION = /\.([A-Za-z0-9]{1,8})$/;

/** What checking a link's `#heading` or `#^block` needs from the document it points to. */
export interface LinkTarget {
  headings: readonly Heading[];
  blockIds: readonly BlockAnchor[];
}

/** What `documentLinks` reads from the corpus. */
export interface LinkSource {
  resolveTargetCandidates(fromPath: string, link: Link): LinkResolution;
  readDocument(path: string): Promise<LinkTarget | null>;
}

/**
 * A document's `links_out` and the summary of their problems: each link resolved (with the
 * other candidates of an ambiguous name), and its `#heading` / `#^block` looked up in the
 * document it points to (each target read once). `extensions` are the document extensions: a
 * link to another kind of file (`diagram.pdf`) is `external`, not broken.
 */
export async function documentLinks(
  path: string,
  links: readonly Link[],
  source: LinkSource,
  extensions: readonly string[],
): Promise<{ links_out: LinkOut[]; link_problems: LinkProblems }> {
  const out = linksOut(path, links, (link) => source.resolveTargetCandidates(path, link), (link) => isExternal(link, extensions));
  const targets = new Map<string, Promise<LinkTarget | null>>();
  const targetOf = (p: string): Promise<LinkTarget | null> => {
    let t = targets.get(p);
    if (t === undefined) targets.set(p, (t = source.readDocument(p)));
    return t;
  };
  await Promise.all(
    out.map(async (entry) => {
      if (entry.path === null || (entry.heading === null && entry.block === null)) return;
      const target = await targetOf(entry.path);
      if (target === null) return;
      if (entry.heading !== null) entry.heading_found = findHeading(target.headings, entry.heading) >= 0;
      if (entry.block !== null) entry.block_found = findBlock(target.blockIds, entry.block) !== undefined;
    }),
  );
  return { links_out: out, link_problems: linkProblems(out) };
}

/**
 * The document's links as a reader wants them listed: each distinct link once, without links to
 * the document itself (in-page `#anchors` included) or empty targets, each with its status.
 */
export function linksOut(path: string, links: readonly Link[], resolve: (link: Link) => LinkResolution, external: (link: Link) => boolean = () => false): LinkOut[] {
  const seen = new Set<string>();
  const out: LinkOut[] = [];
  for (const link of links) {
    const target = link.target.trim();
    if (target === '') continue;
    const resolved = resolve(link);
    if (resolved.path === path) continue;
    const key = JSON.stringify([target, resolved.path, link.heading ?? null, link.block ?? null]);
    if (seen.has(key)) continue;
    seen.add(key);
    const status = resolved.path === null ? (external(link) ? 'external' : 'unresolved') : resolved.candidates.length > 0 ? 'ambiguous' : 'resolved';
    out.push({
      target,
      path: resolved.path,
      heading: link.heading ?? null,
      block: link.block ?? null,
      status,
      ...(status === 'ambiguous' ? { candidates: resolved.candidates } : {}),
    });
  }
  return out;
}

export function linkProblems(out: readonly LinkOut[]): LinkProblems {
  const problems: LinkProblems = { unresolved: 0, ambiguous: 0, missing_headings: 0, missing_blocks: 0 };
  for (const l of out) {
    if (l.status === 'unresolved') problems.unresolved++;
    if (l.status === 'ambiguous') problems.ambiguous++;
    if (l.heading_found === false) problems.missing_headings++;
    if (l.block_found === false) problems.missing_blocks++;
  }
  return problems;
}

/**
 * Every document a link-style name could mean (`Tag`, `tag.md`, `Architecture/Tag`, a title, an
 * alias; `[[Tag|shown]]` and `#heading` parts are ignored): the one a wikilink from the root
 * opens first, then the other claimants in path order.
 */
export function documentsNamed<T>(corpus: { resolveTargetCandidates(fromPath: string, link: Link): LinkResolution; summary(path: string): T | null }, name: string): T[] {
  const inner = name.trim().replace(/^\[\[([^\]]*)\]\]$/, '$1');
  const target = inner.replace(/[|#].*$/, '').trim();
  if (target === '') return [];
  const found = corpus.resolveTargetCandidates('', { kind: 'wiki', target, line: 0 });
  if (found.path === null) return [];
  return [found.path, ...found.candidates].map((p) => corpus.summary(p)).filter((s): s is T => s !== null);
}

/** Why `list_documents` with a name returned nothing, and what to try. */
export function namedHint(name: string, named: readonly { path: string }[], nearest: readonly string[]): string {
  const asked = JSON.stringify(name.trim());
  if (named.length > 0) return `${asked} names ${named.map((d) => d.path).join(', ')}, but none matches the glob/tag filter: drop the filter to see them.`;
  if (nearest.length > 0) return `No document is called ${asked}. Did you mean ${nearest.map((p) => JSON.stringify(p)).join(', ')}?`;
  return `No document is called ${asked}. Call list_documents without name to see every path.`;
}

/** A URL, or (when no document answers to it) a file name whose extension is not a document's. */
function isExternal(link: Link, extensions: readonly string[]): boolean {
  const target = link.target.trim();
  if (link.kind !== 'wiki' && SCHEME.test(target)) return true;
  const ext = EXTENSION.exec(target)?.[1]?.toLowerCase();
  // `[[v1.2]]` is a page name, not a file: an extension has a letter.
  if (ext === undefined || !/[a-z]/.test(ext)) return false;
  return ![...extensions, '.md', '.markdown'].includes(`.${ext}`);
}
