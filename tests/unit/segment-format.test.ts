import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sha256 } from '../../src/core/hash.js';
import { createQueryAnalyzer, createSegmentBuilder, createSegmentIndex, KEYWORD_SETTINGS_KEY } from '../../src/indices/keyword.js';
import { segmentBlobName, textBlobName } from '../../src/indices/segment-build.js';
import { encodeContainer, findSorted, SEGMENT_MAGIC, stringAt } from '../../src/indices/segment-format.js';
import { DOC_FLAG_SKIPPED, decodeSegment, encodeSegment, FIELD_COUNT, FIELDS, SEGMENT_VERSION, SegmentVersionError, type SegmentData } from '../../src/indices/segment-layout.js';
import { aliasesOf, pathOf, tagsOf, titleOf } from '../../src/indices/segment-index.js';
import { checkTextHeader, TEXT_HEADER_BYTES } from '../../src/indices/text-blob.js';
import { alignedBytes } from '../../src/indexing/merge-job.js';
import { docInput, hexAt, openSegment, readChunk, readDocMeta } from '../helpers/segments.js';

const build = createSegmentBuilder();
const analyze = createQueryAnalyzer();

const NOTES = docInput('b/notes.md', {
  title: 'Release Notes',
  tags: ['ops', 'release'],
  aliases: ['changelog'],
  headings: [
    { depth: 1, text: 'Release Notes', slug: 'release-notes', line: 1 },
    { depth: 2, text: 'Upgrade', slug: 'upgrade', line: 11 },
  ],
  links: [
    { kind: 'inline', target: '../a.md', text: 'A', line: 3 },
    { kind: 'wiki', target: 'Café', line: 12 },
  ],
  warnings: ['front matter is not valid YAML; ignored'],
  size: 321,
  mtimeMs: 1_700_000_000_123.5,
  sections: [
    { headingPath: ['Release Notes'], content: '# Release Notes\n\nCall getUserById first.' },
    { headingPath: ['Release Notes', 'Upgrade'], content: '## Upgrade\n\nRun the upgrader.\nThen restart.' },
  ],
});
const OLD_A = docInput('a.md', { title: 'Old', sections: [{ headingPath: [], content: 'old text' }] });
const A = docInput('a.md', { title: 'Café 東京', size: 12, mtimeMs: 5, sections: [{ headingPath: [], content: 'Zürich café notes' }] });
const SKIPPED = docInput('skipped.bin', { reason: 'binary file', size: 4096, mtimeMs: 7 });

// Out of path order, with an older copy of a.md that the later one replaces.
const built = build([NOTES, OLD_A, SKIPPED, A]);
const data = openSegment(built);
const blobs = new Map([[built.text!.name, built.text!.bytes]]);

/** The directory of a container: kind → where its entry and its section are. */
function directory(bytes: Uint8Array): Map<number, { entry: number; offset: number; length: number }> {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<number, { entry: number; offset: number; length: number }>();
  for (let i = 0; i < view.readUInt32LE(12); i++) {
    const entry = 16 + 24 * i;
    out.set(view.readUInt32LE(entry), { entry, offset: view.readDoubleLE(entry + 8), length: view.readDoubleLE(entry + 16) });
  }
  return out;
}

/** A fresh 8-aligned copy of the segment's bytes, changed by `edit`. */
function damaged(edit: (bytes: Buffer) => Buffer | void): Uint8Array {
  const copy = Buffer.from(alignedBytes(Uint8Array.from(built.bytes)));
  return alignedBytes(edit(copy) ?? copy);
}

const decode = (bytes: Uint8Array): SegmentData => decodeSegment(bytes, 'test');

