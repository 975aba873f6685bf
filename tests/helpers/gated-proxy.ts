/**
 * An HTTP proxy that holds every request until `open()` is called, then forwards it to a target
 * server. Lets a test line several clients up at the same point (all waiting for the first byte)
 * before anything arrives, instead of hoping a delay is long enough on a busy machine.
 */
import { createServer, request as httpRequest } from 'node:http';
import { listenLocal } from './local-http.js';

export interface GatedProxy {
  /** Base URL of the proxy; relative redirects of the target stay on it. */
  url: string;
  /** Requests received so far (held or forwarded). */
  received(): number;
  /** Forward the held requests and every later one. */
  open(): void;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 in front of `targetUrl` (an `http://host:port` base). */
export async function startGatedProxy(targetUrl: string): Promise<GatedProxy> {
  const target = new URL(targetUrl);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    void gate.then(() => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          // A target that breaks a response off must break it off here too.
          answer.on('aborted', () => res.destroy());
          answer.on('error', () => res.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
  });
  const listener = await listenLocal(server);
  return {
    url: listener.url,
    received: () => count,
    open: () => release(),
    close() {
      release();
      return listener.close();
    },
  };
}
