import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { SERVER_INSTRUCTIONS, buildServerInstructions } from '../../src/mcp/server.js';
import {
  SAMPLE_DOCUMENT,
  SAMPLE_RESULT,
  SAMPLE_STATUS,
  connectClient,
  createFakeService,
  textOf,
} from './mcp-harness.js';

const TOOL_NAMES = ['get_document', 'index_status', 'list_documents', 'query_documents', 'query_documents_compressed'];

describe('MCP tools: listing', () => {
  test('lists five read-only tools with input and output schemas and documented parameters', async () => {
    const { service } = createFakeService();
    const h = await connectClient(service);
    try {
      assert.equal(h.client.getInstructions(), buildServerInstructions({}));
      assert.ok(h.client.getInstructions()?.includes(SERVER_INSTRUCTIONS), 'the tool guide is part of the instructions');
      for (const name of TOOL_NAMES) assert.match(SERVER_INSTRUCTIONS, new RegExp(name));
      const { tools } = await h.client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), TOOL_NAMES);
      for (const tool of tools) {
        assert.equal(tool.inputSchema.type, 'object', tool.name);
        assert.equal(tool.outputSchema?.type, 'object', `${tool.name} has an outputSchema`);
        assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
        assert.equal(tool.annotations?.openWorldHint, false, tool.name);
        assert.match(tool.description ?? '', /Example/, `${tool.name} description has an example`);
        for (const [param, schema] of Object.entries(tool.inputSchema.properties ?? {})) {
          const description = (schema as { description?: string }).description ?? '';
          assert.match(description, /Example/, `${tool.name}.${param} has an example`);
          assert.match(description, /Default|Required/, `${tool.name}.${param} states its default`);
        }
      }
      const query = tools.find((t) => t.name === 'query_documents');
      assert.deepEqual(query?.inputSchema.required, ['query']);
      assert.equal((query?.inputSchema.properties?.top_n as { default?: number }).default, 5);
    } finally {
      await h.close();
    }
  });
});

