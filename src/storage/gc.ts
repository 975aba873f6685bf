/**
 * Garbage collection of generation folders. Readers take no lock, so a folder is removed only
 * after it has been seen unreferenced for a grace period: the first collection that finds it
 * unreferenced drops a marker file in it, and a later one (at least `minAgeMs` after the marker)
 * removes it. The marker's time is when GC noticed, never earlier than when the folder really
 * stopped being referenced, so slow readers always get the full grace period.
 */
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
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
  const result: GcResult = { removed: [], deferred: [], removedTempFiles: [] };

  const entries = await readdir(indexDir, { withFileTypes: true });
  for (const entry of entries) {
    const generation = entry.isDirectory() ? parseGenerationDirName(entry.name) : null;
    if (generation === null || referenced.has(generation) || generation > manifest.generation) continue;
    const dir = join(indexDir, entry.name);
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
