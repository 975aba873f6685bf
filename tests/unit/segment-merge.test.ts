import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { RankedHit } from '../../src/core/types.js';
import { alignedBytes, runMergeJob } from '../../src/indexing/merge-job.js';
import { mergeRequest } from '../../src/indexing/segment-maintenance.js';
import { createQueryAnalyzer, createSegmentBuilder, createSegmentIndex, KEYWORD_SETTINGS_KEY, type KeywordIndexParams, type SegmentDocInput } from '../../src/indices/keyword.js';
import { textBlobName, type BuiltSegment } from '../../src/indices/segment-build.js';
import { findSorted, stringAt } from '../../src/indices/segment-format.js';
import { FIELD_COUNT, type SegmentData } from '../../src/indices/segment-layout.js';
import { mergeSegments, type MergeInput } from '../../src/indices/segment-merge.js';
import { pathOf, tagsOf, titleOf, type SegmentIndex, type Stamp } from '../../src/indices/segment-index.js';
import { checkTextHeader, TEXT_HEADER_BYTES } from '../../src/indices/text-blob.js';
import { applyDocs, memoryCorpus } from '../helpers/corpus.js';
import { chunkBlob, docInput, hexAt, openSegment, readChunk, readDocMeta, type SectionSpec } from '../helpers/segments.js';

const build = createSegmentBuilder();
const analyze = createQueryAnalyzer();
const QUERIES = ['alpha', 'bravo charlie', 'delta', 'echo foxtrot golf', 'hotel', 'getUserById', 'india juliet', 'kilo', 'stale', 'notes'];

const section = (content: string, headingPath: string[] = []): SectionSpec => ({ headingPath, content });

// Three batches, as three write cycles would make them; b.md is edited in the second.
const S1_DOCS = [
  docInput('a.md', { title: 'Alpha notes', tags: ['x'], sections: [section('alpha bravo charlie'), section('## Delta\n\ndelta echo alpha', ['Delta'])] }),
  docInput('b.md', { title: 'Stale', sections: [section('stale bravo words only here')] }),
  docInput('c.md', { sections: [section('charlie delta getUserById')] }),
];
const S2_DOCS = [
  docInput('b.md', { title: 'Bravo', aliases: ['bee'], size: 55, mtimeMs: 2, sections: [section('bravo foxtrot golf'), section('hotel india', ['Hotel'])] }),
  docInput('d.md', { sections: [section('echo foxtrot alpha alpha')] }),
  docInput('e.md', { sections: [section('juliet kilo notes')] }),
];
const S3_DOCS = [docInput('f.bin', { reason: 'binary file', size: 9 }), docInput('g.md', { title: 'Golf', sections: [section('golf hotel india juliet kilo alpha')] })];

const B1 = build(S1_DOCS);
const B2 = build(S2_DOCS);
const B3 = build(S3_DOCS);
const [S1, S2, S3] = [B1, B2, B3].map(openSegment) as [SegmentData, SegmentData, SegmentData];
const BLOBS = new Map([B1, B2, B3].map((b) => [b.text!.name, b.text!.bytes] as [string, Uint8Array]));
/** Live copies after the three batches, by path. */
const LIVE = new Map<string, SegmentDocInput>([...S1_DOCS, ...S2_DOCS, ...S3_DOCS].map((d) => [d.path, d]));

const noCopy = { settings: KEYWORD_SETTINGS_KEY, stamps: new Map<string, Stamp>(), copyTexts: new Set<string>(), readText: (name: string): Uint8Array => assert.fail(`read ${name}`) };
const mask = (data: SegmentData, ...dead: string[]): Uint8Array => Uint8Array.from({ length: data.docCount }, (_, d) => (dead.includes(pathOf(data, d)) ? 1 : 0));
/** S1 with its b.md masked (replaced by S2's copy), S2, S3. */
const RUN: MergeInput[] = [
  { data: S1, dead: mask(S1, 'b.md') },
  { data: S2, dead: mask(S2) },
  { data: S3, dead: mask(S3) },
];

function merged(inputs: readonly MergeInput[], opts: Partial<typeof noCopy> = {}): { built: BuiltSegment; data: SegmentData } {
  const built = mergeSegments(inputs, { ...noCopy, ...opts });
  assert.ok(built !== null);
  return { built, data: openSegment(built) };
}

