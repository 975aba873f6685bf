import { sha256 } from '../../src/core/hash.js';
import type { Heading, Link } from '../../src/core/types.js';
import { alignedBytes } from '../../src/indexing/merge-job.js';
import type { BuiltSegment, SegmentDocInput } from '../../src/indices/keyword.js';
import { decodeSegment, type SegmentData } from '../../src/indices/segment-layout.js';
import { checkRecord, decodeChunkRecord, decodeDocRecord, type ChunkRecord, type DocRecord } from '../../src/indices/text-blob.js';

/** A section of a hand-made document: its heading path and Markdown. */
export interface SectionSpec {
  headingPath: string[];
  content: string;
}

export interface DocSpec {
  title?: string;
  tags?: string[];
  aliases?: string[];
  headings?: Heading[];
  links?: Link[];
  warnings?: string[];
  /** Set for a skipped file (it then has no sections). */
  reason?: string;
  size?: number;
  mtimeMs?: number;
  sections?: SectionSpec[];
}

/**
 * A builder input written by hand (no Markdown parsing), so a test knows every value the segment
 * must hold: section k starts at line 10·k + 1 and spans its content's lines.
 */
export function docInput(path: string, spec: DocSpec = {}): SegmentDocInput {
  const sections = spec.reason === undefined ? (spec.sections ?? [{ headingPath: [], content: `text of ${path}` }]) : [];
  return {
    path,
    size: spec.size ?? 100,
    mtimeMs: spec.mtimeMs ?? 1_700_000_000_000,
    hash: sha256(`file ${path} ${JSON.stringify(sections)}`),
    title: spec.title ?? path,
    tags: spec.tags ?? [],
    aliases: spec.aliases ?? [],
    headings: spec.headings ?? [],
    links: spec.links ?? [],
    warnings: spec.warnings ?? [],
    reason: spec.reason ?? null,
    chunks: sections.map((s, k) => ({
      headingPath: s.headingPath,
      startLine: 10 * k + 1,
      endLine: 10 * k + s.content.split('\n').length,
      content: s.content,
      hash: sha256(`${s.headingPath.join('\n')}\n\n${s.content}`),
    })),
  };
}

/** Opens a built (or merged) segment as the index does. */
export function openSegment(built: BuiltSegment): SegmentData {
  return decodeSegment(alignedBytes(built.bytes), built.id);
}

/** Text blobs by name, as a reader of records needs them. */
export type Blobs = ReadonlyMap<string, Uint8Array>;

function record(blobs: Blobs, data: SegmentData, blob: number, offset: number, length: number, crc: number, what: string): Uint8Array {
  const name = data.info.texts[blob];
  const bytes = name === undefined ? undefined : blobs.get(name);
  if (bytes === undefined) throw new Error(`${what}: text blob ${String(name)} is not available`);
  const out = bytes.subarray(offset, offset + length);
  if (out.byteLength !== length) throw new Error(`${what} lies outside text blob ${name}`);
  checkRecord(out, crc, what);
  return out;
}

/** Chunk `c` of a segment read back from its text blob, checksum checked. */
export function readChunk(blobs: Blobs, data: SegmentData, c: number): ChunkRecord {
  const bytes = record(blobs, data, data.chunkText[c] as number, data.chunkOffset[c] as number, data.chunkLength[c] as number, data.chunkCrc[c] as number, `chunk ${c}`);
  return decodeChunkRecord(bytes);
}

/** The metadata record of document `doc`, checksum checked. */
export function readDocMeta(blobs: Blobs, data: SegmentData, doc: number): DocRecord {
  const bytes = record(blobs, data, data.docMetaText[doc] as number, data.docMetaOffset[doc] as number, data.docMetaLength[doc] as number, data.docMetaCrc[doc] as number, `document ${doc}`);
  return decodeDocRecord(bytes);
}

/** Name of the text blob chunk `c` points into. */
export function chunkBlob(data: SegmentData, c: number): string {
  return data.info.texts[data.chunkText[c] as number] as string;
}

export const hexAt = (bytes: Uint8Array, i: number): string => Buffer.from(bytes.buffer, bytes.byteOffset + 32 * i, 32).toString('hex');
