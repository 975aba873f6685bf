import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDocumentFile, readDocumentFileSync } from '../../src/indexing/read-file.js';
import { makeTempDir } from '../helpers/paths.js';

describe('reading a document: the promise and the blocking versions agree', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  const root = join(tmp.dir, 'root');
  mkdirSync(root);
  const rootReal = realpathSync(root);
  writeFileSync(join(root, 'plain.md'), '# Plain\n\ntext\n');
  writeFileSync(join(root, 'bom.md'), '\ufeff# Bom\n');
  writeFileSync(join(root, 'bad-utf8.md'), Buffer.from([0x23, 0x20, 0xff, 0x0a]));
  writeFileSync(join(root, 'binary.md'), Buffer.from([0x23, 0x00, 0x01]));
  writeFileSync(join(root, 'big.md'), 'x'.repeat(2048));
  writeFileSync(join(tmp.dir, 'outside.md'), '# Outside\n');
  symlinkSync(join(tmp.dir, 'outside.md'), join(root, 'escape.md'));
  mkdirSync(join(root, 'folder.md'));

  const cases: [string, string | { code: string }][] = [
    ['plain.md', '# Plain\n\ntext\n'],
    ['bom.md', '# Bom\n'],
    ['bad-utf8.md', '# \ufffd\n'],
    ['binary.md', { code: 'FILE_BINARY' }],
    ['big.md', { code: 'FILE_TOO_LARGE' }],
    ['escape.md', { code: 'PATH_OUTSIDE_ROOT' }],
    ['missing.md', { code: 'NOT_FOUND' }],
    ['folder.md', { code: 'FILE_UNREADABLE' }],
  ];
  for (const [path, expected] of cases) {
    test(path, async () => {
      const outcome = async (read: () => unknown): Promise<unknown> => {
        try {
          const r = (await read()) as { text: string; hash: string; size: number; warnings: string[] };
          return { text: r.text, hash: r.hash, size: r.size, warnings: r.warnings };
        } catch (err) {
          return { code: (err as { code?: string }).code, message: (err as Error).message };
        }
      };
      const promised = await outcome(() => readDocumentFile(rootReal, path, 1024));
      const blocking = await outcome(() => readDocumentFileSync(rootReal, path, 1024));
      assert.deepEqual(blocking, promised);
      if (typeof expected === 'string') assert.equal((promised as { text: string }).text, expected);
      else assert.equal((promised as { code: string }).code, expected.code);
    });
  }
});
