import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Application } from '../../src/app/application.js';
import { startApp, testConfig } from '../helpers/app.js';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { connectClient, textOf } from './mcp-harness.js';

describe('get_document by a link-style name', () => {
  const tmp = makeTempDir();
  let app: Application;
  before(async () => {
    const docs = join(tmp.dir, 'docs');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    app = await startApp(testConfig(docs, join(tmp.dir, 'index')));
  });
  after(async () => {
    await app.stop();
    tmp.cleanup();
  });

  test('a file name, any case, with or without the extension, reads the document', async () => {
    for (const asked of ['deployment', 'Deployment.md', 'GUIDES/Deployment.MD', 'guides/deployment']) {
      const doc = await app.service.getDocument({ path: asked });
      assert.equal(doc.path, 'guides/deployment.md', asked);
    }
  });

  test('a path that exists on disk is read as itself, even before it is indexed and when a name would match another page', async () => {
    const docs = join(tmp.dir, 'docs');
    // deployment.md at the root, written after the index was built: the name "deployment" also
    // answers to guides/deployment.md, but the path as given wins.
    writeFileSync(join(docs, 'deployment.md'), '# Another deployment page\n\nNot indexed yet.\n');
    try {
      const doc = await app.service.getDocument({ path: 'deployment.md' });
      assert.equal(doc.path, 'deployment.md');
      assert.match(doc.content, /Not indexed yet/);
    } finally {
      rmSync(join(docs, 'deployment.md'));
    }
  });

  test('a miss names the nearest paths', async () => {
    await assert.rejects(app.service.getDocument({ path: 'deploymnet.md' }), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'NOT_FOUND');
      assert.match(err.hint ?? '', /Did you mean "guides\/deployment\.md"/);
      return true;
    });
  });
});

/** A small vault with the link problems real vaults have: two pages named Tag, broken links, ^blocks. */
const VAULT: Record<string, string> = {
  'Tag.md': '# Tag\n\nThe root tag page.\n',
  'Architecture/Tag.md': '# Tag\n\n## Usage\n\nHow tags are used.\n',
  'Architecture/Overview.md': [
    '# Overview',
    '',
    'See [[Tag]] for tags and [[Tag#Usage]].',
    'Read [[Decisions#Context]], [[decisions#the context]] and [[Decisions#Nope]].',
    'Decision: [[Decisions#^adr-1]], not [[Decisions#^gone]].',
    'Broken: [[Missing Page]] and [[Another Missing]].',
    'Web: [site](https://example.com).',
    '',
  ].join('\n'),
  'Decisions.md': [
    '# Decisions', // 1
    '',
    '## The Context', // 3
    '',
    'We chose flock. ^adr-1', // 5
    '',
    '- Keep generations immutable. ^adr-2', // 7
    '  - Old ones are collected.', // 8
    '- Another item.',
    '',
    'See [[Architecture/Tag#Usage]] and [[Tag]].',
    '',
  ].join('\n'),
  'Guides/install.md': '---\ntitle: Installing\naliases: [Getting Started]\n---\n# Install\n\nRun it.\n',
};

