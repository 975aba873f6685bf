import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MinHeap } from '../../src/core/heap.js';
import { createRandom } from '../../bench/lib/random.js';

describe('MinHeap', () => {
  test('pops in order, with ties broken by the comparator', () => {
    const random = createRandom(3);
    const items = Array.from({ length: 500 }, (_, i) => ({ key: random.int(0, 40), i }));
    const less = (a: { key: number; i: number }, b: { key: number; i: number }): boolean => a.key < b.key || (a.key === b.key && a.i < b.i);
    const heap = new MinHeap(less);
    for (const x of items) heap.push(x);
    assert.equal(heap.size, items.length);
    const popped: typeof items = [];
    while (heap.size > 0) popped.push(heap.pop() as (typeof items)[number]);
    assert.deepEqual(popped, [...items].sort((a, b) => (less(a, b) ? -1 : less(b, a) ? 1 : 0)));
    assert.equal(heap.pop(), undefined);
    assert.equal(heap.peek(), undefined);
  });

  test('replaceTop keeps the k largest as a bounded heap', () => {
    const random = createRandom(9);
    const values = Array.from({ length: 300 }, () => random.int(0, 10_000));
    const heap = new MinHeap<number>((a, b) => a < b);
    for (const v of values) {
      if (heap.size < 10) heap.push(v);
      else if (v > (heap.peek() as number)) heap.replaceTop(v);
    }
    assert.deepEqual(heap.toArray().sort((a, b) => a - b), [...values].sort((a, b) => a - b).slice(-10));
  });
});
