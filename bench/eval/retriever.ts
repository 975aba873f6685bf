/**
 * The one seam between the evaluation harness and anything that ranks documents: the in-harness
 * BM25 baseline and the project's own search paths (project-retrievers.ts) both implement it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BM25_PRESETS, createBm25Index, type Bm25PresetName, type Bm25Document } from './bm25-baseline.js';
import { listMarkdownFiles } from './datasets.js';

/** Ranks documents for a query. */
export interface Retriever {
  /** Row label in reports, e.g. `bm25 (k1=0.9 b=0.4)`, `keyword`, `fused`. */
  name: string;
  /** Up to `k` distinct doc keys, best first. */
  search(query: string, k: number): Promise<string[]>;
  /** Frees what the retriever holds; optional. */
  close?(): Promise<void>;
}

/** Reads every Markdown/text file of `docsDir` as one BM25 document keyed by `docKeyOf`. */
export async function readBaselineDocuments(docsDir: string, docKeyOf: (path: string) => string): Promise<Bm25Document[]> {
  const files = await listMarkdownFiles(docsDir);
  return Promise.all(files.map(async (file) => ({ key: docKeyOf(file), text: await readFile(join(docsDir, file), 'utf8') })));
}

/** The BM25 baseline as a Retriever over already-read documents. */
export function createBm25Retriever(documents: Iterable<Bm25Document>, preset: Bm25PresetName): Retriever {
  const params = BM25_PRESETS[preset];
  const index = createBm25Index(documents, params);
  return {
    name: `bm25 ${preset} (k1=${params.k1} b=${params.b})`,
    search: async (query, k) => index.search(query, k).map((hit) => hit.key),
  };
}

/** Keeps each doc key at its best (first) position; turns chunk-level paths into a doc ranking. */
export function dedupeKeys(keys: Iterable<string>, limit = Infinity): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const key of keys) {
    if (out.length >= limit) break;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(key);
  }
  return out;
}
