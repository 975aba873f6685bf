/**
 * A local stand-in for the Hugging Face hub, serving one model's files the way the real hub does:
 * `/{modelId}/resolve/{revision}/{file}`; LFS files (default: `.onnx`) answer 302 to a CDN path
 * with `X-Linked-Etag` (sha256) and `X-Linked-Size`, other files 200 with an ETag that is the git
 * blob sha1 (like the hub: not a sha256, so clients must not take it for one). Faults can be
 * injected per file to exercise every failure path of a downloader.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal } from './local-http.js';

/**
 * `html`: 200 text/html error page. `truncate`: full Content-Length, half the body, then the socket
 * is destroyed. `short`: half the body with a matching Content-Length (only the sha256/size the
 * hub announced can tell). `corrupt`: other bytes of the same length under the original sha256/size headers.
 * `statusNNN`: that status with a short text body.
 */
export type HubFault = 'html' | 'truncate' | 'short' | 'corrupt' | 'status401' | 'status403' | 'status404' | 'status500' | null;
export type FaultFn = (file: string) => HubFault;

export interface HubServerOptions {
  /** Default `test-org/tiny-model`. */
  modelId?: string;
  /** Default `main`. */
  revision?: string;
  /** Which files are served like LFS files (via a CDN redirect); default `.onnx` files. */
  lfs?: (file: string) => boolean;
  /** Wait this long before answering every request (resolve and CDN), to make downloads overlap. */
  delayMs?: number;
  fault?: FaultFn;
}

export interface HubServer {
  /** Base URL to use as the hub URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Every request path (with query), in arrival order. */
  requests: string[];
  /** Requests on the resolve path of `file`. */
  countFor(file: string): number;
  /** Requests on the CDN path of `file` (LFS files only). */
  cdnCountFor(file: string): number;
  setFault(fault: FaultFn | undefined): void;
  close(): Promise<void>;
}

/** Start the server on 127.0.0.1 with a free port. */
export async function startHubServer(files: Map<string, Buffer>, options: HubServerOptions = {}): Promise<HubServer> {
  const modelId = options.modelId ?? 'test-org/tiny-model';
  const revision = options.revision ?? 'main';
  const isLfs = options.lfs ?? ((file: string) => file.endsWith('.onnx'));
  let fault: FaultFn = options.fault ?? (() => null);
  const requests: string[] = [];
  const resolveCounts = new Map<string, number>();
  const cdnCounts = new Map<string, number>();
  const resolvePrefix = `/${modelId}/resolve/`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    requests.push(rawUrl);
    if ((options.delayMs ?? 0) > 0) await new Promise((resolve) => setTimeout(resolve, options.delayMs).unref());
    const url = new URL(rawUrl, 'http://hub.invalid');
    if (url.pathname.startsWith('/cdn/')) {
      const file = url.searchParams.get('file') ?? '';
      cdnCounts.set(file, (cdnCounts.get(file) ?? 0) + 1);
      const body = files.get(file);
      if (body === undefined || url.pathname !== `/cdn/${sha256(body)}`) return sendText(res, 404, 'no such object');
      return sendBody(res, body, fault(file), {});
    }
    if (!url.pathname.startsWith(resolvePrefix)) return sendText(res, 404, 'Repository not found');
    const rest = url.pathname.slice(resolvePrefix.length);
    const slash = rest.indexOf('/');
    const askedRevision = decodeURIComponent(rest.slice(0, Math.max(0, slash)));
    const file = rest.slice(slash + 1).split('/').map(decodeURIComponent).join('/');
    resolveCounts.set(file, (resolveCounts.get(file) ?? 0) + 1);
    const body = files.get(file);
    if (slash < 0 || askedRevision !== revision || body === undefined) return sendText(res, 404, 'Entry not found');
    const current = fault(file);
    if (current === 'html') return sendHtml(res);
    const status = current?.startsWith('status') === true ? Number(current.slice('status'.length)) : null;
    if (status !== null) return sendText(res, status, `error ${status}`);
    if (isLfs(file)) {
      const sha = sha256(body);
      res.writeHead(302, {
        location: `/cdn/${sha}?file=${encodeURIComponent(file)}`,
        'x-linked-etag': `"${sha}"`,
        'x-linked-size': String(body.length),
        'content-length': '0',
      });
      res.end();
      return;
    }
    return sendBody(res, body, current, { etag: `"${gitBlobSha1(body)}"` });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendText(res, 500, String(err));
      else res.destroy();
    });
  });
  const listener = await listenLocal(server);
  return {
    url: listener.url,
    requests,
    countFor: (file) => resolveCounts.get(file) ?? 0,
    cdnCountFor: (file) => cdnCounts.get(file) ?? 0,
    setFault(next) {
      fault = next ?? (() => null);
    },
    close: listener.close,
  };
}

function sendBody(res: ServerResponse, body: Buffer, fault: HubFault, headers: Record<string, string>): void {
  const payload = fault === 'corrupt' ? corrupt(body) : fault === 'short' ? body.subarray(0, body.length >> 1) : body;
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': String(payload.length),
    ...headers,
  });
  if (fault === 'truncate') {
    // The pause lets the client read the half before the reset, as on a real broken connection.
    res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => setTimeout(() => res.destroy(), 20));
    return;
  }
  res.end(payload);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function sendHtml(res: ServerResponse): void {
  const page = '<!DOCTYPE html>\n<html><head><title>Proxy error</title></head><body><h1>Access denied</h1></body></html>\n';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(page)) });
  res.end(page);
}

/** Same length, every byte flipped after the first (so an ONNX file still starts like one). */
function corrupt(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  for (let i = 1; i < copy.length; i++) copy[i] = (copy[i] ?? 0) ^ 0xff;
  return copy;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function gitBlobSha1(data: Buffer): string {
  return createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex');
}
