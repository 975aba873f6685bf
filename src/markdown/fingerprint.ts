import type { ChunkingOptions } from '../core/types.js';

/**
 * Bump whenever chunk boundaries, ids, content or hashes, or a document's metadata (title,
 * tags, links), could come out differently for the same input (parser upgrade, new splitting
 * rule, new title rule…): the index is then rebuilt. 3: titles follow the vault convention.
 */
export const CHUNKER_VERSION = 3;

/** Short string that changes whenever chunking output could change; stored in the manifest. */
export function chunkingFingerprint(opts: ChunkingOptions): string {
  return `md-chunker-v${CHUNKER_VERSION};min=${opts.minChars};max=${opts.maxChars}`;
}
