import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sliceDocument } from '../../src/app/slice-document.js';
import type { Heading } from '../../src/core/types.js';

const text = ['# Title', '', 'Intro.', '', '## Alpha', '', 'Alpha body.', '', '### Alpha child', '', 'Child body.', '', '## Beta', '', 'Beta body.', ''].join('\n');
const headings: Heading[] = [
  { depth: 1, text: 'Title', slug: 'title', line: 1 },
  { depth: 2, text: 'Alpha', slug: 'alpha', line: 5 },
  { depth: 3, text: 'Alpha child', slug: 'alpha-child', line: 9 },
  { depth: 2, text: 'Beta', slug: 'beta', line: 13 },
];

describe('sliceDocument', () => {
  test('a heading selects its section including subsections, up to the next heading of the same level', () => {
    const s = sliceDocument(text, headings, { heading: 'Alpha' });
    assert.equal(s.startLine, 5);
    assert.equal(s.endLine, 11);
    assert.match(s.content, /Child body/);
    assert.doesNotMatch(s.content, /Beta/);
  });

  test('headings match by text (any case, leading #) or slug', () => {
    assert.equal(sliceDocument(text, headings, { heading: '## alpha CHILD' }).startLine, 9);
    assert.equal(sliceDocument(text, headings, { heading: 'alpha-child' }).startLine, 9);
  });

  test('the last section runs to the end, without trailing blank lines', () => {
    const s = sliceDocument(text, headings, { heading: 'beta' });
    assert.equal(s.content, '## Beta\n\nBeta body.');
    assert.equal(s.endLine, 15);
  });

  test('line ranges are clamped to the document and validated', () => {
    assert.deepEqual(sliceDocument(text, headings, { startLine: 3, endLine: 3 }), { content: 'Intro.', startLine: 3, endLine: 3 });
    assert.equal(sliceDocument(text, headings, { startLine: 13, endLine: 999 }).endLine, 15);
    assert.throws(() => sliceDocument(text, headings, { startLine: 500 }), /past the end/);
  });

  test('an unknown heading is NOT_FOUND and lists the headings', () => {
    assert.throws(() => sliceDocument(text, headings, { heading: 'Gamma' }), (err: any) => err.code === 'NOT_FOUND' && /"Alpha"/.test(err.hint));
  });

  test('no selector returns the whole document', () => {
    const s = sliceDocument(text, headings, {});
    assert.equal(s.content, text);
    assert.equal(s.startLine, 1);
  });
});
