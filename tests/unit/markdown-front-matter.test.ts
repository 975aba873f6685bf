import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMarkdown } from '../../src/markdown/index.js';

const opts = { minChars: 0, maxChars: 2000 };

describe('front matter', () => {
  test('reads title, list tags and list aliases', () => {
    const doc = parseMarkdown('a.md', '---\ntitle: Real Title\ntags: [Alpha, "#beta"]\naliases:\n  - One\n  - Two\n---\n# Heading\n', opts);
    assert.equal(doc.title, 'Real Title');
    assert.deepEqual(doc.tags, ['alpha', 'beta']);
    assert.deepEqual(doc.aliases, ['One', 'Two']);
    assert.deepEqual(doc.frontMatter, { title: 'Real Title', tags: ['Alpha', '#beta'], aliases: ['One', 'Two'] });
    assert.deepEqual(doc.warnings, []);
  });

  test('tags as a comma or space separated string, singular keys', () => {
    assert.deepEqual(parseMarkdown('a.md', '---\ntags: one, Two three\n---\n', opts).tags, ['one', 'two', 'three']);
    const singular = parseMarkdown('a.md', '---\ntag: solo\nalias: Other Name\n---\n', opts);
    assert.deepEqual(singular.tags, ['solo']);
    assert.deepEqual(singular.aliases, ['Other Name']);
  });

  test('a string alias is one alias, even with a comma', () => {
    assert.deepEqual(parseMarkdown('a.md', '---\naliases: Smith, John\n---\n', opts).aliases, ['Smith, John']);
  });

  test('front matter and inline tags merge, lower-cased and deduplicated', () => {
    const doc = parseMarkdown('a.md', '---\ntags: [Project]\n---\nText #project and #Other and #other.\n', opts);
    assert.deepEqual(doc.tags, ['project', 'other']);
  });

  test('invalid YAML: warning, empty front matter, body still indexed', () => {
    const doc = parseMarkdown('dir/note.md', '---\ntitle: [unclosed\n---\n\nBody text here.\n', opts);
    assert.deepEqual(doc.frontMatter, {});
    assert.equal(doc.warnings.length, 1);
    assert.match(doc.warnings[0] ?? '', /invalid YAML front matter/);
    assert.equal(doc.title, 'note');
    assert.equal(doc.chunks.length, 1);
    assert.equal(doc.chunks[0]?.content, 'Body text here.');
    assert.equal(doc.chunks[0]?.startLine, 5);
  });

  test('a YAML scalar or list is not a mapping', () => {
    for (const yaml of ['just a string', '- a\n- b']) {
      const doc = parseMarkdown('a.md', `---\n${yaml}\n---\ntext\n`, opts);
      assert.deepEqual(doc.frontMatter, {});
      assert.match(doc.warnings[0] ?? '', /not a YAML mapping/);
    }
  });

  test('empty front matter is fine; numbers are accepted as title', () => {
    assert.deepEqual(parseMarkdown('a.md', '---\n---\ntext\n', opts).warnings, []);
    assert.equal(parseMarkdown('a.md', '---\ntitle: 2024\n---\n', opts).title, '2024');
  });

  test('front matter lines never appear in chunks; only front matter gives no chunks', () => {
    const doc = parseMarkdown('a.md', '---\ntitle: T\n---\n', opts);
    assert.equal(doc.chunks.length, 0);
    const withBody = parseMarkdown('a.md', '---\ntitle: T\n---\n\n\nFirst line\n', opts);
    assert.equal(withBody.chunks[0]?.startLine, 6);
  });

  test('without a closing fence it is not front matter', () => {
    const doc = parseMarkdown('a.md', '---\ntitle: x\n\nParagraph\n', opts);
    assert.deepEqual(doc.frontMatter, {});
    assert.equal(doc.chunks[0]?.startLine, 1);
  });

  test('dates stay strings (JSON-safe)', () => {
    assert.deepEqual(parseMarkdown('a.md', '---\ndate: 2024-01-02\n---\n', opts).frontMatter, { date: '2024-01-02' });
  });
});

describe('title', () => {
  test('a level-1 heading that opens the document, else the file name (vault convention, issue 10)', () => {
    assert.equal(parseMarkdown('a.md', '# First\n\n## Second\n', opts).title, 'First');
    assert.equal(parseMarkdown('a.md', 'An intro line.\n\n# *Styled* title\n', opts).title, 'Styled title');
    // A section heading first is not the page's title: "Library.md — Terms" was the bug.
    assert.equal(parseMarkdown('Library.md', '## Terms\n\n# Later\n', opts).title, 'Library');
    assert.equal(parseMarkdown('a.md', '### Only *deep*\n', opts).title, 'a');
    assert.equal(parseMarkdown('notes/My Page.v2.md', 'text only\n', opts).title, 'My Page.v2');
  });
});