describe('MCP tools: results', () => {
  test('query_documents applies top_n 5 by default, trims the query and returns results', async () => {
    const { service, calls } = createFakeService();
    const h = await connectClient(service);
    try {
      const result = await h.call('query_documents', { query: '  stale locks  ' });
      assert.equal(result.isError, undefined);
      assert.deepEqual(calls, [{ method: 'query', params: { query: 'stale locks', topN: 5 } }]);
      assert.deepEqual(result.structuredContent, { results: [SAMPLE_RESULT] });
      const text = textOf(result);
      assert.match(text, /1\. guides\/locks\.md › Coordination › Stale locks \(lines 12–30, score 0\.0331, keyword\+semantic\)/);
      assert.match(text, /OS releases its flock/);
    } finally {
      await h.close();
    }
  });

  test('query_documents passes filters through under the service names', async () => {
    const { service, calls } = createFakeService();
    const h = await connectClient(service);
    try {
      await h.call('query_documents', { query: 'x', top_n: 100, path_glob: 'guides/**', tags: ['a', 'b'] });
      assert.deepEqual(calls[0]?.params, { query: 'x', topN: 100, pathGlob: 'guides/**', tags: ['a', 'b'] });
    } finally {
      await h.close();
    }
  });

  test('query_documents_compressed leaves thresholds to the service unless given, and reports stats', async () => {
    const { service, calls } = createFakeService();
    const h = await connectClient(service);
    try {
      const plain = await h.call('query_documents_compressed', { query: 'locks' });
      assert.deepEqual(calls[0]?.params, { query: 'locks', topN: 5 });
      assert.deepEqual(plain.structuredContent, {
        results: [SAMPLE_RESULT],
        stats: { before: 4, after: 1, removed_below_min_score: 2, removed_duplicates: 1 },
      });
      assert.match(textOf(plain), /Compressed 4 candidates to 1: 2 below min_score, 1 near-duplicate removed/);
      await h.call('query_documents_compressed', { query: 'locks', top_n: 7, min_score: 0, similarity_threshold: 0.8 });
      assert.deepEqual(calls[1]?.params, { query: 'locks', topN: 7, minScore: 0, similarityThreshold: 0.8 });
    } finally {
      await h.close();
    }
  });

  test('get_document returns the document with a header, outline and links', async () => {
    const { service, calls } = createFakeService();
    const h = await connectClient(service);
    try {
      const result = await h.call('get_document', { path: 'guides/locks.md', start_line: 1, end_line: 3 });
      assert.deepEqual(calls[0]?.params, { path: 'guides/locks.md', startLine: 1, endLine: 3 });
      assert.deepEqual(result.structuredContent, SAMPLE_DOCUMENT);
      const text = textOf(result);
      assert.match(text, /^# Locks\nguides\/locks\.md · lines 1–3 · tags: architecture\n\n# Locks\n\nAll about locks\./);
      assert.match(text, /Links out: guides\/setup\.md#install, https:\/\/example\.com/);
      assert.match(text, /Linked from: index\.md/);
      await h.call('get_document', { path: 'guides/locks.md', heading: 'Stale locks' });
      assert.deepEqual(calls[1]?.params, { path: 'guides/locks.md', heading: 'Stale locks' });
      await h.call('get_document', { path: 'guides/locks.md', block: '^abc-123' });
      assert.deepEqual(calls[2]?.params, { path: 'guides/locks.md', block: '^abc-123' });
      assert.doesNotMatch(text, /\nLinks:/, 'no link-problems line when every link is fine');
      const bad = await h.call('get_document', { path: 'guides/locks.md', block: 'not an id' });
      assert.equal(bad.isError, true);
      assert.match(textOf(bad), /block must be a block id/);
    } finally {
      await h.close();
    }
  });

  test('list_documents passes glob and tag and lists documents', async () => {
    const { service, calls } = createFakeService();
    const h = await connectClient(service);
    try {
      const all = await h.call('list_documents');
      assert.deepEqual(calls[0]?.params, {});
      assert.deepEqual(all.structuredContent, {
        documents: [{ collection: 'docs', path: 'guides/locks.md', title: 'Locks', tags: ['architecture'], chunks: 3 }],
      });
      assert.match(textOf(all), /1 document:\n- guides\/locks\.md — Locks \[architecture\] \(3 chunks\)/);
      await h.call('list_documents', { glob: 'guides/*.md', tag: 'architecture' });
      assert.deepEqual(calls[1]?.params, { glob: 'guides/*.md', tag: 'architecture' });
      const named = await h.call('list_documents', { name: ' Locks ' });
      assert.deepEqual(calls[2]?.params, { name: 'Locks' });
      assert.match(textOf(named), /^1 document is called "Locks":\n- guides\/locks\.md/);
    } finally {
      await h.close();
    }
  });

  test('index_status returns every IndexStatus field', async () => {
    const { service } = createFakeService();
    const h = await connectClient(service);
    try {
      const result = await h.call('index_status');
      assert.deepEqual(result.structuredContent, SAMPLE_STATUS);
      const text = textOf(result);
      assert.match(text, /^ready: 3 documents, 9 chunks, generation 4$/m);
      assert.match(text, /semantic search on: test:dim-8, 9 of 9 chunks embedded/);
      assert.match(text, /held by pid 4242/);
      assert.match(text, /warning: index dir is on NFS/);
    } finally {
      await h.close();
    }
  });

  test('index_status says once, in plain words, that a stopped lock holder is alive but not progressing', async () => {
    const holder = { ...SAMPLE_STATUS.lock_holder!, held_ms: 95_000, stopped: true, progressing: false };
    const { service } = createFakeService({ status: () => ({ ...SAMPLE_STATUS, lock_holder: holder, lock_wait_ms: 40_000 }) });
    const h = await connectClient(service);
    try {
      const result = await h.call('index_status');
      assert.deepEqual(result.structuredContent?.lock_holder, holder);
      const text = textOf(result);
      assert.match(text, /write lock: held by pid 4242 \(instance inst-2\) for 1 min 35 s, since 2025-01-01T00:00:00.000Z; it is alive but stopped .*not progressing/);
      assert.match(text, /kill -CONT 4242/);
      assert.equal(text.match(/not progressing/g)?.length, 1, text);
    } finally {
      await h.close();
    }
  });

  test('text trims long chunks but structuredContent keeps them whole; no results says what to try', async () => {
    const long = { ...SAMPLE_RESULT, content: 'word '.repeat(1000).trim() };
    let results = [long];
    const { service } = createFakeService({ query: async () => ({ results }) });
    const h = await connectClient(service);
    try {
      const result = await h.call('query_documents', { query: 'word\n\nsearch' });
      assert.deepEqual(result.structuredContent, { results: [long] });
      const text = textOf(result);
      assert.match(text, /for "word search":/);
      assert.match(text, /word…\n/);
      assert.ok(text.length < 1000, `text is ${text.length} characters`);
      results = [];
      const none = await h.call('query_documents', { query: 'nothing' });
      assert.deepEqual(none.structuredContent, { results: [] });
      assert.match(textOf(none), /^No results for "nothing"\. Try other words/);
    } finally {
      await h.close();
    }
  });

  test('fields the service adds beyond the contract are dropped, so clients accept the result', async () => {
    const extra = { ...SAMPLE_RESULT, chunk_id: 'guides/locks.md#2' };
    const { service } = createFakeService({ query: async () => ({ results: [extra] }) });
    const h = await connectClient(service);
    try {
      const result = await h.call('query_documents', { query: 'locks' });
      assert.equal(result.isError, undefined, textOf(result));
      assert.deepEqual(result.structuredContent, { results: [SAMPLE_RESULT] });
    } finally {
      await h.close();
    }
  });
});

describe('MCP tools: output schemas are enforced by the SDK client', () => {
  // The server above never sends a non-conforming result, so to show the client-side check in
  // the tests above is live, a bare SDK server advertises our real tool definitions and answers
  // with structured content that breaks them.
  async function callRogueServer(tools: Tool[], structuredContent: Record<string, unknown>): Promise<unknown> {
    const rogue = new Server({ name: 'rogue', version: '0.0.0' }, { capabilities: { tools: {} } });
    rogue.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
    rogue.setRequestHandler(CallToolRequestSchema, () => ({ content: [{ type: 'text', text: 'x' }], structuredContent }));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    const client = new Client({ name: 'test-client', version: '0.0.0' });
    await Promise.all([rogue.connect(serverTransport), client.connect(clientTransport)]);
    try {
      await client.listTools();
      return await client.callTool({ name: 'query_documents', arguments: { query: 'x' } });
    } finally {
      await client.close();
      await rogue.close();
    }
  }

  test('a result missing matched_by, or with an unknown field, is rejected', async () => {
    const { service } = createFakeService();
    const h = await connectClient(service);
    const { tools } = await h.client.listTools();
    await h.close();
    const { matched_by: _omitted, ...withoutMatchedBy } = SAMPLE_RESULT;
    await assert.rejects(callRogueServer(tools, { results: [withoutMatchedBy] }), /output schema/);
    await assert.rejects(callRogueServer(tools, { results: [{ ...SAMPLE_RESULT, extra: 1 }] }), /output schema/);
    const ok = await callRogueServer(tools, { results: [SAMPLE_RESULT] });
    assert.deepEqual((ok as { structuredContent?: unknown }).structuredContent, { results: [SAMPLE_RESULT] });
  });
});
