import { createHash } from 'node:crypto';
import type { EmbedderConfig } from '../config/types.js';

/** Dimension of the `test` provider when `embedder.dimension` is 0. */
export const TEST_DEFAULT_DIMENSION = 64;

/**
 * Names the vector space the configured embedder produces, without loading anything: vectors
 * with the same id are interchangeable, a different id means every stored vector is stale.
 * The query prefix is left out on purpose: it changes queries, not the stored vectors.
 */
export function vectorSpaceId(c: EmbedderConfig): string | null {
  const doc = c.documentPrefix === '' ? '' : `:doc-${createHash('sha256').update(c.documentPrefix).digest('hex').slice(0, 8)}`;
  switch (c.provider) {
    case 'none':
      return null;
    case 'test':
      return `test:hashing-v1:d${c.dimension ?? TEST_DEFAULT_DIMENSION}`;
    case 'transformers':
      return `transformers:${c.model}@${c.revision}:${c.dtype}:${c.pooling}${doc}`;
    case 'openai':
      return `openai:${c.model}@${c.baseUrl}${c.dimension === null ? '' : `:d${c.dimension}`}${doc}`;
  }
}

/** Short human name of the configured model, for status lines. */
export function describeModel(c: EmbedderConfig): string {
  switch (c.provider) {
    case 'none':
      return 'none (keyword + graph only)';
    case 'test':
      return 'test (hashing, not a language model)';
    case 'transformers':
      return `transformers ${c.model}${c.revision === 'main' ? '' : `@${c.revision}`} (${c.dtype})`;
    case 'openai':
      return `openai ${c.model} at ${c.baseUrl}`;
  }
}

/** Vector space of an embedder built in-process (tests, benchmarks) rather than from the config. */
export function spaceIdOf(embedder: { id: string; dimension: number }): string {
  return `${embedder.id}:d${embedder.dimension}`;
}
