import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Link } from '../../src/core/types.js';
import {
  chunkingFingerprint,
  documentNames,
  parseDocument,
  parseText,
  resolveLink,
  resolveLinkCandidates,
  type LinkLookup,
} from '../../src/markdown/index.js';

function createLookup(paths: string[], names: Record<string, string | string[]> = {}): LinkLookup {
  const set = new Set(paths);
  const caseless = new Map<string, string>();
  for (const p of [...paths].sort()) if (!caseless.has(p.toLowerCase())) caseless.set(p.toLowerCase(), p);
  return {
    hasPath: (p) => set.has(p),
    pathCaseless: (p) => caseless.get(p),
    byName: (n) => {
      const v = names[n];
      return v === undefined ? [] : typeof v === 'string' ? [v] : [...v].sort();
    },
  };
}

const md = (target: string, heading?: string): Link => ({ kind: 'inline', target, line: 1, ...(heading ? { heading } : {}) });
const wiki = (target: string): Link => ({ kind: 'wiki', target, line: 1 });

describe('wikilinks resolve the way a vault means them', () => {
  // Two pages named "Space Lua": one at the root, one in a subfolder (a real vault has 17 such pairs).
  const vault = createLookup(['Space Lua.md', 'Architecture/Space Lua.md', 'Architecture/Overview.md', 'Notes/Daily/Tag.md', 'Tag.md', 'x/y/Deep.md', 'x/Deep.md', 'Lower.md'], {
    'space lua': ['Space Lua.md', 'Architecture/Space Lua.md'],
    deep: ['x/y/Deep.md', 'x/Deep.md'],
    overview: 'Architecture/Overview.md',
    'the big picture': 'Architecture/Overview.md',
    tag: ['Tag.md', 'Notes/Daily/Tag.md'],
  });

  test('a path from the root wins over a same-named page elsewhere, from any folder', () => {
    assert.equal(resolveLink('Architecture/Overview.md', wiki('Space Lua'), vault), 'Space Lua.md');
    assert.equal(resolveLink('Notes/Daily/Tag.md', wiki('Tag'), vault), 'Tag.md');
  });

  test('paths are case-insensitive, with or without the extension', () => {
    assert.equal(resolveLink('Lower.md', wiki('space lua'), vault), 'Space Lua.md');
    assert.equal(resolveLink('Lower.md', wiki('SPACE LUA.md'), vault), 'Space Lua.md');
    assert.equal(resolveLink('Lower.md', wiki('architecture/space lua'), vault), 'Architecture/Space Lua.md');
  });

  test('then relative to the linking file', () => {
    assert.equal(resolveLink('Architecture/Overview.md', wiki('./Space Lua'), vault), 'Space Lua.md', 'the root path comes first');
    assert.equal(resolveLink('x/y/Other.md', wiki('../Deep'), vault), 'x/Deep.md');
    assert.equal(resolveLink('Architecture/Other.md', wiki('Overview'), vault), 'Architecture/Overview.md');
  });

  test('then a name, title or alias; an ambiguous name picks the nearest', () => {
    assert.equal(resolveLink('Lower.md', wiki('The Big Picture'), vault), 'Architecture/Overview.md');
    // Not a root path: the name "Deep" has two pages; from x/y the one in the same folder wins…
    assert.equal(resolveLink('x/y/Note.md', wiki('Deep'), vault), 'x/y/Deep.md');
    // …from elsewhere the shortest path.
    assert.equal(resolveLink('Lower.md', wiki('Deep'), vault), 'x/Deep.md');
  });

  test('the other documents an ambiguous name could mean come with it, a path spelled out has none', () => {
    assert.deepEqual(resolveLinkCandidates('x/y/Note.md', wiki('Deep'), vault), { path: 'x/y/Deep.md', candidates: ['x/Deep.md'] });
    // A root path wins, but the bare name still answers to the page in the subfolder.
    assert.deepEqual(resolveLinkCandidates('Architecture/Overview.md', wiki('Space Lua'), vault), { path: 'Space Lua.md', candidates: ['Architecture/Space Lua.md'] });
    assert.deepEqual(resolveLinkCandidates('Lower.md', wiki('Tag.md'), vault), { path: 'Tag.md', candidates: ['Notes/Daily/Tag.md'] });
    assert.deepEqual(resolveLinkCandidates('Lower.md', wiki('architecture/space lua'), vault), { path: 'Architecture/Space Lua.md', candidates: [] });
    assert.deepEqual(resolveLinkCandidates('Lower.md', wiki('The Big Picture'), vault), { path: 'Architecture/Overview.md', candidates: [] });
    assert.deepEqual(resolveLinkCandidates('Lower.md', wiki('Nobody'), vault), { path: null, candidates: [] });
    assert.deepEqual(resolveLinkCandidates('Lower.md', md('Tag.md'), vault), { path: 'Tag.md', candidates: [] });
  });

  test('resolveLink asks no more of the lookup than before for a link that is a path', () => {
    const asked: string[] = [];
    const spy: LinkLookup = { ...vault, byName: (n) => (asked.push(n), vault.byName(n)) };
    resolveLink('Lower.md', wiki('Space Lua'), spy);
    assert.deepEqual(asked, []);
    resolveLinkCandidates('Lower.md', wiki('Space Lua'), spy);
    assert.deepEqual(asked, ['space lua', 'space lua']);
  });
});

