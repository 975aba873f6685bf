/**
 * The binary container of index segments and text blobs (pure: bytes in, bytes out).
 *
 * A segment file is a small header, a directory of sections and the sections themselves, each
 * starting at an 8-byte boundary so that a section of numbers is used as a typed-array view of
 * the file's bytes, with no parsing and no copy:
 *
 * ```
 * offset 0   magic "RDXSEG\0\0" (8 bytes)
 *        8   u32 format version, u32 section count N
 *        16  N × { u32 kind, u32 reserved (0), f64 offset, f64 byte length }   (24 bytes each)
 *        ..  sections (little-endian), zero-padded to 8-byte boundaries
 * ```
 *
 * What the sections mean is segment-layout.ts; this file only knows the container, string
 * columns (u32 offsets + UTF-8 bytes) and unsigned LEB128 varints.
 */

export const SEGMENT_MAGIC = 'RDXSEG\0\0';
export const TEXT_MAGIC = 'RDXTXT\0\0';
const HEADER_BYTES = 16;
const ENTRY_BYTES = 24;

/** A section being written: its kind code and bytes. */
export interface SectionInput {
  kind: number;
  bytes: Uint8Array;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Lays sections out behind the header and directory; returns the whole file. */
export function encodeContainer(magic: string, version: number, sections: readonly SectionInput[]): Buffer {
  let offset = align8(HEADER_BYTES + ENTRY_BYTES * sections.length);
  const placed = sections.map((section) => {
    const at = offset;
    offset = align8(offset + section.bytes.byteLength);
    return at;
  });
  const out = Buffer.alloc(offset);
  out.write(magic, 0, 'latin1');
  out.writeUInt32LE(version, 8);
  out.writeUInt32LE(sections.length, 12);
  sections.forEach((section, i) => {
    const entry = HEADER_BYTES + ENTRY_BYTES * i;
    out.writeUInt32LE(section.kind, entry);
    out.writeDoubleLE(placed[i] as number, entry + 8);
    out.writeDoubleLE(section.bytes.byteLength, entry + 16);
    out.set(section.bytes, placed[i] as number);
  });
  return out;
}

/** The sections of a container, by kind, as views into `bytes` (which must stay unchanged). */
export interface Container {
  version: number;
  sections: Map<number, Uint8Array>;
}

/**
 * Reads the header and directory; throws TypeError on anything malformed. `checkVersion` runs
 * before the directory is read: another version may lay out everything after the version
 * differently, so it must be refused as a version, not reported as damage.
 */
export function decodeContainer(bytes: Uint8Array, magic: string, checkVersion: (version: number) => void = () => undefined): Container {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.byteLength < HEADER_BYTES || view.toString('latin1', 0, 8) !== magic) throw new TypeError('not a ragdocs index file (bad magic)');
  const version = view.readUInt32LE(8);
  checkVersion(version);
  const count = view.readUInt32LE(12);
  if (HEADER_BYTES + ENTRY_BYTES * count > view.byteLength) throw new TypeError(`directory of ${count} sections runs past the end`);
  const sections = new Map<number, Uint8Array>();
  for (let i = 0; i < count; i++) {
    const entry = HEADER_BYTES + ENTRY_BYTES * i;
    const kind = view.readUInt32LE(entry);
    const offset = view.readDoubleLE(entry + 8);
    const length = view.readDoubleLE(entry + 16);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > view.byteLength || offset % 8 !== 0) {
      throw new TypeError(`section ${kind} lies outside the file (offset ${offset}, ${length} bytes)`);
    }
    if (sections.has(kind)) throw new TypeError(`section ${kind} appears twice`);
    sections.set(kind, view.subarray(offset, offset + length));
  }
  return { version, sections };
}

/** A typed view of a section; the section must start 8-aligned in an 8-aligned buffer. */
export function u32View(section: Uint8Array): Uint32Array {
  if (section.byteLength % 4 !== 0 || section.byteOffset % 4 !== 0) throw new TypeError('misaligned u32 section');
  return new Uint32Array(section.buffer, section.byteOffset, section.byteLength / 4);
}

export function f64View(section: Uint8Array): Float64Array {
  if (section.byteLength % 8 !== 0 || section.byteOffset % 8 !== 0) throw new TypeError('misaligned f64 section');
  return new Float64Array(section.buffer, section.byteOffset, section.byteLength / 8);
}

export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Strings stored as UTF-8 back to back, with `count + 1` u32 offsets. */
export interface StringColumn {
  count: number;
  offsets: Uint32Array;
  bytes: Buffer;
}

export function encodeStrings(values: readonly string[]): { offsets: Uint8Array; bytes: Uint8Array } {
  const encoded = values.map((value) => Buffer.from(value, 'utf8'));
  return encodeByteStrings(encoded);
}

export function encodeByteStrings(values: readonly Uint8Array[]): { offsets: Uint8Array; bytes: Uint8Array } {
  const offsets = new Uint32Array(values.length + 1);
  let total = 0;
  values.forEach((value, i) => {
    offsets[i] = total;
    total += value.byteLength;
  });
  if (total > 0xffff_ffff) throw new RangeError('string column exceeds 4 GiB');
  offsets[values.length] = total;
  const bytes = Buffer.allocUnsafe(total);
  let at = 0;
  for (const value of values) {
    bytes.set(value, at);
    at += value.byteLength;
  }
  return { offsets: bytesOf(offsets), bytes };
}

export function stringColumn(offsets: Uint8Array, bytes: Uint8Array): StringColumn {
  const view = u32View(offsets);
  const count = view.length - 1;
  if (count < 0 || view[count] !== bytes.byteLength) throw new TypeError('string column offsets do not match its bytes');
  for (let i = 0; i < count; i++) if ((view[i] as number) > (view[i + 1] as number)) throw new TypeError('string column offsets decrease');
  return { count, offsets: view, bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

export function stringAt(column: StringColumn, i: number): string {
  return column.bytes.toString('utf8', column.offsets[i] as number, column.offsets[i + 1] as number);
}

/**
 * Index of `key` (UTF-8 bytes) in a column sorted by byte order, or -1. Byte order of UTF-8
 * is code-point order, which is what the builder sorts by.
 */
export function findSorted(column: StringColumn, key: Uint8Array): number {
  let lo = 0;
  let hi = column.count - 1;
  const { bytes, offsets } = column;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const cmp = bytes.compare(key, 0, key.byteLength, offsets[mid] as number, offsets[mid + 1] as number);
    if (cmp === 0) return mid;
    if (cmp < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Appends unsigned LEB128 varints to a growable byte buffer. */
export class VarintWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
  }

  write(value: number): void {
    if (this.length + 8 > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2 + 8);
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    let v = value;
    while (v >= 0x80) {
      this.buf[this.length++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.length++] = v;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

/** Concatenates byte arrays. */
export function concatBytes(parts: readonly Uint8Array[]): Buffer {
  return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}
