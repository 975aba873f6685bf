/**
 * A segment merge as data that can cross to a worker thread: the segments' bytes with their
 * masks and stamps, the text blobs to consolidate and where to read them (a file, or bytes not
 * yet written).
 */
import { decodeSegment } from '../indices/segment-layout.js';
import { mergeSegments } from '../indices/segment-merge.js';
import type { BuiltSegment } from '../indices/keyword.js';

export interface MergeRequest {
  settings: string;
  inputs: { id: string; bytes: Uint8Array; dead: Uint8Array }[];
  stamps: [string, number, number][];
  /** Text blobs to consolidate: a file path, or the bytes themselves. */
  copyTexts: [string, string | Uint8Array][];
}

/** Copies `bytes` into a fresh 8-aligned buffer unless they already start one. */
export function alignedBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset % 8 === 0) return bytes;
  const copy = new Uint8Array(new ArrayBuffer(bytes.byteLength));
  copy.set(bytes);
  return copy;
}

export function runMergeJob(req: MergeRequest, readFile: (path: string) => Uint8Array): BuiltSegment | null {
  const sources = new Map(req.copyTexts);
  return mergeSegments(
    req.inputs.map((input) => ({ data: decodeSegment(alignedBytes(input.bytes), input.id), dead: input.dead })),
    {
      settings: req.settings,
      stamps: new Map(req.stamps.map(([path, size, mtimeMs]) => [path, { size, mtimeMs }])),
      copyTexts: new Set(sources.keys()),
      readText: (name) => {
        const source = sources.get(name);
        if (source === undefined) throw new TypeError(`text blob ${name} was not sent with the merge`);
        return typeof source === 'string' ? readFile(source) : source;
      },
    },
  );
}
