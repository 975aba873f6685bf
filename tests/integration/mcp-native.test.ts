import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceListChangedNotificationSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../src/core/errors.js';
import { documentUri, parseDocumentUri } from '../../src/mcp/resources.js';
import type { DocsService, DocumentSummary } from '../../src/mcp/service.js';
import { SAMPLE_DOCUMENT, SAMPLE_RESULT, SAMPLE_STATUS, connectClient, createFakeService, textOf } from './mcp-harness.js';

/** The MCP-native surface over a fake service: resources, resource links, completion, progress, list_changed. */

const summary = (path: string): DocumentSummary => ({ collection: 'docs', path, title: path, tags: [], chunks: 1 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MCP-native: document URIs', () => {
  test('round-trip paths with spaces, non-ASCII and a section fragment', () => {
    const uri = documentUri('notes/café menu.md', 'first-course');
    assert.equal(uri, 'ragdocs://doc/notes/caf%C3%A9%20menu.md#first-course');
    assert.deepEqual(parseDocumentUri(uri), { path: 'notes/café menu.md', heading: 'first-course' });
    assert.deepEqual(parseDocumentUri('ragdocs://doc/guides/setup.md'), { path: 'guides/setup.md' });
    assert.throws(() => parseDocumentUri('file:///etc/passwd'), /not a document URI/);
    assert.throws(() => parseDocumentUri('ragdocs://doc/%E0%A4%A'), /bad percent-encoding/);
  });
});

describe('MCP-native: resources', () => {
  test('the template is advertised and resources/list pages through every document by cursor', async () => {
    const paths = Array.from({ length: 1203 }, (_, i) => `notes/n${String(i).padStart(4, '0')}.md`);
    const { service } = createFakeService({ listDocuments: async () => ({ documents: [...paths].reverse().map(summary) }) });
    const h = await connectClient(service);
    try {
      const { resourceTemplates } = await h.client.listResourceTemplates();
      assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ['ragdocs://doc/{+path}']);
      assert.equal(resourceTemplates[0]?.mimeType, 'text/markdown');
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await h.client.listResources(cursor === undefined ? {} : { cursor });
        pages++;
        seen.push(...page.resources.map((r) => r.uri));
        for (const r of page.resources) assert.equal(r.mimeType, 'text/markdown');
        cursor = page.nextCursor;
      } while (cursor !== undefined && pages < 10);
      assert.equal(pages, 3);
      assert.deepEqual(seen, paths.map((p) => documentUri(p)), 'every document once, sorted by path');
      await assert.rejects(h.client.listResources({ cursor: 'not-a-cursor' }), /invalid cursor/);
    } finally {
      await h.close();
    }
  });

  test('resources/read returns the Markdown text; unknown and outside paths are clear errors', async () => {
    const { service, calls } = createFakeService({
      getDocument: async (params) => {
        if (params.path.startsWith('..')) throw new AppError('PATH_OUTSIDE_ROOT', `path ${JSON.stringify(params.path)} is not a document path inside the docs root`);
        if (params.path === 'Locks') return SAMPLE_DOCUMENT; // a link-style name, resolved by getDocument
        if (params.path !== SAMPLE_DOCUMENT.path) throw new AppError('NOT_FOUND', `${params.path} does not exist`, { hint: 'Use list_documents to see the available paths.' });
        return SAMPLE_DOCUMENT;
      },
    });
    const h = await connectClient(service);
    try {
      const read = await h.client.readResource({ uri: documentUri('guides/locks.md') });
      assert.deepEqual(read.contents, [{ uri: 'ragdocs://doc/guides/locks.md', mimeType: 'text/markdown', text: SAMPLE_DOCUMENT.content }]);
      const section = await h.client.readResource({ uri: 'ragdocs://doc/guides/locks.md#locks' });
      assert.equal(section.contents[0]?.uri, 'ragdocs://doc/guides/locks.md#locks');
      assert.deepEqual(calls.at(-1)?.params, { path: 'guides/locks.md', heading: 'locks' });
      await assert.rejects(h.client.readResource({ uri: 'ragdocs://doc/guides/nope.md' }), (err: Error & { code?: number }) => {
        assert.equal(err.code, -32002);
        assert.match(err.message, /Resource not found: guides\/nope\.md does not exist\. Use list_documents/);
        return true;
      });
      await assert.rejects(h.client.readResource({ uri: 'ragdocs://doc/..%2Fsecret.md' }), (err: Error & { code?: number }) => {
        assert.equal(err.code, -32602);
        assert.match(err.message, /not a document path inside the docs root/);
        return true;
      });
      await assert.rejects(h.client.readResource({ uri: 'ragdocs://doc/Locks' }), /Did you mean ragdocs:\/\/doc\/guides\/locks\.md/);
    } finally {
      await h.close();
    }
  });

  test('query results end with one resource_link per document; text and structuredContent are unchanged', async () => {
    const second = { ...SAMPLE_RESULT, start_line: 40, end_line: 50 };
    const other = { ...SAMPLE_RESULT, path: 'notes/café.md', heading_path: [] };
    const { service } = createFakeService({
      query: async () => ({ results: [SAMPLE_RESULT, second, other] }),
      queryCompressed: async () => ({ results: [other], stats: { before: 1, after: 1, removed_below_min_score: 0, removed_duplicates: 0 } }),
    });
    const h = await connectClient(service);
    try {
      const res = await h.call('query_documents', { query: 'locks' });
      assert.equal(res.content[0]?.type, 'text');
      assert.match(textOf({ ...res, content: [res.content[0]!] }), /3 results for "locks"/);
      assert.deepEqual(
        res.content.slice(1).map((c) => (c.type === 'resource_link' ? [c.uri, c.name, c.mimeType] : c.type)),
        [
          ['ragdocs://doc/guides/locks.md', 'guides/locks.md', 'text/markdown'],
          ['ragdocs://doc/notes/caf%C3%A9.md', 'notes/café.md', 'text/markdown'],
        ],
      );
      assert.deepEqual((res.structuredContent as { results: unknown[] }).results, [SAMPLE_RESULT, second, other]);
      const compressed = await h.call('query_documents_compressed', { query: 'locks' });
      assert.deepEqual(compressed.content.slice(1).map((c) => (c.type === 'resource_link' ? c.uri : c.type)), ['ragdocs://doc/notes/caf%C3%A9.md']);
      const empty = await createFakeService({ query: async () => ({ results: [] }) });
      const h2 = await connectClient(empty.service);
      try {
        assert.equal((await h2.call('query_documents', { query: 'x' })).content.length, 1, 'no links without results');
      } finally {
        await h2.close();
      }
    } finally {
      await h.close();
    }
  });
});

