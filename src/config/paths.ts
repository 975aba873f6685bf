import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { sha256 } from '../core/hash.js';

/**
 * Path rules of the configuration: `~` expansion, resolution against a base folder, the
 * user cache folder per platform, and the default per-project index directory.
 */

export const APP_DIR_NAME = 'mcp-markdown-ragdocs';

/**
 * Resolves a user-written path against `base`. A leading `~` means the home folder: MCP clients
 * launch servers without a shell, so `"--docs", "~/notes"` in their JSON would otherwise be a
 * folder literally named `~`.
 */
export function resolveUserPath(input: string, base: string, homeDir: string): string {
  if (input === '~') return resolve(homeDir);
  if (input.startsWith('~/') || input.startsWith('~\\')) return resolve(homeDir, input.slice(2));
  return isAbsolute(input) ? resolve(input) : resolve(base, input);
}

/** The user cache folder: XDG on Linux and other Unixes, Library/Caches on macOS, LOCALAPPDATA on Windows. */
export function userCacheDir(
  platform: NodeJS.Platform,
  env: Record<string, string | undefined>,
  homeDir: string,
): string {
  if (platform === 'darwin') return join(homeDir, 'Library', 'Caches');
  if (platform === 'win32') {
    const local = env['LOCALAPPDATA'];
    return local !== undefined && local !== '' ? local : join(homeDir, 'AppData', 'Local');
  }
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env['XDG_CACHE_HOME'];
  return xdg !== undefined && isAbsolute(xdg) ? xdg : join(homeDir, '.cache');
}

/**
 * `<cache>/mcp-markdown-ragdocs/<name>-<16 hex>` keyed by the root's real path, so every
 * instance on one folder (whatever symlink or relative path it was given) finds the same index,
 * and two folders with the same name never share one.
 */
export function defaultIndexDir(realRoot: string, cacheDir: string): string {
  const name = basename(realRoot).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'root';
  return join(cacheDir, APP_DIR_NAME, `${name}-${sha256(realRoot).slice(0, 16)}`);
}

/**
 * Real path of a path that may not exist yet: the real path of its deepest existing ancestor
 * plus the rest. Needed to tell whether an index dir about to be created lies inside the root.
 */
export function realpathOfPossiblyMissing(path: string): string {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(realpathSync(current), ...missing.reverse());
    } catch {
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(basename(current));
      current = parent;
    }
  }
}

/**
 * The `/`-separated path of `inner` relative to `outer` when it lies strictly inside it,
 * `''` when they are the same folder, undefined when it is outside.
 */
export function relativeInside(outer: string, inner: string): string | undefined {
  const rel = relative(outer, inner);
  if (rel === '') return '';
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/**
 * The default model cache, `<user cache>/mcp-markdown-ragdocs/models`, shared by every project.
 * Index folders share the parent but always end in `-<hex>`, so `models` never collides.
 */
export function defaultModelCacheDir(cacheRoot: string): string {
  return join(cacheRoot, APP_DIR_NAME, 'models');
}
