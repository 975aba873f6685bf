/**
 * Merging segments without re-tokenizing (pure): the live documents of a run of segments are
 * renumbered in run order, postings are concatenated per term (a k-way merge of the sorted
 * dictionaries, dead chunks dropped, chunk numbers remapped) and the tables are copied. Texts
 * stay in their blobs, except the records of blobs chosen for consolidation (small or mostly
 * dead), which are copied into one new blob. Stamps (new size/mtime of unchanged files) are
 * folded into the document table.
 */
import { MinHeap } from '../core/heap.js';
import { sha256 } from '../core/hash.js';
import { bytesOf, encodeByteStrings, VarintWriter, type StringColumn } from './segment-format.js';
import { encodeSegment, FIELD_COUNT, FIELDS, type SegmentData } from './segment-layout.js';
import { checkRecord, TextBlobWriter } from './text-blob.js';
import { textBlobName, writePostings, type BuiltSegment } from './segment-build.js';
import type { Stamp } from './segment-index.js';

export interface MergeInput {
  data: SegmentData;
  /** 1 where the document is not carried over. */
  dead: Uint8Array;
}

export interface MergeOptions {
  settings: string;
  /** New size/mtime of live documents, by path. */
  stamps: ReadonlyMap<string, Stamp>;
  /** Text blobs whose live records move into one new blob. */
  copyTexts: ReadonlySet<string>;
  /** The whole bytes of a text blob in `copyTexts`. */
  readText: (name: string) => Uint8Array;
}