describe('MCP-native: completion', () => {
  const paths = ['guides/setup.md', 'guides/locks.md', 'reference/lock-file.md', 'notes/unlocking.md', 'adr/0001-locks.md', 'index.md'];
  const docs = createFakeService({
    listDocuments: async () => ({ documents: paths.map(summary) }),
    getDocument: async (params) => {
      if (params.path !== 'guides/locks.md') throw new AppError('NOT_FOUND', 'nope');
      return {
        ...SAMPLE_DOCUMENT,
        headings: [
          { depth: 1, text: 'Locks', slug: 'locks', line: 1 },
          { depth: 2, text: 'Stale locks', slug: 'stale-locks', line: 5 },
          { depth: 2, text: 'Lock timeout', slug: 'lock-timeout', line: 9 },
          { depth: 2, text: 'Recovery', slug: 'recovery', line: 12 },
        ],
      };
    },
  });

  test('get_document prompt: path completes over indexed paths, best first', async () => {
    const h = await connectClient(docs.service);
    try {
      const complete = async (value: string) =>
        (await h.client.complete({ ref: { type: 'ref/prompt', name: 'get_document' }, argument: { name: 'path', value } })).completion;
      assert.deepEqual((await complete('guides/')).values, ['guides/locks.md', 'guides/setup.md']);
      // Path prefix, then file-name prefix, then a folder, then anywhere (shorter first within a rank).
      assert.deepEqual((await complete('lock')).values, ['guides/locks.md', 'reference/lock-file.md', 'adr/0001-locks.md', 'notes/unlocking.md']);
      assert.deepEqual((await complete('ref')).values, ['reference/lock-file.md']);
      assert.deepEqual((await complete('0001')).values, ['adr/0001-locks.md']);
      assert.deepEqual((await complete('LOCK')).values, (await complete('lock')).values, 'any case');
      assert.equal((await complete('')).values.length, paths.length);
      assert.deepEqual((await complete('zzz')).values, []);
    } finally {
      await h.close();
    }
  });

  test('get_document prompt: heading completes over the headings of the path already given', async () => {
    const h = await connectClient(docs.service);
    try {
      const complete = async (value: string, context?: Record<string, string>) =>
        (await h.client.complete({ ref: { type: 'ref/prompt', name: 'get_document' }, argument: { name: 'heading', value }, ...(context ? { context: { arguments: context } } : {}) })).completion.values;
      assert.deepEqual(await complete('lock', { path: 'guides/locks.md' }), ['Locks', 'Lock timeout', 'Stale locks']);
      assert.deepEqual(await complete('', { path: 'guides/locks.md' }), ['Locks', 'Stale locks', 'Lock timeout', 'Recovery']);
      assert.deepEqual(await complete('stale-', { path: 'guides/locks.md' }), ['Stale locks'], 'by slug too');
      assert.deepEqual(await complete('lock'), [], 'no path: nothing to complete');
      assert.deepEqual(await complete('lock', { path: 'missing.md' }), [], 'unknown path: nothing, not an error');
    } finally {
      await h.close();
    }
  });

  test('the resource template completes path too, capped at 100 with the total', async () => {
    const many = Array.from({ length: 150 }, (_, i) => `notes/n${i}.md`);
    const { service } = createFakeService({ listDocuments: async () => ({ documents: many.map(summary) }) });
    const h = await connectClient(service);
    try {
      const { completion } = await h.client.complete({ ref: { type: 'ref/resource', uri: 'ragdocs://doc/{+path}' }, argument: { name: 'path', value: 'notes/' } });
      assert.equal(completion.values.length, 100);
      assert.equal(completion.total, 150);
      assert.equal(completion.hasMore, true);
    } finally {
      await h.close();
    }
  });

  test('the get_document prompt embeds the document (or section) as a Markdown resource', async () => {
    const h = await connectClient(docs.service);
    try {
      const prompt = await h.client.getPrompt({ name: 'get_document', arguments: { path: 'guides/locks.md' } });
      const last = prompt.messages.at(-1)?.content;
      assert.equal(last?.type, 'resource');
      if (last?.type === 'resource') {
        assert.equal(last.resource.uri, 'ragdocs://doc/guides/locks.md');
        assert.equal(last.resource.mimeType, 'text/markdown');
        assert.equal((last.resource as { text: string }).text, SAMPLE_DOCUMENT.content);
      }
      await assert.rejects(h.client.getPrompt({ name: 'get_document', arguments: { path: 'missing.md' } }), /nope/);
    } finally {
      await h.close();
    }
  });
});

