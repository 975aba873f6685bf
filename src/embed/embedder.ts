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
