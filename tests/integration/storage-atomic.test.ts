import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir, writeFileAtomic, writeFileDurable } from '../../src/storage/atomic.js';
import { makeTempDir } from '../helpers/paths.js';

describe('writeFileAtomic', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => (temp = makeTempDir()));
  afterEach(() => temp.cleanup());

  test('writes the content and leaves no temp file', async () => {
    const path = join(temp.dir, 'manifest.json');
    await writeFileAtomic(path, '{"a":1}');
    await writeFileAtomic(path, Buffer.from('{"a":2}'));
    assert.equal(readFileSync(path, 'utf8'), '{"a":2}');
    assert.deepEqual(readdirSync(temp.dir), ['manifest.json']);
  });

  test('without fsync still replaces atomically', async () => {
    const path = join(temp.dir, 'holder.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new', { fsync: false });
    assert.equal(readFileSync(path, 'utf8'), 'new');
    assert.deepEqual(readdirSync(temp.dir), ['holder.json']);
  });

  test('on failure removes its temp file and leaves the target alone', async () => {
    // The target is a non-empty folder: the rename fails after the temp file was written.
    const target = join(temp.dir, 'target');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'x');
    await assert.rejects(writeFileAtomic(target, 'data'));
    assert.deepEqual(readdirSync(temp.dir), ['target']);
    assert.deepEqual(readdirSync(target), ['keep']);
  });

  test('fails cleanly when the folder does not exist', async () => {
    await assert.rejects(writeFileAtomic(join(temp.dir, 'missing', 'x.json'), 'data'), { code: 'ENOENT' });
    assert.deepEqual(readdirSync(temp.dir), []);
  });
});

describe('writeFileDurable and fsyncDir', () => {
  let temp: { dir: string; cleanup: () => void };
  beforeEach(() => (temp = makeTempDir()));
  afterEach(() => temp.cleanup());

  test('write a new file and sync its folder', async () => {
    const path = join(temp.dir, 'blob.bin');
    await writeFileDurable(path, new Uint8Array([1, 2, 3]));
    await fsyncDir(temp.dir);
    assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  });

  test('fsyncDir rejects a missing folder', async () => {
    await assert.rejects(fsyncDir(join(temp.dir, 'nope')), { code: 'ENOENT' });
  });
});