/** The merged segment, or null when no document of the run is live. */
export function mergeSegments(inputs: readonly MergeInput[], opts: MergeOptions): BuiltSegment | null {
  const kept: { s: number; doc: number }[] = [];
  let C = 0;
  inputs.forEach(({ data, dead }, s) => {
    for (let doc = 0; doc < data.docCount; doc++) {
      if (dead[doc] === 1) continue;
      kept.push({ s, doc });
      C += data.docChunks[doc] as number;
    }
  });
  if (kept.length === 0) return null;
  const D = kept.length;

  const texts: string[] = [];
  const textIndex = new Map<string, number>();
  let copied: TextBlobWriter | null = null;
  const sources = new Map<string, Uint8Array>();
  /** Where a record lands: its slot in `texts` (−1: the new blob, fixed up at the end), offset, length. */
  const place = (data: SegmentData, blob: number, offset: number, length: number, crc: number, what: string): { slot: number; offset: number } => {
    const name = data.info.texts[blob] as string;
    if (!opts.copyTexts.has(name)) {
      let slot = textIndex.get(name);
      if (slot === undefined) {
        slot = texts.length;
        texts.push(name);
        textIndex.set(name, slot);
      }
      return { slot, offset };
    }
    let source = sources.get(name);
    if (source === undefined) sources.set(name, (source = opts.readText(name)));
    if (offset + length > source.byteLength) throw new TypeError(`${what} lies outside text blob ${name}`);
    const record = source.subarray(offset, offset + length);
    checkRecord(record, crc, `${what} in ${name}`);
    copied ??= new TextBlobWriter();
    return { slot: -1, offset: copied.addBytes(record).offset };
  };

  const docStrings: Uint8Array[] = [];
  const docFirstChunk = new Uint32Array(D);
  const docChunks = new Uint32Array(D);
  const docSize = new Float64Array(D);
  const docMtime = new Float64Array(D);
  const docFlags = new Uint8Array(D);
  const docHash = new Uint8Array(32 * D);
  const docMetaText = new Int32Array(D);
  const docMetaOffset = new Float64Array(D);
  const docMetaLength = new Uint32Array(D);
  const docMetaCrc = new Uint32Array(D);
  const chunkDoc = new Uint32Array(C);
  const chunkStart = new Uint32Array(C);
  const chunkEnd = new Uint32Array(C);
  const chunkText = new Int32Array(C);
  const chunkOffset = new Float64Array(C);
  const chunkLength = new Uint32Array(C);
  const chunkCrc = new Uint32Array(C);
  const chunkHash = new Uint8Array(32 * C);
  const fieldLengths = new Uint32Array(FIELD_COUNT * C);
  const fieldTotals = [0, 0, 0, 0];
  const chunkMap = inputs.map(({ data }) => new Int32Array(data.chunkCount).fill(-1));

  let c = 0;
  kept.forEach(({ s, doc }, d) => {
    const { data } = inputs[s] as MergeInput;
    for (let k = 0; k < 4; k++) docStrings.push(stringBytes(data.docStrings, 4 * doc + k));
    const path = Buffer.from(docStrings[4 * d] as Uint8Array).toString('utf8');
    const stamp = opts.stamps.get(path);
    docFirstChunk[d] = c;
    docChunks[d] = data.docChunks[doc] as number;
    docSize[d] = stamp?.size ?? (data.docSize[doc] as number);
    docMtime[d] = stamp?.mtimeMs ?? (data.docMtime[doc] as number);
    docFlags[d] = data.docFlags[doc] as number;
    docHash.set(data.docHash.subarray(32 * doc, 32 * doc + 32), 32 * d);
    const meta = place(data, data.docMetaText[doc] as number, data.docMetaOffset[doc] as number, data.docMetaLength[doc] as number, data.docMetaCrc[doc] as number, `metadata of ${path}`);
    docMetaText[d] = meta.slot;
    docMetaOffset[d] = meta.offset;
    docMetaLength[d] = data.docMetaLength[doc] as number;
    docMetaCrc[d] = data.docMetaCrc[doc] as number;
    const first = data.docFirstChunk[doc] as number;
    const n = data.docChunks[doc] as number;
    for (let old = first; old < first + n; old++, c++) {
      chunkMap[s]![old] = c;
      chunkDoc[c] = d;
      chunkStart[c] = data.chunkStart[old] as number;
      chunkEnd[c] = data.chunkEnd[old] as number;
      const rec = place(data, data.chunkText[old] as number, data.chunkOffset[old] as number, data.chunkLength[old] as number, data.chunkCrc[old] as number, `chunk ${old - first} of ${path}`);
      chunkText[c] = rec.slot;
      chunkOffset[c] = rec.offset;
      chunkLength[c] = data.chunkLength[old] as number;
      chunkCrc[c] = data.chunkCrc[old] as number;
      chunkHash.set(data.chunkHash.subarray(32 * old, 32 * old + 32), 32 * c);
      for (let f = 0; f < FIELD_COUNT; f++) {
        const len = data.fieldLengths[FIELD_COUNT * old + f] as number;
        fieldLengths[FIELD_COUNT * c + f] = len;
        fieldTotals[f] = (fieldTotals[f] as number) + len;
      }
    }
  });

  let text: BuiltSegment['text'] = null;
  const finalWriter = copied as TextBlobWriter | null;
  if (finalWriter !== null) {
    const bytes = finalWriter.bytes();
    const name = textBlobName(bytes);
    text = { name, bytes };
    const slot = texts.length;
    texts.push(name);
    for (let i = 0; i < D; i++) if (docMetaText[i] === -1) docMetaText[i] = slot;
    for (let i = 0; i < C; i++) if (chunkText[i] === -1) chunkText[i] = slot;
  }

  const postings = mergePostings(inputs, chunkMap);
  const bytes = encodeSegment({
    info: { settings: opts.settings, texts, fields: [...FIELDS], fieldTotals },
    docStrings: encodeByteStrings(docStrings),
    docFirstChunk,
    docChunks,
    docSize,
    docMtime,
    docFlags,
    docHash,
    docMetaText: new Uint32Array(docMetaText.buffer),
    docMetaOffset,
    docMetaLength,
    docMetaCrc,
    chunkDoc,
    chunkStart,
    chunkEnd,
    chunkText: new Uint32Array(chunkText.buffer),
    chunkOffset,
    chunkLength,
    chunkCrc,
    chunkHash,
    fieldLengths,
    ...postings,
  });
  return { id: sha256(bytes), bytes, text };
}

