import type { EmbedderConfig } from '../config/types.js';
import { createHashingEmbedder } from './hashing-embedder.js';

/**
 * Turns text into unit-length vectors. `id` identifies the model and its settings: the index
 * stores it, and a different id (or dimension) means stored vectors are stale and are rebuilt.
 */
export interface Embedder {
  readonly id: string;
  readonly dimension: number;
  embedDocuments(texts: readonly string[]): Promise<Float32Array[]>;
  embedQuery(text: string): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Builds the configured embedder, or null for provider `none` (keyword + graph only). */
export function createEmbedder(config: EmbedderConfig): Embedder | null {
  switch (config.provider) {
    case 'none':
      return null;
    case 'test':
      return createHashingEmbedder(config.dimension);
  }
}

/** Short description for `index_status.embedder`. */
export function describeEmbedder(embedder: Embedder | null): string {
  return embedder === null ? 'none (keyword + graph only)' : `${embedder.id} (${embedder.dimension} dims)`;
}
