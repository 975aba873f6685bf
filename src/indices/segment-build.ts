/**
 * Documents → one segment and its text blob (pure; the tokenizer is injected by keyword.ts, so
 * the build runs unchanged in a worker thread). The same documents and settings always give the
 * same bytes, hence the same content ids.
 */
import { sha256 } from '../core/hash.js';
import type { BlockAnchor, Heading, Link } from '../core/types.js';
import { blankBlockMarkers } from '../markdown/block-ids.js';
import { bytesOf, encodeByteStrings, encodeStrings, VarintWriter } from './segment-format.js';
import { DOC_FLAG_SKIPPED, encodeSegment, FIELD_COUNT, FIELDS, type SegmentColumns } from './segment-layout.js';
import { TextBlobWriter } from './text-blob.js';
import type { Tokenizer } from './keyword-tokenize.js';

/** A chunk as the builder receives it. */
export interface SegmentChunkInput {
  headingPath: string[];
  startLine: number;
  endLine: number;
  content: string;
  /** sha256 hex of heading path + content (reuses embeddings). */
  hash: string;
}

/** A file as the builder receives it: an indexed document, or a skipped file (`reason` set, no chunks). */
export interface SegmentDocInput {
  path: string;
  size: number;
  mtimeMs: number;
  /** sha256 hex of the file's bytes. */
  hash: string;
  title: string;
  tags: string[];
  aliases: string[];
  headings: Heading[];
  /** Blocks named by `^id` markers (default none). */
  blockIds?: BlockAnchor[];
  links: Link[];
  warnings: string[];
  reason: string | null;
  chunks: SegmentChunkInput[];
}

/** A built segment with the text blob it points into, ready to persist or to send across threads. */
export interface BuiltSegment {
  /** sha256 hex of `bytes`. */
  id: string;
  bytes: Uint8Array;
  /** Blob name and bytes of the new text blob (null when the segment writes none). */
  text: { name: string; bytes: Uint8Array } | null;
}

/** Blob names are content-derived: the same bytes always get the same name. */
export function segmentBlobName(id: string): string {
  return `seg-${id.slice(0, 32)}.bin`;
}

export function textBlobName(bytes: Uint8Array): string {
  return `txt-${sha256(bytes).slice(0, 32)}.bin`;
}

export function hexToBytes(hex: string, into: Uint8Array, at: number): void {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new TypeError(`not a sha256 hex digest: ${JSON.stringify(hex)}`);
  into.set(Buffer.from(hex, 'hex'), at);
}

/** Term → its postings while building: chunk numbers and F term frequencies per chunk. */
interface PostingList {
  last: number;
  chunks: number[];
  tfs: number[];
}