function stringBytes(column: StringColumn, i: number): Uint8Array {
  return column.bytes.subarray(column.offsets[i] as number, column.offsets[i + 1] as number);
}

/** k-way merge of the sorted dictionaries; postings remapped through `chunkMap` (−1: dropped). */
function mergePostings(inputs: readonly MergeInput[], chunkMap: readonly Int32Array[]): {
  terms: { offsets: Uint8Array; bytes: Uint8Array };
  termDf: Uint32Array;
  postingOffsets: Float64Array;
  postings: Uint8Array;
} {
  const heads = inputs.map(() => 0);
  const term = (s: number): Uint8Array => stringBytes((inputs[s] as MergeInput).data.terms, heads[s] as number);
  // Inputs by their current term, ties by input order.
  const heap = new MinHeap<number>((a, b) => {
    const cmp = Buffer.compare(term(a), term(b));
    return cmp < 0 || (cmp === 0 && a < b);
  });
  inputs.forEach((input, s) => {
    if (input.data.termCount > 0) heap.push(s);
  });

  const termBytes: Uint8Array[] = [];
  const dfs: number[] = [];
  const offsets: number[] = [];
  const out = new VarintWriter(1 << 16);
  const chunks: number[] = [];
  const tfs: number[] = [];
  while (heap.size > 0) {
    const s0 = heap.pop() as number;
    const key = term(s0);
    const group = [s0];
    while (heap.size > 0 && Buffer.compare(term(heap.peek() as number), key) === 0) group.push(heap.pop() as number);
    chunks.length = 0;
    tfs.length = 0;
    // Run order is ascending new-chunk order: concatenating keeps the postings sorted.
    for (const s of group.sort((a, b) => a - b)) decodeInto((inputs[s] as MergeInput).data, heads[s] as number, chunkMap[s] as Int32Array, chunks, tfs);
    if (chunks.length > 0) {
      termBytes.push(key);
      dfs.push(chunks.length);
      offsets.push(out.length);
      writePostings(out, chunks, tfs);
    }
    for (const s of group) {
      heads[s] = (heads[s] as number) + 1;
      if ((heads[s] as number) < (inputs[s] as MergeInput).data.termCount) heap.push(s);
    }
  }
  offsets.push(out.length);
  return {
    terms: encodeByteStrings(termBytes.map((t) => Buffer.from(t))),
    termDf: Uint32Array.from(dfs),
    postingOffsets: Float64Array.from(offsets),
    postings: bytesOf(out.bytes()),
  };
}

/** Appends the remapped live postings of term `t` of `data` to `chunks`/`tfs` (F per chunk). */
function decodeInto(data: SegmentData, t: number, map: Int32Array, chunks: number[], tfs: number[]): void {
  const bytes = data.postings;
  let at = data.postingOffsets[t] as number;
  const end = data.postingOffsets[t + 1] as number;
  let chunk = -1;
  const readVarint = (): number => {
    let v = 0;
    let mul = 1;
    let byte;
    do {
      byte = bytes[at++] as number;
      v += (byte & 0x7f) * mul;
      mul *= 128;
    } while (byte >= 0x80);
    return v;
  };
  while (at < end) {
    const v = readVarint();
    const mask = v % 16;
    chunk += (v - mask) / 16;
    const freqs = [0, 0, 0, 0];
    for (let f = 0; f < FIELD_COUNT; f++) if ((mask & (1 << f)) !== 0) freqs[f] = readVarint();
    const to = map[chunk] as number;
    if (to < 0) continue;
    chunks.push(to);
    tfs.push(...freqs);
  }
}
