import type { DocsService } from './service.js';

/**
 * Completion of document paths and headings, for `completion/complete`. MCP completes only
 * prompt arguments and resource-template variables (there is no completion of tool arguments),
 * so these serve the `get_document` prompt's `path` and `heading` and the document resource
 * template's `path`. The SDK caps the answer at the protocol's 100 values and reports the total.
 */

/** How well `candidate` matches what was typed: lower is better, null is no match. */
function pathRank(candidate: string, typed: string): number | null {
  const c = candidate.toLowerCase();
  if (typed === '') return 3;
  if (c.startsWith(typed)) return 0;
  const name = c.slice(c.lastIndexOf('/') + 1);
  if (name.startsWith(typed)) return 1;
  if (c.split('/').some((segment) => segment.startsWith(typed))) return 2;
  if (c.includes(typed)) return 3;
  return null;
}

/**
 * Indexed paths matching `value`, best first: the path starts with it, then the file name, then a
 * folder name, then anywhere; shorter paths first within a rank, then alphabetical.
 */
export async function completeDocumentPath(service: DocsService, value: string | undefined, context?: { arguments?: Record<string, string> }): Promise<string[]> {
  const typed = (value ?? '').trim().replace(/^\.?\//, '').toLowerCase();
  const collection = context?.arguments?.collection?.trim();
  let documents;
  try {
    ({ documents } = await service.listDocuments(collection ? { collection } : {}));
  } catch {
    // An unknown collection completes nothing; completion never reports errors.
    return [];
  }
  const ranked: { path: string; rank: number }[] = [];
  const seen = new Set<string>();
  for (const d of documents) {
    // The same path in two collections is one completion.
    if (seen.has(d.path)) continue;
    seen.add(d.path);
    const rank = pathRank(d.path, typed);
    if (rank !== null) ranked.push({ path: d.path, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.path.length - b.path.length || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return ranked.map((r) => r.path);
}

/**
 * Headings of the document named by the `path` argument already given (the completion
 * context), matching `value` by text or slug: starting with it first, then containing it, each
 * in document order. Nothing when no path is given or it names no document.
 */
export async function completeHeading(service: DocsService, value: string | undefined, context?: { arguments?: Record<string, string> }): Promise<string[]> {
  const path = context?.arguments?.path?.trim();
  if (!path) return [];
  const collection = context?.arguments?.collection?.trim();
  let headings;
  try {
    headings = (await service.getDocument({ path, ...(collection ? { collection } : {}) })).headings;
  } catch {
    // An unknown or refused path has no headings to offer; completion never reports errors.
    return [];
  }
  const typed = (value ?? '').trim().toLowerCase();
  const starts: string[] = [];
  const contains: string[] = [];
  const seen = new Set<string>();
  for (const h of headings) {
    if (seen.has(h.text)) continue;
    const text = h.text.toLowerCase();
    if (text.startsWith(typed) || h.slug.startsWith(typed)) starts.push(h.text);
    else if (text.includes(typed) || h.slug.includes(typed)) contains.push(h.text);
    else continue;
    seen.add(h.text);
  }
  return [...starts, ...contains];
}

/** Collection names starting with (then containing) what was typed, in configured order. */
export function completeCollection(service: Pick<DocsService, 'collections'>, value: string | undefined): string[] {
  const typed = (value ?? '').trim().toLowerCase();
  const names = service.collections().map((c) => c.name);
  return [...names.filter((n) => n.startsWith(typed)), ...names.filter((n) => !n.startsWith(typed) && n.includes(typed))];
}
