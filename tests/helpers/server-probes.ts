/** Small probes for end-to-end tests of a spawned server: status polling, queries, stdout and stderr checks. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, type Dirent } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import type { SpawnedServer } from './spawn-server.js';
import { waitFor } from './wait.js';

export type Status = Record<string, any>;
export interface Hit {
  path: string;
  matched_by: string[];
  content: string;
}

export async function readStatus(server: SpawnedServer): Promise<Status> {
  return (await server.callTool('index_status')).structuredContent as Status;
}

/** `query_documents` (top 5); fails the test on a tool error. */
export async function queryHits(server: SpawnedServer, q: string): Promise<Hit[]> {
  const res = await server.callTool('query_documents', { query: q, top_n: 5 });
  assert.ok(!res.isError, `query "${q}" failed: ${JSON.stringify(res.content)}`);
  return res.structuredContent.results as Hit[];
}

/** Polls index_status until `ok` holds; returns that status. On timeout the error shows the last status and stderr. */
export function waitStatus(server: SpawnedServer, what: string, ok: (s: Status) => boolean, timeoutMs: number): Promise<Status> {
  let last: Status | null = null;
  return waitFor(
    what,
    async () => {
      last = await readStatus(server);
      return ok(last) ? last : null;
    },
    timeoutMs,
    50,
  ).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\nlast status: ${JSON.stringify(last)}\nstderr:\n${server.stderr().slice(-3000)}`);
  });
}

/** Every line the server wrote to stdout is a JSON-RPC message. */
export function assertStdoutJsonRpc(server: SpawnedServer): void {
  assert.ok(server.stdoutLines.length > 0);
  for (const line of server.stdoutLines) {
    let msg: { jsonrpc?: string } | null = null;
    try {
      msg = JSON.parse(line) as { jsonrpc?: string };
    } catch {
      // reported by the assertion below
    }
    assert.equal(msg?.jsonrpc, '2.0', `stdout line is not JSON-RPC: ${line}`);
  }
}

/** The `msg` of every JSON log line on stderr. */
export function logMessages(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { msg?: string }).msg ?? '');
}

/** Every file below `dir`, relative and `/`-separated (empty when `dir` does not exist). */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
