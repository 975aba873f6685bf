/**
 * The sections of an index segment (format SEGMENT_VERSION) and their typed views. Pure.
 *
 * A segment holds a set of documents: everything queries need at speed (term dictionary,
 * postings with per-field term frequencies, per-chunk field lengths, the chunk and document
 * tables) lives here and is opened as views into the file's bytes; the texts (chunk contents
 * and heading paths, per-document headings/links/warnings) live in separate text blobs
 * (text-blob.ts) that the tables point into and that are read only when returned.
 *
 * Sections (u32 = little-endian uint32 array, f64 = float64 array; D docs, C chunks, T terms, F = 4 fields):
 *
 * | kind | content |
 * |---|---|
 * | 1  INFO | UTF-8 JSON: `{ settings, texts: [text blob names], fields, fieldTotals }` (small) |
 * | 2  DOC_STRINGS_OFFSETS, 3 DOC_STRINGS | string column of 4·D strings: path, title, tags (JSON), aliases (JSON) |
 * | 4  DOC_FIRST_CHUNK u32[D], 5 DOC_CHUNKS u32[D] | the document's chunks are a contiguous run |
 * | 6  DOC_SIZE f64[D], 7 DOC_MTIME f64[D], 8 DOC_FLAGS u8[D] (1 = skipped file), 9 DOC_HASH 32·D bytes (sha256 of the file) |
 * | 10 DOC_META_TEXT u32[D], 11 DOC_META_OFFSET f64[D], 12 DOC_META_LENGTH u32[D], 13 DOC_META_CRC u32[D] | where the metadata record is |
 * | 20 CHUNK_DOC u32[C], 21 CHUNK_START u32[C], 22 CHUNK_END u32[C] | 1-based inclusive lines |
 * | 23 CHUNK_TEXT u32[C], 24 CHUNK_OFFSET f64[C], 25 CHUNK_LENGTH u32[C], 26 CHUNK_CRC u32[C] | where the text record is |
 * | 27 CHUNK_HASH 32·C bytes (sha256 of heading path + content), 28 FIELD_LENGTHS u32[C·F] (tokens per field) |
 * | 30 TERM_OFFSETS, 31 TERMS | string column of the T terms, sorted by UTF-8 bytes |
 * | 32 TERM_DF u32[T], 33 POSTING_OFFSETS f64[T+1], 34 POSTINGS bytes |
 *
 * Postings of a term: per chunk containing it, ascending, the varint `(chunk − previous) · 16 +
 * mask` (previous starts at −1; bit f of mask set when field f holds the term), then one varint
 * term frequency per set bit, in field order.
 */
import { decodeContainer, encodeContainer, f64View, SEGMENT_MAGIC, stringColumn, u32View, type SectionInput, type StringColumn } from './segment-format.js';

/** Bump when the layout changes; older segments are rebuilt from the documents. */
export const SEGMENT_VERSION = 1;

export const FIELDS = ['title', 'headings', 'body', 'ids'] as const;
export const FIELD_COUNT = FIELDS.length;
export const DOC_FLAG_SKIPPED = 1;

const K = {
  INFO: 1,
  DOC_STRINGS_OFFSETS: 2,
  DOC_STRINGS: 3,
  DOC_FIRST_CHUNK: 4,
  DOC_CHUNKS: 5,
  DOC_SIZE: 6,
  DOC_MTIME: 7,
  DOC_FLAGS: 8,
  DOC_HASH: 9,
  DOC_META_TEXT: 10,
  DOC_META_OFFSET: 11,
  DOC_META_LENGTH: 12,
  DOC_META_CRC: 13,
  CHUNK_DOC: 20,
  CHUNK_START: 21,
  CHUNK_END: 22,
  CHUNK_TEXT: 23,
  CHUNK_OFFSET: 24,
  CHUNK_LENGTH: 25,
  CHUNK_CRC: 26,
  CHUNK_HASH: 27,
  FIELD_LENGTHS: 28,
  TERM_OFFSETS: 30,
  TERMS: 31,
  TERM_DF: 32,
  POSTING_OFFSETS: 33,
  POSTINGS: 34,
} as const;

export interface SegmentInfo {
  /** Everything that changes what was built (tokenizer, analyzer, format): a mismatch on load rebuilds. */
  settings: string;
  /** Names of the text blobs the tables point into, by index. */
  texts: string[];
  fields: string[];
  /** Sum over this segment's chunks of each field's length. */
  fieldTotals: number[];
}

