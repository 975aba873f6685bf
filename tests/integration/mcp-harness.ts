import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { IndexStatus, SearchResult } from '../../src/core/types.js';
import { createMcpServer, type McpServerInfo } from '../../src/mcp/server.js';
import type { DocsService, DocumentView } from '../../src/mcp/service.js';

/** Shared by the mcp-*.test.ts files: a recording fake DocsService and an in-process client. */

export const SAMPLE_RESULT: SearchResult = {
  collection: 'docs',
  path: 'guides/locks.md',
  heading_path: ['Coordination', 'Stale locks'],
  start_line: 12,
  end_line: 30,
  score: 0.0331,
  content: 'When a writer dies the OS releases its flock.\n\nThe next writer takes over.',
  matched_by: ['keyword', 'semantic'],
};

export const SAMPLE_DOCUMENT: DocumentView = {
  collection: 'docs',
  path: 'guides/locks.md',
  title: 'Locks',
  content: '# Locks\n\nAll about locks.',
  start_line: 1,
  end_line: 3,
  headings: [{ depth: 1, text: 'Locks', slug: 'locks', line: 1 }],
  blocks: [],
  tags: ['architecture'],
  links_out: [
    { target: 'setup.md', path: 'guides/setup.md', heading: 'install', block: null, status: 'resolved', heading_found: true },
    { target: 'https://example.com', path: null, heading: null, block: null, status: 'external' },
  ],
  link_problems: { unresolved: 0, ambiguous: 0, missing_headings: 0, missing_blocks: 0 },
  links_in: ['index.md'],
};

export const SAMPLE_STATUS: IndexStatus = {
  state: 'ready',
  documents: 3,
  chunks: 9,
  generation: 4,
  pending_files: 0,
  embedder: 'test:dim-8',
  index_dir: '/tmp/ragdocs-index',
  instance_id: 'inst-1',
  embeddings_computed: 9,
  embeddings_reused: 0,
  last_error: null,
  files_parsed: 3,
  files_unchanged: 0,
  lock_holder: {
    pid: 4242,
    since: '2025-01-01T00:00:00.000Z',
    instance_id: 'inst-2',
    hostname: 'host',
    held_ms: 12_000,
    heartbeat: '2025-01-01T00:00:11.000Z',
    alive: true,
    stopped: false,
    progressing: true,
  },
  lock_wait_ms: 0,
  embedder_state: 'ready',
  embedder_fix: null,
  embedder_problem: null,
  chunks_embedded: 9,
  index_problem: null,
  index_fix: null,
  warnings: ['index dir is on NFS'],
};

export interface RecordedCall {
  method: keyof DocsService;
  params: unknown;
}

/** A DocsService answering with the samples above; `overrides` replace single methods. */
export function createFakeService(overrides: Partial<DocsService> = {}): { service: DocsService; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const base: DocsService = {
    query: async () => ({ results: [SAMPLE_RESULT] }),
    queryCompressed: async () => ({
      results: [SAMPLE_RESULT],
      stats: { before: 4, after: 1, removed_below_min_score: 2, removed_duplicates: 1 },
    }),
    getDocument: async () => SAMPLE_DOCUMENT,
    listDocuments: async () => ({ documents: [{ collection: 'docs', path: 'guides/locks.md', title: 'Locks', tags: ['architecture'], chunks: 3 }] }),
    status: () => SAMPLE_STATUS,
    collections: () => [{ name: 'docs', description: '', root: '/docs' }],
  };
  const impl = { ...base, ...overrides };
  const record = <T>(method: keyof DocsService, params: unknown, answer: () => T): T => {
    calls.push({ method, params });
    return answer();
  };
  const service: DocsService = {
    query: (params) => record('query', params, () => impl.query(params)),
    queryCompressed: (params) => record('queryCompressed', params, () => impl.queryCompressed(params)),
    getDocument: (params) => record('getDocument', params, () => impl.getDocument(params)),
    listDocuments: (params) => record('listDocuments', params, () => impl.listDocuments(params)),
    status: () => record('status', undefined, () => impl.status()),
    collections: () => impl.collections(),
  };
  return { service, calls };
}

export interface LoggedError {
  obj: Record<string, unknown>;
  msg: string;
}

/**
 * Connects an SDK client to `createMcpServer(service)` over an in-memory pair. The client lists
 * tools first, which makes it validate every later structuredContent against the outputSchema.
 */
export async function connectClient(service: DocsService, info: Partial<McpServerInfo> = {}): Promise<{
  client: Client;
  logged: LoggedError[];
  call: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult>;
  close: () => Promise<void>;
}> {
  const logged: LoggedError[] = [];
  const server = createMcpServer(service, {
    name: 'ragdocs-test',
    version: '0.0.0',
    logger: { error: (obj, msg) => logged.push({ obj, msg }) },
    ...info,
  });
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'test-client', version: '0.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  await client.listTools();
  return {
    client,
    logged,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

/** The text of a result's single text block. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  if (first?.type !== 'text') throw new Error(`expected a text block, got ${JSON.stringify(result.content)}`);
  return first.text;
}