/** Builds the segment of `docs` (a later copy of a path wins; docs are stored sorted by path). */
export function buildSegment(input: readonly SegmentDocInput[], tokenize: Tokenizer, settings: string): BuiltSegment {
  const byPath = new Map<string, SegmentDocInput>();
  for (const doc of input) byPath.set(doc.path, doc);
  const docs = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const D = docs.length;
  let C = 0;
  for (const doc of docs) C += doc.chunks.length;

  const text = new TextBlobWriter();
  const cols = {
    docStrings: [] as string[],
    docFirstChunk: new Uint32Array(D),
    docChunks: new Uint32Array(D),
    docSize: new Float64Array(D),
    docMtime: new Float64Array(D),
    docFlags: new Uint8Array(D),
    docHash: new Uint8Array(32 * D),
    docMetaText: new Uint32Array(D),
    docMetaOffset: new Float64Array(D),
    docMetaLength: new Uint32Array(D),
    docMetaCrc: new Uint32Array(D),
    chunkDoc: new Uint32Array(C),
    chunkStart: new Uint32Array(C),
    chunkEnd: new Uint32Array(C),
    chunkText: new Uint32Array(C),
    chunkOffset: new Float64Array(C),
    chunkLength: new Uint32Array(C),
    chunkCrc: new Uint32Array(C),
    chunkHash: new Uint8Array(32 * C),
    fieldLengths: new Uint32Array(FIELD_COUNT * C),
  };
  const postings = new Map<string, PostingList>();
  const fieldTotals = [0, 0, 0, 0];
  const count = (term: string, chunk: number, field: number): void => {
    let list = postings.get(term);
    if (list === undefined) postings.set(term, (list = { last: -1, chunks: [], tfs: [] }));
    if (list.last !== chunk) {
      list.last = chunk;
      list.chunks.push(chunk);
      list.tfs.push(0, 0, 0, 0);
    }
    const at = list.tfs.length - FIELD_COUNT + field;
    list.tfs[at] = (list.tfs[at] as number) + 1;
  };

  let c = 0;
  docs.forEach((doc, d) => {
    cols.docStrings.push(doc.path, doc.title, JSON.stringify(doc.tags), JSON.stringify(doc.aliases));
    cols.docFirstChunk[d] = c;
    cols.docChunks[d] = doc.chunks.length;
    cols.docSize[d] = doc.size;
    cols.docMtime[d] = doc.mtimeMs;
    cols.docFlags[d] = doc.reason !== null ? DOC_FLAG_SKIPPED : 0;
    hexToBytes(doc.hash, cols.docHash, 32 * d);
    const blocks = doc.blockIds ?? [];
    const meta = text.addDoc({ headings: doc.headings, links: doc.links, warnings: doc.warnings, reason: doc.reason, ...(blocks.length > 0 ? { blocks } : {}) });
    // `^abc123` markers are addresses, not words: kept in the text, left out of the terms.
    const blockIds = new Set(blocks.map((b) => b.id));
    cols.docMetaOffset[d] = meta.offset;
    cols.docMetaLength[d] = meta.length;
    cols.docMetaCrc[d] = meta.crc;

    const titleIds: string[] = [];
    const titleTerms = tokenize(doc.title, { mode: 'index', compounds: titleIds });
    const headingsText = doc.headings.map((h) => h.text).join('\n');
    for (const chunk of doc.chunks) {
      cols.chunkDoc[c] = d;
      cols.chunkStart[c] = chunk.startLine;
      cols.chunkEnd[c] = chunk.endLine;
      const rec = text.addChunk({ headingPath: chunk.headingPath, content: chunk.content });
      cols.chunkOffset[c] = rec.offset;
      cols.chunkLength[c] = rec.length;
      cols.chunkCrc[c] = rec.crc;
      hexToBytes(chunk.hash, cols.chunkHash, 32 * c);
      const ids = [...titleIds];
      const fieldTerms = [
        titleTerms,
        tokenize(chunk.headingPath.join(' \n ') || headingsText, { mode: 'index', compounds: ids }),
        tokenize(blankBlockMarkers(chunk.content, blockIds), { mode: 'index', compounds: ids }),
        ids,
      ];
      fieldTerms.forEach((terms, f) => {
        cols.fieldLengths[FIELD_COUNT * c + f] = terms.length;
        fieldTotals[f] = (fieldTotals[f] as number) + terms.length;
        for (const term of terms) count(term, c, f);
      });
      c++;
    }
  });

  const textBytes = text.bytes();
  const textName = textBlobName(textBytes);
  const { terms, termDf, postingOffsets, postingBytes } = encodePostings(postings);
  const columns: SegmentColumns = {
    ...cols,
    docStrings: encodeStrings(cols.docStrings),
    info: { settings, texts: [textName], fields: [...FIELDS], fieldTotals },
    terms,
    termDf,
    postingOffsets,
    postings: postingBytes,
  };
  const bytes = encodeSegment(columns);
  return { id: sha256(bytes), bytes, text: { name: textName, bytes: textBytes } };
}

function encodePostings(postings: Map<string, PostingList>): {
  terms: { offsets: Uint8Array; bytes: Uint8Array };
  termDf: Uint32Array;
  postingOffsets: Float64Array;
  postingBytes: Uint8Array;
} {
  const entries = [...postings.entries()].map(([term, list]) => ({ key: Buffer.from(term, 'utf8'), list }));
  entries.sort((a, b) => Buffer.compare(a.key, b.key));
  const termDf = new Uint32Array(entries.length);
  const postingOffsets = new Float64Array(entries.length + 1);
  const out = new VarintWriter(1 << 16);
  entries.forEach(({ list }, t) => {
    termDf[t] = list.chunks.length;
    postingOffsets[t] = out.length;
    writePostings(out, list.chunks, list.tfs);
  });
  postingOffsets[entries.length] = out.length;
  return { terms: encodeByteStrings(entries.map((e) => e.key)), termDf, postingOffsets, postingBytes: bytesOf(out.bytes()) };
}

/** Appends one term's postings (`tfs` holds F frequencies per chunk) in the layout's encoding. */
export function writePostings(out: VarintWriter, chunks: ArrayLike<number>, tfs: ArrayLike<number>): void {
  let previous = -1;
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i] as number;
    let mask = 0;
    for (let f = 0; f < FIELD_COUNT; f++) if ((tfs[FIELD_COUNT * i + f] as number) > 0) mask |= 1 << f;
    out.write((chunk - previous) * 16 + mask);
    for (let f = 0; f < FIELD_COUNT; f++) {
      const tf = tfs[FIELD_COUNT * i + f] as number;
      if (tf > 0) out.write(tf);
    }
    previous = chunk;
  }
}