describe('links in a vault: ambiguous, unresolved, missing headings and blocks', () => {
  const tmp = makeTempDir();
  let app: Application;
  before(async () => {
    const docs = join(tmp.dir, 'docs');
    for (const [path, text] of Object.entries(VAULT)) {
      mkdirSync(dirname(join(docs, path)), { recursive: true });
      writeFileSync(join(docs, path), text);
    }
    app = await startApp(testConfig(docs, join(tmp.dir, 'index')));
  });
  after(async () => {
    await app.stop();
    tmp.cleanup();
  });

  test('get_document reports an ambiguous name with its candidates, unresolved links, missing headings and blocks', async () => {
    const doc = await app.service.getDocument({ path: 'Architecture/Overview.md' });
    const by = (target: string, anchor: { heading?: string; block?: string } = {}) =>
      doc.links_out.find((l) => l.target === target && l.heading === (anchor.heading ?? null) && l.block === (anchor.block ?? null));
    // A root path comes first, so [[Tag]] opens Tag.md even from Architecture/: the page next to it is the other candidate.
    assert.deepEqual(by('Tag'), { target: 'Tag', path: 'Tag.md', heading: null, block: null, status: 'ambiguous', candidates: ['Architecture/Tag.md'] });
    assert.deepEqual(by('Tag', { heading: 'Usage' }), {
      target: 'Tag', path: 'Tag.md', heading: 'Usage', block: null, status: 'ambiguous', candidates: ['Architecture/Tag.md'], heading_found: false,
    });
    assert.equal(by('Decisions', { heading: 'Context' })?.heading_found, false, 'not a heading of Decisions.md');
    assert.equal(by('decisions', { heading: 'the context' })?.heading_found, true, 'any case');
    assert.equal(by('Decisions', { heading: 'Nope' })?.heading_found, false);
    assert.deepEqual(by('Decisions', { block: 'adr-1' }), { target: 'Decisions', path: 'Decisions.md', heading: null, block: 'adr-1', status: 'resolved', block_found: true });
    assert.equal(by('Decisions', { block: 'gone' })?.block_found, false);
    assert.deepEqual(by('Missing Page'), { target: 'Missing Page', path: null, heading: null, block: null, status: 'unresolved' });
    assert.equal(by('https://example.com')?.status, 'external');
    assert.deepEqual(doc.link_problems, { unresolved: 2, ambiguous: 2, missing_headings: 3, missing_blocks: 1 });
  });

  test('a document whose links all open what they name has no problems; its blocks are listed', async () => {
    const doc = await app.service.getDocument({ path: 'Decisions.md' });
    assert.deepEqual(doc.link_problems, { unresolved: 0, ambiguous: 1, missing_headings: 0, missing_blocks: 0 });
    assert.deepEqual(
      doc.links_out.map((l) => [l.target, l.path, l.status, l.heading_found]),
      [
        ['Architecture/Tag', 'Architecture/Tag.md', 'resolved', true],
        ['Tag', 'Tag.md', 'ambiguous', undefined],
      ],
    );
    assert.deepEqual(doc.blocks, [
      { id: 'adr-1', start_line: 5, end_line: 5 },
      { id: 'adr-2', start_line: 7, end_line: 8 },
    ]);
  });

  test('get_document with block returns that paragraph or list item and its lines', async () => {
    const para = await app.service.getDocument({ path: 'Decisions', block: 'adr-1' });
    assert.deepEqual([para.content, para.start_line, para.end_line], ['We chose flock. ^adr-1', 5, 5]);
    const item = await app.service.getDocument({ path: 'Decisions.md', block: '^ADR-2' });
    assert.deepEqual([item.content, item.start_line, item.end_line], ['- Keep generations immutable. ^adr-2\n  - Old ones are collected.', 7, 8]);
  });

  test('a missing block is NOT_FOUND with the ids the document has', async () => {
    await assert.rejects(app.service.getDocument({ path: 'Decisions.md', block: 'gone' }), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'NOT_FOUND');
      assert.match(err.message, /no block \^gone/);
      assert.match(err.hint ?? '', /\^adr-1, \^adr-2/);
      return true;
    });
    await assert.rejects(app.service.getDocument({ path: 'Tag.md', block: 'x' }), (err: Error & { hint?: string }) => /has no block ids/.test(err.hint ?? ''));
  });

  test('list_documents with a name: every document it could mean, the one [[name]] opens from the root first', async () => {
    const paths = async (name: string, extra: { glob?: string } = {}) => (await app.service.listDocuments({ name, ...extra })).documents.map((d) => d.path);
    assert.deepEqual(await paths('Tag'), ['Tag.md', 'Architecture/Tag.md']);
    assert.deepEqual(await paths('architecture/TAG.md'), ['Architecture/Tag.md']);
    assert.deepEqual(await paths('getting started'), ['Guides/install.md'], 'an alias');
    assert.deepEqual(await paths('Installing'), ['Guides/install.md'], 'a title');
    assert.deepEqual(await paths('DECISIONS.MD'), ['Decisions.md'], 'any case, with the extension');
    assert.deepEqual(await paths('[[Tag|the tags]]'), ['Tag.md', 'Architecture/Tag.md'], 'a wikilink as written');
    assert.deepEqual(await paths('Tag', { glob: 'Architecture/**' }), ['Architecture/Tag.md']);
  });

  test('list_documents with a name nothing answers to: an empty list and the nearest paths', async () => {
    const absent = await app.service.listDocuments({ name: 'Decisons' });
    assert.deepEqual(absent.documents, []);
    assert.match(absent.hint ?? '', /No document is called "Decisons"\. Did you mean "Decisions\.md"/);
    const filtered = await app.service.listDocuments({ name: 'Decisions', tag: 'nothing' });
    assert.match(filtered.hint ?? '', /names Decisions\.md, but none matches the glob\/tag filter/);
  });

  test('through the MCP tools: the link problems line, a block, a name', async () => {
    const h = await connectClient(app.service);
    try {
      const overview = await h.call('get_document', { path: 'Architecture/Overview.md' });
      assert.equal(overview.isError, undefined, textOf(overview));
      assert.match(
        textOf(overview),
        /\nLinks: 2 unresolved \(Missing Page, Another Missing\), 2 ambiguous \(Tag → Tag\.md; also Architecture\/Tag\.md\), 3 missing headings \(Tag#Usage, Decisions#Context, Decisions#Nope\), 1 missing block \(Decisions#\^gone\)$/m,
      );
      assert.deepEqual((overview.structuredContent as { link_problems: unknown }).link_problems, { unresolved: 2, ambiguous: 2, missing_headings: 3, missing_blocks: 1 });
      const tag = await h.call('get_document', { path: 'Architecture/Tag.md' });
      assert.doesNotMatch(textOf(tag), /\nLinks:/, 'no line when nothing is wrong');

      const block = await h.call('get_document', { path: 'Decisions.md', block: '^adr-2' });
      assert.match(textOf(block), /^# Decisions\nDecisions\.md · lines 7–8\n\n- Keep generations immutable\. \^adr-2\n  - Old ones are collected\.\n/);
      assert.match(textOf(block), /Blocks: \^adr-1 \(lines 5–5\), \^adr-2 \(lines 7–8\)/);
      const missing = await h.call('get_document', { path: 'Decisions.md', block: 'gone' });
      assert.equal(missing.isError, true);
      assert.match(textOf(missing), /no block \^gone in this document\nHint: Block ids here: \^adr-1, \^adr-2/);
      const both = await h.call('get_document', { path: 'Decisions.md', block: 'adr-1', heading: 'The Context' });
      assert.equal(both.isError, true);
      assert.match(textOf(both), /both heading "The Context" and block "adr-1"/);

      const named = await h.call('list_documents', { name: 'tag' });
      assert.match(textOf(named), /^2 documents are called "tag" \(the first is the one \[\[tag\]\] opens from the docs root[^\n]*\n- Tag\.md — Tag \(1 chunk\)\n- Architecture\/Tag\.md — Tag/);
      const absent = await h.call('list_documents', { name: 'Decisons' });
      assert.equal(absent.isError, undefined);
      assert.deepEqual((absent.structuredContent as { documents: unknown[] }).documents, []);
      assert.match(textOf(absent), /^No document is called "Decisons"\. Did you mean "Decisions\.md"\?/);
    } finally {
      await h.close();
    }
  });
});
