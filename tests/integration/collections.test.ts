import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pino from 'pino';
import { createCollectionSet, type CollectionSet } from '../../src/app/collection-set.js';
import { loadConfig } from '../../src/config/load.js';
import { isAppError } from '../../src/core/errors.js';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import { makeTempDir } from '../helpers/paths.js';
import { connectClient, textOf } from './mcp-harness.js';

/**
 * Two collections in one process, through the service and the MCP tools: merged ranking,
 * routing by `collection`, a path present in both, status per collection, resources.
 */

let tmp: { dir: string; cleanup: () => void };
let base: string;
let set: CollectionSet;

function write(root: string, rel: string, text: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  writeFileSync(join(root, rel), text);
}

before(async () => {
  tmp = makeTempDir('ragdocs-collections-');
  base = realpathSync(tmp.dir);
  const project = join(base, 'project');
  const notes = join(base, 'notes');
  // The same page names in both folders, as real setups have (index, setup), links and subfolders.
  write(project, 'index.md', '# Project\n\nStart with [[setup]] and the [[guides/deploy|deploy guide]].\n');
  write(project, 'setup.md', '# Setup\n\nInstall the toolchain with `make bootstrap`, then run the project locally.\n');
  write(project, 'guides/deploy.md', '# Deploy\n\nThe release pipeline pushes images tagged with the commit to the registry.\n');
  write(notes, 'index.md', '# Notes\n\nMy notes; see [[setup]].\n');
  write(notes, 'setup.md', '# Setup\n\nHow I set up my laptop: dotfiles, shell, editor.\n');
  write(notes, 'ideas/zebracorn.md', '# Zebracorn\n\nThe zebracorn migration plan: move the registry images to the new zebracorn mirror.\n');
  // A third collection whose folder does not exist: it degrades only itself.
  const configPath = join(base, 'ragdocs.toml');
  writeFileSync(
    configPath,
    [
      '[[collections]]',
      'name = "project"',
      'path = "project"',
      'description = "How the project is built and released"',
      '',
      '[[collections]]',
      'name = "notes"',
      'path = "notes"',
      'description = "Personal notes"',
      '',
      '[[collections]]',
      'name = "vendor"',
      'path = "vendor-manual"',
      '',
    ].join('\n'),
  );
  const config = loadConfig({ cwd: base, env: { RAGDOCS_EMBEDDER: 'none', XDG_CACHE_HOME: join(base, 'cache') }, platform: 'linux', homeDir: base, flags: { config: configPath } });
  set = createCollectionSet({ config, logger: pino({ level: 'silent' }), watch: false, embedder: createHashingEmbedder(64), keywordOnMainThread: true });
  await set.start();
  for (const c of set.collections) if (c.app) assert.ok(await c.app.manager.waitForIdle(30_000), `${c.name} idle`);
});

after(async () => {
  await set?.stop();
  tmp.cleanup();
});

async function appError(promise: Promise<unknown>): Promise<{ code: string; message: string; hint: string }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(isAppError(err), String(err));
    return { code: err.code, message: err.message, hint: err.hint ?? '' };
  }
  assert.fail('expected an AppError');
}

