/**
 * The install marker `.complete.json` of a model folder and the content checks a file passes
 * before it gets its final name. The marker is written last, atomically, so its presence means
 * every file it lists was verified and renamed into place.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, errorMessage } from '../core/errors.js';
import { MODEL_MARKER_FILE } from './model-files.js';

/** One verified file of an installed model (name hub-relative, `/`-separated). */
export interface InstalledModelFile {
  name: string;
  size: number;
  sha256: string;
}

/** What `.complete.json` records. */
export interface InstalledModel {
  dir: string;
  files: InstalledModelFile[];
  /** `<hubUrl>/<modelId>` it was downloaded from (credentials stripped). */
  source: string;
  revision: string;
  /** ISO timestamp of completion. */
  completedAt: string;
}

export const MARKER_FORMAT = 1;
/** A real ONNX model is far larger; anything this small is an error page or an empty file. */
export const MIN_ONNX_BYTES = 64;
const SAFE_RELATIVE_FILE = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;

export function markerPath(dir: string): string {
  return join(dir, MODEL_MARKER_FILE);
}

/** The marker's JSON text. */
export function serializeMarker(model: Omit<InstalledModel, 'dir'>): string {
  const { source, revision, completedAt, files } = model;
  return `${JSON.stringify({ format: MARKER_FORMAT, source, revision, completedAt, files }, null, 2)}\n`;
}

/** The marker of `dir` as written, or null when missing or unreadable (an unreadable marker means not installed). */
export async function readMarker(dir: string): Promise<InstalledModel | null> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(markerPath(dir), 'utf8'));
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { format, source, revision, completedAt, files } = value as Record<string, unknown>;
  if (format !== MARKER_FORMAT || typeof source !== 'string' || typeof revision !== 'string') return null;
  if (typeof completedAt !== 'string' || !Array.isArray(files)) return null;
  const parsed: InstalledModelFile[] = [];
  for (const entry of files as unknown[]) {
    const file = parseFileEntry(entry);
    if (file === null) return null;
    parsed.push(file);
  }
  return { dir, files: parsed, source, revision, completedAt };
}

function parseFileEntry(entry: unknown): InstalledModelFile | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const { name, size, sha256 } = entry as Record<string, unknown>;
  if (typeof name !== 'string' || !isSafeModelFileName(name)) return null;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) return null;
  if (typeof sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  return { name, size, sha256 };
}

/** True for a hub-relative name that stays inside the model folder (no `..`, not absolute). */
export function isSafeModelFileName(name: string): boolean {
  return SAFE_RELATIVE_FILE.test(name) && !name.split('/').some((part) => part === '..');
}

/** True when `file` exists under `dir` as a regular file of exactly `size` bytes. */
export async function hasFileOfSize(dir: string, file: string, size: number): Promise<boolean> {
  try {
    const info = await stat(join(dir, ...file.split('/')));
    return info.isFile() && info.size === size;
  } catch {
    return false;
  }
}

/**
 * Content checks by file type, on the downloaded (partial) file: JSON must parse, ONNX must
 * start like an ONNX protobuf (field 1 `ir_version`, varint: byte 0x08). Throws MODEL_INVALID.
 */
export async function verifyModelFileContent(
  file: string,
  path: string,
  size: number,
  head: Buffer,
  modelId: string,
): Promise<void> {
  if (file.endsWith('.json')) {
    try {
      JSON.parse(await readFile(path, 'utf8'));
    } catch (err) {
      throw new AppError('MODEL_INVALID', `${file} of model "${modelId}" is not valid JSON: ${errorMessage(err)}`, {
        hint: 'the download was discarded; check embedder.hub_url and retry with `mcp-markdown-ragdocs models pull`',
        cause: err,
      });
    }
  } else if (file.endsWith('.onnx')) {
    if (size < MIN_ONNX_BYTES || head[0] !== 0x08) {
      throw new AppError(
        'MODEL_INVALID',
        `${file} of model "${modelId}" is not an ONNX model (${size} bytes, first byte ${head[0] === undefined ? 'none' : `0x${head[0].toString(16).padStart(2, '0')}`})`,
        {
          hint: 'the download was discarded; check embedder.model (it must be an ONNX export, e.g. from the Xenova or onnx-community orgs) and embedder.hub_url',
        },
      );
    }
  }
}
