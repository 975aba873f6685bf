import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { passageAround } from '../../src/markdown/passage.js';

describe('passageAround: the text a link sits in', () => {
  const lines = [
    'Intro line one',
    'intro line two with [[A]]',
    '',
    '- item one [[B]]',
    '  continued under item one',
    '- item two [[C]]',
    '1. numbered [[D]]',
    '| cell | [[E]] |',
    '| other | row |',
    '',
    'Closing paragraph [[F]]',
  ];

  test('a paragraph runs to the blank lines around it', () => {
    assert.equal(passageAround(lines, 0), 'Intro line one\nintro line two with [[A]]');
    assert.equal(passageAround(lines, 1), 'Intro line one\nintro line two with [[A]]');
    assert.equal(passageAround(lines, 10), 'Closing paragraph [[F]]');
  });

  test('a list item is its own passage, with its indented continuation', () => {
    assert.equal(passageAround(lines, 3), '- item one [[B]]\n  continued under item one');
    assert.equal(passageAround(lines, 5), '- item two [[C]]');
    assert.equal(passageAround(lines, 6), '1. numbered [[D]]');
  });

  test('a table row is its own passage', () => {
    assert.equal(passageAround(lines, 7), '| cell | [[E]] |');
  });

  test('out of range gives nothing', () => {
    assert.equal(passageAround(lines, -1), '');
    assert.equal(passageAround(lines, 99), '');
  });
});