function indexOf(segments: readonly (SegmentData | [SegmentData, ...string[]])[], params: KeywordIndexParams = {}): SegmentIndex {
  const index = createSegmentIndex(params);
  for (const s of segments) {
    const [data, ...removed] = Array.isArray(s) ? s : [s];
    index.add(data);
    for (const path of removed) index.remove(path);
  }
  return index;
}

const search = (index: SegmentIndex, query: string): RankedHit[] => index.search(analyze(query), 1000);
const hitIds = (hits: readonly RankedHit[]): string[] => hits.map((h) => h.id).sort();

function assertSameRanking(got: readonly RankedHit[], want: readonly RankedHit[], what: string): void {
  assert.deepEqual(got.map((h) => h.id), want.map((h) => h.id), what);
  got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]!.score) <= 1e-9, `${what}: ${h.id} ${h.score} vs ${want[i]!.score}`));
}

describe('mergeSegments', () => {
  const { built, data } = merged(RUN);

  test('the merged segment holds exactly the live documents, in run order', () => {
    const paths = Array.from({ length: data.docCount }, (_, d) => pathOf(data, d));
    assert.deepEqual(paths, ['a.md', 'c.md', 'b.md', 'd.md', 'e.md', 'f.bin', 'g.md']);
    assert.equal(data.chunkCount, 2 + 1 + 2 + 1 + 1 + 0 + 1);
    assert.equal(data.info.settings, KEYWORD_SETTINGS_KEY);
    assert.equal(built.text, null, 'nothing copied, no new text blob');
    assert.deepEqual(data.info.texts, [B1.text!.name, B2.text!.name, B3.text!.name]);
  });

  test('every table row is carried over: strings, stamps, hashes, chunks, line ranges, field lengths, texts', () => {
    const sources = new Map<string, { data: SegmentData; doc: number }>();
    for (const { data: src, dead } of RUN) for (let d = 0; d < src.docCount; d++) if (dead[d] === 0) sources.set(pathOf(src, d), { data: src, doc: d });
    const totals = new Array<number>(FIELD_COUNT).fill(0);
    for (let d = 0; d < data.docCount; d++) {
      const path = pathOf(data, d);
      const { data: src, doc } = sources.get(path)!;
      const input = LIVE.get(path)!;
      assert.equal(titleOf(data, d), input.title, path);
      assert.deepEqual(tagsOf(data, d), input.tags, path);
      assert.equal(data.docSize[d], input.size, path);
      assert.equal(data.docMtime[d], input.mtimeMs, path);
      assert.equal(data.docFlags[d], src.docFlags[doc], path);
      assert.equal(hexAt(data.docHash, d), input.hash, path);
      assert.deepEqual(readDocMeta(BLOBS, data, d), readDocMeta(BLOBS, src, doc), path);
      assert.equal(data.docChunks[d], input.chunks.length, path);
      input.chunks.forEach((chunk, k) => {
        const c = (data.docFirstChunk[d] as number) + k;
        const old = (src.docFirstChunk[doc] as number) + k;
        assert.equal(data.chunkDoc[c], d);
        assert.deepEqual([data.chunkStart[c], data.chunkEnd[c]], [chunk.startLine, chunk.endLine], `${path}#${k}`);
        assert.equal(hexAt(data.chunkHash, c), chunk.hash, `${path}#${k}`);
        assert.deepEqual(readChunk(BLOBS, data, c), { headingPath: chunk.headingPath, content: chunk.content }, `${path}#${k}`);
        for (let f = 0; f < FIELD_COUNT; f++) {
          assert.equal(data.fieldLengths[FIELD_COUNT * c + f], src.fieldLengths[FIELD_COUNT * old + f]);
          totals[f] = (totals[f] as number) + (data.fieldLengths[FIELD_COUNT * c + f] as number);
        }
      });
    }
    assert.deepEqual(data.info.fieldTotals, totals);
  });

  test('the dictionary is that of a fresh build of the live documents; terms of masked copies only are gone', () => {
    const fresh = openSegment(build([...LIVE.values()]));
    const dictionary = (d: SegmentData): [string, number][] => Array.from({ length: d.termCount }, (_, t) => [stringAt(d.terms, t), d.termDf[t] as number]);
    assert.deepEqual(dictionary(data), dictionary(fresh));
    assert.ok(findSorted(S1.terms, Buffer.from('stale')) >= 0);
    assert.equal(findSorted(data.terms, Buffer.from('stale')), -1);
  });

  test('searches give exactly the rankings of a fresh build of the live documents', () => {
    const fromMerge = indexOf([data]);
    const fresh = indexOf([openSegment(build([...LIVE.values()]))]);
    for (const q of QUERIES) assertSameRanking(search(fromMerge, q), search(fresh, q), q);
    assert.deepEqual(search(fromMerge, 'stale'), []);
    assert.ok(search(fromMerge, 'alpha').length >= 4);
  });

  test('searches find the same hits as the unmerged segments with their masks', () => {
    const unmerged = indexOf([S1, S2, S3]);
    const fromMerge = indexOf([data]);
    assert.equal(unmerged.stats().deadDocs, 1);
    assert.deepEqual([unmerged.liveDocs, unmerged.liveChunks, unmerged.skippedFiles], [fromMerge.liveDocs, fromMerge.liveChunks, fromMerge.skippedFiles]);
    for (const q of QUERIES) assert.deepEqual(hitIds(search(unmerged, q)), hitIds(search(fromMerge, q)), q);
    for (const path of LIVE.keys()) assert.deepEqual(fromMerge.file(path), unmerged.file(path), path);
  });

  test('with nothing masked, the merged segment ranks exactly like the segments it replaces', () => {
    const { data: m } = merged([RUN[1]!, RUN[2]!]);
    const apart = indexOf([S2, S3]);
    const together = indexOf([m]);
    for (const q of QUERIES) assertSameRanking(search(together, q), search(apart, q), q);
  });

  test('stamps are folded into the document table; hashes and texts stay', () => {
    const stamps = new Map([['a.md', { size: 999, mtimeMs: 42.5 }], ['f.bin', { size: 10, mtimeMs: 11 }]]);
    const { data: m } = merged(RUN, { stamps });
    const row = (path: string): number => Array.from({ length: m.docCount }, (_, d) => pathOf(m, d)).indexOf(path);
    assert.deepEqual([m.docSize[row('a.md')], m.docMtime[row('a.md')]], [999, 42.5]);
    assert.deepEqual([m.docSize[row('f.bin')], m.docMtime[row('f.bin')]], [10, 11]);
    assert.deepEqual([m.docSize[row('c.md')], m.docMtime[row('c.md')]], [LIVE.get('c.md')!.size, LIVE.get('c.md')!.mtimeMs]);
    assert.equal(hexAt(m.docHash, row('a.md')), LIVE.get('a.md')!.hash);
    assert.notEqual(m.id, data.id);
  });

  test('copied texts go to one new blob, the others stay referenced; both read back', () => {
    const s1Text = B1.text!.name;
    const read: string[] = [];
    const { built: b, data: m } = merged(RUN, { copyTexts: new Set([s1Text]), readText: (name) => (read.push(name), BLOBS.get(name)!) });
    assert.deepEqual(read, [s1Text], 'the copied blob is read once');
    assert.ok(b.text !== null);
    assert.equal(b.text.name, textBlobName(b.text.bytes));
    checkTextHeader(b.text.bytes.subarray(0, TEXT_HEADER_BYTES));
    assert.deepEqual(m.info.texts, [B2.text!.name, B3.text!.name, b.text.name]);
    // Only the live records moved: the masked b.md copy's texts are left behind.
    assert.ok(b.text.bytes.byteLength < B1.text!.bytes.byteLength);
    const blobs = new Map([...BLOBS, [b.text.name, b.text.bytes]]);
    for (let c = 0; c < m.chunkCount; c++) {
      const path = pathOf(m, m.chunkDoc[c] as number);
      const k = c - (m.docFirstChunk[m.chunkDoc[c] as number] as number);
      const want = LIVE.get(path)!.chunks[k]!;
      assert.equal(chunkBlob(m, c), path === 'a.md' || path === 'c.md' ? b.text.name : path === 'g.md' ? B3.text!.name : B2.text!.name, `${path}#${k}`);
      assert.deepEqual(readChunk(blobs, m, c), { headingPath: want.headingPath, content: want.content }, `${path}#${k}`);
    }
    for (let d = 0; d < m.docCount; d++) assert.deepEqual(readDocMeta(blobs, m, d).reason, LIVE.get(pathOf(m, d))!.reason);
    // Where texts live changes nothing in what is found.
    for (const q of QUERIES) assertSameRanking(search(indexOf([m]), q), search(indexOf([data]), q), q);
  });

  test('a copied text that is damaged or short fails the merge, naming the record', () => {
    const s1Text = B1.text!.name;
    const flipped = Uint8Array.from(B1.text!.bytes);
    const at = (S1.chunkOffset[0] as number) + 2;
    flipped[at] = (flipped[at] as number) ^ 0x01;
    assert.throws(() => mergeSegments(RUN, { ...noCopy, copyTexts: new Set([s1Text]), readText: () => flipped }), /chunk 0 of a\.md in txt-.* does not match its checksum/);
    const short = B1.text!.bytes.subarray(0, TEXT_HEADER_BYTES + 4);
    assert.throws(() => mergeSegments(RUN, { ...noCopy, copyTexts: new Set([s1Text]), readText: () => short }), /lies outside text blob txt-/);
  });

  test('a run with nothing live merges to null', () => {
    assert.equal(mergeSegments([{ data: S1, dead: mask(S1, 'a.md', 'b.md', 'c.md') }, { data: S3, dead: mask(S3, 'f.bin', 'g.md') }], noCopy), null);
  });
});

