import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFixedSliceSizer, createSliceSizer, DEFAULT_SLICE_OPTIONS } from '../../src/embed/adaptive-slice.js';

describe('createSliceSizer', () => {
  test('starts at 4 and sizes the next slice to about 40 ms', () => {
    const sizer = createSliceSizer();
    assert.equal(sizer.next(), 4);
    sizer.record(4, 20); // 5 ms per text
    assert.equal(sizer.next(), 8);
  });

  test('clamps to 1..32', () => {
    const slow = createSliceSizer();
    slow.record(4, 400); // 100 ms per text
    assert.equal(slow.next(), 1);
    const fast = createSliceSizer();
    fast.record(4, 0.4);
    assert.equal(fast.next(), 32);
    const instant = createSliceSizer();
    instant.record(4, 0);
    assert.equal(instant.next(), 32);
  });

  test('follows a change of cost through a moving average', () => {
    const sizer = createSliceSizer();
    sizer.record(4, 20); // 5 ms per text → 8
    sizer.record(8, 8 * 50); // one slow slice: average 5 + 0.3 × 45 = 18.5 ms → 2
    assert.equal(sizer.next(), 2);
    for (let i = 0; i < 30; i++) sizer.record(sizer.next(), sizer.next() * 2); // now 2 ms per text
    // The average approaches 2 ms from above, so the size settles just under 40 / 2.
    assert.ok([19, 20].includes(sizer.next()), `size ${sizer.next()}`);
  });

  test('ignores meaningless measurements', () => {
    const sizer = createSliceSizer();
    sizer.record(0, 10);
    sizer.record(4, Number.NaN);
    sizer.record(4, -1);
    assert.equal(sizer.next(), DEFAULT_SLICE_OPTIONS.initial);
  });

  test('a fixed sizer never changes', () => {
    const sizer = createFixedSliceSizer(8);
    sizer.record(8, 10_000);
    assert.equal(sizer.next(), 8);
  });
});
