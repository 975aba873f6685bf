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
 * URLs, pure `#anchors`, paths escaping the root, missing documents. Resolution follows what an
 * Obsidian vault user expects (tests/fixtures/vault checks every link of a vault against it).
 *
 * Markdown links: a leading `/` means the root; `./` and `../` are relative to the linking file
 * only; any other path is relative to the linking file first, then read from the root (Obsidian's
 * "absolute path in vault" format). Each is also tried with `.md` appended and as a folder's
 * `index.md`/`README.md`.
 *
 * Wikilinks: `./` and `../` are relative to the linking file only; any other target is first a
 * path from the root, then relative to the linking file (case-insensitive, with or without
 * extension), then a document's file name, and only when no file has that name a title or
 * front-matter alias. A name several documents answer to picks the one in the linking file's
 * folder, else the shortest path string, else the first in path order.
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
  const folder = fromPath.split('/').slice(0, -1);
  // `./x` and `../x` name a place next to the linking file, never a path from the root.
  const relative = /^\.\.?\//.test(target);
  if (link.kind === 'wiki') {
    // `[[Page.md]]` names the same document as `[[Page]]`.
    const bare = target.replace(/\.(md|markdown)$/i, '');
    const names = [...new Set([target.toLowerCase(), bare.toLowerCase()])];
    const claimsOf = (): string[] => [...new Set(names.flatMap((n) => lookup.byName(n)))];
    for (const base of relative ? [folder] : [[], folder]) {
      const path = normalizePath(base, bare);
      if (path === null || path === '') continue;
      for (const candidate of [`${path}.md`, `${path}.markdown`, path]) {
        const hit = lookup.pathCaseless(candidate.toLowerCase());
        if (hit !== undefined) return { path: hit, candidates: withCandidates ? others(claimsOf(), hit) : [] };
      }
    }
    if (relative) return none();
    const claims = claimsOf();
    if (claims.length === 0) return none();
    // A file name beats a title or alias: those count only when no file has the name.
    const files = claims.filter((p) => names.includes(titleFromPath(p).toLowerCase()) || names.includes(pathStem(p).toLowerCase()));
    const chosen = nearest(fromPath, files.length > 0 ? files : claims);
    return { path: chosen, candidates: others(claims, chosen) };
  }
  if (SCHEME.test(target)) return none();
  const bases = target.startsWith('/') || folder.length === 0 ? [[]] : relative ? [folder] : [folder, []];
  for (const base of bases) {
    const resolved = normalizePath(base, target);
    if (resolved === null) continue;
    const candidates = resolved === '' ? ['index.md', 'README.md'] : [resolved, `${resolved}.md`, `${resolved}/index.md`, `${resolved}/README.md`];
    for (const candidate of candidates) if (lookup.hasPath(candidate)) return { path: candidate, candidates: [] };
  }
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
  const names = [titleFromPath(meta.path), pathStem(meta.path), meta.title, ...meta.aliases].map((n) => n.trim().toLowerCase()).filter((n) => n !== '');
  return [...new Set(names)];
}

/** The path without its file's extension (`notes/My Page.md` → `notes/My Page`). */
function pathStem(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') + 1 ? path.slice(0, dot) : path;
}

/** The claimant closest to `fromPath`: in its folder first, then the shortest path string, then path order. */
function nearest(fromPath: string, claims: readonly string[]): string {
  const folderOf = (p: string): string => p.slice(0, p.lastIndexOf('/') + 1);
  const here = folderOf(fromPath);
  let best: string | undefined;
  for (const p of claims) {
    if (best === undefined) {
      best = p;
      continue;
    }
    const d = Number(folderOf(p) !== here) - Number(folderOf(best) !== here) || p.length - best.length;
    if (d < 0 || (d === 0 && p < best)) best = p;
  }
  return best as string;
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
