import { Corpus } from '../../src/indexing/corpus.js';
import { alignedBytes } from '../../src/indexing/merge-job.js';
import { segmentDoc } from '../../src/indexing/prepare.js';
import { TextStore } from '../../src/indexing/text-store.js';
import { sha256 } from '../../src/core/hash.js';
import { createSegmentBuilder, type KeywordIndexParams } from '../../src/indices/keyword.js';
import { decodeSegment } from '../../src/indices/segment-layout.js';
import { parseDocument } from '../../src/markdown/index.js';

const chunking = { minChars: 0, maxChars: 1500 };
const build = createSegmentBuilder();

/** A corpus with no index dir behind it: text blobs stay in memory. */
export function memoryCorpus(params: KeywordIndexParams = {}): Corpus {
  return new Corpus(params, new TextStore());
}

/**
 * Parses `docs` (path → Markdown) into one segment and applies it with `deletes`, as a write
 * cycle does (links resolved before it returns).
 */
export async function applyDocs(corpus: Corpus, docs: Iterable<[string, string]>, deletes: string[] = []): Promise<void> {
  const inputs = [...docs].map(([path, text]) => segmentDoc({ size: Buffer.byteLength(text), mtimeMs: 1, hash: sha256(text) }, parseDocument(path, text, chunking)));
  const built = inputs.length > 0 ? build(inputs) : null;
  const data = built ? decodeSegment(alignedBytes(built.bytes), built.id) : null;
  corpus.apply({ built, deletes, touched: [] }, data);
  await corpus.resolvePendingLinks();
}