describe('resolveLink', () => {
  const lookup = createLookup(['a/b.md', 'a/c/d.md', 'top.md', 'a/notes.md', 'guide/index.md', 'x.txt'], {
    'my page': 'a/b.md',
    alias: 'a/c/d.md',
  });

  test('relative to the linking file, with ./ and ../', () => {
    assert.equal(resolveLink('a/x.md', md('b.md'), lookup), 'a/b.md');
    assert.equal(resolveLink('a/x.md', md('./c/d.md'), lookup), 'a/c/d.md');
    assert.equal(resolveLink('a/c/z.md', md('../b.md', 'h'), lookup), 'a/b.md');
    assert.equal(resolveLink('a/c/z.md', md('../../top.md'), lookup), 'top.md');
    assert.equal(resolveLink('top.md', md('x.txt'), lookup), 'x.txt');
  });

  test('a leading / is the documents root', () => {
    assert.equal(resolveLink('a/c/z.md', md('/top.md'), lookup), 'top.md');
  });

  test('escaping the root is null', () => {
    assert.equal(resolveLink('a/x.md', md('../../top.md'), lookup), null);
    assert.equal(resolveLink('top.md', md('../top.md'), lookup), null);
  });

  test('.md appended; folders resolve to index.md', () => {
    assert.equal(resolveLink('a/x.md', md('notes'), lookup), 'a/notes.md');
    assert.equal(resolveLink('top.md', md('guide/'), lookup), 'guide/index.md');
  });

  test('URLs, anchors and missing files are null', () => {
    for (const target of ['https://x.org/a.md', 'mailto:a@b.c', '//cdn.x/a.md', '#section', '', 'missing.md']) {
      assert.equal(resolveLink('a/x.md', md(target), lookup), null, target);
    }
    assert.equal(resolveLink('a/x.md', md('', 'local'), lookup), null);
  });

  test('wikilinks by name, title or alias, case-insensitively; paths as a fallback', () => {
    assert.equal(resolveLink('top.md', wiki('My Page'), lookup), 'a/b.md');
    assert.equal(resolveLink('top.md', wiki('ALIAS'), lookup), 'a/c/d.md');
    assert.equal(resolveLink('top.md', wiki('My Page.md'), lookup), 'a/b.md');
    assert.equal(resolveLink('top.md', wiki('a/notes'), lookup), 'a/notes.md');
    assert.equal(resolveLink('top.md', wiki('Nobody'), lookup), null);
    assert.equal(resolveLink('top.md', wiki(''), lookup), null);
  });
});

describe('documentNames', () => {
  test('base name, path without extension, title and aliases, lower-cased and unique', () => {
    assert.deepEqual(documentNames({ path: 'notes/My Page.md', title: 'My Page', aliases: ['MP', ' Other '] }), [
      'my page',
      'notes/my page',
      'mp',
      'other',
    ]);
  });
});

describe('parseText and parseDocument', () => {
  test('plain text: paragraphs packed up to maxChars, title from the file name', () => {
    const para = (i: number) => `Paragraph ${i} has a few words [not](a-link.md) #nottag.`;
    const text = [para(1), para(2), para(3), para(4)].join('\n\n');
    const doc = parseText('notes/readme.txt', text, { minChars: 0, maxChars: 130 });
    assert.equal(doc.title, 'readme');
    assert.deepEqual(doc.links, []);
    assert.deepEqual(doc.tags, []);
    assert.deepEqual(doc.headings, []);
    assert.deepEqual(doc.chunks.map((c) => [c.startLine, c.endLine, c.headingPath]), [
      [1, 3, []],
      [5, 7, []],
    ]);
  });

  test('dispatch on extension', () => {
    const text = '# Heading\n\n[[Link]]\n';
    const opts = { minChars: 0, maxChars: 100 };
    assert.equal(parseDocument('a.md', text, opts).links.length, 1);
    assert.equal(parseDocument('a.MARKDOWN', text, opts).headings.length, 1);
    assert.equal(parseDocument('a.txt', text, opts).links.length, 0);
    assert.equal(parseDocument('a.txt', text, opts).title, 'a');
  });
});

describe('chunkingFingerprint', () => {
  test('changes with the options and is stable otherwise', () => {
    const a = chunkingFingerprint({ minChars: 100, maxChars: 1000 });
    assert.equal(a, chunkingFingerprint({ minChars: 100, maxChars: 1000 }));
    assert.notEqual(a, chunkingFingerprint({ minChars: 100, maxChars: 1001 }));
    assert.notEqual(a, chunkingFingerprint({ minChars: 99, maxChars: 1000 }));
    assert.ok(a.length < 80);
  });
});
