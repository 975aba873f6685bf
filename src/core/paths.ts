/**
 * Pure path helpers for document paths. Document paths are relative to the documents root,
 * `/`-separated, never absolute, never containing `..` segments. Keeping this logic free of
 * I/O lets the security-relevant part be tested exhaustively; the real-path check that
 * catches symlink escapes lives next to the I/O (indexing/read-file.ts).
 */

/**
 * Normalises a user-supplied document path. Returns null when the path is absolute
 * (posix, Windows drive or UNC) or climbs out of the root — callers must refuse it, not fix it,
 * because silently re-rooting `../secret` would be surprising.
 */
export function normalizeDocPath(input: string): string | null {
  if (input.includes('\0')) return null;
  const unified = input.replace(/\\/g, '/').trim();
  if (unified === '') return null;
  if (unified.startsWith('/') || /^[a-zA-Z]:/.test(unified)) return null;
  const out: string[] = [];
  for (const segment of unified.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    out.push(segment);
  }
  return out.length === 0 ? null : out.join('/');
}

/** True when `candidate` equals `root` or lies below it (both absolute, same separator). */
export function isInsideRoot(root: string, candidate: string, sep = '/'): boolean {
  if (candidate === root) return true;
  const prefix = root.endsWith(sep) ? root : root + sep;
  return candidate.startsWith(prefix);
}

/** Converts a platform path relative to the root into a document path (`/`-separated). */
export function toDocPath(relative: string, sep: string): string {
  return sep === '/' ? relative : relative.split(sep).join('/');
}
