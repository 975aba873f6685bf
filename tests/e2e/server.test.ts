import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';
import { waitFor } from '../helpers/wait.js';

const FIXTURE_DOCS = 6;

async function query(server: SpawnedServer, q: string, extra: Record<string, unknown> = {}) {
  const res = await server.callTool('query_documents', { query: q, top_n: 10, ...extra });
  assert.ok(!res.isError, `query ${q} failed: ${JSON.stringify(res.content)}`);
  return res.structuredContent.results as { path: string; heading_path: string[]; content: string; matched_by: string[]; start_line: number }[];
}

async function status(server: SpawnedServer) {
  const res = await server.callTool('index_status');
  return res.structuredContent as Record<string, any>;
}

describe('stdio server end to end', () => {
  const tmp = makeTempDir();
  const docs = join(tmp.dir, 'docs');
  const indexDir = join(tmp.dir, 'index');
  let server: SpawnedServer;
  let spawnedAt = 0;
  let initializedAt = 0;

  before(async () => {
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    spawnedAt = Date.now();
    server = await spawnServer({ docs, indexDir });
    initializedAt = Date.now();
    await waitFor('initial indexing', async () => (await status(server)).state === 'ready', 20_000);
  });

  after(async () => {
    await server?.stop().catch(() => undefined);
    tmp.cleanup();
  });

  test('initialize and tools/list answer; stdout is JSON-RPC only', async () => {
    assert.ok(initializedAt - spawnedAt < 10_000);
    const tools = await server.client.listTools();
    assert.deepEqual(
      tools.tools.map((t) => t.name).sort(),
      ['get_document', 'index_status', 'list_documents', 'query_documents', 'query_documents_compressed'],
    );
    assert.ok(server.stdoutLines.length > 0);
    for (const line of server.stdoutLines) {
      const msg = JSON.parse(line);
      assert.equal(msg.jsonrpc, '2.0', `stdout line is not JSON-RPC: ${line}`);
    }
  });

  test('queries find the expected documents and sections', async () => {
    const canary = await query(server, 'canary traffic baseline');
    assert.equal(canary[0]?.path, 'guides/deployment.md');
    assert.deepEqual(canary[0]?.heading_path, ['Deployment', 'Canary stage']);
    assert.ok(canary[0]?.matched_by.includes('keyword'));

    const ident = await query(server, 'getConnectionPool');
    assert.equal(ident[0]?.path, 'reference/configuration.md');
    assert.match(ident[0]?.content ?? '', /getConnectionPool\(\)/);

    const code = await query(server, 'ERR_TLS_CERT_EXPIRED');
    assert.equal(code[0]?.path, 'guides/installation.md');

    const fence = await query(server, 'acme-install --dry-run');
    assert.equal(fence[0]?.path, 'guides/installation.md');
    assert.ok(fence[0]?.content.includes('```bash') && fence[0]?.content.includes('```\n') , 'code fence kept whole');

    const txt = await query(server, 'zebra-indexer');
    assert.equal(txt[0]?.path, 'notes/meeting-2024-03.txt');

    const tagged = await query(server, 'rollback', { tags: ['ops'] });
    assert.ok(tagged.length > 0 && tagged.every((r) => r.path === 'guides/deployment.md'));

    const globbed = await query(server, 'configuration', { path_glob: 'reference/**' });
    assert.ok(globbed.length > 0 && globbed.every((r) => r.path.startsWith('reference/')));
  });

  test('documents, links, wikilinks, backlinks and tags', async () => {
    const list = await server.callTool('list_documents');
    assert.equal(list.structuredContent.documents.length, FIXTURE_DOCS);
    const readme = await server.callTool('get_document', { path: 'README.md' });
    assert.ok(!readme.isError);
    const doc = readme.structuredContent;
    assert.equal(doc.title, 'Acme Platform Handbook');
    assert.deepEqual([...doc.tags].sort(), ['handbook', 'overview', 'support']);
    const targets = Object.fromEntries(doc.links_out.map((l: any) => [l.target, l.path]));
    assert.equal(targets['guides/installation.md'], 'guides/installation.md');
    assert.equal(targets['Configuration Reference'], 'reference/configuration.md');
    assert.equal(targets['guides/deployment.md'], 'guides/deployment.md');
    assert.equal(targets['troubleshooting'], 'notes/troubleshooting.md');

    const trouble = await server.callTool('get_document', { path: 'notes/troubleshooting.md', heading: 'Account recovery' });
    assert.match(trouble.structuredContent.content, /one-time login link/);
    assert.doesNotMatch(trouble.structuredContent.content, /Log files/);
    assert.deepEqual([...trouble.structuredContent.links_in].sort(), ['README.md', 'reference/configuration.md']);
  });

  test('create, edit, delete and rename are reflected within 3 s', async () => {
    const file = join(docs, 'guides', 'new-page.md');
    let t0 = Date.now();
    writeFileSync(file, '# New page\n\nThe quokkaflux token lives here.\n');
    await waitFor('created file', async () => (await query(server, 'quokkaflux')).some((r) => r.path === 'guides/new-page.md'), 3000);
    const created = Date.now() - t0;

    t0 = Date.now();
    writeFileSync(file, '# New page\n\nNow it says wombatrix instead.\n');
    await waitFor('edited file', async () => {
      const [a, b] = [await query(server, 'wombatrix'), await query(server, 'quokkaflux')];
      return a.some((r) => r.path === 'guides/new-page.md') && !b.some((r) => r.path === 'guides/new-page.md');
    }, 3000);
    const edited = Date.now() - t0;

    t0 = Date.now();
    renameSync(file, join(docs, 'notes', 'moved-page.md'));
    await waitFor('renamed file', async () => {
      const hits = await query(server, 'wombatrix');
      return hits.some((r) => r.path === 'notes/moved-page.md') && !hits.some((r) => r.path === 'guides/new-page.md');
    }, 3000);
    const renamed = Date.now() - t0;

    t0 = Date.now();
    rmSync(join(docs, 'notes', 'moved-page.md'));
    await waitFor('deleted file', async () => (await query(server, 'wombatrix')).length === 0, 3000);
    const deleted = Date.now() - t0;
    process.stderr.write(`# change latency ms: create ${created}, edit ${edited}, rename ${renamed}, delete ${deleted}\n`);
    const s = await status(server);
    assert.equal(s.documents, FIXTURE_DOCS);
  });

  test('a restart loads the persisted index without re-parsing unchanged files; exits within 2 s of stdin closing', async () => {
    await waitFor('idle before restart', async () => (await status(server)).pending_files === 0, 5000);
    const before = await status(server);
    assert.ok(before.generation >= 1);
    const stopped = await server.stop();
    assert.equal(stopped.code, 0);
    assert.ok(stopped.ms < 2000, `exit took ${stopped.ms} ms`);

    server = await spawnServer({ docs, indexDir });
    const s = await waitFor('restart ready', async () => {
      const st = await status(server);
      return st.state === 'ready' ? st : null;
    }, 10_000);
    assert.equal(s.documents, FIXTURE_DOCS);
    assert.equal(s.files_parsed, 0, 'no file re-parsed after restart');
    assert.equal(s.files_unchanged, FIXTURE_DOCS);
    assert.equal(s.generation, before.generation, 'nothing to publish');
    const hits = await query(server, 'canary traffic');
    assert.equal(hits[0]?.path, 'guides/deployment.md');
  });
});
