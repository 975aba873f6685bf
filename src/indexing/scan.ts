import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isInsideRoot, toDocPath } from '../core/paths.js';
import type { PathFilter } from './path-filter.js';

/** A file found on disk that the filter accepts. */
export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
}

export interface ScanResult {
  files: ScannedFile[];
  /** Human-readable notes about entries that were skipped (symlink escapes, unreadable dirs). */
  warnings: string[];
}

/**
 * Walks the documents root. Directory symlinks are not followed (that is how symlink loops
 * are avoided); a symlinked file is included only when its real path stays inside the root,
 * so a link cannot smuggle outside content into the index.
 */
export async function scanDocuments(rootReal: string, filter: PathFilter, startDir: string = rootReal): Promise<ScanResult> {
  const files: ScannedFile[] = [];
  const warnings: string[] = [];
  const stack: string[] = [startDir];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (dir === rootReal) throw err;
      if (dir === startDir) continue;
      if (code !== 'ENOENT') warnings.push(`${toDocPath(relative(rootReal, dir), sep)}: directory skipped (${code ?? 'unreadable'})`);
      continue;
    }
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const docPath = toDocPath(relative(rootReal, full), sep);
      if (entry.isDirectory()) {
        if (!filter.excludesDir(docPath)) stack.push(full);
        continue;
      }
      if (entry.isSymbolicLink()) {
        if (!filter.includesFile(docPath)) continue;
        const found = await statSymlinkedFile(rootReal, full, docPath, warnings);
        if (found) files.push(found);
        continue;
      }
      if (!entry.isFile() || !filter.includesFile(docPath)) continue;
      try {
        const st = await lstat(full);
        files.push({ path: docPath, size: st.size, mtimeMs: st.mtimeMs });
      } catch {
        // Vanished between readdir and lstat: the watcher will report it if it comes back.
      }
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, warnings };
}

async function statSymlinkedFile(rootReal: string, full: string, docPath: string, warnings: string[]): Promise<ScannedFile | null> {
  try {
    const target = await realpath(full);
    if (!isInsideRoot(rootReal, target, sep)) {
      warnings.push(`${docPath}: symlink points outside the documents root; skipped`);
      return null;
    }
    const st = await stat(target);
    if (!st.isFile()) return null;
    return { path: docPath, size: st.size, mtimeMs: st.mtimeMs };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    warnings.push(`${docPath}: broken or looping symlink skipped (${code ?? 'error'})`);
    return null;
  }
}
