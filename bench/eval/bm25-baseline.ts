/**
 * A plain Okapi BM25 over whole documents, written independently of lunr so the project's
 * keyword search has an outside yardstick in every evaluation run.
 *
 * score(d, q) = Σ_t qtf(t) · idf(t) · tf(t,d)·(k1+1) / (tf(t,d) + k1·(1 − b + b·|d|/avgdl))
 * idf(t)      = ln(1 + (N − df(t) + 0.5) / (df(t) + 0.5))   (Lucene's non-negative idf)
 *
 * Lucene ≥ 8 drops the constant (k1+1) factor; it scales every score alike, so rankings match.
 * Lucene also stores document lengths lossily, which can reorder near-ties; this does not.
 */
import { tokenizeForBm25 } from './bm25-tokenize.js';

export interface Bm25Params {
  k1: number;
  b: number;
}

/** Anserini's BEIR defaults (k1=0.9, b=0.4) and the textbook / Lucene defaults (1.2, 0.75). */
export const BM25_PRESETS = Object.freeze({
  anserini: Object.freeze({ k1: 0.9, b: 0.4 }),
  classic: Object.freeze({ k1: 1.2, b: 0.75 }),
} satisfies Record<string, Bm25Params>);

export type Bm25PresetName = keyof typeof BM25_PRESETS;

export interface Bm25Hit {
  key: string;
  score: number;
}

export interface Bm25Index {
  readonly params: Readonly<Bm25Params>;
  /** Number of documents indexed. */
  readonly size: number;
  /** Best `k` documents with a positive score, best first; ties broken by key for determinism. */
  search(query: string, k: number): Bm25Hit[];
}

export interface Bm25Document {
  key: string;
  text: string;
}

interface Posting {
  doc: number;
  tf: number;
}

/** Builds the inverted index in memory. `tokenize` defaults to the stemming English analyzer. */
export function createBm25Index(
  documents: Iterable<Bm25Document>,
  params: Bm25Params = BM25_PRESETS.anserini,
  tokenize: (text: string) => string[] = (text) => tokenizeForBm25(text),
): Bm25Index {
  const keys: string[] = [];
  const lengths: number[] = [];
  const postings = new Map<string, Posting[]>();
  for (const { key, text } of documents) {
    const doc = keys.length;
    keys.push(key);
    const terms = tokenize(text);
    lengths.push(terms.length);
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    for (const [term, tf] of counts) {
      let list = postings.get(term);
      if (!list) postings.set(term, (list = []));
      list.push({ doc, tf });
    }
  }
  const n = keys.length;
  const avgdl = n === 0 ? 0 : lengths.reduce((a, b) => a + b, 0) / n;
  const { k1, b } = params;
  // Per-document length normalisation, computed once.
  const norm = lengths.map((len) => k1 * (1 - b + (avgdl === 0 ? 0 : (b * len) / avgdl)));

  return {
    params: Object.freeze({ ...params }),
    size: n,
    search(query, k) {
      const limit = Math.floor(k);
      if (!(limit >= 1) || n === 0) return [];
      const queryTerms = new Map<string, number>();
      for (const term of tokenize(query)) queryTerms.set(term, (queryTerms.get(term) ?? 0) + 1);
      const scores = new Map<number, number>();
      for (const [term, qtf] of queryTerms) {
        const list = postings.get(term);
        if (!list) continue;
        const idf = Math.log(1 + (n - list.length + 0.5) / (list.length + 0.5));
        for (const { doc, tf } of list) {
          const s = (qtf * idf * tf * (k1 + 1)) / (tf + (norm[doc] ?? 0));
          scores.set(doc, (scores.get(doc) ?? 0) + s);
        }
      }
      const hits: Bm25Hit[] = [];
      for (const [doc, score] of scores) if (score > 0) hits.push({ key: keys[doc] ?? '', score });
      hits.sort((x, y) => y.score - x.score || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
      return hits.slice(0, limit);
    },
  };
}
