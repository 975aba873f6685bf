/**
 * The baseline's analyzer, close to Lucene's EnglishAnalyzer that Anserini's BM25 figures use:
 * lower-case, drop possessive `'s`, split on anything that is not a letter or digit, drop
 * Lucene's 33 English stop words, Porter-stem. Independent of the project's lunr pipeline.
 */
import { stemPorter } from './porter-stemmer.js';

/** Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`. */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'but', 'by', 'for', 'if', 'in', 'into', 'is', 'it', 'no',
  'not', 'of', 'on', 'or', 'such', 'that', 'the', 'their', 'then', 'there', 'these', 'they', 'this',
  'to', 'was', 'will', 'with',
]);

export interface TokenizeOptions {
  /** Porter-stem each token; default true. */
  stem?: boolean;
}

/** Text → index terms, in order (duplicates kept: term frequency matters). */
export function tokenizeForBm25(text: string, options: TokenizeOptions = {}): string[] {
  const stem = options.stem ?? true;
  const out: string[] = [];
  const words = text.toLowerCase().replace(/['’]s(?![\p{L}\p{N}])/gu, '').split(/[^\p{L}\p{N}]+/u);
  for (const word of words) {
    if (word.length === 0 || ENGLISH_STOP_WORDS.has(word)) continue;
    out.push(stem ? stemPorter(word) : word);
  }
  return out;
}
