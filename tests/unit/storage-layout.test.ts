import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isTempFileName, tempFileName } from '../../src/storage/atomic.js';
import {
  blobFileName,
  generationDirName,
  isSafeBlobFileName,
  parseGenerationDirName,
} from '../../src/storage/layout.js';

describe('generation folder names', () => {
  test('round-trip through parse, and sort by age', () => {
    for (const n of [1, 42, 999_999, 1_000_000, 12_345_678]) {
      assert.equal(parseGenerationDirName(generationDirName(n)), n);
    }
    assert.equal(generationDirName(7), 'gen-000007');
    const names = [3, 20, 100].map(generationDirName);
    assert.deepEqual([...names].sort(), names);
  });

  test('parse accepts unpadded numbers and rejects everything else', () => {
    assert.equal(parseGenerationDirName('gen-7'), 7);
    assert.equal(parseGenerationDirName('gen-0007'), 7);
    for (const name of ['gen-0', 'gen-', 'gen-1a', 'gen--1', 'xgen-1', 'gen-1.tmp', 'gen-99999999999999999999']) {
      assert.equal(parseGenerationDirName(name), null, name);
    }
  });
});

describe('blob file names', () => {
  const sha = 'ab'.repeat(32);

  test('keep the extension and put 12 hex digits of the hash before it', () => {
    assert.equal(blobFileName('vector.hnsw', sha), 'vector-abababababab.hnsw');
    assert.equal(blobFileName('chunks', sha), 'chunks-abababababab.bin');
  });

  test('are always safe plain names, whatever the logical name', () => {
    for (const name of ['../../etc/passwd', 'a/b', '..', '.hidden', 'sp ace', 'ünï', '']) {
      const file = blobFileName(name, sha);
      assert.ok(isSafeBlobFileName(file), `${name} → ${file}`);
    }
  });

  test('isSafeBlobFileName refuses separators and dot names', () => {
    for (const file of ['a/b', '..', '.', '../x', 'a\\b', '', '.hidden']) assert.equal(isSafeBlobFileName(file), false, file);
  });
});

describe('temp file names', () => {
  test('are unique, hidden and recognised', () => {
    const a = tempFileName('/x/manifest.json');
    const b = tempFileName('/x/manifest.json');
    assert.notEqual(a, b);
    assert.ok(a.startsWith('.manifest.json.'));
    assert.ok(isTempFileName(a));
    for (const name of ['manifest.json', '.index.lock', 'lock-holder.json', 'gen-000001', 'x.tmp']) {
      assert.equal(isTempFileName(name), false, name);
    }
  });
});
