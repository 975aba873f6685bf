import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sha256, sha256Async } from '../../src/core/hash.js';

describe('sha256Async', () => {
  test('equals sha256 on empty, small, slice-boundary and multi-slice inputs', async () => {
    const mib = 1 << 20;
    const inputs = [
      new Uint8Array(0),
      Buffer.from('abc'),
      randomBytes(mib),
      randomBytes(mib + 1),
      randomBytes(5 * mib),
      // A view into a larger buffer: only the view's bytes count.
      randomBytes(3 * mib).subarray(7, 2 * mib + 11),
    ];
    for (const data of inputs) assert.equal(await sha256Async(data), sha256(data), `length ${data.byteLength}`);
  });

  test('known digest of the empty input', async () => {
    assert.equal(await sha256Async(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  test('lets the event loop run while hashing a large input', async () => {
    let ticks = 0;
    let stop = false;
    const tick = (): void => {
      ticks++;
      if (!stop) setImmediate(tick);
    };
    setImmediate(tick);
    await sha256Async(new Uint8Array(8 << 20));
    stop = true;
    assert.ok(ticks >= 4, `only ${ticks} event-loop turns while hashing 8 MiB in 1 MiB slices`);
  });
});
