import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPathFilter } from '../../src/indexing/path-filter.js';
import { scanDocuments } from '../../src/indexing/scan.js';
import { makeTempDir } from '../helpers/paths.js';

const filter = createPathFilter({
  include: ['**/*'],
  exclude: ['.git/**', 'node_modules/**', '**/.*/**', '**/.*'],
  extensions: ['.md', '.txt'],
});

describe('scanDocuments on a real folder', () => {
  const tmp = makeTempDir();
  const root = join(tmp.dir, 'docs');
  after(() => tmp.cleanup());
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  mkdirSync(join(root, '.git'), { recursive: true });
  mkdirSync(join(root, 'node_modules', 'x'), { recursive: true });
  mkdirSync(join(tmp.dir, 'outside'), { recursive: true });
  writeFileSync(join(root, 'top.md'), '# Top');
  writeFileSync(join(root, 'a', 'b', 'deep.txt'), 'deep');
  writeFileSync(join(root, 'a', 'image.png'), 'png');
  writeFileSync(join(root, '.git', 'HEAD.md'), 'no');
  writeFileSync(join(root, 'node_modules', 'x', 'README.md'), 'no');
  writeFileSync(join(tmp.dir, 'outside', 'secret.md'), 'secret');
  symlinkSync(join(root, 'top.md'), join(root, 'alias.md'));
  symlinkSync(join(tmp.dir, 'outside', 'secret.md'), join(root, 'leak.md'));
  symlinkSync(root, join(root, 'a', 'loop'));
  symlinkSync(join(root, 'gone.md'), join(root, 'broken.md'));

  test('finds documents, skips excluded folders, and is sorted', async () => {
    const { files } = await scanDocuments(realpathSync(root), filter);
    assert.deepEqual(files.map((f) => f.path), ['a/b/deep.txt', 'alias.md', 'top.md']);
    assert.ok(files.every((f) => f.size > 0 && f.mtimeMs > 0));
  });

  test('reports symlinks it will not follow or index', async () => {
    const { warnings } = await scanDocuments(realpathSync(root), filter);
    const text = warnings.join('\n');
    assert.match(text, /leak\.md: symlink points outside/);
    assert.match(text, /a\/loop: symlinked folder not followed/);
    assert.match(text, /broken\.md: broken symlink/);
  });

  test('scans a sub-folder with paths still relative to the root', async () => {
    const real = realpathSync(root);
    const { files } = await scanDocuments(real, filter, join(real, 'a'));
    assert.deepEqual(files.map((f) => f.path), ['a/b/deep.txt']);
  });

  test('a vanished sub-folder yields nothing instead of failing', async () => {
    const real = realpathSync(root);
    const { files } = await scanDocuments(real, filter, join(real, 'does-not-exist'));
    assert.deepEqual(files, []);
  });
});
