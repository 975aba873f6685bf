import type { Logger } from '../app/logger.js';
import { errorMessage } from '../core/errors.js';
import type { BuiltSegment } from '../indices/keyword.js';
import { keywordDocsOf, type ChangeSet, type Corpus } from './corpus.js';
import { createKeywordBuilder, type KeywordBuilder } from './keyword-builder.js';

/** Merges per write cycle at most (each one is a worker build; more wait for the next cycle). */
const MAX_MERGES_PER_CYCLE = 8;

/**
 * Keeps lunr work off the main thread: the segment of each change and every merge are built in
 * the keyword-build worker and swapped in synchronously. Without a worker (`mainThread`) the
 * keyword index builds and merges inside `Corpus.apply`, as it does in tests and benchmarks.
 */
export class KeywordMaintenance {
  private readonly builder: KeywordBuilder | null;

  constructor(private readonly logger: Logger, mainThread: boolean) {
    this.builder = mainThread ? null : createKeywordBuilder();
  }

  /** Every corpus the manager serves goes through here: its merges wait for `runMerges`. */
  adopt(corpus: Corpus): Corpus {
    if (this.builder) corpus.keyword.deferMerges(true);
    return corpus;
  }

  /** The keyword segment of a change, built in the worker; undefined makes apply build it itself. */
  async segmentFor(corpus: Corpus, change: ChangeSet): Promise<BuiltSegment | undefined> {
    const docs = keywordDocsOf(change);
    if (this.builder === null || docs.length === 0) return undefined;
    try {
      return await this.builder.build(docs, corpus.keywordParams);
    } catch (err) {
      this.logger.warn({ err: errorMessage(err) }, 'keyword build worker failed; building on the main thread');
      return undefined;
    }
  }

  /** Runs due merges of `corpus`: each is built in the worker, then swapped in at once. */
  async runMerges(corpus: Corpus): Promise<void> {
    if (this.builder === null) return;
    for (let i = 0; i < MAX_MERGES_PER_CYCLE; i++) {
      const job = corpus.keyword.nextMerge();
      if (job === null) return;
      let built;
      try {
        built = await this.builder.build(job.docs, corpus.keywordParams);
      } catch (err) {
        // Unmerged segments are still correct, only slower to search; the next cycle tries again.
        this.logger.warn({ err: errorMessage(err) }, 'keyword merge failed; will retry');
        return;
      }
      if (!corpus.keyword.applyMerge(job, built)) return;
    }
  }

  async close(): Promise<void> {
    await this.builder?.close();
  }
}
