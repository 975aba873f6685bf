/** BM25 arithmetic shared by the keyword index and the fusion that calibrates its evidence. Pure. */

/** lunr's idf (and Lucene's): never negative. */
export function bm25Idf(docFreq: number, docCount: number): number {
  return Math.log(1 + Math.abs((docCount - docFreq + 0.5) / (docFreq + 0.5)));
}