describe('MCP-native: progress', () => {
  test('a call that waits for the index reports progress when asked, and ends with total = progress', async () => {
    let loading = true;
    const { service } = createFakeService({
      status: () => ({ ...SAMPLE_STATUS, state: loading ? 'loading' : 'ready' }),
      query: async () => {
        await sleep(600);
        loading = false;
        return { results: [SAMPLE_RESULT] };
      },
    });
    const h = await connectClient(service);
    try {
      const seen: Progress[] = [];
      const res = await h.client.callTool({ name: 'query_documents', arguments: { query: 'locks' } }, undefined, { onprogress: (p) => seen.push(p) });
      assert.ok(!res.isError);
      assert.ok(seen.length >= 2, `expected progress notifications, got ${JSON.stringify(seen)}`);
      assert.match(seen[0]?.message ?? '', /Waiting for the index to load/);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.progress > seen[i - 1]!.progress, 'progress increases');
      assert.equal(seen.at(-1)?.total, seen.at(-1)?.progress, 'the last one marks the end');
    } finally {
      await h.close();
    }
  });

  test('a quick call sends nothing, and a slow one without a progress token sends nothing', async () => {
    const errors: Error[] = [];
    const { service } = createFakeService({
      listDocuments: async () => {
        await sleep(500);
        return { documents: [summary('a.md')] };
      },
    });
    const h = await connectClient(service);
    // A progress notification with no handler waiting for it reaches the client's onerror.
    h.client.onerror = (err) => errors.push(err);
    try {
      const quick: Progress[] = [];
      await h.client.callTool({ name: 'index_status', arguments: {} }, undefined, { onprogress: (p) => quick.push(p) });
      assert.deepEqual(quick, []);
      await h.call('list_documents');
      const slow: Progress[] = [];
      await h.client.callTool({ name: 'list_documents', arguments: {} }, undefined, { onprogress: (p) => slow.push(p) });
      assert.ok(slow.length >= 2, 'a long listing reports progress once it has run a while');
      assert.match(slow[0]?.message ?? '', /Listing documents/);
      assert.deepEqual(errors, []);
    } finally {
      await h.close();
    }
  });
});

describe('MCP-native: resources/list_changed', () => {
  test('sent once per burst of changes that adds or removes paths; an edit sends nothing', async () => {
    let paths = ['a.md', 'b.md'];
    const listeners = new Set<() => void>();
    const fake = createFakeService({ listDocuments: async () => ({ documents: paths.map(summary) }) });
    const service: DocsService = {
      ...fake.service,
      onDocumentsChanged: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    };
    const emit = () => {
      for (const l of listeners) l();
    };
    const h = await connectClient(service);
    try {
      let notified = 0;
      h.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
        notified++;
      });
      await h.client.listResources();
      emit(); // an edit: same paths
      await sleep(800);
      assert.equal(notified, 0, 'no notification when the paths did not change');
      paths = ['a.md', 'b.md', 'c.md'];
      for (let i = 0; i < 5; i++) emit(); // several batches of one build
      await sleep(800);
      assert.equal(notified, 1, 'one notification for the burst');
      paths = ['a.md', 'c.md'];
      emit();
      await sleep(800);
      assert.equal(notified, 2, 'a removal notifies too');
      assert.equal(listeners.size, 1);
    } finally {
      await h.close();
    }
    assert.equal(listeners.size, 0, 'closing the server unsubscribes');
  });
});
