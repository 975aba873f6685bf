import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPathFilter } from '../../src/indexing/path-filter.js';
import { watchDocuments } from '../../src/indexing/watcher.js';
import { makeTempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';

describe('watcher: a folder renamed away and at once replaced by a new one of the same name', () => {
  const tmp = makeTempDir('ragdocs-watcher-');
  after(() => tmp.cleanup());

  test('files added to the new folder later are reported, and so are those of the moved one', async () => {
    const root = realpathSync(tmp.dir);
    mkdirSync(join(root, 'reading'));
    mkdirSync(join(root, 'journal'));
    writeFileSync(join(root, 'reading', 'a.md'), '# A\n');
    const seen = new Set<string>();
    const watcher = watchDocuments({
      rootReal: root,
      filter: createPathFilter({ include: ['**/*'], exclude: [], extensions: ['.md'] }),
      debounceMs: 20,
      onPathsChanged: (paths) => paths.forEach((p) => seen.add(p)),
      onError: (err) => assert.fail(String(err)),
    });
    try {
      await watcher.ready;
      // `mv reading reading-2025 && mkdir reading`, as a script or a sync tool does it.
      renameSync(join(root, 'reading'), join(root, 'reading-2025'));
      mkdirSync(join(root, 'reading'));
      writeFileSync(join(root, 'reading', 'first.md'), '# First\n');
      await waitFor('the moved folder and the new file to be reported', () => seen.has('reading-2025/') && seen.has('reading/first.md'), 3000);
      await new Promise((r) => setTimeout(r, 300));
      writeFileSync(join(root, 'reading', 'later.md'), '# Later\n');
      await waitFor('a file added to the new folder later', () => seen.has('reading/later.md'), 3000);
      writeFileSync(join(root, 'reading-2025', 'more.md'), '# More\n');
      await waitFor('a file added to the moved folder', () => seen.has('reading-2025/more.md'), 3000);
    } finally {
      await watcher.close();
    }
  });
});
