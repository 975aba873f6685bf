/**
 * Pure naming rules of the transformers.js model cache: which files a dtype needs, where a model
 * lives on disk, and where it lives on the hub. No I/O, so the path-safety part is easy to test.
 *
 * ```
 * <cacheDir>/<org>/<name>/<revision>/config.json          one folder per model and revision,
 * <cacheDir>/<org>/<name>/<revision>/onnx/model_*.onnx    shared by every dtype
 * <cacheDir>/<org>/<name>/<revision>/.complete.json       written last: the install marker
 * <cacheDir>/.locks/<org>/<name>/<revision>/              the download lock of that folder
 * ```
 */
import { join } from 'node:path';
import { AppError } from '../core/errors.js';
import { sha256 } from '../core/hash.js';

/**
 * ONNX file name suffix per dtype, as transformers.js resolves it (DEFAULT_DTYPE_SUFFIX_MAPPING
 * in @huggingface/transformers 4.3): the file must have exactly the name it will look for. The
 * same dtypes as `EMBEDDER_DTYPES` of the config (transformers.js also knows q2/q1 variants).
 */
export const ONNX_DTYPE_SUFFIXES: Readonly<Record<string, string>> = Object.freeze({
  fp32: '',
  fp16: '_fp16',
  int8: '_int8',
  uint8: '_uint8',
  q8: '_quantized',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
});

/** Files every feature-extraction model needs besides its ONNX weights. */
export const MODEL_CONFIG_FILES: readonly string[] = Object.freeze(['config.json', 'tokenizer.json', 'tokenizer_config.json']);

/** Name of the install marker inside a model folder; its presence (and content) means complete. */
export const MODEL_MARKER_FILE = '.complete.json';

/** Folder (under the cache dir) holding the per-model lock folders, apart from the model files. */
export const MODEL_LOCKS_DIR = '.locks';

/** Placeholder org folder for model ids without an org, so `name` can never collide with an org. */
const NO_ORG_DIR = '_';

/** A hub name segment: no separators, no leading/trailing `.`/`-`, no `..` or `--` (the hub forbids them too). */
const NAME_SEGMENT = /^[A-Za-z0-9_](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$/;
const SAFE_REVISION = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/** The ONNX file of `dtype`, e.g. `onnx/model_quantized.onnx` for q8. CONFIG_INVALID for unknown dtypes. */
export function onnxFileForDtype(dtype: string): string {
  const suffix = Object.hasOwn(ONNX_DTYPE_SUFFIXES, dtype) ? ONNX_DTYPE_SUFFIXES[dtype] : undefined;
  if (suffix === undefined) {
    throw new AppError('CONFIG_INVALID', `unknown embedder dtype "${dtype}"`, {
      hint: `set embedder.dtype to one of: ${Object.keys(ONNX_DTYPE_SUFFIXES).join(', ')} (q8 is the usual choice)`,
    });
  }
  return `onnx/model${suffix}.onnx`;
}

/** Every file (hub-relative, `/`-separated) a feature-extraction model in `dtype` needs. */
export function modelFileList(dtype: string): string[] {
  return [...MODEL_CONFIG_FILES, onnxFileForDtype(dtype)];
}

/** `org/name` or `name` split into its parts; CONFIG_INVALID for anything else (paths, `..`, URLs). */
export function parseModelId(modelId: string): { org: string | null; name: string } {
  const parts = modelId.split('/');
  const valid =
    parts.length <= 2 && parts.every((part) => NAME_SEGMENT.test(part) && !part.includes('..') && !part.includes('--'));
  if (!valid) {
    throw new AppError('CONFIG_INVALID', `invalid model id "${modelId}": expected "name" or "org/name" of letters, digits, ".", "_" and "-"`, {
      hint: 'set embedder.model to a hub id such as "Xenova/bge-small-en-v1.5"',
    });
  }
  return parts.length === 2 ? { org: parts[0] ?? null, name: parts[1] ?? '' } : { org: null, name: parts[0] ?? '' };
}

/**
 * A revision as a single folder name. Branch names may contain `/` (`refs/pr/1`), so unsafe
 * characters become `_`; a hash of the original keeps two revisions that sanitize alike apart.
 */
export function revisionDirName(revision: string): string {
  if (revision === '') {
    throw new AppError('CONFIG_INVALID', 'the model revision is empty', {
      hint: 'set embedder.revision to a branch, tag or commit hash (default "main")',
    });
  }
  if (SAFE_REVISION.test(revision)) return revision;
  const readable = revision.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.-]/, '_').slice(0, 80);
  return `${readable}-${sha256(revision).slice(0, 8)}`;
}

/** The folder holding `modelId` at `revision`: `<cacheDir>/<org>/<name>/<revision>` (`_` for no org). */
export function modelDir(cacheDir: string, modelId: string, revision: string): string {
  const { org, name } = parseModelId(modelId);
  return join(cacheDir, org ?? NO_ORG_DIR, name, revisionDirName(revision));
}

/** The lock folder of a model folder, kept under `<cacheDir>/.locks/` so the model folder holds only model files. */
export function modelLockDir(cacheDir: string, modelId: string, revision: string): string {
  const { org, name } = parseModelId(modelId);
  return join(cacheDir, MODEL_LOCKS_DIR, org ?? NO_ORG_DIR, name, revisionDirName(revision));
}

/**
 * `{hubUrl}/{modelId}/resolve/{revision}/{file}`. The revision is one URL segment (the hub
 * expects `refs%2Fpr%2F1`); the file keeps its `/`.
 */
export function modelFileUrl(hubUrl: string, modelId: string, revision: string, file: string): string {
  const base = hubUrl.replace(/\/+$/, '');
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${base}/${modelId}/resolve/${encodeURIComponent(revision)}/${path}`;
}
