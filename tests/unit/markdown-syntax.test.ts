import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Link } from '../../src/core/types.js';
import { createSlugger, parseMarkdown, slugify } from '../../src/markdown/index.js';

const opts = { minChars: 0, maxChars: 2000 };
const parse = (text: string) => parseMarkdown('docs/page.md', text, opts);
const links = (text: string): Omit<Link, 'line'>[] => parse(text).links.map(({ line: _line, ...rest }) => rest);

describe('headings and slugs', () => {
  test('depth, plain text, slug and 1-based line; setext and nested headings too', () => {
    const doc = parse('# Hello *World*\n\ntext\n\nSetext `code`\n---\n\n> ### In quote\n');
    assert.deepEqual(doc.headings, [
      { depth: 1, text: 'Hello World', slug: 'hello-world', line: 1 },
      { depth: 2, text: 'Setext code', slug: 'setext-code', line: 5 },
      { depth: 3, text: 'In quote', slug: 'in-quote', line: 8 },
    ]);
  });

  test('GitHub slugs: punctuation and emoji dropped, unicode and _ kept', () => {
    assert.equal(slugify('What’s new in v2.0? 🎉'), 'whats-new-in-v20-');
    assert.equal(slugify('Über_Straße  Two'), 'über_straße--two');
    assert.equal(slugify('a-b (c)'), 'a-b-c');
  });

  test('duplicates get -1, -2 and avoid colliding with a real heading', () => {
    const slug = createSlugger();
    assert.deepEqual(['Foo', 'Foo', 'Foo-1', 'Foo'].map(slug), ['foo', 'foo-1', 'foo-1-1', 'foo-2']);
    assert.deepEqual(parse('# A\n## A\n### A\n').headings.map((h) => h.slug), ['a', 'a-1', 'a-2']);
  });

  test('# inside code fences is not a heading', () => {
    assert.deepEqual(parse('```\n# not\n```\n    # indented code\n').headings, []);
  });
});

describe('links', () => {
  test('inline links with heading split off and URL-decoded', () => {
    assert.deepEqual(links('[A](other.md) [B](../x/my%20file.md#Some%20Heading) [C](<with space.md>)'), [
      { kind: 'inline', target: 'other.md', text: 'A' },
      { kind: 'inline', target: '../x/my file.md', heading: 'Some Heading', text: 'B' },
      { kind: 'inline', target: 'with space.md', text: 'C' },
    ]);
  });

  test('reference links: full, collapsed and shortcut, definitions anywhere, first wins', () => {
    const text = '[full][Ref] [Ref][] [ref]\n\n[REF]: target.md#part\n[ref]: ignored.md\n';
    assert.deepEqual(links(text), [
      { kind: 'reference', target: 'target.md', heading: 'part', text: 'full' },
      { kind: 'reference', target: 'target.md', heading: 'part', text: 'Ref' },
      { kind: 'reference', target: 'target.md', heading: 'part', text: 'ref' },
    ]);
  });

  test('undefined references are plain text', () => {
    assert.deepEqual(links('[not a link][nowhere] and [also not]'), []);
  });

  test('wikilinks in all four forms', () => {
    assert.deepEqual(links('[[Page]] [[Page|shown]] [[Page#Part]] [[Other Page#Part two|alias]] [[#Local]]'), [
      { kind: 'wiki', target: 'Page', text: 'Page' },
      { kind: 'wiki', target: 'Page', text: 'shown' },
      { kind: 'wiki', target: 'Page', heading: 'Part', text: 'Page#Part' },
      { kind: 'wiki', target: 'Other Page', heading: 'Part two', text: 'alias' },
      { kind: 'wiki', target: '', heading: 'Local', text: '#Local' },
    ]);
  });

  test('escaped pipe in a table cell; note embeds are links, image embeds are not', () => {
    assert.deepEqual(links('| a | b |\n|---|---|\n| [[P\\|alias]] | ![[pic.png]] ![[Note]] |\n'), [
      { kind: 'wiki', target: 'P', text: 'alias' },
      { kind: 'wiki', target: 'Note', text: 'Note' },
    ]);
  });

  test('links in inline code, fences, indented code and HTML are ignored; images are not links', () => {
    const text = '`[a](x.md) [[W]]`\n\n```\n[b](y.md) [[W2]]\n```\n\n    [c](z.md)\n\n<div>[d](h.md)</div>\n\n![img](pic.png) [![badge](b.svg)](real.md)\n';
    assert.deepEqual(links(text), [{ kind: 'inline', target: 'real.md' }]);
  });

  test('external URLs, autolinks and pure anchors stay in the list', () => {
    assert.deepEqual(links('[site](https://example.com/a#b) <https://x.org> [top](#intro) [mail](mailto:a@b.c)'), [
      { kind: 'inline', target: 'https://example.com/a#b', text: 'site' },
      { kind: 'inline', target: 'https://x.org', text: 'https://x.org' },
      { kind: 'inline', target: '', heading: 'intro', text: 'top' },
      { kind: 'inline', target: 'mailto:a@b.c', text: 'mail' },
    ]);
  });

  test('line numbers, including links on continuation lines and after CRLF', () => {
    const doc = parse('# T\r\n\r\nfirst line\r\nsecond [[Wiki]] and [x](y.md)\r\n');
    assert.deepEqual(doc.links.map((l) => l.line), [4, 4]);
    const multi = parse('intro\n\npara start\ncontinues [[A]]\nand [[B]]\n');
    assert.deepEqual(multi.links.map((l) => [l.target, l.line]), [['A', 4], ['B', 5]]);
  });

  test('reference definitions far away still resolve', () => {
    const filler = Array.from({ length: 400 }, (_, i) => `Paragraph ${i} with some words in it.\n`).join('\n');
    const doc = parse(`# Top\n\nSee [the guide][guide].\n\n${filler}\n[guide]: ./guide.md\n`);
    assert.deepEqual(doc.links.map((l) => [l.kind, l.target, l.line]), [['reference', './guide.md', 3]]);
  });
});

