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
    assert.equal(resolveLink('x/y/Other.md', wiki('../Deep'), vault), 'x/Deep.md');
    assert.equal(resolveLink('Architecture/Other.md', wiki('Overview'), vault), 'Architecture/Overview.md');
  });

  test('./ and ../ are relative to the linking file only, never a path from the root', () => {
    // Space Lua.md is at the root too: `./` still means the linking page's folder.
    assert.equal(resolveLink('Architecture/Overview.md', wiki('./Space Lua'), vault), 'Architecture/Space Lua.md');
    assert.equal(resolveLink('Lower.md', wiki('./Space Lua'), vault), 'Space Lua.md', 'from the root, ./ is the root');
    // Tag.md is at the root, not next to Architecture/Overview.md: no fallback to the root or the name.
    assert.equal(resolveLink('Architecture/Overview.md', wiki('./Tag'), vault), null);
    assert.equal(resolveLink('x/y/Other.md', wiki('../Tag'), vault), null);
    assert.equal(resolveLink('Notes/Daily/Tag.md', wiki('../../Tag'), vault), 'Tag.md');
    assert.equal(resolveLink('Lower.md', wiki('../Tag'), vault), null, 'escapes the root');
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
    assert.deepEqual(asked, ['space lua']);
  });
});

describe('links resolve where an Obsidian vault user lands (issue 10)', () => {
  // Shaped like tests/fixtures/vault: three pages named Settings, none at the root; a page whose
  // alias is another page's file name; a Server/ folder with pages also at the root.
  const vault = createLookup(
    [
      'Architecture/Settings.md',
      'Plugins/Git/Settings.md',
      'Plugins/Search/Settings.md',
      'Architecture/Indexer.md',
      'Search.md',
      'Guides/Daily Notes.md',
      'Plugins/Calendar.md',
      'Plugins/Agenda.md',
      'Backup.md',
      'Server/Backup.md',
      'Server/Configuration.md',
      'Server/index.md',
      'Server/Server/Backup.md',
      'Configuration.md',
      'People/Ines Duarte.md',
      'Journal/2026-03-09.md',
      'b/Page.md',
      'a/Page.md',
    ],
    {
      settings: ['Architecture/Settings.md', 'Plugins/Git/Settings.md', 'Plugins/Search/Settings.md'],
      indexer: ['Architecture/Indexer.md', 'Search.md'],
      'daily notes': ['Guides/Daily Notes.md', 'Plugins/Calendar.md'],
      journal: ['Plugins/Calendar.md', 'Plugins/Agenda.md'],
      page: ['a/Page.md', 'b/Page.md'],
    },
  );

  test('an ambiguous name with none in the linking folder picks the shortest path string', () => {
    // 23 characters against 24 and 26: fewer characters, though one folder deeper.
    assert.deepEqual(resolveLinkCandidates('Journal/2026-03-09.md', wiki('Settings'), vault), {
      path: 'Plugins/Git/Settings.md',
      candidates: ['Architecture/Settings.md', 'Plugins/Search/Settings.md'],
    });
    assert.equal(resolveLink('Journal/2026-03-09.md', wiki('Settings'), vault), 'Plugins/Git/Settings.md');
    assert.equal(resolveLink('Home.md', wiki('page'), vault), 'a/Page.md', 'equal lengths: path order');
  });

  test('the linking folder still comes first', () => {
    assert.equal(resolveLink('Architecture/Overview.md', wiki('Settings'), vault), 'Architecture/Settings.md');
    assert.equal(resolveLink('Plugins/Search/README.md', wiki('Settings'), vault), 'Plugins/Search/Settings.md');
    assert.equal(resolveLink('b/Other.md', wiki('Page'), vault), 'b/Page.md');
  });

  test('a wikilink with folders is a path from the root first, a Markdown link relative first', () => {
    assert.equal(resolveLink('Server/Configuration.md', wiki('Server/Backup'), vault), 'Server/Backup.md');
    assert.equal(resolveLink('Server/Configuration.md', md('Server/Backup.md'), vault), 'Server/Server/Backup.md');
  });

  test('a file name beats a title or alias, even one in the linking folder', () => {
    assert.deepEqual(resolveLinkCandidates('Journal/2026-03-09.md', wiki('Indexer'), vault), { path: 'Architecture/Indexer.md', candidates: ['Search.md'] });
    // Search.md (alias "Indexer") sits in the root with Home.md; the file named Indexer still wins.
    assert.equal(resolveLink('Home.md', wiki('indexer'), vault), 'Architecture/Indexer.md');
    assert.equal(resolveLink('Plugins/Index.md', wiki('Daily Notes'), vault), 'Guides/Daily Notes.md');
    assert.equal(resolveLink('Plugins/Index.md', wiki('Daily Notes.md'), vault), 'Guides/Daily Notes.md');
  });

  test('titles and aliases count when no file has the name, nearest first', () => {
    assert.deepEqual(resolveLinkCandidates('Home.md', wiki('Journal'), vault), { path: 'Plugins/Agenda.md', candidates: ['Plugins/Calendar.md'] });
  });

  test('a Markdown link is relative to the linking page, else read from the root', () => {
    assert.equal(resolveLink('People/Ines Duarte.md', md('Server/Backup.md'), vault), 'Server/Backup.md');
    assert.equal(resolveLink('People/Ines Duarte.md', md('Server/Backup'), vault), 'Server/Backup.md');
    assert.equal(resolveLink('People/Ines Duarte.md', md('Server/'), vault), 'Server/index.md');
    assert.equal(resolveLink('People/Ines Duarte.md', md('Server/Missing.md'), vault), null);
    // The page's own folder first: Server/Configuration.md links Backup.md next to it, not the root one.
    assert.equal(resolveLink('Server/Configuration.md', md('Backup.md'), vault), 'Server/Backup.md');
    assert.equal(resolveLink('Journal/2026-03-09.md', md('Backup.md'), vault), 'Backup.md');
    // `./`, `../` and `/` say where to look: no second try.
    assert.equal(resolveLink('People/Ines Duarte.md', md('./Server/Backup.md'), vault), null);
    assert.equal(resolveLink('People/Ines Duarte.md', md('../Backup.md'), vault), 'Backup.md');
    assert.equal(resolveLink('Server/Configuration.md', md('/Backup.md'), vault), 'Backup.md');
    assert.equal(resolveLink('Server/Deep/Page.md', md('../../Server/Backup.md'), vault), 'Server/Backup.md');
  });

  test('the lookup is asked the relative paths first, then the root ones, stopping at the first hit', () => {
    const asked: string[] = [];
    const spy: LinkLookup = { ...vault, hasPath: (p) => (asked.push(p), vault.hasPath(p)) };
    resolveLink('People/Ines Duarte.md', md('Server/Backup.md'), spy);
    assert.deepEqual(asked, [
      'People/Server/Backup.md',
      'People/Server/Backup.md.md',
      'People/Server/Backup.md/index.md',
      'People/Server/Backup.md/README.md',
      'Server/Backup.md',
    ]);
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
