/**
 * Download of one file from a Hugging Face compatible hub into a given (partial) path, streaming
 * to disk while hashing so a 100 MB model never sits in memory.
 *
 * Redirects are followed by hand: on the real hub a large (LFS) file answers 302 to a CDN, and
 * only that redirect carries the file's sha256 (`X-Linked-Etag`) and size (`X-Linked-Size`),
 * which `fetch` would drop when following silently. Every transfer-level failure becomes an
 * AppError naming the file and the next step; the caller deletes the partial file.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { AppError, errorMessage } from '../core/errors.js';

export interface HubFileRequest {
  /** The resolve URL of the file (see `modelFileUrl`). */
  url: string;
  /** Where the body is written (created exclusively); the caller renames or deletes it. */
  dest: string;
  /** Hub-relative file name, model id, revision and hub URL: for messages and the token's origin. */
  file: string;
  modelId: string;
  revision: string;
  hubUrl: string;
  /** Sent as `Authorization: Bearer` to the hub's own origin only, never to a CDN it redirects to. */
  token?: string;
  fetch: typeof fetch;
  /** Aborting rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Abort when no response or byte arrives for this long. */
  idleTimeoutMs: number;
  /** Called for every chunk written, with the total announced by the hub (null if unknown). */
  onBytes?: (received: number, total: number | null) => void;
}

export interface HubFileResult {
  /** Bytes written to `dest`. */
  size: number;
  /** sha256 hex of what was written (verified against the hub's when the hub announced one). */
  sha256: string;
  /** The first bytes of the body, for content sniffing by the caller. */
  head: Buffer;
}

