import { createHash } from 'node:crypto';
import type { Embedder } from './embedder.js';

/**
 * Deterministic embedder for tests (provider `test`): feature-hashes lower-cased word tokens
 * and their character trigrams into a signed vector, then L2-normalises it. Texts sharing words
 * land close together, so semantic search behaves plausibly without any model file.
 * Not a language model: never the default for users.
 */
export function createHashingEmbedder(dimension: number): Embedder {
  const embedOne = (text: string): Float32Array => {
    const vec = new Float32Array(dimension);
    const words = text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
    for (const word of words) {
      addFeature(vec, 'w:' + word, 1);
      const padded = `^${word}$`;
      for (let i = 0; i + 3 <= padded.length; i++) addFeature(vec, 't:' + padded.slice(i, i + 3), 0.3);
    }
    let norm = 0;
    for (const v of vec) norm += v * v;
    if (norm === 0) {
      vec[0] = 1;
      return vec;
    }
    const inv = 1 / Math.sqrt(norm);
    for (let i = 0; i < vec.length; i++) vec[i] = (vec[i] as number) * inv;
    return vec;
  };
  return {
    id: `test-hashing-v1`,
    dimension,
    embedDocuments: async (texts) => texts.map(embedOne),
    embedQuery: async (text) => embedOne(text),
    close: async () => {},
  };
}

function addFeature(vec: Float32Array, feature: string, weight: number): void {
  const digest = createHash('md5').update(feature).digest();
  const bucket = digest.readUInt32LE(0) % vec.length;
  const sign = (digest[4] as number) & 1 ? 1 : -1;
  vec[bucket] = (vec[bucket] as number) + sign * weight;
}
