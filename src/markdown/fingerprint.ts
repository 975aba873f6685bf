import type { ChunkingOptions } from '../core/types.js';

/**
 * Bump whenever chunk boundaries, ids, content or hashes, or a document's metadata (title,
 * tags, links), could come out differently for the same input (parser upgrade, new splitting
 * rule, new title rule…): the index is then rebuilt. 3: titles follow the vault convention.
 * 4: `^block` ids are recorded (and left out of the keyword terms); links carry `#^block` apart.
 * 5: links resolve as in Obsidian (file names before aliases, shortest path, `./` relative only,
 * Markdown links also from the root): the persisted link graph was resolved by the older rules.
 */
export const CHUNKER_VERSION = 5;

/** Short string that changes whenever chunking output could change; stored in the manifest. */
export function chunkingFingerprint(opts: ChunkingOptions): string {
  return `md-chunker-v${CHUNKER_VERSION};min=${opts.minChars};max=${opts.maxChars}`;
}