describe('links as written', () => {
  test('destinations are not percent-encoded, punycoded or filtered by scheme', () => {
    assert.deepEqual(links('[a](https://bücher.de/ä?q=1) [b](file:///etc/x.md) [c](<über uns.md#Straße>)'), [
      { kind: 'inline', target: 'https://bücher.de/ä?q=1', text: 'a' },
      { kind: 'inline', target: 'file:///etc/x.md', text: 'b' },
      { kind: 'inline', target: 'über uns.md', heading: 'Straße', text: 'c' },
    ]);
  });

  test('a document of only definitions is still chunked; a definition-like line in a paragraph is text', () => {
    const doc = parse('[a]: one.md\n[b]: two.md\n');
    assert.deepEqual(doc.chunks.map((c) => [c.startLine, c.endLine]), [[1, 2]]);
    assert.deepEqual(links('text\n[x]: nope.md\n\n[x]\n'), []);
  });
});

describe('tags', () => {
  test('inline tags: letters, digits, _, -, / and lower-cased', () => {
    assert.deepEqual(parse('Tags #One #two_2 #a-b #nested/Child #café.\n').tags, ['one', 'two_2', 'a-b', 'nested/child', 'café']);
  });

  test('not digits only, not mid-word, not in URLs, code, headings markers or wikilinks', () => {
    const text = '# Heading\n\nIssue #123, C#, page#anchor, https://x.org/#frag, `#code`, [[Page#Part]]\n\n```\n#fence\n```\n';
    assert.deepEqual(parse(text).tags, []);
  });

  test('tags in headings, lists, tables and after punctuation', () => {
    const text = '## Title #inheading\n\n- item #inlist\n\n| a |\n|---|\n| #intable |\n\n(#paren) *#emph*\n';
    assert.deepEqual(parse(text).tags, ['inheading', 'inlist', 'intable', 'paren', 'emph']);
  });

  test('what precedes a tag decides, across inline tokens', () => {
    assert.deepEqual(parse('[l](x.md)#no `c`#no2 ![i](p.png)#no3 <https://x.org>#yes **b**#yes2 [l](x.md) #yes3\n').tags, ['yes', 'yes2', 'yes3']);
  });

  test('#tag at the start of a line is a tag, not a heading', () => {
    assert.deepEqual(parse('#notaheading here\n').tags, ['notaheading']);
    assert.deepEqual(parse('#notaheading here\n').headings, []);
  });
});
