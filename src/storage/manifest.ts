/**
 * The manifest: the one mutable file of an index directory, naming the current generation
 * and the checksummed blobs it is made of. Replaced atomically, so a reader that can parse it
 * sees a complete one; a manifest that does not parse is corrupt, never "being written".
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { AppError, errorMessage } from '../core/errors.js';
import { writeFileAtomic } from './atomic.js';
import { isSafeBlobFileName, manifestPath } from './layout.js';

/** On-disk format written by this version. Bump when the manifest or blob layout changes. */
export const FORMAT_VERSION = 2;

/** One immutable blob: logical `name`, stored as `gen-<gen>/<file>`. */
export interface BlobRef {
  name: string;
  /** Generation whose folder holds the file (may be older than the manifest's: blobs are shared). */
  gen: number;
  file: string;
  /** sha256 hex of the file's bytes. */
  sha256: string;
  bytes: number;
}

/** The blob set of the generation before the current one: the fallback if current is unreadable. */
export interface PreviousGeneration {
  generation: number;
  blobs: Record<string, BlobRef>;
}

export interface Manifest {
  format: number;
  generation: number;
  /** ISO timestamp of publication. */
  createdAt: string;
  writer: { pid: number; instanceId: string };
  /** Opaque to storage: embedder id/dimension, chunking fingerprint, file table, counts… */
  meta: Record<string, unknown>;
  /** Blobs of this generation, by logical name. */
  blobs: Record<string, BlobRef>;
  previous: PreviousGeneration | null;
}

const REBUILD_HINT = 'run `mcp-markdown-ragdocs index --rebuild` to rebuild the index from the documents';

/**
 * Read `<indexDir>/manifest.json`. Returns null when there is none (a fresh index).
 * Throws AppError INDEX_FORMAT for another format version, INDEX_CORRUPT when it does not
 * parse or is malformed, INDEX_UNWRITABLE when it exists but cannot be read (permissions).
 */
export async function readManifest(indexDir: string): Promise<Manifest | null> {
  const path = manifestPath(indexDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new AppError('INDEX_UNWRITABLE', `cannot read index manifest ${path}: ${errorMessage(err)}`, {
      hint: 'check the permissions of the index directory, or pass another --index-dir',
      cause: err,
    });
  }
  return parseManifest(text, path);
}

/** Parse and validate manifest text; `source` names the file in error messages. */
export function parseManifest(text: string, source: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw corrupt(source, `not valid JSON (${errorMessage(err)})`, err);
  }
  if (!isRecord(value)) throw corrupt(source, 'not a JSON object');
  const format = value['format'];
  if (typeof format !== 'number' || !Number.isSafeInteger(format)) throw corrupt(source, 'no format number');
  if (format > FORMAT_VERSION) {
    throw new AppError(
      'INDEX_FORMAT',
      `index format ${format} in ${source} is newer than this server supports (${FORMAT_VERSION})`,
      { hint: `upgrade mcp-markdown-ragdocs, or ${REBUILD_HINT}` },
    );
  }
  if (format < FORMAT_VERSION) {
    throw new AppError(
      'INDEX_FORMAT',
      `index format ${format} in ${source} is older than this server's (${FORMAT_VERSION})`,
      { hint: REBUILD_HINT },
    );
  }
  const generation = value['generation'];
  if (!isPositiveInteger(generation)) throw corrupt(source, 'generation is not a positive integer');
  const createdAt = value['createdAt'];
  if (typeof createdAt !== 'string') throw corrupt(source, 'createdAt is missing');
  const writer = value['writer'];
  if (!isRecord(writer) || typeof writer['pid'] !== 'number' || typeof writer['instanceId'] !== 'string') {
    throw corrupt(source, 'writer is malformed');
  }
  const meta = value['meta'];
  if (!isRecord(meta)) throw corrupt(source, 'meta is not an object');
  const blobs = parseBlobTable(value['blobs'], source, 'blobs');
  const previousValue = value['previous'];
  let previous: PreviousGeneration | null = null;
  if (previousValue !== null && previousValue !== undefined) {
    if (!isRecord(previousValue) || !isPositiveInteger(previousValue['generation'])) {
      throw corrupt(source, 'previous is malformed');
    }
    previous = {
      generation: previousValue['generation'],
      blobs: parseBlobTable(previousValue['blobs'], source, 'previous.blobs'),
    };
  }
  return {
    format,
    generation,
    createdAt,
    writer: { pid: writer['pid'], instanceId: writer['instanceId'] },
    meta,
    blobs,
    previous,
  };
}

/**
 * Replace the manifest atomically (temp → fsync → rename → fsync dir). Callers publish
 * through `publishGeneration`, which guarantees the named blobs are on disk first.
 */
export async function writeManifest(indexDir: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(manifestPath(indexDir), `${JSON.stringify(manifest)}\n`);
}

function parseBlobTable(value: unknown, source: string, field: string): Record<string, BlobRef> {
  if (!isRecord(value)) throw corrupt(source, `${field} is not an object`);
  const table: Record<string, BlobRef> = {};
  for (const [name, ref] of Object.entries(value)) {
    if (
      !isRecord(ref) ||
      ref['name'] !== name ||
      !isPositiveInteger(ref['gen']) ||
      typeof ref['file'] !== 'string' ||
      !isSafeBlobFileName(ref['file']) ||
      typeof ref['sha256'] !== 'string' ||
      !/^[0-9a-f]{64}$/.test(ref['sha256']) ||
      typeof ref['bytes'] !== 'number' ||
      !Number.isSafeInteger(ref['bytes']) ||
      ref['bytes'] < 0
    ) {
      throw corrupt(source, `${field}[${JSON.stringify(name)}] is malformed`);
    }
    table[name] = { name, gen: ref['gen'], file: ref['file'], sha256: ref['sha256'], bytes: ref['bytes'] };
  }
  return table;
}

function corrupt(source: string, what: string, cause?: unknown): AppError {
  return new AppError('INDEX_CORRUPT', `index manifest ${source} is corrupt: ${what}`, {
    hint: REBUILD_HINT,
    cause,
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/**
 * The document count the current generation of `indexDir` records, read synchronously (the
 * server names each collection's size in its instructions before the index loads); null when
 * there is no index there yet or the manifest cannot be read.
 */
export function persistedDocumentCount(indexDir: string): number | null {
  try {
    const manifest = parseManifest(readFileSync(manifestPath(indexDir), 'utf8'), manifestPath(indexDir));
    const documents = manifest.meta['documents'];
    return typeof documents === 'number' && Number.isSafeInteger(documents) && documents >= 0 ? documents : null;
  } catch {
    return null;
  }
}
