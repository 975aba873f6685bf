/**
 * Garbage collection of generation folders and of the blob files in them. Readers take no lock,
 * so a folder (or a file in a folder that is still referenced) is removed only after it has been
 * seen unreferenced for a grace period: the first collection that finds it unreferenced records
 * the time in a marker file in the folder, and a later one (at least `minAgeMs` after that)
 * removes it. The marker's time is when GC noticed, never earlier than when the file really
 * stopped being referenced, so slow readers always get the full grace period. Files matter
 * because generations share blobs: a folder holding one blob still in use would otherwise keep
 * every superseded blob written with it for ever.
 */
import { readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTempFileName } from './atomic.js';
import { parseGenerationDirName, UNREFERENCED_MARKER_FILE } from './layout.js';
import type { Manifest } from './manifest.js';

export interface GcOptions {
  /** Grace period: how long a folder must have been seen unreferenced (and a temp file be old) before removal. */
  minAgeMs: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export interface GcResult {
  /** Generation folders removed. */
  removed: number[];
  /** Unreferenced generation folders still inside their grace period. */
  deferred: number[];
  /** Stale temp files removed (full paths). */
  removedTempFiles: string[];
  /** Unreferenced blob files removed from folders that are still referenced (full paths). */
  removedFiles: string[];
}

/**
 * Remove `gen-*` folders referenced neither by `manifest`'s blobs nor by its `previous` blobs,
 * once they have been unreferenced for `minAgeMs`, and temp files older than `minAgeMs` left by
 * crashed writes. Folders numbered above `manifest.generation` (a crashed publish) are left to
 * be collected after the next publish supersedes them.
 *
 * The caller must hold the exclusive index lock and pass the manifest currently on disk.
 */
export async function collectGarbage(indexDir: string, manifest: Manifest, options: GcOptions): Promise<GcResult> {
  const now = options.now ?? Date.now;
  const referenced = referencedGenerations(manifest);
  const result: GcResult = { removed: [], deferred: [], removedTempFiles: [], removedFiles: [] };
  const files = referencedFiles(manifest);

  const entries = await readdir(indexDir, { withFileTypes: true });
  for (const entry of entries) {
    const generation = entry.isDirectory() ? parseGenerationDirName(entry.name) : null;
    if (generation === null || generation > manifest.generation) continue;
    const dir = join(indexDir, entry.name);
    if (referenced.has(generation)) {
      result.removedFiles.push(...(await collectFiles(dir, files.get(generation) ?? new Set(), now(), options.minAgeMs)));
      continue;
    }
    const since = await markUnreferenced(dir, now());
    if (now() - since >= options.minAgeMs) {
      await rm(dir, { recursive: true, force: true });
      result.removed.push(generation);
    } else {
      result.deferred.push(generation);
    }
  }

  for (const entry of entries) {
    if (!entry.isFile() || !isTempFileName(entry.name)) continue;
    const path = join(indexDir, entry.name);
    const info = await stat(path).catch(() => null);
    if (info !== null && now() - info.mtimeMs >= options.minAgeMs) {
      await rm(path, { force: true });
      result.removedTempFiles.push(path);
    }
  }
  result.removed.sort((a, b) => a - b);
  result.deferred.sort((a, b) => a - b);
  return result;
}

/** Generations whose folders hold a blob of the current or previous set (plus those two numbers). */
export function referencedGenerations(manifest: Manifest): Set<number> {
  const generations = new Set<number>([manifest.generation]);
  for (const ref of Object.values(manifest.blobs)) generations.add(ref.gen);
  if (manifest.previous !== null) {
    generations.add(manifest.previous.generation);
    for (const ref of Object.values(manifest.previous.blobs)) generations.add(ref.gen);
  }
  return generations;
}

/** The blob files of the current and previous sets, by generation folder. */
function referencedFiles(manifest: Manifest): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  const add = (gen: number, file: string): void => {
    let set = out.get(gen);
    if (!set) out.set(gen, (set = new Set()));
    set.add(file);
  };
  for (const ref of Object.values(manifest.blobs)) add(ref.gen, ref.file);
  for (const ref of Object.values(manifest.previous?.blobs ?? {})) add(ref.gen, ref.file);
  return out;
}

interface FileMarks {
  files: Record<string, number>;
}

/**
 * Removes the unreferenced blob files of a referenced folder once each has been seen
 * unreferenced for `minAgeMs` (times kept in the folder's marker file); returns their paths.
 */
async function collectFiles(dir: string, keep: ReadonlySet<string>, nowMs: number, minAgeMs: number): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => name !== UNREFERENCED_MARKER_FILE && !keep.has(name) && !isTempFileName(name));
  const marker = join(dir, UNREFERENCED_MARKER_FILE);
  let marks: FileMarks = { files: {} };
  try {
    const recorded = JSON.parse(await readFile(marker, 'utf8')) as Partial<FileMarks>;
    if (recorded && typeof recorded.files === 'object' && recorded.files !== null) marks = { files: recorded.files };
  } catch {
    // No marker yet, or one from a folder-level mark: start counting now.
  }
  const next: FileMarks = { files: {} };
  const removed: string[] = [];
  for (const name of names) {
    const since = typeof marks.files[name] === 'number' ? (marks.files[name] as number) : nowMs;
    if (nowMs - since >= minAgeMs) {
      await unlink(join(dir, name)).catch(() => undefined);
      removed.push(join(dir, name));
    } else next.files[name] = since;
  }
  if (Object.keys(next.files).length > 0 || Object.keys(marks.files).length > 0) {
    if (Object.keys(next.files).length === 0) await rm(marker, { force: true });
    else await writeFile(marker, JSON.stringify(next));
  }
  return removed;
}

/** Time (ms) the folder was first seen unreferenced; records `nowMs` if this is the first time. */
async function markUnreferenced(dir: string, nowMs: number): Promise<number> {
  const marker = join(dir, UNREFERENCED_MARKER_FILE);
  try {
    const recorded: unknown = JSON.parse(await readFile(marker, 'utf8'));
    const since = typeof recorded === 'object' && recorded !== null ? (recorded as { since?: unknown }).since : undefined;
    if (typeof since === 'number' && Number.isFinite(since)) return since;
  } catch {
    // No marker yet (or a torn one from a crash): the grace period starts now.
  }
  await writeFile(marker, JSON.stringify({ since: nowMs }));
  return nowMs;
}
