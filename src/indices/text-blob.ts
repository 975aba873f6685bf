/**
 * Text blobs: the bytes queries read only for what they return (pure encoding; reading files is
 * the caller's). A text blob is a 16-byte header (`RDXTXT\0\0`, u32 version, u32 0) followed by
 * records that segment tables point into by (blob, offset, length, CRC-32):
 *
 * - a chunk record: the heading path as a JSON array, a newline, then the chunk's Markdown;
 * - a document record: JSON `{ headings, links, warnings, reason, blocks? }` (reason: why a file was
 *   skipped; blocks: the document's `^block` ids, written only when it has some, so records
 *   written before blocks existed read as documents without any).
 *
 * Texts never move when segments merge (the merged tables point at the same records), so an
 * index rewrites its postings, not its texts.
 */
import { crc32 } from 'node:zlib';
import type { BlockAnchor, Heading, Link } from '../core/types.js';
import { TEXT_MAGIC } from './segment-format.js';

export const TEXT_VERSION = 1;
export const TEXT_HEADER_BYTES = 16;

export interface DocRecord {
  headings: Heading[];
  links: Link[];
  warnings: string[];
  /** Why the file is not indexed (binary, too large…); null for an indexed document. */
  reason: string | null;
  /** Blocks named by `^id` markers; absent when there are none. */
  blocks?: BlockAnchor[];
}

export interface ChunkRecord {
  headingPath: string[];
  content: string;
}

/** Builds one text blob; `add` returns where the record went. */
export class TextBlobWriter {
  private readonly parts: Buffer[] = [];
  private length = TEXT_HEADER_BYTES;

  constructor() {
    const header = Buffer.alloc(TEXT_HEADER_BYTES);
    header.write(TEXT_MAGIC, 0, 'latin1');
    header.writeUInt32LE(TEXT_VERSION, 8);
    this.parts.push(header);
  }

  get byteLength(): number {
    return this.length;
  }

  addBytes(bytes: Uint8Array): { offset: number; length: number; crc: number } {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const at = this.length;
    this.parts.push(buf);
    this.length += buf.byteLength;
    return { offset: at, length: buf.byteLength, crc: crc32(buf) };
  }

  addChunk(record: ChunkRecord): { offset: number; length: number; crc: number } {
    return this.addBytes(encodeChunkRecord(record));
  }

  addDoc(record: DocRecord): { offset: number; length: number; crc: number } {
    return this.addBytes(Buffer.from(JSON.stringify(record), 'utf8'));
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

export function encodeChunkRecord(record: ChunkRecord): Buffer {
  return Buffer.from(`${JSON.stringify(record.headingPath)}\n${record.content}`, 'utf8');
}

/** Checks a record's CRC-32; throws TypeError naming what is damaged. */
export function checkRecord(bytes: Uint8Array, crc: number, what: string): void {
  if (crc32(bytes) !== crc) throw new TypeError(`${what} does not match its checksum`);
}

export function decodeChunkRecord(bytes: Uint8Array): ChunkRecord {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const nl = text.indexOf('\n');
  if (nl < 0) throw new TypeError('chunk record has no heading line');
  const headingPath = JSON.parse(text.slice(0, nl)) as unknown;
  if (!Array.isArray(headingPath) || !headingPath.every((h) => typeof h === 'string')) throw new TypeError('chunk record heading path is malformed');
  return { headingPath, content: text.slice(nl + 1) };
}

export function decodeDocRecord(bytes: Uint8Array): DocRecord {
  const value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as Partial<DocRecord> | null;
  if (value === null || typeof value !== 'object' || !Array.isArray(value.headings) || !Array.isArray(value.links) || !Array.isArray(value.warnings)) {
    throw new TypeError('document record is malformed');
  }
  if (value.blocks !== undefined && !Array.isArray(value.blocks)) throw new TypeError('document record blocks are malformed');
  return {
    headings: value.headings,
    links: value.links,
    warnings: value.warnings,
    reason: typeof value.reason === 'string' ? value.reason : null,
    ...(value.blocks === undefined || value.blocks.length === 0 ? {} : { blocks: value.blocks }),
  };
}

/** Checks a text blob's header (the rest is checked record by record). */
export function checkTextHeader(header: Uint8Array): void {
  const buf = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (buf.byteLength < TEXT_HEADER_BYTES || buf.toString('latin1', 0, 8) !== TEXT_MAGIC) throw new TypeError('not a ragdocs text blob (bad magic)');
  const version = buf.readUInt32LE(8);
  if (version !== TEXT_VERSION) throw new TypeError(`text blob version ${version} is not supported (expected ${TEXT_VERSION})`);
}