describe('SegmentIndex.nextMerge / applyMerge', () => {
  // Two segments in the lowest tier merge (factor 2); masked copies never trigger a lone rewrite.
  const params: KeywordIndexParams = { mergeFactor: 2, minSegmentDocs: 100, maxDeadRatio: 0.99 };

  function runJob(index: SegmentIndex): { job: NonNullable<ReturnType<SegmentIndex['nextMerge']>>; data: SegmentData | null } {
    const job = index.nextMerge();
    assert.ok(job !== null, 'a merge is due');
    const built = mergeSegments(job.run.map((seg, s) => ({ data: seg.data, dead: job.dead[s]! })), { ...noCopy, stamps: job.stamps });
    return { job, data: built && openSegment(built) };
  }

  test('plans the two oldest segments, folds their stamps, and the swap changes no answer', () => {
    const index = indexOf([S1, S2, S3], params);
    index.stamp('a.md', 999, 42);
    index.stamp('g.md', 1, 2);
    const before = QUERIES.map((q) => hitIds(search(index, q)));
    const { job, data } = runJob(index);
    assert.deepEqual(job.run.map((seg) => seg.data.id), [S1.id, S2.id]);
    assert.deepEqual([...job.stamps.keys()], ['a.md'], 'only the stamps of the run');
    assert.ok(index.applyMerge(job, data));
    assert.deepEqual(index.segments.map((seg) => seg.data.id), [data!.id, S3.id]);
    assert.deepEqual(QUERIES.map((q) => hitIds(search(index, q))), before);
    assert.deepEqual([index.file('a.md')?.size, index.file('a.md')?.mtimeMs], [999, 42]);
    assert.deepEqual(index.state().stamps, [['g.md', 1, 2]], 'the folded stamp is dropped, the other kept');
    assert.equal(index.stats().deadDocs, 0);
    assert.deepEqual([index.liveDocs, index.skippedFiles], [6, 1]);
  });

  test('the index changes between plan and swap: newer copies win, removals stay removed, later stamps stay', async () => {
    const index = indexOf([S1, S2, S3], params);
    index.stamp('c.md', 5, 6);
    const { job, data } = runJob(index);
    // While the merge is built: d.md (in the run) is edited, c.md is touched again, e.md is deleted.
    const d2 = docInput('d.md', { title: 'New D', sections: [section('zulu yankee alpha')] });
    index.add(openSegment(build([d2])));
    index.stamp('c.md', 7, 8);
    index.remove('e.md');
    assert.ok(index.applyMerge(job, data));

    assert.deepEqual(hitIds(search(index, 'zulu')), ['d.md#0']);
    assert.deepEqual(search(index, 'foxtrot').map((h) => h.id).sort(), ['b.md#0'], 'the old d.md copy (echo foxtrot) is masked');
    assert.deepEqual(search(index, 'juliet kilo').map((h) => h.id), ['g.md#0'], 'e.md stays removed');
    assert.equal(index.file('d.md')?.hash, d2.hash);
    assert.equal(index.file('e.md'), undefined);
    assert.deepEqual([index.file('c.md')?.size, index.file('c.md')?.mtimeMs], [7, 8]);
    assert.deepEqual(index.state().stamps, [['c.md', 7, 8]]);
    const mergedSeg = index.segments[0]!;
    assert.equal(mergedSeg.data.id, data!.id);
    assert.equal(mergedSeg.deadDocs, 2, 'the merged copies of d.md and e.md are masked');
    // Same counts and hits as the same changes on the unmerged segments.
    const plain = indexOf([S1, S2, S3], params);
    plain.add(openSegment(build([d2])));
    plain.remove('e.md');
    assert.deepEqual([index.liveDocs, index.liveChunks, index.skippedFiles], [plain.liveDocs, plain.liveChunks, plain.skippedFiles]);
    for (const q of [...QUERIES, 'zulu yankee']) assert.deepEqual(hitIds(search(index, q)), hitIds(search(plain, q)), q);
    assert.deepEqual([...index.paths()].sort(), [...plain.paths()].sort());
  });

  test('a merge whose run is no longer current, or that lost a live document, is refused and changes nothing', () => {
    const index = indexOf([S1, S2, S3], params);
    const first = runJob(index);
    const second = runJob(index);
    assert.ok(index.applyMerge(first.job, first.data));
    const segments = [...index.segments];
    assert.equal(index.applyMerge(second.job, second.data), false);
    assert.equal(index.segments.length, segments.length);
    assert.ok(index.segments.every((seg, i) => seg === segments[i]));

    const other = indexOf([S1, S2, S3], params);
    const job = other.nextMerge()!;
    const partial = openSegment(mergeSegments([{ data: S1, dead: mask(S1, 'b.md', 'c.md') }, { data: S2, dead: mask(S2) }], noCopy)!);
    assert.equal(other.applyMerge(job, partial), false);
    assert.equal(other.segments.length, 3);
    assert.deepEqual(hitIds(search(other, 'getUserById')), ['c.md#0']);
  });

  test('a run whose documents all went merges to null and is dropped', () => {
    const index = indexOf([[S1, 'a.md', 'c.md'], S2, [S3, 'f.bin', 'g.md']], params);
    // S1 and S3 hold no live copy: each is rewritten alone, to nothing.
    const { job, data } = runJob(index);
    assert.equal(data, null);
    assert.ok(index.applyMerge(job, data));
    assert.deepEqual(index.segments.map((s) => s.data.id), [S2.id, S3.id]);
    assert.deepEqual([index.liveDocs, index.skippedFiles], [3, 0]);
  });

  test('through a corpus: a merge request built before a re-add, run as a worker would, then swapped in', async () => {
    const corpus = memoryCorpus(params);
    await applyDocs(corpus, [['a.md', '# A\n\nalpha words\n'], ['b.md', '# B\n\nbravo words\n']]);
    await applyDocs(corpus, [['c.md', '# C\n\ncharlie words\n'], ['d.md', '# D\n\ndelta words\n']]);
    const job = corpus.index.nextMerge()!;
    assert.equal(job.run.length, 2);
    const req = mergeRequest(corpus, job);
    assert.ok(req.copyTexts.length > 0, 'small blobs are consolidated');
    await applyDocs(corpus, [['b.md', '# B\n\nbravo words replaced by zulu\n']], ['c.md']);
    const built = runMergeJob(req, (path) => alignedBytes(readFileSync(path)));
    assert.ok(built !== null);
    if (built.text) corpus.texts.put(built.text.name, built.text.bytes);
    assert.ok(corpus.index.applyMerge(job, openSegment(built)));

    assert.deepEqual(corpus.search('zulu', 5).map((h) => h.id), ['b.md#0']);
    assert.deepEqual(corpus.search('bravo', 5).map((h) => h.id), ['b.md#0'], 'one copy: the merged old one is masked');
    assert.deepEqual(corpus.search('charlie', 5), []);
    assert.deepEqual(corpus.search('words', 10).map((h) => h.id).sort(), ['a.md#0', 'b.md#0', 'd.md#0']);
    assert.equal(corpus.documentCount, 3);
    const chunks = await corpus.readChunks(['a.md#0', 'b.md#0', 'c.md#0', 'd.md#0']);
    assert.deepEqual([...chunks.keys()].sort(), ['a.md#0', 'b.md#0', 'd.md#0']);
    assert.match(chunks.get('b.md#0')!.content, /zulu/);
    assert.match(chunks.get('a.md#0')!.content, /alpha words/);
    assert.equal((await corpus.readDocument('d.md'))?.title, 'D');
  });
});
