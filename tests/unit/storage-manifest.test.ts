import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/core/errors.js';
import { FORMAT_VERSION, parseManifest, type Manifest } from '../../src/storage/manifest.js';

const SHA = 'c'.repeat(64);

function sample(): Manifest {
  return {
    format: FORMAT_VERSION,
    generation: 3,
    createdAt: '2025-01-01T00:00:00.000Z',
    writer: { pid: 42, instanceId: 'host:42' },
    meta: { embedder: 'test-8', files: { 'a.md': { hash: 'x' } } },
    blobs: { chunks: { name: 'chunks', gen: 3, file: 'chunks-cccccccccccc.bin', sha256: SHA, bytes: 10 } },
    previous: { generation: 2, blobs: { chunks: { name: 'chunks', gen: 2, file: 'chunks-cccccccccccc.bin', sha256: SHA, bytes: 10 } } },
  };
}

function assertCode(fn: () => unknown, code: string, pattern?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof AppError);
    assert.equal(err.code, code);
    if (pattern !== undefined) assert.match(`${err.message} ${err.hint ?? ''}`, pattern);
    return true;
  });
}

describe('parseManifest', () => {
  test('round-trips a valid manifest', () => {
    const manifest = sample();
    assert.deepEqual(parseManifest(JSON.stringify(manifest), 'm.json'), manifest);
  });

  test('a newer format is INDEX_FORMAT naming both versions and the rebuild fix', () => {
    const text = JSON.stringify({ ...sample(), format: FORMAT_VERSION + 7 });
    assertCode(() => parseManifest(text, 'm.json'), 'INDEX_FORMAT', new RegExp(`${FORMAT_VERSION + 7}.*${FORMAT_VERSION}.*index --rebuild`, 's'));
  });

  test('unparsable or malformed is INDEX_CORRUPT', () => {
    assertCode(() => parseManifest('{"format": 1, "gener', 'm.json'), 'INDEX_CORRUPT', /m\.json/);
    assertCode(() => parseManifest('[]', 'm.json'), 'INDEX_CORRUPT');
    const bad: Array<(m: Record<string, unknown>) => void> = [
      (m) => delete m['generation'],
      (m) => (m['generation'] = 0),
      (m) => (m['meta'] = null),
      (m) => (m['blobs'] = { chunks: { ...sample().blobs['chunks'], file: '../../etc/passwd' } }),
      (m) => (m['blobs'] = { chunks: { ...sample().blobs['chunks'], sha256: 'short' } }),
      (m) => (m['blobs'] = { other: sample().blobs['chunks'] }),
      (m) => (m['previous'] = { generation: 'two', blobs: {} }),
    ];
    for (const mutate of bad) {
      const value = sample() as unknown as Record<string, unknown>;
      mutate(value);
      assertCode(() => parseManifest(JSON.stringify(value), 'm.json'), 'INDEX_CORRUPT');
    }
  });
});