/** Rejected as damage: a TypeError whose message matches `message`, never a version error. */
function assertDamaged(bytes: Uint8Array, message: RegExp): void {
  assert.throws(() => decode(bytes), (err: unknown) => {
    assert.ok(err instanceof TypeError, `expected a TypeError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

describe('segment format: round trip', () => {
  test('the document table holds each path once, sorted, the later copy winning', () => {
    assert.equal(data.docCount, 3);
    assert.deepEqual([0, 1, 2].map((d) => pathOf(data, d)), ['a.md', 'b/notes.md', 'skipped.bin']);
    assert.deepEqual([0, 1, 2].map((d) => titleOf(data, d)), ['Café 東京', 'Release Notes', 'skipped.bin']);
    assert.deepEqual([0, 1, 2].map((d) => tagsOf(data, d)), [[], ['ops', 'release'], []]);
    assert.deepEqual([0, 1, 2].map((d) => aliasesOf(data, d)), [[], ['changelog'], []]);
    assert.deepEqual([...data.docChunks], [1, 2, 0]);
    assert.deepEqual([...data.docFirstChunk], [0, 1, 3]);
    assert.deepEqual([...data.docSize], [12, 321, 4096]);
    assert.deepEqual([...data.docMtime], [5, 1_700_000_000_123.5, 7]);
    assert.deepEqual([...data.docFlags], [0, 0, DOC_FLAG_SKIPPED]);
    assert.deepEqual([0, 1, 2].map((d) => hexAt(data.docHash, d)), [A.hash, NOTES.hash, SKIPPED.hash]);
    assert.notEqual(A.hash, OLD_A.hash);
  });

  test('the chunk table: owners, 1-based line ranges, content hashes', () => {
    assert.equal(data.chunkCount, 3);
    assert.deepEqual([...data.chunkDoc], [0, 1, 1]);
    assert.deepEqual([...data.chunkStart], [1, 1, 11]);
    assert.deepEqual([...data.chunkEnd], [1, 3, 14]);
    const chunks = [...A.chunks, ...NOTES.chunks];
    assert.deepEqual([0, 1, 2].map((c) => hexAt(data.chunkHash, c)), chunks.map((c) => c.hash));
  });

  test('info: settings key, the one text blob, fields, and field totals that sum the field lengths', () => {
    assert.equal(data.info.settings, KEYWORD_SETTINGS_KEY);
    assert.deepEqual(data.info.texts, [built.text!.name]);
    assert.equal(built.text!.name, textBlobName(built.text!.bytes));
    assert.deepEqual(data.info.fields, [...FIELDS]);
    const sums = Array.from({ length: FIELD_COUNT }, (_, f) => [0, 1, 2].reduce((sum, c) => sum + (data.fieldLengths[FIELD_COUNT * c + f] as number), 0));
    assert.deepEqual(data.info.fieldTotals, sums);
    // The title ("Release Notes": releas, note) counts in each chunk of its document.
    assert.equal(data.fieldLengths[FIELD_COUNT * 1 + 0], 2);
    assert.equal(data.fieldLengths[FIELD_COUNT * 2 + 0], 2);
    // getUserById is one whole identifier in the ids field of chunk 1, and only there.
    assert.equal(data.fieldLengths[FIELD_COUNT * 1 + 3], 1);
    assert.equal(data.fieldLengths[FIELD_COUNT * 2 + 3], 0);
  });

  test('content id, blob name, and the same bytes for the same documents in any order', () => {
    assert.equal(built.id, sha256(built.bytes));
    assert.equal(data.id, built.id);
    assert.match(segmentBlobName(built.id), /^seg-[0-9a-f]{32}\.bin$/);
    const again = build([SKIPPED, A, NOTES]);
    assert.equal(again.id, built.id);
    assert.deepEqual(Buffer.from(again.bytes), Buffer.from(built.bytes));
    assert.deepEqual(Buffer.from(again.text!.bytes), Buffer.from(built.text!.bytes));
  });

  test('the term dictionary is strictly sorted by UTF-8 bytes, with document frequencies', () => {
    assert.ok(data.termCount > 5);
    for (let t = 1; t < data.termCount; t++) {
      const prev = Buffer.from(stringAt(data.terms, t - 1), 'utf8');
      const next = Buffer.from(stringAt(data.terms, t), 'utf8');
      assert.ok(Buffer.compare(prev, next) < 0, `${prev} before ${next}`);
    }
    const df = (term: string): number => {
      const t = findSorted(data.terms, Buffer.from(term, 'utf8'));
      return t < 0 ? 0 : (data.termDf[t] as number);
    };
    assert.equal(df('getuserbyid'), 1);
    assert.equal(df('releas'), 2);
    assert.equal(df('zurich'), 1);
    assert.equal(df('old'), 0);
    assert.equal(df('binary'), 0);
  });

  test('the opened segment answers queries', () => {
    const index = createSegmentIndex({});
    index.add(data);
    assert.deepEqual(index.search(analyze('getUserById'), 5).map((h) => h.id), ['b/notes.md#0']);
    assert.deepEqual(index.search(analyze('upgrader'), 5).map((h) => h.id), ['b/notes.md#1']);
    assert.deepEqual(index.search(analyze('cafe'), 5).map((h) => h.id), ['a.md#0']);
    assert.deepEqual(index.search(analyze('old'), 5), []);
    assert.equal(index.liveDocs, 2);
    assert.equal(index.skippedFiles, 1);
    assert.deepEqual(index.file('skipped.bin'), { path: 'skipped.bin', size: 4096, mtimeMs: 7, hash: SKIPPED.hash, chunks: 0, skipped: true });
  });

  test('text records read back, checksums checked', () => {
    checkTextHeader(built.text!.bytes.subarray(0, TEXT_HEADER_BYTES));
    assert.deepEqual(readChunk(blobs, data, 0), { headingPath: [], content: 'Zürich café notes' });
    assert.deepEqual(readChunk(blobs, data, 1), { headingPath: ['Release Notes'], content: '# Release Notes\n\nCall getUserById first.' });
    assert.deepEqual(readChunk(blobs, data, 2), { headingPath: ['Release Notes', 'Upgrade'], content: '## Upgrade\n\nRun the upgrader.\nThen restart.' });
    assert.deepEqual(readDocMeta(blobs, data, 1), { headings: NOTES.headings, links: NOTES.links, warnings: NOTES.warnings, reason: null });
    assert.deepEqual(readDocMeta(blobs, data, 2), { headings: [], links: [], warnings: [], reason: 'binary file' });
  });

  test('a damaged text record fails its checksum; a damaged text header is refused', () => {
    const bytes = Uint8Array.from(built.text!.bytes);
    const at = (data.chunkOffset[2] as number) + 5;
    bytes[at] = (bytes[at] as number) ^ 0x20;
    const bad = new Map([[built.text!.name, bytes]]);
    assert.doesNotThrow(() => readChunk(bad, data, 1));
    assert.throws(() => readChunk(bad, data, 2), /chunk 2 does not match its checksum/);
    const magic = Uint8Array.from(built.text!.bytes.subarray(0, TEXT_HEADER_BYTES));
    magic[0] = 0;
    assert.throws(() => checkTextHeader(magic), /not a ragdocs text blob \(bad magic\)/);
    const newer = Buffer.from(built.text!.bytes.subarray(0, TEXT_HEADER_BYTES));
    newer.writeUInt32LE(2, 8);
    assert.throws(() => checkTextHeader(newer), /text blob version 2 is not supported \(expected 1\)/);
  });

  test('a segment of skipped files only has no chunks and no terms, and still opens', () => {
    const only = openSegment(build([SKIPPED]));
    assert.equal(only.docCount, 1);
    assert.equal(only.chunkCount, 0);
    assert.equal(only.termCount, 0);
    const index = createSegmentIndex({});
    index.add(only);
    assert.deepEqual(index.search(analyze('binary'), 5), []);
    assert.equal(index.file('skipped.bin')?.skipped, true);
  });
});

describe('segment format: damaged bytes are refused', () => {
  const dir = directory(built.bytes);
  const section = (kind: number): { entry: number; offset: number; length: number } => {
    const s = dir.get(kind);
    assert.ok(s, `section ${kind} is in the directory`);
    return s;
  };
  const end = Math.max(...[...dir.values()].map((s) => s.offset + s.length));

  test('the bytes decode as they are', () => {
    assert.doesNotThrow(() => decode(damaged(() => undefined)));
    assert.equal(dir.size, 27);
  });

  test('a flipped magic byte', () => {
    assertDamaged(damaged((b) => void (b[3] = (b[3] as number) ^ 0xff)), /not a ragdocs index file \(bad magic\)/);
    // A text blob is not a segment.
    assertDamaged(alignedBytes(Uint8Array.from(built.text!.bytes)), /bad magic/);
  });

  test('truncated anywhere before the end of the last section', () => {
    for (const length of [0, 7, 8, 15, 16, 17, 16 + 24 * dir.size - 1, 16 + 24 * dir.size, Math.floor(end / 2), end - 1]) {
      assertDamaged(damaged((b) => b.subarray(0, length)), /bad magic|runs past the end|lies outside the file/);
    }
  });

  test('a section count that runs past the end', () => {
    assertDamaged(damaged((b) => void b.writeUInt32LE(100_000, 12)), /directory of 100000 sections runs past the end/);
  });

  test('a section offset moved off its 8-byte boundary or past the end', () => {
    const docSize = section(6);
    assertDamaged(damaged((b) => void b.writeDoubleLE(docSize.offset + 1, docSize.entry + 8)), /section 6 lies outside the file/);
    assertDamaged(damaged((b) => void b.writeDoubleLE(end + 8, docSize.entry + 8)), /section 6 lies outside the file/);
    assertDamaged(damaged((b) => void b.writeDoubleLE(Number.NaN, docSize.entry + 16)), /section 6 lies outside the file/);
  });

  test('a section named twice, or missing', () => {
    const second = section(2);
    assertDamaged(damaged((b) => void b.writeUInt32LE(1, second.entry)), /section 1 appears twice/);
    assertDamaged(damaged((b) => void b.writeUInt32LE(99, section(5).entry)), /section 5 is missing/);
  });

  test('a table of the wrong length', () => {
    // DOC_SIZE as long as it claims minus one number.
    const docSize = section(6);
    assertDamaged(damaged((b) => void b.writeDoubleLE(docSize.length - 8, docSize.entry + 16)), /docSize has 2 entries, expected 3/);
    const hashes = section(27);
    assertDamaged(damaged((b) => void b.writeDoubleLE(hashes.length - 32, hashes.entry + 16)), /chunkHash has 64 entries, expected 96/);
  });

  test('tables that do not point inside each other', () => {
    const firstChunk = section(4);
    assertDamaged(damaged((b) => void b.writeUInt32LE(2, firstChunk.offset + 4)), /document 1 does not start where the previous one ended/);
    const chunkDoc = section(20);
    assertDamaged(damaged((b) => void b.writeUInt32LE(3, chunkDoc.offset)), /chunk 0 names document 3 of 3/);
    const chunkText = section(23);
    assertDamaged(damaged((b) => void b.writeUInt32LE(1, chunkText.offset + 8)), /chunk 2 names text blob 1 of 1/);
    const metaText = section(10);
    assertDamaged(damaged((b) => void b.writeUInt32LE(7, metaText.offset)), /document 0 names text blob 7 of 1/);
    const postingOffsets = section(33);
    assertDamaged(damaged((b) => void b.writeDoubleLE(1, postingOffsets.offset)), /posting offsets do not cover the postings/);
    const docStringOffsets = section(2);
    assertDamaged(damaged((b) => void b.writeUInt32LE(0xffff, docStringOffsets.offset + 4)), /string column offsets decrease/);
  });

  test('malformed info', () => {
    const info = section(1);
    // `{` → `[`: not the JSON object a segment starts with.
    assert.throws(() => decode(damaged((b) => void (b[info.offset] = 0x5b))));
    const columns = { ...data, docStrings: { offsets: rawBytes(data.docStrings.offsets), bytes: data.docStrings.bytes }, terms: { offsets: rawBytes(data.terms.offsets), bytes: data.terms.bytes } };
    assertDamaged(alignedBytes(encodeSegment({ ...columns, info: { ...data.info, fieldTotals: [1, 2, 3] } })), /segment info is malformed/);
    assert.doesNotThrow(() => decode(alignedBytes(encodeSegment(columns))));
  });

  test('bytes that do not start on an 8-byte boundary', () => {
    const shifted = new Uint8Array(built.bytes.byteLength + 4);
    shifted.set(built.bytes, 4);
    assert.throws(() => decode(shifted.subarray(4)), /segment bytes must be 8-byte aligned/);
  });
});

describe('segment format: other versions are version errors, not damage', () => {
  const isVersionError = (version: number) => (err: unknown): boolean => {
    assert.ok(err instanceof SegmentVersionError, `expected a SegmentVersionError, got ${String(err)}`);
    assert.equal(err.version, version);
    assert.match(err.message, new RegExp(`segment layout ${version} is not supported \\(expected ${SEGMENT_VERSION}\\)`));
    return true;
  };

  test('the same layout stamped with a newer or an older version', () => {
    for (const version of [SEGMENT_VERSION + 1, SEGMENT_VERSION + 1000, SEGMENT_VERSION - 1]) {
      assert.throws(() => decode(damaged((b) => void b.writeUInt32LE(version, 8))), isVersionError(version));
    }
  });

  test('a newer version with sections this version does not know', () => {
    const newer = encodeContainer(SEGMENT_MAGIC, SEGMENT_VERSION + 1, [{ kind: 100, bytes: Buffer.from('{"future":true}') }]);
    assert.throws(() => decode(alignedBytes(newer)), isVersionError(SEGMENT_VERSION + 1));
  });

  test('a newer version whose directory is laid out differently', () => {
    // A later format may change everything after the version: only magic and version are fixed.
    const newer = Buffer.alloc(64);
    newer.write(SEGMENT_MAGIC, 0, 'latin1');
    newer.writeUInt32LE(SEGMENT_VERSION + 1, 8);
    newer.writeUInt32LE(0xffff_ffff, 12);
    newer.fill(0xee, 16);
    assert.throws(() => decode(alignedBytes(newer)), isVersionError(SEGMENT_VERSION + 1));
  });
});

function rawBytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