describe('collections: the service', () => {
  test('a query goes to every collection; results name theirs and are merged on score, not concatenated', async () => {
    const { results, skipped } = await set.service.query({ query: 'registry images', topN: 5 });
    assert.ok(results.length >= 2);
    const scores = results.map((r) => r.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'best first across collections');
    assert.deepEqual(new Set(results.map((r) => r.collection)), new Set(['project', 'notes']));
    // The folder that does not exist is named as not searched, not silently missing.
    assert.deepEqual(skipped?.map((s) => s.collection), ['vendor']);
    assert.match(skipped?.[0]?.reason ?? '', /vendor-manual .*does not exist/);
    const only = await set.service.query({ query: 'registry images', topN: 5, collection: 'project' });
    assert.ok(only.results.length > 0 && only.results.every((r) => r.collection === 'project'));
    assert.equal(only.skipped, undefined);
    const unique = await set.service.query({ query: 'zebracorn', topN: 3 });
    assert.equal(unique.results[0]?.collection, 'notes');
    assert.equal(unique.results[0]?.path, 'ideas/zebracorn.md');
  });

  test('an unknown collection is an error that lists the names; the missing one says why', async () => {
    const unknown = await appError(set.service.query({ query: 'x', topN: 3, collection: 'nope' }));
    assert.equal(unknown.code, 'INVALID_ARGUMENT');
    assert.match(unknown.message, /no collection "nope"; the collections are "project", "notes", "vendor"/);
    const missing = await appError(set.service.query({ query: 'x', topN: 3, collection: 'vendor' }));
    assert.equal(missing.code, 'NOT_READY');
    assert.match(missing.message, /collection "vendor" is not served: .*does not exist/);
  });

  test('get_document: a path in two collections is an error listing both; with collection, that file; a path in one needs none', async () => {
    const both = await appError(set.service.getDocument({ path: 'setup.md' }));
    assert.equal(both.code, 'INVALID_ARGUMENT');
    assert.match(both.message, /"setup.md" is in 2 collections: project \(setup.md\), notes \(setup.md\)/);
    assert.match(both.hint, /"collection": "project"/);
    const notes = await set.service.getDocument({ path: 'setup.md', collection: 'notes' });
    assert.equal(notes.collection, 'notes');
    assert.match(notes.content, /dotfiles/);
    const deploy = await set.service.getDocument({ path: 'guides/deploy.md' });
    assert.equal(deploy.collection, 'project');
    // Links resolve within their own collection.
    assert.deepEqual(deploy.links_in, ['index.md']);
    const missing = await appError(set.service.getDocument({ path: 'nowhere.md' }));
    assert.equal(missing.code, 'NOT_FOUND');
    assert.match(missing.message, /not a document of any collection \(project, notes\)/);
  });

  test('list_documents lists every collection\'s documents with their collection; collection narrows it', async () => {
    const { documents, skipped } = await set.service.listDocuments({});
    assert.deepEqual(documents.map((d) => `${d.collection}:${d.path}`), [
      'project:guides/deploy.md',
      'project:index.md',
      'project:setup.md',
      'notes:ideas/zebracorn.md',
      'notes:index.md',
      'notes:setup.md',
    ]);
    assert.deepEqual(skipped?.map((s) => s.collection), ['vendor']);
    const notes = await set.service.listDocuments({ collection: 'notes', glob: 'ideas/**' });
    assert.deepEqual(notes.documents.map((d) => d.path), ['ideas/zebracorn.md']);
  });

  test('status: each collection with its own counts and index dir; the top level sums them and takes the worst state', () => {
    const s = set.service.status();
    assert.deepEqual(s.collections?.map((c) => [c.name, c.documents, c.state]), [
      ['project', 3, 'ready'],
      ['notes', 3, 'ready'],
      ['vendor', 0, 'degraded'],
    ]);
    assert.equal(s.documents, 6);
    assert.equal(s.chunks, (s.collections ?? []).reduce((n, c) => n + c.chunks, 0));
    assert.equal(s.state, 'degraded');
    assert.match(s.index_problem ?? '', /^collection "vendor": not served: .*does not exist/);
    assert.equal(new Set(s.collections?.map((c) => c.index_dir)).size, 3);
    assert.equal(s.collections?.[0]?.description, 'How the project is built and released');
  });
});

