/**
 * Entry point of the keyword-build worker thread: lunr segment builds (tokenizing, the
 * inverted index, BM25 vectors, postings, the serialized snapshot) run here, so a batch of
 * thousands of chunks or a large merge never blocks the event loop that answers queries.
 */
import { parentPort } from 'node:worker_threads';
import { errorMessage } from '../core/errors.js';
import { createSegmentBuilder, type KeywordDoc, type KeywordIndexParams } from '../indices/keyword.js';
import { builtTransferList } from '../indices/keyword-built.js';

export interface BuildRequest {
  id: number;
  docs: KeywordDoc[];
  params: KeywordIndexParams;
}

const builders = new Map<string, ReturnType<typeof createSegmentBuilder>>();

parentPort?.on('message', (req: BuildRequest) => {
  try {
    const key = JSON.stringify(req.params);
    let build = builders.get(key);
    if (build === undefined) builders.set(key, (build = createSegmentBuilder(req.params)));
    const built = build(req.docs);
    parentPort?.postMessage({ id: req.id, built }, builtTransferList(built));
  } catch (err) {
    parentPort?.postMessage({ id: req.id, error: errorMessage(err) });
  }
});
