/**
 * The transformers.js model cache on disk: whether a model is installed, and pulling it from the
 * hub. transformers.js itself never downloads (it loads the folder with `local_files_only`), so
 * this file owns every guarantee about what it loads:
 *
 * * a file gets its final name only after it arrived complete and passed its checks (size,
 *   sha256 when the hub announced one, JSON/ONNX shape); until then it is `<name>.partial-…`;
 * * `.complete.json` is written last, atomically, and a model counts as installed only through it;
 * * one process downloads a model at a time (an flock per model folder); the others wait and then
 *   find it installed, so N instances starting together download it once.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AppError, errorMessage, isAppError } from '../core/errors.js';
import { fsyncDir, writeFileAtomic } from '../storage/atomic.js';
import type { LockHandle } from '../storage/lock.js';
import { downloadHubFile } from './hub-fetch.js';
import { modelDir, modelFileList, modelFileUrl, modelLockDir } from './model-files.js';
import { acquireModelLock, openModelLock, removeStalePartials } from './model-lock.js';
import {
  hasFileOfSize,
  markerPath,
  readMarker,
  serializeMarker,
  verifyModelFileContent,
  type InstalledModel,
  type InstalledModelFile,
} from './model-marker.js';

export type { InstalledModel, InstalledModelFile } from './model-marker.js';

/** Progress of a pull, reported for every chunk received. */
export interface PullProgress {
  file: string;
  received: number;
  /** Size announced by the hub, null when unknown. */
  total: number | null;
  /** Files already complete, and all files of this pull. */
  filesDone: number;
  filesTotal: number;
}

export interface PullOptions {
  /** Hub model id, `org/name` or `name`. */
  modelId: string;
  /** Branch, tag or commit. */
  revision: string;
  /** Selects the ONNX file (see `modelFileList`). */
  dtype: string;
  /** Base URL of the hub, e.g. `https://huggingface.co`. */
  hubUrl: string;
  /** The model cache; the model lands in `modelDir(cacheDir, modelId, revision)`. */
  cacheDir: string;
  /** Sent as a Bearer token to the hub (not to CDNs it redirects to). */
  token?: string;
  /** Default: the global fetch. */
  fetch?: typeof fetch;
  onProgress?: (progress: PullProgress) => void;
  /** Aborting rejects with the signal's reason and leaves no partial file. */
  signal?: AbortSignal;
  /** How long to wait for another process downloading the same model (default 30 min). */
  lockTimeoutMs?: number;
  /** Abort a file when no bytes arrive for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Download again even when installed. */
  force?: boolean;
}

export interface PullResult {
  dir: string;
  /** False when it was already installed, or another process installed it while this one waited. */
  downloaded: boolean;
  /** Bytes downloaded by this call. */
  bytes: number;
}

const DEFAULT_LOCK_TIMEOUT_MS = 30 * 60_000;
const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

/**
 * The installed model in `dir` if its marker lists every one of `files` and each exists with the
 * recorded size (sizes only: re-hashing 100 MB on every start would cost seconds), else null.
 * `files` of the result are the entries of the requested files, in their order.
 */
export async function readInstalledModel(dir: string, files: string[]): Promise<InstalledModel | null> {
  const marker = await readMarker(dir);
  if (marker === null) return null;
  const entries: InstalledModelFile[] = [];
  for (const name of files) {
    const entry = marker.files.find((file) => file.name === name);
    if (entry === undefined || !(await hasFileOfSize(dir, name, entry.size))) return null;
    entries.push(entry);
  }
  return { ...marker, files: entries };
}

/**
 * Download `modelId` at `revision` (config, tokenizer and the ONNX file of `dtype`) into the cache
 * unless it is installed. Throws AppError MODEL_DOWNLOAD_FAILED (transfer), MODEL_INVALID
 * (content), LOCK_TIMEOUT (another process kept downloading too long) or CONFIG_INVALID.
 */
