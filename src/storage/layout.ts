/**
 * Names and paths inside an index directory (DESIGN §4). Pure: no I/O.
 *
 * ```
 * <indexDir>/.index.lock        flock target, created once, never deleted
 * <indexDir>/manifest.json      the only mutable file, replaced atomically
 * <indexDir>/lock-holder.json   advisory: who holds the exclusive lock
 * <indexDir>/gen-000042/        immutable blobs first published by generation 42
 * ```
 */
import { join } from 'node:path';

export const MANIFEST_FILE = 'manifest.json';
export const LOCK_FILE = '.index.lock';
export const LOCK_HOLDER_FILE = 'lock-holder.json';
/** Dropped into a generation folder the first time garbage collection finds it unreferenced. */
export const UNREFERENCED_MARKER_FILE = '.gc-unreferenced';

const GENERATION_DIR_PATTERN = /^gen-(\d+)$/;
/** Blob files are plain names inside their generation folder: no separators, no `..`. */
const SAFE_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;

export function manifestPath(indexDir: string): string {
  return join(indexDir, MANIFEST_FILE);
}

export function lockFilePath(indexDir: string): string {
  return join(indexDir, LOCK_FILE);
}

export function lockHolderPath(indexDir: string): string {
  return join(indexDir, LOCK_HOLDER_FILE);
}

/**
 * Folder name of generation `generation`. Zero-padded to six digits so a directory listing
 * sorts by age; larger numbers simply grow wider and still parse.
 */
export function generationDirName(generation: number): string {
  return `gen-${String(generation).padStart(6, '0')}`;
}

export function generationDir(indexDir: string, generation: number): string {
  return join(indexDir, generationDirName(generation));
}

/** Generation number of a folder name (`gen-7`, `gen-000007`), or null if it is not one. */
export function parseGenerationDirName(name: string): number | null {
  const match = GENERATION_DIR_PATTERN.exec(name);
  if (match === null || match[1] === undefined) return null;
  const generation = Number(match[1]);
  return Number.isSafeInteger(generation) && generation > 0 ? generation : null;
}

/** True when `file` may be joined onto a generation folder without escaping it. */
export function isSafeBlobFileName(file: string): boolean {
  return SAFE_FILE_NAME.test(file) && file !== '.' && file !== '..';
}

/**
 * Content-addressed file name of a blob: `<name>-<sha12>[.<ext>]`. The logical name is
 * sanitised to a safe file name; its extension (if any) is kept so the files stay recognisable.
 */
export function blobFileName(name: string, sha256hex: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'blob';
  const dot = safe.lastIndexOf('.');
  const stem = dot > 0 ? safe.slice(0, dot) : safe;
  const ext = dot > 0 ? safe.slice(dot) : '.bin';
  return `${stem}-${sha256hex.slice(0, 12)}${ext}`;
}