/** Everything a segment holds, as columns (what the builder and the merger produce). */
export interface SegmentColumns {
  info: SegmentInfo;
  /** String column of 4 per doc: path, title, tags JSON, aliases JSON (see `encodeStrings`). */
  docStrings: { offsets: Uint8Array; bytes: Uint8Array };
  docFirstChunk: Uint32Array;
  docChunks: Uint32Array;
  docSize: Float64Array;
  docMtime: Float64Array;
  docFlags: Uint8Array;
  docHash: Uint8Array;
  docMetaText: Uint32Array;
  docMetaOffset: Float64Array;
  docMetaLength: Uint32Array;
  docMetaCrc: Uint32Array;
  chunkDoc: Uint32Array;
  chunkStart: Uint32Array;
  chunkEnd: Uint32Array;
  chunkText: Uint32Array;
  chunkOffset: Float64Array;
  chunkLength: Uint32Array;
  chunkCrc: Uint32Array;
  chunkHash: Uint8Array;
  fieldLengths: Uint32Array;
  /** Sorted by UTF-8 bytes. */
  terms: { offsets: Uint8Array; bytes: Uint8Array };
  termDf: Uint32Array;
  postingOffsets: Float64Array;
  postings: Uint8Array;
}

/** An opened segment: the same columns as views into its file's bytes. */
export interface SegmentData extends Omit<SegmentColumns, 'docStrings' | 'terms'> {
  /** Content id (sha256 hex of the bytes). */
  id: string;
  docCount: number;
  chunkCount: number;
  termCount: number;
  docStrings: StringColumn;
  terms: StringColumn;
  /** The file's bytes (every view above points into them). */
  bytes: Uint8Array;
}

const raw = (view: ArrayBufferView): Uint8Array => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

export function encodeSegment(columns: SegmentColumns): Buffer {
  const docStrings = columns.docStrings;
  const sections: SectionInput[] = [
    { kind: K.INFO, bytes: Buffer.from(JSON.stringify(columns.info), 'utf8') },
    { kind: K.DOC_STRINGS_OFFSETS, bytes: docStrings.offsets },
    { kind: K.DOC_STRINGS, bytes: docStrings.bytes },
    { kind: K.DOC_FIRST_CHUNK, bytes: raw(columns.docFirstChunk) },
    { kind: K.DOC_CHUNKS, bytes: raw(columns.docChunks) },
    { kind: K.DOC_SIZE, bytes: raw(columns.docSize) },
    { kind: K.DOC_MTIME, bytes: raw(columns.docMtime) },
    { kind: K.DOC_FLAGS, bytes: raw(columns.docFlags) },
    { kind: K.DOC_HASH, bytes: raw(columns.docHash) },
    { kind: K.DOC_META_TEXT, bytes: raw(columns.docMetaText) },
    { kind: K.DOC_META_OFFSET, bytes: raw(columns.docMetaOffset) },
    { kind: K.DOC_META_LENGTH, bytes: raw(columns.docMetaLength) },
    { kind: K.DOC_META_CRC, bytes: raw(columns.docMetaCrc) },
    { kind: K.CHUNK_DOC, bytes: raw(columns.chunkDoc) },
    { kind: K.CHUNK_START, bytes: raw(columns.chunkStart) },
    { kind: K.CHUNK_END, bytes: raw(columns.chunkEnd) },
    { kind: K.CHUNK_TEXT, bytes: raw(columns.chunkText) },
    { kind: K.CHUNK_OFFSET, bytes: raw(columns.chunkOffset) },
    { kind: K.CHUNK_LENGTH, bytes: raw(columns.chunkLength) },
    { kind: K.CHUNK_CRC, bytes: raw(columns.chunkCrc) },
    { kind: K.CHUNK_HASH, bytes: raw(columns.chunkHash) },
    { kind: K.FIELD_LENGTHS, bytes: raw(columns.fieldLengths) },
    { kind: K.TERM_OFFSETS, bytes: columns.terms.offsets },
    { kind: K.TERMS, bytes: columns.terms.bytes },
    { kind: K.TERM_DF, bytes: raw(columns.termDf) },
    { kind: K.POSTING_OFFSETS, bytes: raw(columns.postingOffsets) },
    { kind: K.POSTINGS, bytes: columns.postings },
  ];
  return encodeContainer(SEGMENT_MAGIC, SEGMENT_VERSION, sections);
}

/**
 * Opens a segment from its bytes: reads the directory and makes views; checks that every table
 * has the length the counts imply and that the tables point inside each other, so a damaged or
 * foreign file is refused here (TypeError) rather than misread later. `bytes` must be 8-aligned.
 */
