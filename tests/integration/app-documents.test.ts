import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Application } from '../../src/app/application.js';
import { startApp, testConfig } from '../helpers/app.js';
import { fixturePath, makeTempDir } from '../helpers/paths.js';

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
