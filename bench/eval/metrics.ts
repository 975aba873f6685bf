/**
 * Rank-quality metrics for one query and averaged over a query set. Pure functions.
 *
 * Conventions (the same as trec_eval / pytrec_eval, which BEIR's published figures use):
 * - `ranking` holds document keys best first; a key repeated later in the list is ignored
 *   (it cannot be retrieved twice).
 * - `qrels` maps document keys to graded relevance; a grade ≤ 0 (or a missing key) is not relevant.
 * - nDCG uses linear gain (the grade itself) and the log2(rank + 1) discount; the ideal ranking
 *   is built from every positive grade in the qrels, not only from the retrieved documents.
 * - A query without any relevant document scores 0 on every metric; dataset loaders drop such
 *   queries so they do not drag averages down.
 */

/** Graded relevance of one query: document key → grade. */
export type Qrels = ReadonlyMap<string, number>;

export type MetricName = 'ndcg' | 'recall' | 'mrr';

/** One metric at one cutoff, e.g. `{ name: 'ndcg', k: 10 }` → `nDCG@10`. */
export interface MetricSpec {
  name: MetricName;
  k: number;
}

/** The figures the issue asks for, in the order tables print them. */
export const DEFAULT_METRICS: readonly MetricSpec[] = Object.freeze([
  { name: 'ndcg', k: 10 },
  { name: 'recall', k: 100 },
  { name: 'mrr', k: 10 },
  { name: 'recall', k: 5 },
]);

const LABELS: Record<MetricName, string> = { ndcg: 'nDCG', recall: 'Recall', mrr: 'MRR' };

/** Display label of a metric: `nDCG@10`, `Recall@100`, `MRR@10`. */
export function metricLabel(spec: MetricSpec): string {
  return `${LABELS[spec.name]}@${spec.k}`;
}

/** The first `k` distinct keys of a ranking. */
function topDistinct(ranking: readonly string[], k: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const key of ranking) {
    if (out.length >= k) break;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(key);
  }
  return out;
}

function gradeOf(qrels: Qrels, key: string): number {
  const grade = qrels.get(key) ?? 0;
  return grade > 0 ? grade : 0;
}

function relevantCount(qrels: Qrels): number {
  let n = 0;
  for (const grade of qrels.values()) if (grade > 0) n++;
  return n;
}

function discountedGain(grades: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < grades.length; i++) sum += (grades[i] ?? 0) / Math.log2(i + 2);
  return sum;
}

/** nDCG@k of one ranking: DCG of the top k over the DCG of the ideal top k from the qrels. */
export function ndcgAtK(ranking: readonly string[], qrels: Qrels, k: number): number {
  const ideal = [...qrels.values()].filter((g) => g > 0).sort((a, b) => b - a).slice(0, k);
  const idcg = discountedGain(ideal);
  if (idcg === 0) return 0;
  return discountedGain(topDistinct(ranking, k).map((key) => gradeOf(qrels, key))) / idcg;
}

/** Recall@k: share of the relevant documents found in the top k. */
export function recallAtK(ranking: readonly string[], qrels: Qrels, k: number): number {
  const total = relevantCount(qrels);
  if (total === 0) return 0;
  const found = topDistinct(ranking, k).filter((key) => gradeOf(qrels, key) > 0).length;
  return found / total;
}

/** Reciprocal rank of the first relevant document within the top k (0 when none). */
export function mrrAtK(ranking: readonly string[], qrels: Qrels, k: number): number {
  const top = topDistinct(ranking, k);
  const index = top.findIndex((key) => gradeOf(qrels, key) > 0);
  return index < 0 ? 0 : 1 / (index + 1);
}

const FUNCTIONS: Record<MetricName, (ranking: readonly string[], qrels: Qrels, k: number) => number> = {
  ndcg: ndcgAtK,
  recall: recallAtK,
  mrr: mrrAtK,
};

/** Every requested metric for one query, keyed by label (`nDCG@10` …). */
export function scoreQuery(
  ranking: readonly string[],
  qrels: Qrels,
  specs: readonly MetricSpec[] = DEFAULT_METRICS,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of specs) out[metricLabel(spec)] = FUNCTIONS[spec.name](ranking, qrels, spec.k);
  return out;
}

/** Arithmetic mean of per-query scores, label by label; an empty list gives 0 for every label. */
export function meanScores(perQuery: readonly Record<string, number>[], specs: readonly MetricSpec[] = DEFAULT_METRICS): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of specs) {
    const label = metricLabel(spec);
    let sum = 0;
    for (const scores of perQuery) sum += scores[label] ?? 0;
    out[label] = perQuery.length === 0 ? 0 : sum / perQuery.length;
  }
  return out;
}

/** Scores a whole run: `rankings` and `qrels` are keyed by query id; a query with no ranking counts as empty. */
export function evaluateRun(
  rankings: ReadonlyMap<string, readonly string[]>,
  qrels: ReadonlyMap<string, Qrels>,
  specs: readonly MetricSpec[] = DEFAULT_METRICS,
): { mean: Record<string, number>; perQuery: Map<string, Record<string, number>> } {
  const perQuery = new Map<string, Record<string, number>>();
  for (const [queryId, rel] of qrels) perQuery.set(queryId, scoreQuery(rankings.get(queryId) ?? [], rel, specs));
  return { mean: meanScores([...perQuery.values()], specs), perQuery };
}
