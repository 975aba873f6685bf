import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppError } from '../../src/core/errors.js';
import { SAMPLE_RESULT, connectClient, createFakeService, textOf } from './mcp-harness.js';

describe('MCP tools: invalid input', () => {
  const cases: { name: string; tool: string; args: Record<string, unknown>; expect: RegExp }[] = [
    { name: 'top_n 0', tool: 'query_documents', args: { query: 'x', top_n: 0 }, expect: /top_n must be an integer from 1 to 100/ },
    { name: 'top_n 101', tool: 'query_documents', args: { query: 'x', top_n: 101 }, expect: /top_n must be an integer from 1 to 100/ },
    { name: 'top_n 2.5', tool: 'query_documents', args: { query: 'x', top_n: 2.5 }, expect: /top_n must be an integer/ },
    { name: 'top_n as text', tool: 'query_documents', args: { query: 'x', top_n: 'ten' }, expect: /top_n must be an integer/ },
    { name: 'empty query', tool: 'query_documents', args: { query: '' }, expect: /query is empty/ },
    { name: 'blank query', tool: 'query_documents_compressed', args: { query: ' \n\t ' }, expect: /query is empty/ },
    { name: 'missing query', tool: 'query_documents', args: {}, expect: /query is required/ },
    { name: '10,001-character query', tool: 'query_documents', args: { query: 'a'.repeat(10_001) }, expect: /query is 10001 characters; the limit is 10000/ },
    { name: 'negative min_score', tool: 'query_documents_compressed', args: { query: 'x', min_score: -1 }, expect: /min_score must be from 0 to 1/ },
    { name: 'similarity_threshold 1.5', tool: 'query_documents_compressed', args: { query: 'x', similarity_threshold: 1.5 }, expect: /similarity_threshold must be from 0 to 1/ },
    { name: 'empty tag', tool: 'query_documents', args: { query: 'x', tags: [''] }, expect: /tags must not contain empty strings/ },
    { name: 'empty path', tool: 'get_document', args: { path: ' ' }, expect: /path is empty/ },
    { name: 'start_line 0', tool: 'get_document', args: { path: 'a.md', start_line: 0 }, expect: /start_line must be ≥ 1/ },
    { name: 'heading and range', tool: 'get_document', args: { path: 'a.md', heading: 'A', start_line: 2 }, expect: /both heading "A" and a line range\nHint: pass one of heading, block or start_line\/end_line/ },
    { name: 'block and range', tool: 'get_document', args: { path: 'a.md', block: 'x1', end_line: 2 }, expect: /both block "x1" and a line range\nHint:/ },
    { name: 'reversed range', tool: 'get_document', args: { path: 'a.md', start_line: 9, end_line: 3 }, expect: /end_line 3 is before start_line 9\nHint:/ },
  ];

  // One connection for all cases: none of them may reach the service, so they cannot interfere.
  const fake = createFakeService();
  let h: Awaited<ReturnType<typeof connectClient>>;
  before(async () => {
    h = await connectClient(fake.service);
  });
  after(async () => {
    await h.close();
  });

  for (const c of cases) {
    test(`${c.tool}: ${c.name} is an isError result and never reaches the service`, async () => {
      const result = await h.call(c.tool, c.args);
      assert.equal(result.isError, true);
      assert.equal(result.structuredContent, undefined);
      assert.match(textOf(result), c.expect);
      assert.deepEqual(fake.calls, []);
      assert.deepEqual(h.logged, [], 'bad input is not a server bug');
    });
  }
});

describe('MCP tools: query length limit', () => {
  test('a 10,000-character query is accepted', async () => {
    const { service, calls } = createFakeService();
    const h = await connectClient(service);
    try {
      const result = await h.call('query_documents', { query: 'a'.repeat(10_000) });
      assert.equal(result.isError, undefined);
      assert.equal(calls.length, 1);
    } finally {
      await h.close();
    }
  });
});

describe('MCP tools: service failures', () => {
  test('an AppError becomes isError with its message and hint, and is not logged', async () => {
    const { service } = createFakeService({
      getDocument: async ({ path }) => {
        throw new AppError('NOT_FOUND', `no document "${path}" in the docs root`, {
          hint: 'call list_documents to see the available paths',
        });
      },
    });
    const h = await connectClient(service);
    try {
      const result = await h.call('get_document', { path: 'missing.md' });
      assert.equal(result.isError, true);
      assert.equal(result.structuredContent, undefined);
      assert.equal(textOf(result), 'no document "missing.md" in the docs root\nHint: call list_documents to see the available paths');
      assert.deepEqual(h.logged, []);
    } finally {
      await h.close();
    }
  });

  test('an AppError without a hint shows just its message', async () => {
    const { service } = createFakeService({
      query: async () => {
        throw new AppError('NOT_READY', 'the index is still loading');
      },
    });
    const h = await connectClient(service);
    try {
      const result = await h.call('query_documents', { query: 'x' });
      assert.equal(result.isError, true);
      assert.equal(textOf(result), 'the index is still loading');
    } finally {
      await h.close();
    }
  });

  test('an unexpected throw is logged once with its stack and reported generically', async () => {
    const boom = new TypeError("Cannot read properties of undefined (reading 'vectors')");
    const { service } = createFakeService({
      queryCompressed: async () => {
        throw boom;
      },
    });
    const h = await connectClient(service);
    try {
      const result = await h.call('query_documents_compressed', { query: 'x' });
      assert.equal(result.isError, true);
      const text = textOf(result);
      assert.match(text, /^query_documents_compressed failed while searching the index: internal error/);
      assert.doesNotMatch(text, /vectors/);
      assert.equal(h.logged.length, 1);
      assert.equal(h.logged[0]?.obj.err, boom);
      assert.equal(h.logged[0]?.obj.tool, 'query_documents_compressed');
      assert.match(String((h.logged[0]?.obj.err as Error).stack), /TypeError/);
    } finally {
      await h.close();
    }
  });

  test('a synchronous throw from status() is caught the same way', async () => {
    const { service } = createFakeService({
      status: () => {
        throw new Error('status exploded');
      },
    });
    const h = await connectClient(service);
    try {
      const result = await h.call('index_status');
      assert.equal(result.isError, true);
      assert.match(textOf(result), /^index_status failed while reading the index status/);
      assert.equal(h.logged.length, 1);
    } finally {
      await h.close();
    }
  });

  test('a service result that breaks the contract is an isError, logged, not a client crash', async () => {
    const broken = { ...SAMPLE_RESULT, score: 'high' } as unknown as typeof SAMPLE_RESULT;
    const { service } = createFakeService({ query: async () => ({ results: [broken] }) });
    const h = await connectClient(service);
    try {
      const result = await h.call('query_documents', { query: 'x' });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /^query_documents failed while searching the index/);
      assert.equal(h.logged.length, 1);
    } finally {
      await h.close();
    }
  });
});
