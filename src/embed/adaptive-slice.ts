/**
 * How many texts the embedding worker embeds per document slice. A query that arrives during a
 * slice waits for the whole slice, so slices are sized by time, not count: a fast model gets
 * large slices (less per-call overhead), a slow one small slices (a short wait for queries).
 */

export interface SliceSizerOptions {
  /** Wall time one slice should take, in ms. */
  targetMs: number;
  /** Size of the first slice, before anything was measured. */
  initial: number;
  min: number;
  max: number;
  /** Weight of the newest measurement in the moving average of ms per text (0 < smoothing ≤ 1). */
  smoothing: number;
}

export interface SliceSizer {
  /** Texts in the next slice. */
  next(): number;
  /** Feed back how long a slice of `texts` texts took. */
  record(texts: number, elapsedMs: number): void;
}

/** 40 ms slices, 1 to 32 texts, starting at 4. */
export const DEFAULT_SLICE_OPTIONS: Readonly<SliceSizerOptions> = Object.freeze({
  targetMs: 40,
  initial: 4,
  min: 1,
  max: 32,
  smoothing: 0.3,
});

/** A slice sizer that aims for `targetMs` per slice from an exponential moving average of ms per text. */
export function createSliceSizer(options: SliceSizerOptions = DEFAULT_SLICE_OPTIONS): SliceSizer {
  const { targetMs, initial, min, max, smoothing } = options;
  const clamp = (n: number): number => Math.min(max, Math.max(min, n));
  let msPerText: number | null = null;
  let size = clamp(initial);
  return {
    next: () => size,
    record(texts, elapsedMs) {
      if (texts <= 0 || !Number.isFinite(elapsedMs) || elapsedMs < 0) return;
      const sample = elapsedMs / texts;
      msPerText = msPerText === null ? sample : msPerText + smoothing * (sample - msPerText);
      // A provider that takes no measurable time gets the largest slice, not a division by zero.
      size = msPerText <= 0 ? max : clamp(Math.floor(targetMs / msPerText));
    },
  };
}

/** The same size every time: for providers whose slice time is network latency, not work per text. */
export function createFixedSliceSizer(size: number): SliceSizer {
  return { next: () => size, record: () => undefined };
}