export function decodeSegment(bytes: Uint8Array, id: string): SegmentData {
  if (bytes.byteOffset % 8 !== 0) throw new TypeError('segment bytes must be 8-byte aligned');
  const { sections } = decodeContainer(bytes, SEGMENT_MAGIC, (version) => {
    if (version !== SEGMENT_VERSION) throw new SegmentVersionError(version);
  });
  const get = (kind: number): Uint8Array => {
    const s = sections.get(kind);
    if (s === undefined) throw new TypeError(`section ${kind} is missing`);
    return s;
  };
  const info = JSON.parse(Buffer.from(get(K.INFO)).toString('utf8')) as SegmentInfo;
  if (typeof info?.settings !== 'string' || !Array.isArray(info.texts) || !Array.isArray(info.fieldTotals) || info.fieldTotals.length !== FIELD_COUNT) {
    throw new TypeError('segment info is malformed');
  }
  const docStrings = stringColumn(get(K.DOC_STRINGS_OFFSETS), get(K.DOC_STRINGS));
  const docCount = docStrings.count / 4;
  const docFirstChunk = u32View(get(K.DOC_FIRST_CHUNK));
  const chunkDoc = u32View(get(K.CHUNK_DOC));
  const chunkCount = chunkDoc.length;
  const terms = stringColumn(get(K.TERM_OFFSETS), get(K.TERMS));
  const termCount = terms.count;
  const data: SegmentData = {
    id,
    bytes,
    info,
    docCount,
    chunkCount,
    termCount,
    docStrings,
    docFirstChunk,
    docChunks: u32View(get(K.DOC_CHUNKS)),
    docSize: f64View(get(K.DOC_SIZE)),
    docMtime: f64View(get(K.DOC_MTIME)),
    docFlags: get(K.DOC_FLAGS),
    docHash: get(K.DOC_HASH),
    docMetaText: u32View(get(K.DOC_META_TEXT)),
    docMetaOffset: f64View(get(K.DOC_META_OFFSET)),
    docMetaLength: u32View(get(K.DOC_META_LENGTH)),
    docMetaCrc: u32View(get(K.DOC_META_CRC)),
    chunkDoc,
    chunkStart: u32View(get(K.CHUNK_START)),
    chunkEnd: u32View(get(K.CHUNK_END)),
    chunkText: u32View(get(K.CHUNK_TEXT)),
    chunkOffset: f64View(get(K.CHUNK_OFFSET)),
    chunkLength: u32View(get(K.CHUNK_LENGTH)),
    chunkCrc: u32View(get(K.CHUNK_CRC)),
    chunkHash: get(K.CHUNK_HASH),
    fieldLengths: u32View(get(K.FIELD_LENGTHS)),
    terms,
    termDf: u32View(get(K.TERM_DF)),
    postingOffsets: f64View(get(K.POSTING_OFFSETS)),
    postings: get(K.POSTINGS),
  };
  checkShapes(data);
  return data;
}

/** A segment written by another layout version (rebuild, not corruption). */
export class SegmentVersionError extends Error {
  constructor(readonly version: number) {
    super(`segment layout ${version} is not supported (expected ${SEGMENT_VERSION})`);
  }
}

function checkShapes(d: SegmentData): void {
  const D = d.docCount;
  const C = d.chunkCount;
  const T = d.termCount;
  const expect = (what: string, actual: number, wanted: number): void => {
    if (actual !== wanted) throw new TypeError(`${what} has ${actual} entries, expected ${wanted}`);
  };
  if (!Number.isInteger(D)) throw new TypeError('document strings are not 4 per document');
  for (const [what, col] of [['docFirstChunk', d.docFirstChunk], ['docChunks', d.docChunks], ['docSize', d.docSize], ['docMtime', d.docMtime], ['docFlags', d.docFlags], ['docMetaText', d.docMetaText], ['docMetaOffset', d.docMetaOffset], ['docMetaLength', d.docMetaLength], ['docMetaCrc', d.docMetaCrc]] as const) expect(what, col.length, D);
  expect('docHash', d.docHash.length, 32 * D);
  for (const [what, col] of [['chunkStart', d.chunkStart], ['chunkEnd', d.chunkEnd], ['chunkText', d.chunkText], ['chunkOffset', d.chunkOffset], ['chunkLength', d.chunkLength], ['chunkCrc', d.chunkCrc]] as const) expect(what, col.length, C);
  expect('chunkHash', d.chunkHash.length, 32 * C);
  expect('fieldLengths', d.fieldLengths.length, FIELD_COUNT * C);
  expect('termDf', d.termDf.length, T);
  expect('postingOffsets', d.postingOffsets.length, T + 1);
  let next = 0;
  for (let doc = 0; doc < D; doc++) {
    if (d.docFirstChunk[doc] !== next) throw new TypeError(`document ${doc} does not start where the previous one ended`);
    next += d.docChunks[doc] as number;
  }
  expect('chunks of all documents', next, C);
  for (let c = 0; c < C; c++) if ((d.chunkDoc[c] as number) >= D) throw new TypeError(`chunk ${c} names document ${d.chunkDoc[c]} of ${D}`);
  const texts = d.info.texts.length;
  for (let c = 0; c < C; c++) if ((d.chunkText[c] as number) >= texts) throw new TypeError(`chunk ${c} names text blob ${d.chunkText[c]} of ${texts}`);
  for (let doc = 0; doc < D; doc++) if ((d.docMetaText[doc] as number) >= texts) throw new TypeError(`document ${doc} names text blob ${d.docMetaText[doc]} of ${texts}`);
  if (d.postingOffsets[0] !== 0 || d.postingOffsets[T] !== d.postings.byteLength) throw new TypeError('posting offsets do not cover the postings');
}
