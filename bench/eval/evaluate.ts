/**
 * Runs a query set through retrievers and scores them, with ratios against a baseline row.
 */
import { DEFAULT_METRICS, evaluateRun, metricLabel, type MetricSpec, type Qrels } from './metrics.js';
import type { EvalQuery } from './queries-file.js';
import type { Retriever } from './retriever.js';

export interface RetrieverResult {
  name: string;
  /** Mean of each metric over the queries, keyed by label (`nDCG@10` …). */
  metrics: Record<string, number>;
  /** `metrics[label] / baseline.metrics[label]`; null when the baseline scored 0. */
  ratios: Record<string, number | null>;
  /** Wall time of one `search` call. */
  latencyMs: { p50: number; p95: number; mean: number };
  /** Per-query scores and the top of each ranking, for --per-query dumps. */
  perQuery: Map<string, { scores: Record<string, number>; ranking: string[] }>;
}

export interface EvaluateOptions {
  /** Documents asked of each retriever per query; at least the largest metric cutoff. */
  top: number;
  specs?: readonly MetricSpec[];
  /** Called after each retriever × query (for a progress line on stderr). */
  onProgress?: (retriever: string, done: number, total: number) => void;
}

/** Value at quantile `q` (0–1) of an ascending array, nearest-rank; 0 for an empty array. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? 0;
}

/** Runs one retriever over every query, sequentially (latencies stay undisturbed). */
export async function evaluateRetriever(retriever: Retriever, queries: readonly EvalQuery[], options: EvaluateOptions): Promise<Omit<RetrieverResult, 'ratios'>> {
  const specs = options.specs ?? DEFAULT_METRICS;
  const rankings = new Map<string, string[]>();
  const qrels = new Map<string, Qrels>();
  const times: number[] = [];
  for (const [i, query] of queries.entries()) {
    const started = performance.now();
    const ranking = await retriever.search(query.text, options.top);
    times.push(performance.now() - started);
    rankings.set(query.id, ranking);
    qrels.set(query.id, query.relevant);
    options.onProgress?.(retriever.name, i + 1, queries.length);
  }
  const { mean, perQuery } = evaluateRun(rankings, qrels, specs);
  const sorted = [...times].sort((a, b) => a - b);
  const total = times.reduce((a, b) => a + b, 0);
  return {
    name: retriever.name,
    metrics: mean,
    latencyMs: { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), mean: times.length === 0 ? 0 : total / times.length },
    perQuery: new Map([...perQuery].map(([id, scores]) => [id, { scores, ranking: rankings.get(id) ?? [] }])),
  };
}

/** Every retriever in order; `retrievers[baselineIndex]` (default 0) is the ratio denominator. */
export async function evaluateRetrievers(
  retrievers: readonly Retriever[],
  queries: readonly EvalQuery[],
  options: EvaluateOptions & { baselineIndex?: number },
): Promise<RetrieverResult[]> {
  const specs = options.specs ?? DEFAULT_METRICS;
  const maxK = Math.max(...specs.map((s) => s.k));
  if (options.top < maxK) throw new RangeError(`top ${options.top} is below the largest metric cutoff ${maxK}`);
  const raw = [];
  for (const retriever of retrievers) raw.push(await evaluateRetriever(retriever, queries, options));
  const baseline = raw[options.baselineIndex ?? 0];
  return raw.map((r) => {
    const ratios: Record<string, number | null> = {};
    for (const spec of specs) {
      const label = metricLabel(spec);
      const base = baseline?.metrics[label] ?? 0;
      ratios[label] = base > 0 ? (r.metrics[label] ?? 0) / base : null;
    }
    return { ...r, ratios };
  });
}
