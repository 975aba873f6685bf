import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { isInsideRoot, toDocPath } from '../core/paths.js';
import type { PathFilter } from './path-filter.js';
import { DESCRIPTOR_RETRY_MS, descriptorErrno, sleep } from './descriptors.js';

/** lstat calls in flight at once while scanning. */
const STAT_PARALLEL = 64;

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
      entries = await readDir(dir);
    } catch (err) {
      // Out of descriptors: the folder is not empty, only unreadable now. Skipping it would make
      // reconcile delete every file below it from the index; the caller retries the scan instead.
      if (descriptorErrno(err) !== null) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (dir === rootReal) throw err;
      if (dir === startDir) continue;
      if (code !== 'ENOENT') warnings.push(`${toDocPath(relative(rootReal, dir), sep)}: directory skipped (${code ?? 'unreadable'})`);
      continue;
    }
    const plain: { full: string; docPath: string }[] = [];
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const docPath = toDocPath(relative(rootReal, full), sep);
      if (entry.isDirectory()) {
        if (!filter.excludesDir(docPath)) stack.push(full);
        continue;
      }
      if (entry.isSymbolicLink()) {
        const found = await statSymlink(rootReal, full, docPath, filter, warnings);
        if (found) files.push(found);
        continue;
      }
      if (entry.isFile() && filter.includesFile(docPath)) plain.push({ full, docPath });
    }
    // Several lstat calls in flight: one at a time, 20k files took a second.
    for (let i = 0; i < plain.length; i += STAT_PARALLEL) {
      const stats = await Promise.all(plain.slice(i, i + STAT_PARALLEL).map(({ full }) => lstat(full).catch(() => null)));
      stats.forEach((st, k) => {
        // null: vanished between readdir and lstat; the watcher will report it if it comes back.
        if (st !== null) files.push({ path: (plain[i + k] as { docPath: string }).docPath, size: st.size, mtimeMs: st.mtimeMs });
      });
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, warnings };
}

/** readdir, retried a few times when it fails for want of file descriptors. */
async function readDir(dir: string) {
  for (let k = 0; ; k++) {
    try {
      return await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (descriptorErrno(err) === null || k >= DESCRIPTOR_RETRY_MS.length) throw err;
      await sleep(DESCRIPTOR_RETRY_MS[k] as number);
    }
  }
}

/** A symlinked document, or null (with a warning when the user would want to know why). */
async function statSymlink(rootReal: string, full: string, docPath: string, filter: PathFilter, warnings: string[]): Promise<ScannedFile | null> {
  let target: string;
  try {
    target = await realpath(full);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === 'ELOOP' ? 'symlink loop' : code === 'ENOENT' ? 'broken symlink' : `unreadable symlink (${code ?? 'error'})`;
    if (code === 'ELOOP' || filter.includesFile(docPath)) warnings.push(`${docPath}: ${what}; skipped`);
    return null;
  }
  const st = await stat(target).catch(() => null);
  if (st === null) return null;
  if (st.isDirectory()) {
    // Not followed: that is what keeps a link to a parent folder from looping forever.
    if (!filter.excludesDir(docPath)) warnings.push(`${docPath}: symlinked folder not followed (symlinked folders are never indexed, which also rules out loops)`);
    return null;
  }
  if (!st.isFile() || !filter.includesFile(docPath)) return null;
  if (!isInsideRoot(rootReal, target, sep)) {
    warnings.push(`${docPath}: symlink points outside the documents root; skipped`);
    return null;
  }
  return { path: docPath, size: st.size, mtimeMs: st.mtimeMs };
}
