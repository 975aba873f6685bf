/** Summary statistics for benchmark samples. Benchmarks print these; they never assert on time. */
export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  p95: number;
}

export function quantileOf(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    median: quantileOf(sorted, 0.5),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    p95: quantileOf(sorted, 0.95),
  };
}

export function formatMs(summary: Summary): string {
  const f = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  return `median ${f(summary.median)} ms (min ${f(summary.min)}, max ${f(summary.max)}, n=${summary.runs})`;
}
