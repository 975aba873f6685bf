/**
 * Merge policy of the segmented keyword index (pure; see keyword.ts). Segments are grouped in
 * size tiers: tier t holds segments of about minDocs·factor^t live docs. When `factor`
 * adjacent segments share a tier they merge into one of the next tier, so a document is
 * rebuilt about log_factor(n / batch) times in all, and a query visits at most about
 * (factor − 1) segments per tier. A segment mostly made of masked copies is rewritten alone.
 */

export interface SegmentSize {
  /** Live copies. */
  live: number;
  /** Stored copies, live or masked. */
  stored: number;
}

export interface MergePolicy {
  factor: number;
  minDocs: number;
  /** Rewrite a segment alone once this share of its copies is masked. */
  maxDeadRatio: number;
}

/** A contiguous run of segments [start, end) to rebuild from their live docs. */
export interface MergePlan {
  start: number;
  end: number;
}

/** Hard cap on live segments: beyond it the two smallest neighbours merge regardless of tiers. */
const MAX_SEGMENTS = 40;

/** Size tier of a segment with `live` docs: 0 up to minDocs·factor, then one more per factor. */
export function sizeTier(live: number, policy: MergePolicy): number {
  if (live <= policy.minDocs) return 0;
  return Math.floor(Math.log(live / policy.minDocs) / Math.log(policy.factor));
}

/** The next merge to do, or null when the segments are in shape. Oldest segment first. */
export function planMerge(sizes: readonly SegmentSize[], policy: MergePolicy): MergePlan | null {
  for (let i = 0; i < sizes.length; i++) {
    const size = sizes[i] as SegmentSize;
    const dead = size.stored - size.live;
    if (size.live === 0 || (dead > policy.maxDeadRatio * size.stored && dead > 0)) return { start: i, end: i + 1 };
  }
  const tiers = sizes.map((size) => sizeTier(size.live, policy));
  // Lowest tier first: small merges are cheap and keep the segment count down.
  let best: MergePlan | null = null;
  let bestTier = Number.POSITIVE_INFINITY;
  let runStart = 0;
  for (let i = 1; i <= tiers.length; i++) {
    if (i < tiers.length && tiers[i] === tiers[runStart]) continue;
    const tier = tiers[runStart] as number;
    if (i - runStart >= policy.factor && tier < bestTier) {
      best = { start: runStart, end: runStart + policy.factor };
      bestTier = tier;
    }
    runStart = i;
  }
  if (best !== null || sizes.length <= MAX_SEGMENTS) return best;
  let pair = 0;
  for (let i = 1; i + 1 < sizes.length; i++) {
    const combined = (sizes[i] as SegmentSize).live + (sizes[i + 1] as SegmentSize).live;
    if (combined < (sizes[pair] as SegmentSize).live + (sizes[pair + 1] as SegmentSize).live) pair = i;
  }
  return { start: pair, end: pair + 2 };
}
