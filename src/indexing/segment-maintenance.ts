import { readFileSync } from 'node:fs';
import type { Logger } from '../app/logger.js';
import { errorMessage } from '../core/errors.js';
import { KEYWORD_SETTINGS_KEY, type BuiltSegment } from '../indices/keyword.js';
import { decodeSegment } from '../indices/segment-layout.js';
import type { MergePlanJob } from '../indices/segment-index.js';
import type { Corpus } from './corpus.js';
import type { IndexWorkers } from './index-workers.js';
import { alignedBytes, runMergeJob, type MergeRequest } from './merge-job.js';

/** Merges per write cycle at most (more wait for the next cycle). */
const MAX_MERGES_PER_CYCLE = 8;
/** Text blobs below this size are consolidated whenever their segment is merged (edits write tiny ones). */
const SMALL_TEXT_BYTES = 256 * 1024;
/** A text blob with less than this share of live records is consolidated when its segment is merged. */
const MIN_LIVE_TEXT_SHARE = 0.5;
/** A merged segment pointing into more text blobs than this consolidates the smallest ones. */
const MAX_TEXT_BLOBS = 32;

/**
 * Keeps segments in shape: plans tiered merges (SegmentIndex.nextMerge), runs each in an index
 * worker (or here, without workers), and swaps it in synchronously. Texts are consolidated only
 * where that pays: tiny blobs, mostly dead blobs, or too many of them.
 */
export class SegmentMaintenance {
  constructor(
    private readonly logger: Logger,
    private readonly workers: IndexWorkers | null,
  ) {}

  async runMerges(corpus: Corpus): Promise<void> {
    for (let i = 0; i < MAX_MERGES_PER_CYCLE; i++) {
      const job = corpus.index.nextMerge();
      if (job === null) return;
      let built: BuiltSegment | null;
      try {
        const req = mergeRequest(corpus, job);
        built = this.workers ? await this.workers.merge(req) : runMergeJob(req, (path) => alignedBytes(readFileSync(path)));
      } catch (err) {
        // Unmerged segments are still correct, only slower to search; the next cycle tries again.
        this.logger.warn({ err: errorMessage(err) }, 'segment merge failed; will retry');
        return;
      }
      if (built?.text) corpus.texts.put(built.text.name, built.text.bytes);
      const data = built ? decodeSegment(alignedBytes(built.bytes), built.id) : null;
      if (!corpus.index.applyMerge(job, data)) return;
    }
  }
}

/** The merge as data for a worker, with the text blobs chosen for consolidation. */
export function mergeRequest(corpus: Corpus, job: MergePlanJob): MergeRequest {
  // Live record bytes per text blob of the run.
  const live = new Map<string, number>();
  job.run.forEach((seg, s) => {
    const { data } = seg;
    const dead = job.dead[s] as Uint8Array;
    for (let doc = 0; doc < data.docCount; doc++) {
      if (dead[doc] === 1) continue;
      const add = (blob: number, length: number): void => {
        const name = data.info.texts[blob] as string;
        live.set(name, (live.get(name) ?? 0) + length);
      };
      add(data.docMetaText[doc] as number, data.docMetaLength[doc] as number);
      const first = data.docFirstChunk[doc] as number;
      for (let c = first; c < first + (data.docChunks[doc] as number); c++) add(data.chunkText[c] as number, data.chunkLength[c] as number);
    }
  });
  const sized = [...live.entries()].map(([name, bytes]) => ({ name, live: bytes, size: corpus.texts.sizeOf(name) ?? Number.POSITIVE_INFINITY }));
  const copy = new Set(sized.filter((t) => t.size < SMALL_TEXT_BYTES || t.live < MIN_LIVE_TEXT_SHARE * t.size).map((t) => t.name));
  const kept = sized.filter((t) => !copy.has(t.name)).sort((a, b) => a.size - b.size);
  if (kept.length > MAX_TEXT_BLOBS) for (const t of kept.slice(0, kept.length - MAX_TEXT_BLOBS / 2)) copy.add(t.name);
  const copyTexts: [string, string | Uint8Array][] = [...copy].map((name) => {
    const source = corpus.texts.bytesOf(name) ?? corpus.texts.pathOf(name);
    if (source === null) throw new Error(`text blob ${name} is neither in memory nor on disk`);
    return [name, source];
  });
  return {
    settings: KEYWORD_SETTINGS_KEY,
    inputs: job.run.map((seg, s) => ({ id: seg.data.id, bytes: seg.data.bytes, dead: job.dead[s] as Uint8Array })),
    stamps: [...job.stamps.entries()].map(([path, st]) => [path, st.size, st.mtimeMs]),
    copyTexts,
  };
}
