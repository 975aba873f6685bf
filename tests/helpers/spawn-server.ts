import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { repoRoot } from './paths.js';

export const BIN = (): string => join(repoRoot(), 'bin', 'mcp-markdown-ragdocs.js');

/**
 * A stdio transport over a child we spawned ourselves, so the test sees every raw stdout
 * line (to prove stdout carries JSON-RPC only) and controls the process (kill, stdin close).
 */
class ChildTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private buffer = '';

  constructor(private readonly child: ChildProcess, private readonly lines: string[]) {}

  async start(): Promise<void> {
    this.child.stdout?.setEncoding('utf8');
    this.child.stdout?.on('data', (data: string) => {
      this.buffer += data;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).replace(/\r$/, '');
        this.buffer = this.buffer.slice(nl + 1);
        if (line === '') continue;
        this.lines.push(line);
        try {
          this.onmessage?.(JSON.parse(line) as JSONRPCMessage);
        } catch (err) {
          this.onerror?.(err as Error);
        }
      }
    });
    this.child.on('exit', () => this.onclose?.());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.child.stdin?.write(JSON.stringify(message) + '\n');
  }

  async close(): Promise<void> {
    this.child.stdin?.end();
  }
}

export interface SpawnedServer {
  client: Client;
  child: ChildProcess;
  /** Every line the server wrote to stdout. */
  stdoutLines: string[];
  stderr(): string;
  /** Resolves with the exit code and the time of exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Closes stdin (like a client going away) and waits for the exit (bounded). */
  stop(timeoutMs?: number): Promise<{ code: number | null; ms: number }>;
  callTool(name: string, args?: Record<string, unknown>): Promise<{ isError?: boolean; structuredContent?: any; content: any[] }>;
}

export interface SpawnOptions {
  docs: string;
  /** Omitted: the default per-project folder under the cache dir (set XDG_CACHE_HOME in env). */
  indexDir?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Skip the MCP handshake (for processes expected to fail at startup). */
  connect?: boolean;
  /** Launcher to spawn; default this checkout's `bin/` (benchmarks pass another checkout's). */
  bin?: string;
  /**
   * A command the server runs under, given node and its arguments after it: e.g.
   * `['sh', '-c', 'ulimit -n 64; exec "$0" "$@"']` or an `unshare` with its own limits.
   */
  launcher?: string[];
}

export async function spawnServer(opts: SpawnOptions): Promise<SpawnedServer> {
  const argv = [process.execPath, opts.bin ?? BIN(), '--docs', opts.docs, ...(opts.indexDir ? ['--index-dir', opts.indexDir] : []), ...(opts.args ?? [])];
  const [command, ...rest] = [...(opts.launcher ?? []), ...argv] as [string, ...string[]];
  const child = spawn(command, rest, {
    stdio: ['pipe', 'pipe', 'pipe'],
    // Provider none unless a test asks for another: the default would try to download a model.
    env: { ...process.env, RAGDOCS_LOG_LEVEL: 'info', RAGDOCS_EMBEDDER: 'none', ...opts.env },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  const stdoutLines: string[] = [];
  const client = new Client({ name: 'ragdocs-e2e', version: '0.0.0' });
  if (opts.connect !== false) {
    await client.connect(new ChildTransport(child, stdoutLines), { timeout: 10_000 });
  }
  return {
    client,
    child,
    stdoutLines,
    stderr: () => stderr,
    exited,
    async stop(timeoutMs = 5000) {
      const start = Date.now();
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const { code } = await exited;
      clearTimeout(timer);
      return { code, ms: Date.now() - start };
    },
    async callTool(name, args = {}) {
      return (await client.callTool({ name, arguments: args }, undefined, { timeout: 10_000 })) as any;
    },
  };
}
