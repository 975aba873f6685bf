import type { Link } from '../core/types.js';
import { titleFromPath } from './parse-document.js';

/** What link resolution needs to know about the corpus. */
export interface LinkLookup {
  /** Whether a document with this root-relative, `/`-separated path exists. */
  hasPath(p: string): boolean;
  /** The document whose path, lower-cased, is `lowerPath` (the first in path order if several differ only in case). */
  pathCaseless(lowerPath: string): string | undefined;
  /** The documents known by this lower-cased name (see `documentNames`), sorted by path. */
  byName(nameLower: string): readonly string[];
}

const SCHEME = /^[a-z][a-z0-9+.-]*:|^\/\//i;

/** Where a link points, and which other documents its name could mean. */
export interface LinkResolution {
  /** The root-relative path of the document chosen, or null (see `resolveLink`). */
  path: string | null;
  /**
   * The other documents answering to the link's name (file name, path, title or alias), sorted
   * by path: non-empty when the name is ambiguous and `path` is the nearest of several.
   */
  candidates: string[];
}

/**
 * The root-relative path a link points to, or null when it points outside the corpus:
 * URLs, pure `#anchors`, paths escaping the root, missing documents. Markdown links are
 * relative to the linking file's folder (a leading `/` means the root) and also tried with
 * `.md` appended (and as a folder's `index.md`/`README.md`). Wikilinks resolve as Obsidian and
 * SilverBullet do: a path from the root (case-insensitive, with or without extension), then a
 * path relative to the linking file, then a document's file name, title or alias; a name several
 * documents answer to picks the nearest (the linking file's folder, then the shortest path).
 */
export function resolveLink(fromPath: string, link: Link, lookup: LinkLookup): string | null {
  return resolve(fromPath, link, lookup, false).path;
}

/**
 * `resolveLink` plus the other documents a wikilink's name could mean. It asks the lookup one
 * or two more names than `resolveLink` for a link that resolves as a path, so index-time
 * resolution (every link of every document) uses `resolveLink`.
 */
export function resolveLinkCandidates(fromPath: string, link: Link, lookup: LinkLookup): LinkResolution {
  return resolve(fromPath, link, lookup, true);
}

function resolve(fromPath: string, link: Link, lookup: LinkLookup, withCandidates: boolean): LinkResolution {
  const target = link.target.trim();
  if (target === '' || target.startsWith('#')) return none();
  if (link.kind === 'wiki') {
    // `[[Page.md]]` names the same document as `[[Page]]`.
    const bare = target.replace(/\.(md|markdown)$/i, '');
    const claimsOf = (): string[] => [...new Set([...lookup.byName(target.toLowerCase()), ...lookup.byName(bare.toLowerCase())])];
    const folder = fromPath.split('/').slice(0, -1);
    for (const base of [[], folder]) {
      const path = normalizePath(base, bare);
      if (path === null || path === '') continue;
      for (const candidate of [`${path}.md`, `${path}.markdown`, path]) {
        const hit = lookup.pathCaseless(candidate.toLowerCase());
        if (hit !== undefined) return { path: hit, candidates: withCandidates ? others(claimsOf(), hit) : [] };
      }
    }
    const claims = claimsOf();
    if (claims.length === 0) return none();
    const chosen = nearest(fromPath, claims);
    return { path: chosen, candidates: others(claims, chosen) };
  }
  if (SCHEME.test(target)) return none();
  const base = target.startsWith('/') ? [] : fromPath.split('/').slice(0, -1);
  const resolved = normalizePath(base, target);
  if (resolved === null) return none();
  const candidates = resolved === '' ? ['index.md', 'README.md'] : [resolved, `${resolved}.md`, `${resolved}/index.md`, `${resolved}/README.md`];
  for (const candidate of candidates) if (lookup.hasPath(candidate)) return { path: candidate, candidates: [] };
  return none();
}

function none(): LinkResolution {
  return { path: null, candidates: [] };
}

function others(claims: readonly string[], chosen: string): string[] {
  return claims.filter((p) => p !== chosen).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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

/** The claimant closest to `fromPath`: in its folder first, then the shortest path, then path order. */
function nearest(fromPath: string, claims: readonly string[]): string {
  const folderOf = (p: string): string => p.slice(0, p.lastIndexOf('/') + 1);
  const here = folderOf(fromPath);
  const rank = (p: string): [number, number, number] => [folderOf(p) === here ? 0 : 1, p.split('/').length, p.length];
  return [...claims].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    return ra[0] - rb[0] || ra[1] - rb[1] || ra[2] - rb[2] || (a < b ? -1 : a > b ? 1 : 0);
  })[0] as string;
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
