import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPathFilter } from '../../src/indexing/path-filter.js';

const defaults = {
  include: ['**/*'],
  exclude: ['.git/**', 'node_modules/**', '**/.*/**', '**/.*'],
  extensions: ['.md', '.markdown', '.txt'],
};

describe('path filter', () => {
  const filter = createPathFilter(defaults);

  test('includes documents by extension, case-insensitively', () => {
    assert.ok(filter.includesFile('a.md'));
    assert.ok(filter.includesFile('deep/dir/b.MARKDOWN'));
    assert.ok(filter.includesFile('notes.txt'));
    assert.ok(!filter.includesFile('image.png'));
    assert.ok(!filter.includesFile('Makefile'));
  });

  test('excludes hidden files and folders, .git and node_modules', () => {
    assert.ok(!filter.includesFile('.hidden.md'));
    assert.ok(!filter.includesFile('.obsidian/config.md'));
    assert.ok(!filter.includesFile('node_modules/pkg/README.md'));
    assert.ok(filter.excludesDir('.git'));
    assert.ok(filter.excludesDir('node_modules'));
    assert.ok(filter.excludesDir('sub/.cache'));
    assert.ok(!filter.excludesDir('docs'));
  });

  test('honours include globs and user excludes', () => {
    const custom = createPathFilter({ ...defaults, include: ['guides/**'], exclude: [...defaults.exclude, '**/drafts/**'] });
    assert.ok(custom.includesFile('guides/a.md'));
    assert.ok(!custom.includesFile('notes/a.md'));
    assert.ok(!custom.includesFile('guides/drafts/a.md'));
    assert.ok(custom.excludesDir('guides/drafts'));
  });
});
