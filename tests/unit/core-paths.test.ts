import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isInsideRoot, normalizeDocPath, toDocPath } from '../../src/core/paths.js';

describe('normalizeDocPath', () => {
  test('normalises separators, dots and duplicate slashes', () => {
    assert.equal(normalizeDocPath('guides/setup.md'), 'guides/setup.md');
    assert.equal(normalizeDocPath('./guides//setup.md'), 'guides/setup.md');
    assert.equal(normalizeDocPath('guides\\setup.md'), 'guides/setup.md');
    assert.equal(normalizeDocPath('a/b/../c.md'), 'a/c.md');
    assert.equal(normalizeDocPath('  a.md  '), 'a.md');
  });

  test('refuses anything that is absolute or climbs out of the root', () => {
    for (const bad of ['../x', '..', 'a/../../x', '/etc/passwd', '\\\\server\\share\\x.md', 'C:\\x.md', 'c:/x.md', '', '.', './', 'a\0.md']) {
      assert.equal(normalizeDocPath(bad), null, JSON.stringify(bad));
    }
  });

  test('never returns a path with a .. segment or a leading slash (random inputs)', () => {
    const parts = ['a', 'b', '..', '.', '', 'c.md', '...', '..a'];
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const input = Array.from({ length: 1 + next(6) }, () => parts[next(parts.length)]).join(next(2) ? '/' : '\\');
      const out = normalizeDocPath(input);
      if (out === null) continue;
      assert.ok(!out.startsWith('/'), input);
      assert.ok(!out.split('/').includes('..'), `${input} → ${out}`);
      assert.ok(!out.split('/').includes('.'), `${input} → ${out}`);
    }
  });
});

describe('isInsideRoot', () => {
  test('uses an exact directory prefix', () => {
    assert.ok(isInsideRoot('/docs', '/docs'));
    assert.ok(isInsideRoot('/docs', '/docs/a.md'));
    assert.ok(isInsideRoot('/docs/', '/docs/a/b.md'));
    assert.ok(!isInsideRoot('/docs', '/docs-private/a.md'), 'a sibling sharing the prefix is outside');
    assert.ok(!isInsideRoot('/docs', '/other/a.md'));
    assert.ok(isInsideRoot('C:\\docs', 'C:\\docs\\a.md', '\\'));
  });
});

test('toDocPath turns platform separators into /', () => {
  assert.equal(toDocPath('a\\b\\c.md', '\\'), 'a/b/c.md');
  assert.equal(toDocPath('a/b.md', '/'), 'a/b.md');
});
