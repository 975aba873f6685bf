import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Application } from '../../src/app/application.js';
import { makeTempDir } from '../helpers/paths.js';
import { startApp, testConfig } from '../helpers/app.js';
import { connectClient, textOf } from './mcp-harness.js';

describe('bad inputs get clear errors and the server keeps serving', () => {
  const tmp = makeTempDir();
  const docs = join(tmp.dir, 'docs');
  const outside = join(tmp.dir, 'outside');
  let app: Application;
  let mcp: Awaited<ReturnType<typeof connectClient>>;

  before(async () => {
    mkdirSync(join(docs, 'sub'), { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.md'), '# Secret\n\nThe launch code is swordfish.\n');
    writeFileSync(join(docs, 'good.md'), '# Good\n\nA perfectly normal page about penguins.\n');
    writeFileSync(join(docs, 'empty.md'), '');
    writeFileSync(join(docs, 'binary.md'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0x01, 0x02, 0xff]));
    writeFileSync(join(docs, 'latin1.md'), Buffer.concat([Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from('\n\nThe walrusology chapter.\n')]));
    // 10 MB of Markdown: over the default 10 MB limit by a little, so it is skipped with a warning.
    const para = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.\n\n';
    writeFileSync(join(docs, 'huge.md'), '# Huge\n\n' + para.repeat(Math.ceil((10 * 1024 * 1024 + 1000) / para.length)));
    symlinkSync(join(docs, 'sub'), join(docs, 'sub', 'loop'));
    symlinkSync(join(docs, 'selfloop.md'), join(docs, 'selfloop.md'));
    symlinkSync(join(outside, 'secret.md'), join(docs, 'escape.md'));
    app = await startApp(testConfig(docs, join(tmp.dir, 'index')));
    mcp = await connectClient(app.service);
  });

  after(async () => {
    await mcp?.close();
    await app?.stop();
    tmp.cleanup();
  });

  test('problem files are reported in index_status and the rest is indexed', async () => {
    const res = await mcp.call('index_status');
    const s = res.structuredContent as any;
    assert.equal(s.state, 'ready');
    const warnings = (s.warnings as string[]).join('\n');
    assert.match(warnings, /binary\.md.*binary/);
    assert.match(warnings, /huge\.md.*MB.*max_file_mb|huge\.md.*limit/);
    assert.match(warnings, /latin1\.md.*UTF-8/);
    assert.match(warnings, /escape\.md.*outside/);
    assert.match(warnings, /sub\/loop: symlinked folder not followed/);
    assert.match(warnings, /selfloop\.md: symlink loop/);
    const list = await mcp.call('list_documents');
    const paths = (list.structuredContent as any).documents.map((d: any) => d.path).sort();
    assert.deepEqual(paths, ['empty.md', 'good.md', 'latin1.md']);
  });

  test('invalid UTF-8 is indexed with replacement characters', async () => {
    const res = await mcp.call('query_documents', { query: 'walrusology' });
    assert.equal((res.structuredContent as any).results[0]?.path, 'latin1.md');
  });

  test('lunr syntax, emoji, CJK and a 9 KB query never error', async () => {
    for (const query of ['title:x^2 -y +z~1 *', '🐧 penguins', '企鹅 penguins', 'penguins '.repeat(1000), '"unterminated', '*', '~']) {
      const res = await mcp.call('query_documents', { query });
      assert.ok(!res.isError, `query ${JSON.stringify(query.slice(0, 40))} failed: ${textOf(res)}`);
    }
    const hit = await mcp.call('query_documents', { query: 'title:x^2 -y +penguins~1 *' });
    assert.equal((hit.structuredContent as any).results[0]?.path, 'good.md');
  });

  test('an empty query is refused with a hint', async () => {
    const res = await mcp.call('query_documents', { query: '   ' });
    assert.ok(res.isError);
    assert.match(textOf(res), /query/i);
  });

  test('get_document refuses ../, absolute paths and symlinks that leave the root', async () => {
    for (const path of ['../outside/secret.md', '../x', join(outside, 'secret.md'), '/etc/passwd', 'sub/../../outside/secret.md']) {
      const res = await mcp.call('get_document', { path });
      assert.ok(res.isError, `${path} should be refused`);
      assert.doesNotMatch(textOf(res), /swordfish/);
    }
    const escape = await mcp.call('get_document', { path: 'escape.md' });
    assert.ok(escape.isError);
    assert.match(textOf(escape), /outside the documents root/);
    const ok = await mcp.call('get_document', { path: 'good.md' });
    assert.ok(!ok.isError);
    assert.match((ok.structuredContent as any).content, /penguins/);
  });

  test('get_document on a missing file says so with a hint', async () => {
    const res = await mcp.call('get_document', { path: 'nope.md' });
    assert.ok(res.isError);
    assert.match(textOf(res), /does not exist[\s\S]*Hint/);
  });
});