export async function pullModel(options: PullOptions): Promise<PullResult> {
  const files = modelFileList(options.dtype);
  const dir = modelDir(options.cacheDir, options.modelId, options.revision);
  const source = describeSource(options.hubUrl, options.modelId);
  if (options.force !== true && (await readInstalledModel(dir, files)) !== null) {
    return { dir, downloaded: false, bytes: 0 };
  }
  const lockFile = await openModelLock(modelLockDir(options.cacheDir, options.modelId, options.revision));
  try {
    const handle = await acquireModelLock(lockFile, options.modelId, options.revision, {
      timeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    try {
      // Another process may have finished while this one waited.
      if (options.force !== true && (await readInstalledModel(dir, files)) !== null) {
        return { dir, downloaded: false, bytes: 0 };
      }
      const bytes = await downloadAll(options, dir, files, source, handle);
      return { dir, downloaded: true, bytes };
    } finally {
      await handle.release();
    }
  } finally {
    await lockFile.close();
  }
}

/** Delete an installed model folder (marker first, so a concurrent reader never sees a half-deleted model as installed). */
export async function removeModel(dir: string): Promise<void> {
  await rm(markerPath(dir), { force: true });
  await rm(dir, { recursive: true, force: true });
}

async function downloadAll(
  options: PullOptions,
  dir: string,
  files: string[],
  source: string,
  handle: LockHandle,
): Promise<number> {
  const folders = [...new Set(files.map((file) => dirname(join(dir, ...file.split('/')))))];
  try {
    for (const folder of folders) await mkdir(folder, { recursive: true });
  } catch (err) {
    throw cacheError(dir, err);
  }
  for (const folder of folders) await removeStalePartials(folder, handle.acquiredAt);
  const previous = await readMarker(dir);
  const entries: InstalledModelFile[] = [];
  let bytes = 0;
  for (const [index, file] of files.entries()) {
    const entry = await downloadOne(options, dir, file, index, files.length);
    entries.push(entry);
    bytes += entry.size;
  }
  // Renames must be durable before the marker vouches for them.
  for (const folder of folders) await fsyncDir(folder);
  // Keep files of other dtypes installed earlier in this folder, as long as they are intact.
  for (const old of previous?.files ?? []) {
    if (!files.includes(old.name) && (await hasFileOfSize(dir, old.name, old.size))) entries.push(old);
  }
  const marker = serializeMarker({ source, revision: options.revision, completedAt: new Date().toISOString(), files: entries });
  try {
    await writeFileAtomic(markerPath(dir), marker);
  } catch (err) {
    throw cacheError(dir, err);
  }
  return bytes;
}

async function downloadOne(
  options: PullOptions,
  dir: string,
  file: string,
  index: number,
  filesTotal: number,
): Promise<InstalledModelFile> {
  const final = join(dir, ...file.split('/'));
  const partial = `${final}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const report = (received: number, total: number | null): void =>
    options.onProgress?.({ file, received, total, filesDone: index, filesTotal });
  report(0, null);
  try {
    const result = await downloadHubFile({
      url: modelFileUrl(options.hubUrl, options.modelId, options.revision, file),
      dest: partial,
      file,
      modelId: options.modelId,
      revision: options.revision,
      hubUrl: options.hubUrl,
      ...(options.token === undefined ? {} : { token: options.token }),
      fetch: options.fetch ?? fetch,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      onBytes: report,
    });
    await verifyModelFileContent(file, partial, result.size, result.head, options.modelId);
    await rename(partial, final);
    return { name: file, size: result.size, sha256: result.sha256 };
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    if (isAppError(err) || options.signal?.aborted === true) throw err;
    throw cacheError(dir, err);
  }
}

function cacheError(dir: string, err: unknown): AppError {
  return new AppError('MODEL_DOWNLOAD_FAILED', `cannot write the model into ${dir}: ${errorMessage(err)}`, {
    hint: 'check the permissions and free space of the model cache folder, or set embedder.cache_dir to another folder',
    cause: err,
  });
}

/** `<hubUrl>/<modelId>` without credentials in the URL, for the marker. */
function describeSource(hubUrl: string, modelId: string): string {
  let url: URL;
  try {
    url = new URL(hubUrl);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError('CONFIG_INVALID', `invalid model hub URL "${hubUrl}": expected an http(s) URL`, {
      hint: 'set embedder.hub_url to a URL such as https://huggingface.co',
    });
  }
  url.username = '';
  url.password = '';
  return `${url.toString().replace(/\/+$/, '')}/${modelId}`;
}
