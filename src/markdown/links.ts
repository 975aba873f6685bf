import type { Link } from '../core/types.js';
import { titleFromPath } from './parse-document.js';

/** What link resolution needs to know about the corpus. */
export interface LinkLookup {
  /** Whether a document with this root-relative, `/`-separated path exists. */
  hasPath(p: string): boolean;
  /** The path of the document known by this lower-cased name (see `documentNames`), if any. */
  byName(nameLower: string): string | undefined;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:|^\/\//i;

/**
 * The root-relative path a link points to, or null when it points outside the corpus:
 * URLs, pure `#anchors`, paths escaping the root, missing documents. Markdown links are
 * relative to the linking file's folder (a leading `/` means the root) and also tried with
 * `.md` appended (and as a folder's `index.md`/`README.md`); wikilinks match a document's
 * name, title or alias, case-insensitively.
 */
export function resolveLink(fromPath: string, link: Link, lookup: LinkLookup): string | null {
  const target = link.target.trim();
  if (target === '' || target.startsWith('#')) return null;
  if (link.kind === 'wiki') {
    const lower = target.toLowerCase();
    // `[[Page.md]]` names the same document as `[[Page]]`.
    const named = lookup.byName(lower) ?? lookup.byName(lower.replace(/\.(md|markdown)$/, ''));
    if (named !== undefined) return named;
    const asPath = normalizePath([], target);
    if (asPath === null) return null;
    for (const candidate of [asPath, `${asPath}.md`]) if (lookup.hasPath(candidate)) return candidate;
    return null;
  }
  if (SCHEME.test(target)) return null;
  const base = target.startsWith('/') ? [] : fromPath.split('/').slice(0, -1);
  const resolved = normalizePath(base, target);
  if (resolved === null) return null;
  const candidates = resolved === '' ? ['index.md', 'README.md'] : [resolved, `${resolved}.md`, `${resolved}/index.md`, `${resolved}/README.md`];
  for (const candidate of candidates) if (lookup.hasPath(candidate)) return candidate;
  return null;
}

/**
 * The lower-cased names a document answers to in wikilinks: its file name without
 * extension, its path without extension (for `[[folder/Page]]`), its title and aliases.
 */
export function documentNames(meta: { path: string; title: string; aliases: readonly string[] }): string[] {
  const stem = titleFromPath(meta.path);
  const dot = meta.path.lastIndexOf('.');
  const pathStem = dot > meta.path.lastIndexOf('/') + 1 ? meta.path.slice(0, dot) : meta.path;
  const names = [stem, pathStem, meta.title, ...meta.aliases].map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
  return [...new Set(names)];
}

/** Joins `target` onto `base` segments, resolving `.` and `..`; null when it leaves the root. */
function normalizePath(base: readonly string[], target: string): string | null {
  const out = [...base];
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else {
      out.push(segment);
    }
  }
  return out.join('/');
}
