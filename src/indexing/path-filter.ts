import picomatch from 'picomatch';
import type { DocsConfig } from '../config/types.js';

/**
 * Decides which document paths are indexed. Built once from the config so the watcher,
 * the startup scan and reconcile all agree on the same set of files.
 */
export interface PathFilter {
  /** True when a file at this document path should be indexed. */
  includesFile(docPath: string): boolean;
  /** True when a directory at this document path must not be descended into. */
  excludesDir(docPath: string): boolean;
}

export function createPathFilter(docs: Pick<DocsConfig, 'include' | 'exclude' | 'extensions'>): PathFilter {
  const opts = { dot: true, nocase: process.platform === 'win32' || process.platform === 'darwin' };
  const include = picomatch([...docs.include], opts);
  const exclude = picomatch([...docs.exclude], opts);
  const extensions = new Set(docs.extensions.map((e) => e.toLowerCase()));

  return {
    includesFile(docPath) {
      const dot = docPath.lastIndexOf('.');
      if (dot < 0 || !extensions.has(docPath.slice(dot).toLowerCase())) return false;
      return include(docPath) && !exclude(docPath);
    },
    excludesDir(docPath) {
      // A directory is excluded when a pattern matches it or anything inside it by construction
      // (`.git/**` must prune `.git` itself, so try a path inside it too).
      return exclude(docPath) || exclude(docPath + '/') || exclude(docPath + '/x');
    },
  };
}
