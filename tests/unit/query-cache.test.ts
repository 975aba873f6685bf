import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createQueryVectorCache } from '../../src/embed/query-cache.js';

const vec = (x: number): Float32Array => Float32Array.of(x);

describe('query vector cache', () => {
  test('keeps the most recently used entries up to its capacity', () => {
    const cache = createQueryVectorCache(2);
    cache.set('s', 'a', vec(1));
    cache.set('s', 'b', vec(2));
    assert.equal(cache.get('s', 'a')?.[0], 1, 'a is now the most recent');
    cache.set('s', 'c', vec(3));
    assert.equal(cache.get('s', 'b'), undefined, 'b was the least recently used');
    assert.equal(cache.get('s', 'a')?.[0], 1);
    assert.equal(cache.get('s', 'c')?.[0], 3);
    assert.equal(cache.size, 2);
  });

  test('a vector of another space is never returned', () => {
    const cache = createQueryVectorCache(10);
    cache.set('model-a', 'q', vec(1));
    assert.equal(cache.get('model-b', 'q'), undefined);
  });

  test('capacity 0 stores nothing', () => {
    const cache = createQueryVectorCache(0);
    cache.set('s', 'q', vec(1));
    assert.equal(cache.size, 0);
    assert.equal(cache.get('s', 'q'), undefined);
  });
});