const MAX_REDIRECTS = 5;
/** Transfer failures are transient: the caller retries later, the user can pull by hand. */
const HEAD_BYTES = 512;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Fetch `request.url` (following up to 5 redirects) into `request.dest`; throws AppError on any failure. */
export async function downloadHubFile(request: HubFileRequest): Promise<HubFileResult> {
  const idle = new AbortController();
  const signal = request.signal === undefined ? idle.signal : AbortSignal.any([request.signal, idle.signal]);
  const timer = setTimeout(() => idle.abort(new Error('idle timeout')), request.idleTimeoutMs);
  try {
    return await transfer(request, signal, () => timer.refresh());
  } catch (err) {
    request.signal?.throwIfAborted();
    if (idle.signal.aborted) {
      throw new AppError(
        'MODEL_DOWNLOAD_FAILED',
        `download of ${request.file} from ${request.hubUrl} stalled: no data for ${Math.round(request.idleTimeoutMs / 1000)} s`,
        { hint: retryHint(), cause: err },
      );
    }
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function transfer(request: HubFileRequest, signal: AbortSignal, touch: () => void): Promise<HubFileResult> {
  const hubOrigin = new URL(request.hubUrl).origin;
  let url = request.url;
  let linkedSha: string | null = null;
  let linkedSize: number | null = null;
  let response: Response;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    if (request.token !== undefined && request.token !== '' && new URL(url).origin === hubOrigin) {
      headers['authorization'] = `Bearer ${request.token}`;
    }
    try {
      response = await request.fetch(url, { redirect: 'manual', headers, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new AppError('MODEL_DOWNLOAD_FAILED', `cannot reach the model hub at ${request.hubUrl} for ${request.file}: ${describe(err)}`, {
        hint: retryHint(),
        cause: err,
      });
    }
    touch();
    linkedSha ??= parseSha256(response.headers.get('x-linked-etag'));
    linkedSize ??= parseSize(response.headers.get('x-linked-size'));
    if (!REDIRECT_STATUSES.has(response.status)) break;
    await response.body?.cancel().catch(() => undefined);
    const location = response.headers.get('location');
    if (location === null || hop >= MAX_REDIRECTS) {
      throw new AppError(
        'MODEL_DOWNLOAD_FAILED',
        location === null
          ? `the model hub at ${request.hubUrl} answered ${response.status} without a Location for ${request.file}`
          : `too many redirects (more than ${MAX_REDIRECTS}) downloading ${request.file} from ${request.hubUrl}`,
        { hint: hubUrlHint() },
      );
    }
    url = new URL(location, url).toString();
  }
  checkStatus(request, response);
  const contentType = response.headers.get('content-type') ?? '';
  if (/text\/html/i.test(contentType)) {
    await response.body?.cancel().catch(() => undefined);
    throw htmlError(request, url);
  }
  const expectedSha = linkedSha ?? parseSha256(response.headers.get('etag'));
  const encoded = !/^(identity)?$/i.test(response.headers.get('content-encoding') ?? '');
  const contentLength = encoded ? null : parseSize(response.headers.get('content-length'));
  const total = linkedSize ?? contentLength;

  const written = await writeBody(request, response, total, touch);
  if (looksLikeHtml(written.head)) throw htmlError(request, url);
  for (const expected of [contentLength, linkedSize]) {
    if (expected !== null && expected !== written.size) {
      throw new AppError(
        'MODEL_DOWNLOAD_FAILED',
        `${request.file} is truncated: received ${written.size} bytes, expected ${expected} bytes`,
        { hint: retryHint() },
      );
    }
  }
  if (expectedSha !== null && expectedSha !== written.sha256) {
    throw new AppError(
      'MODEL_INVALID',
      `${request.file} of ${request.modelId} does not match its checksum: got sha256 ${written.sha256}, the hub announced ${expectedSha}`,
      { hint: `the download was discarded; a proxy or cache may have altered it: ${retryHint()}` },
    );
  }
  return written;
}

/** Stream the body into `dest` (exclusive create), hashing as it goes. */
async function writeBody(
  request: HubFileRequest,
  response: Response,
  total: number | null,
  touch: () => void,
): Promise<HubFileResult> {
  const hash = createHash('sha256');
  const headParts: Buffer[] = [];
  let headLength = 0;
  let size = 0;
  const file = await open(request.dest, 'wx', 0o644);
  try {
    const reader = response.body?.getReader();
    for (;;) {
      let chunk: Awaited<ReturnType<NonNullable<typeof reader>['read']>> | undefined;
      try {
        chunk = await reader?.read();
      } catch (err) {
        request.signal?.throwIfAborted();
        throw new AppError(
          'MODEL_DOWNLOAD_FAILED',
          `download of ${request.file} broke off: received ${size} bytes, expected ${total ?? 'unknown'} bytes (${describe(err)})`,
          { hint: retryHint(), cause: err },
        );
      }
      if (chunk === undefined || chunk.done) break;
      touch();
      const bytes = chunk.value;
      hash.update(bytes);
      if (headLength < HEAD_BYTES) {
        headParts.push(Buffer.from(bytes.subarray(0, HEAD_BYTES - headLength)));
        headLength += Math.min(bytes.length, HEAD_BYTES - headLength);
      }
      await file.write(bytes);
      size += bytes.length;
      request.onBytes?.(size, total);
    }
    // Before the rename makes it final: a power cut must not leave a named file of zeros.
    await file.sync();
  } finally {
    await file.close();
  }
  return { size, sha256: hash.digest('hex'), head: Buffer.concat(headParts) };
}

function checkStatus(request: HubFileRequest, response: Response): void {
  const { status } = response;
  if (status === 200) return;
  void response.body?.cancel().catch(() => undefined);
  const where = `${request.file} of model "${request.modelId}" (revision "${request.revision}")`;
  if (status === 401 || status === 403) {
    throw new AppError('MODEL_DOWNLOAD_FAILED', `the model hub answered ${status} for ${where}: the model is gated or private (set HF_TOKEN to a token that can read it), or it does not exist`, {
      hint: 'check embedder.model; for a gated or private model accept its terms on the hub and set HF_TOKEN to a token that can read it',
    });
  }
  if (status === 404) {
    throw new AppError('MODEL_DOWNLOAD_FAILED', `not found on the model hub (404): ${where}; check embedder.model and embedder.revision`, {
      hint: 'check embedder.model and embedder.revision, and that the model has ONNX weights for embedder.dtype',
    });
  }
  throw new AppError('MODEL_DOWNLOAD_FAILED', `the model hub at ${request.hubUrl} answered ${status} for ${where}`, {
    hint: status >= 500 || status === 429 ? retryHint() : hubUrlHint(),
  });
}

function htmlError(request: HubFileRequest, url: string): AppError {
  return new AppError(
    'MODEL_DOWNLOAD_FAILED',
    `the hub or a proxy returned an HTML page instead of ${request.file} (${url}); check embedder.hub_url`,
    { hint: hubUrlHint() },
  );
}

/** True when the body starts (after a BOM and whitespace) with `<!doctype` or `<html`. */
export function looksLikeHtml(head: Buffer): boolean {
  let start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (start < head.length && [0x20, 0x09, 0x0a, 0x0d].includes(head[start] ?? 0)) start++;
  const text = head.subarray(start, start + 9).toString('latin1').toLowerCase();
  return text.startsWith('<!doctype') || text.startsWith('<html');
}

/** A sha256 from an ETag-like header (`"…"`, `W/"…"`), or null if it is not 64 hex digits (git sha1s, md5s). */
export function parseSha256(header: string | null): string | null {
  if (header === null) return null;
  const value = header.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(value) ? value : null;
}

function parseSize(header: string | null): number | null {
  if (header === null || !/^\s*\d+\s*$/.test(header)) return null;
  const size = Number(header);
  return Number.isSafeInteger(size) ? size : null;
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause !== undefined ? `: ${errorMessage(err.cause)}` : '';
  return `${errorMessage(err)}${cause}`;
}

function retryHint(): string {
  return 'check the network connection and embedder.hub_url; run `mcp-markdown-ragdocs models pull` once the hub is reachable';
}

function hubUrlHint(): string {
  return 'check embedder.hub_url (or HF_ENDPOINT): it must point at a Hugging Face compatible hub (default https://huggingface.co), and any proxy in between must pass the files through';
}
