import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResourceListChangedNotificationSchema, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';
import { waitFor } from '../helpers/wait.js';

/** The MCP-native surface through the built server over stdio, driven by the SDK client. */

const FIXTURE_PATHS = ['README.md', 'guides/deployment.md', 'guides/installation.md', 'notes/meeting-2024-03.txt', 'notes/troubleshooting.md', 'reference/configuration.md'];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function status(server: SpawnedServer): Promise<Record<string, any>> {
  return (await server.callTool('index_status')).structuredContent as Record<string, any>;
}

function progressLines(server: SpawnedServer): string[] {
  return server.stdoutLines.filter((l) => l.includes('"notifications/progress"'));
}

describe('MCP-native surface over stdio', () => {
  const tmp = makeTempDir();
  const docs = join(tmp.dir, 'docs');
  const indexDir = join(tmp.dir, 'index');
  let server: SpawnedServer;
  let listChanged = 0;

  before(async () => {
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    writeFileSync(join(tmp.dir, 'secret.md'), '# Secret\n\nOutside the docs root.\n');
    symlinkSync(join(tmp.dir, 'secret.md'), join(docs, 'escape.md'));
    server = await spawnServer({ docs, indexDir });
    server.client.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
      listChanged++;
    });
    await waitFor('initial indexing', async () => (await status(server)).state === 'ready', 20_000);
  });

  after(async () => {
    await server?.stop().catch(() => undefined);
    tmp.cleanup();
  });

  test('capabilities and instructions: resources with listChanged, completions, prompts; the docs root is named', () => {
    const caps = server.client.getServerCapabilities();
    assert.equal(caps?.resources?.listChanged, true);
    assert.ok(caps?.completions, 'completions advertised');
    assert.ok(caps?.prompts, 'prompts advertised');
    const instructions = server.client.getInstructions() ?? '';
    assert.ok(instructions.includes(`Docs root: ${realpathSync(docs)};`), instructions);
    assert.match(instructions, /size was not known yet at start-up/);
    for (const tool of ['query_documents', 'query_documents_compressed', 'get_document', 'list_documents', 'index_status']) assert.match(instructions, new RegExp(`- ${tool}:`));
    assert.match(instructions, /ragdocs:\/\/doc\/\{\+path\}/);
  });

  test('every document is a resource; read returns its Markdown', async () => {
    const { resources, nextCursor } = await server.client.listResources();
    assert.equal(nextCursor, undefined);
    assert.deepEqual(resources.map((r) => r.name), FIXTURE_PATHS);
    const deployment = resources.find((r) => r.name === 'guides/deployment.md');
    assert.equal(deployment?.uri, 'ragdocs://doc/guides/deployment.md');
    assert.equal(deployment?.mimeType, 'text/markdown');
    assert.equal(resources.find((r) => r.name.endsWith('.txt'))?.mimeType, 'text/plain');
    const read = await server.client.readResource({ uri: 'ragdocs://doc/guides/deployment.md' });
    const first = read.contents[0] as { uri: string; mimeType: string; text: string };
    assert.equal(first.mimeType, 'text/markdown');
    assert.match(first.text, /^# Deployment$/m);
    assert.match(first.text, /## Rollback/);
    const section = await server.client.readResource({ uri: 'ragdocs://doc/guides/deployment.md#rollback' });
    const sectionText = (section.contents[0] as { text: string }).text;
    assert.match(sectionText, /^## Rollback/);
    assert.doesNotMatch(sectionText, /Canary stage/);
  });

  test('a missing path, a path outside the root and a symlink escape are clear errors', async () => {
    await assert.rejects(server.client.readResource({ uri: 'ragdocs://doc/guides/deploy.md' }), (err: Error & { code?: number }) => {
      assert.equal(err.code, -32002);
      assert.match(err.message, /guides\/deploy\.md does not exist.*Did you mean "guides\/deployment\.md"/);
      return true;
    });
    await assert.rejects(server.client.readResource({ uri: 'ragdocs://doc/..%2Fsecret.md' }), (err: Error & { code?: number }) => {
      assert.equal(err.code, -32602);
      assert.match(err.message, /not a document path inside the docs root/);
      return true;
    });
    await assert.rejects(server.client.readResource({ uri: 'ragdocs://doc/escape.md' }), (err: Error) => {
      assert.match(err.message, /escape\.md resolves outside the documents root/);
      assert.doesNotMatch(err.message, /Outside the docs root\./, 'the target text is never served');
      return true;
    });
  });

  test('query results carry resource links to those resources', async () => {
    const res = (await server.client.callTool({ name: 'query_documents', arguments: { query: 'canary traffic baseline' } })) as { content: any[]; structuredContent: any };
    assert.equal(res.content[0].type, 'text');
    const links = res.content.filter((c) => c.type === 'resource_link');
    assert.ok(links.length > 0);
    assert.equal(links[0].uri, 'ragdocs://doc/guides/deployment.md');
    const paths = [...new Set((res.structuredContent.results as { path: string }[]).map((r) => r.path))];
    assert.deepEqual(links.map((l) => l.name), paths);
    const read = await server.client.readResource({ uri: links[0].uri });
    assert.match((read.contents[0] as { text: string }).text, /Canary stage/);
  });

  test('completion/complete: get_document path, then heading of that path', async () => {
    const path = await server.client.complete({ ref: { type: 'ref/prompt', name: 'get_document' }, argument: { name: 'path', value: 'guides/' } });
    assert.deepEqual(path.completion.values, ['guides/deployment.md', 'guides/installation.md']);
    const byName = await server.client.complete({ ref: { type: 'ref/resource', uri: 'ragdocs://doc/{+path}' }, argument: { name: 'path', value: 'trouble' } });
    assert.deepEqual(byName.completion.values, ['notes/troubleshooting.md']);
    const heading = await server.client.complete({
      ref: { type: 'ref/prompt', name: 'get_document' },
      argument: { name: 'heading', value: 'r' },
      context: { arguments: { path: 'guides/deployment.md' } },
    });
    assert.deepEqual(heading.completion.values, ['Rollback', 'Canary stage'], 'starting with it first, then containing it');
    const prompt = await server.client.getPrompt({ name: 'get_document', arguments: { path: 'guides/deployment.md', heading: 'Rollback' } });
    const embedded = prompt.messages.at(-1)?.content as { type: string; resource: { uri: string; text: string } };
    assert.equal(embedded.type, 'resource');
    assert.equal(embedded.resource.uri, 'ragdocs://doc/guides/deployment.md#rollback');
    assert.match(embedded.resource.text, /^## Rollback/);
  });

  test('resources/list_changed when a document appears or disappears, not when one is edited', async () => {
    await server.client.listResources();
    const before = listChanged;
    const file = join(docs, 'guides', 'brand-new.md');
    writeFileSync(file, '# Brand new\n\nThe xylophonic marker.\n');
    await waitFor('list_changed after a create', () => listChanged > before, 5000);
    const { resources } = await server.client.listResources();
    assert.ok(resources.some((r) => r.uri === 'ragdocs://doc/guides/brand-new.md'));

    const afterCreate = listChanged;
    writeFileSync(file, '# Brand new\n\nNow the marimbatic marker.\n');
    await waitFor('edit indexed', async () => {
      const res = (await server.callTool('query_documents', { query: 'marimbatic' })).structuredContent as { results: { path: string }[] };
      return res.results.some((r) => r.path === 'guides/brand-new.md');
    }, 5000);
    await sleep(1200); // longer than the debounce: a notification would have arrived
    assert.equal(listChanged, afterCreate, 'an edit keeps the paths: no notification');

    rmSync(file);
    await waitFor('list_changed after a delete', () => listChanged > afterCreate, 5000);
    assert.ok(!(await server.client.listResources()).resources.some((r) => r.uri.endsWith('brand-new.md')));
  });

  test('no progress notifications for calls without a progress token', async () => {
    await server.client.callTool({ name: 'list_documents', arguments: {} });
    await server.client.callTool({ name: 'query_documents', arguments: { query: 'rollback' } });
    assert.deepEqual(progressLines(server), []);
  });
});

describe('MCP-native progress over stdio', () => {
  test('a query sent right after initialize reports progress while the index loads', async () => {
    const tmp = makeTempDir();
    const docs = join(tmp.dir, 'docs');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    let server: SpawnedServer | undefined;
    try {
      // A first server builds the index, so the second one has a generation to load.
      const builder = await spawnServer({ docs, indexDir: join(tmp.dir, 'index') });
      await waitFor('first build', async () => (await status(builder)).state === 'ready', 20_000);
      await builder.stop();
      server = await spawnServer({ docs, indexDir: join(tmp.dir, 'index') });
      const seen: Progress[] = [];
      const res = (await server.client.callTool({ name: 'query_documents', arguments: { query: 'canary traffic baseline' } }, undefined, { onprogress: (p) => seen.push(p), timeout: 15_000 })) as { structuredContent: any };
      assert.equal(res.structuredContent.results[0]?.path, 'guides/deployment.md', 'the wait ends with the right answer');
      assert.ok(seen.length >= 2, `progress while loading: ${JSON.stringify(seen)}`);
      assert.match(seen[0]?.message ?? '', /Waiting for the index to load/);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.progress > seen[i - 1]!.progress);
      assert.equal(seen.at(-1)?.total, seen.at(-1)?.progress);
      // Every progress frame names the token the client sent, and came before the answer.
      const lines = server.stdoutLines;
      const answer = lines.findIndex((l) => l.includes('"result"') && l.includes('canary'));
      assert.ok(lines.slice(answer).every((l) => !l.includes('"notifications/progress"')));
    } finally {
      await server?.stop().catch(() => undefined);
      tmp.cleanup();
    }
  });
});
