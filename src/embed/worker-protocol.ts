import type { OpenAiEmbedderOptions } from './openai-embedder.js';
import type { TransformersEmbedderOptions } from './transformers-embedder.js';

/** What the embedding worker builds (sent as workerData; must be structured-clonable). */
export type WorkerInit =
  | { kind: 'transformers'; options: TransformersEmbedderOptions }
  | { kind: 'openai'; options: Omit<OpenAiEmbedderOptions, 'fetch' | 'sleep'> }
  | { kind: 'test'; dimension: number; /** Busy-wait per text, to simulate a model's CPU cost in benchmarks. */ costMs?: number };

/** An error crossing the thread boundary (AppError fields survive; the class does not). */
export interface WireError {
  code: string;
  message: string;
  hint?: string;
}

export type ToWorker = { type: 'embed'; id: number; texts: string[]; query: boolean } | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; id: string; dimension: number }
  | { type: 'failed'; error: WireError }
  | { type: 'result'; id: number; vectors: Float32Array[] }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'closed' };