describe('collections: the MCP surface', () => {
  test('tools take collection; texts name each result\'s collection; resources carry ?collection=; instructions list the collections', async () => {
    const mcp = await connectClient(set.service, {
      collections: set.collections.map((c) => ({ name: c.name, description: c.description, root: c.root, documents: null })),
    });
    try {
      const tools = await mcp.client.listTools();
      for (const name of ['query_documents', 'query_documents_compressed', 'get_document', 'list_documents']) {
        const schema = tools.tools.find((t) => t.name === name)?.inputSchema as { properties?: Record<string, unknown> };
        assert.ok(schema.properties?.['collection'], `${name} takes collection`);
      }
      const instructions = mcp.client.getInstructions() ?? '';
      assert.match(instructions, /Collections \(3\)/);
      assert.match(instructions, /- project: How the project is built and released \(/);
      assert.match(instructions, /- notes: Personal notes \(/);

      const found = await mcp.call('query_documents', { query: 'zebracorn migration' });
      assert.match(textOf(found), /1\. \[notes\] ideas\/zebracorn\.md/);
      assert.match(textOf(found), /Not searched: collection "vendor"/);
      const structured = found.structuredContent as { results: { collection: string }[]; skipped: { collection: string }[] };
      assert.equal(structured.results[0]?.collection, 'notes');
      assert.deepEqual(structured.skipped.map((s) => s.collection), ['vendor']);
      const link = found.content.find((c) => c.type === 'resource_link') as { uri: string } | undefined;
      assert.equal(link?.uri, 'ragdocs://doc/ideas/zebracorn.md?collection=notes');

      const { resources } = await mcp.client.listResources();
      assert.ok(resources.some((r) => r.uri === 'ragdocs://doc/setup.md?collection=project'));
      assert.ok(resources.some((r) => r.uri === 'ragdocs://doc/setup.md?collection=notes'));
      const read = await mcp.client.readResource({ uri: 'ragdocs://doc/setup.md?collection=notes' });
      assert.match((read.contents[0] as { text: string }).text, /dotfiles/);

      const ambiguous = await mcp.call('get_document', { path: 'setup.md' });
      assert.equal(ambiguous.isError, true);
      assert.match(textOf(ambiguous), /in 2 collections/);
      const doc = await mcp.call('get_document', { path: 'setup.md', collection: 'project' });
      assert.equal((doc.structuredContent as { collection: string }).collection, 'project');

      const status = await mcp.call('index_status');
      assert.match(textOf(status), /- notes: ready, 3 documents/);
      assert.match(textOf(status), /- vendor: degraded, 0 documents/);
    } finally {
      await mcp.close();
    }
  });
});

describe('collections: a folder that goes away while served', () => {
  test('degrades only its collection, says which folder and what to do; the others stay ready', async () => {
    const work = makeTempDir('ragdocs-collections-gone-');
    const root = realpathSync(work.dir);
    write(join(root, 'keep'), 'a.md', '# Keep\n\nstays here\n');
    write(join(root, 'drive'), 'b.md', '# Drive\n\non a drive that gets unplugged\n');
    const config = loadConfig({ cwd: root, env: { RAGDOCS_EMBEDDER: 'none', XDG_CACHE_HOME: join(root, 'cache') }, platform: 'linux', homeDir: root, flags: { docs: [join(root, 'keep'), join(root, 'drive')] } });
    const gone = createCollectionSet({ config, logger: pino({ level: 'silent' }), watch: false, keywordOnMainThread: true });
    try {
      await gone.start();
      for (const c of gone.collections) assert.ok(await c.app?.manager.waitForIdle(30_000));
      assert.equal(gone.service.status().state, 'ready');
      rmSync(join(root, 'drive'), { recursive: true, force: true });
      const s = gone.service.status();
      assert.equal(s.state, 'degraded');
      assert.deepEqual(s.collections?.map((c) => [c.name, c.state]), [['keep', 'ready'], ['drive', 'degraded']]);
      assert.match(s.index_problem ?? '', /^collection "drive": the folder .*drive no longer exists \(deleted, moved or unmounted\); answers come from its index as last saved \(1 documents\)/);
      assert.match(s.index_fix ?? '', /restore the folder/);
      assert.equal((await gone.service.query({ query: 'stays', topN: 3, collection: 'keep' })).results[0]?.path, 'a.md');
    } finally {
      await gone.stop();
      work.cleanup();
    }
  });
});

describe('collections: a folder missing at start', () => {
  test('a server serves it once it appears, with its own index dir, and announces the new documents', async () => {
    const work = makeTempDir('ragdocs-collections-late-');
    const root = realpathSync(work.dir);
    write(join(root, 'here'), 'a.md', '# Here\n\nfrom the start\n');
    const env = { RAGDOCS_EMBEDDER: 'none', XDG_CACHE_HOME: join(root, 'cache') };
    const config = loadConfig({ cwd: root, env, platform: 'linux', homeDir: root, flags: { docs: [join(root, 'here'), join(root, 'later')] } });
    const late = createCollectionSet({ config, logger: pino({ level: 'silent' }), watch: true, keywordOnMainThread: true, pendingCheckMs: 100 });
    let announced = 0;
    const unsubscribe = late.service.onDocumentsChanged?.(() => announced++);
    try {
      await late.start();
      assert.ok(await late.collections[0]?.app?.manager.waitForIdle(30_000));
      assert.deepEqual(late.service.status().collections?.map((c) => [c.name, c.state]), [['here', 'ready'], ['later', 'degraded']]);
      assert.match(late.service.status().index_fix ?? '', /a running server serves it within seconds of its appearing/);
      const before = announced;
      write(join(root, 'later'), 'b.md', '# Later\n\nmounted after the server started: quokkasync\n');
      const deadline = Date.now() + 15_000;
      let found = false;
      while (!found && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        const s = late.service.status();
        found = s.collections?.[1]?.state === 'ready' && (await late.service.query({ query: 'quokkasync', topN: 1 })).results[0]?.path === 'b.md';
      }
      assert.ok(found, JSON.stringify(late.service.status().collections));
      const s = late.service.status();
      assert.equal(s.state, 'ready');
      assert.equal(s.documents, 2);
      // The index dir of the folder is the one a server of that folder alone uses.
      const alone = loadConfig({ cwd: root, env, platform: 'linux', homeDir: root, flags: { docs: join(root, 'later') } });
      assert.equal(s.collections?.[1]?.index_dir, alone.index.dir);
      assert.ok(announced > before, 'document listeners heard of the new collection');
      // And it is watched: a file added now is found.
      write(join(root, 'later'), 'c.md', '# More\n\nzebracorn arrives\n');
      const until = Date.now() + 15_000;
      let watched = false;
      while (!watched && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 100));
        watched = (await late.service.query({ query: 'zebracorn', topN: 1, collection: 'later' })).results[0]?.path === 'c.md';
      }
      assert.ok(watched, 'a file added to the late folder is indexed');
    } finally {
      unsubscribe?.();
      await late.stop();
      work.cleanup();
    }
  });
});
