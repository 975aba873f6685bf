import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { documentLinks, linksOut } from '../../src/app/document-links.js';
import type { Link } from '../../src/core/types.js';
import { parseDocument, type LinkResolution } from '../../src/markdown/index.js';

const opts = { minChars: 0, maxChars: 1500 };

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
    const doc = parseDocument('page.md', text, opts);
    const resolve = (link: { kind: string; target: string }): LinkResolution => {
      const t = link.target.replace(/#.*$/, '').toLowerCase();
      if (t === 'setup.md' || t === 'setup') return { path: 'setup.md', candidates: [] };
      if (t === 'page.md' || t === 'page') return { path: 'page.md', candidates: [] };
      return { path: null, candidates: [] };
    };
    const out = linksOut('page.md', doc.links, resolve, (link) => link.target.startsWith('https:'));
    // The parser keeps the anchor apart from the target (heading).
    assert.deepEqual(
      out.map((l) => [l.target, l.path, l.heading, l.status]),
      [
        ['setup.md', 'setup.md', null, 'resolved'],
        ['Setup', 'setup.md', null, 'resolved'],
        ['setup.md', 'setup.md', 'install', 'resolved'],
        ['setup.md', 'setup.md', 'usage', 'resolved'],
        ['https://example.com', null, null, 'external'],
        ['Missing Page', null, null, 'unresolved'],
      ],
    );
  });

  test('ambiguous, unresolved, external, missing headings and blocks, each target read once', async () => {
    const text = [
      '[[Tag]] [[Tag#Usage]] [[Tag#usage]] [[Tag#Nope]] [[Tag#^b1]] [[Tag#^zz]] [[Ghost]] [[Ghost#H]]',
      '[pdf](spec.pdf) [[diagram.PDF]] [[v1.2]] [web](https://example.com/x.md)',
    ].join('\n');
    const doc = parseDocument('Architecture/Page.md', text, opts);
    const reads: string[] = [];
    const links = await documentLinks('Architecture/Page.md', doc.links, {
      resolveTargetCandidates: (_from: string, link: Link) =>
        link.target === 'Tag' ? { path: 'Architecture/Tag.md', candidates: ['Tag.md'] } : { path: null, candidates: [] },
      readDocument: async (p) => {
        reads.push(p);
        return { headings: [{ depth: 2, text: 'Usage', slug: 'usage', line: 3 }], blockIds: [{ id: 'b1', line: 5, endLine: 5 }] };
      },
    }, ['.md', '.txt']);
    assert.deepEqual(reads, ['Architecture/Tag.md']);
    assert.deepEqual(
      links.links_out.map((l) => [l.target, l.status, l.heading, l.block, l.heading_found, l.block_found]),
      [
        ['Tag', 'ambiguous', null, null, undefined, undefined],
        ['Tag', 'ambiguous', 'Usage', null, true, undefined],
        ['Tag', 'ambiguous', 'usage', null, true, undefined],
        ['Tag', 'ambiguous', 'Nope', null, false, undefined],
        ['Tag', 'ambiguous', null, 'b1', undefined, true],
        ['Tag', 'ambiguous', null, 'zz', undefined, false],
        ['Ghost', 'unresolved', null, null, undefined, undefined],
        ['Ghost', 'unresolved', 'H', null, undefined, undefined],
        ['spec.pdf', 'external', null, null, undefined, undefined],
        ['diagram.PDF', 'external', null, null, undefined, undefined],
        ['v1.2', 'unresolved', null, null, undefined, undefined],
        ['https://example.com/x.md', 'external', null, null, undefined, undefined],
      ],
    );
    assert.deepEqual(links.links_out[0]?.candidates, ['Tag.md']);
    assert.equal(links.links_out[6]?.candidates, undefined);
    assert.deepEqual(links.link_problems, { unresolved: 3, ambiguous: 6, missing_headings: 1, missing_blocks: 1 });
  });
});
