import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { linksOut } from '../../src/app/docs-service.js';
import { parseDocument } from '../../src/markdown/index.js';

describe('links_out of get_document', () => {
  test('each distinct link once, without self-links, in-page anchors or empty targets', () => {
    const text = [
      '# Page',
      '',
      'See [setup](setup.md), again [setup](setup.md), and [[Setup]] (the same page by name).',
      'Jump [down](#details), to [[#Details]], to [myself](page.md) and [[Page]].',
      'An empty [link]() and [a section](setup.md#install) and [another](setup.md#usage).',
      'Out [there](https://example.com) and [[Missing Page]].',
      '',
      '## Details',
    ].join('\n');
    const doc = parseDocument('page.md', text, { minChars: 0, maxChars: 1500 });
    const resolve = (link: { kind: string; target: string }): string | null => {
      const t = link.target.replace(/#.*$/, '').toLowerCase();
      if (t === 'setup.md' || t === 'setup') return 'setup.md';
      if (t === 'page.md' || t === 'page') return 'page.md';
      return null;
    };
    const out = linksOut('page.md', doc.links, resolve);
    // The parser keeps the anchor apart from the target (heading).
    assert.deepEqual(
      out.map((l) => [l.target, l.path, l.heading]),
      [
        ['setup.md', 'setup.md', null],
        ['Setup', 'setup.md', null],
        ['setup.md', 'setup.md', 'install'],
        ['setup.md', 'setup.md', 'usage'],
        ['https://example.com', null, null],
        ['Missing Page', null, null],
      ],
    );
  });
});
