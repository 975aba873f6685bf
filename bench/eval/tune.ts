/**
 * Fusion-weight sweep (`run --tune`): the fused retriever evaluated over a grid of
 * `search.weight_semantic` × `search.rrf_k`, with a deterministic held-out split of the queries so
 * the setting is chosen on one half ("tune") and confirmed on the other ("check"). The choice and
 * the split are pure functions; `evaluateGrid` runs the retrievers it is handed.
 */
import { createHash } from 'node:crypto';
import { evaluateRetriever, type RetrieverResult } from './evaluate.js';
import { DEFAULT_METRICS, metricLabel, type MetricSpec } from './metrics.js';
import type { EvalQuery } from './queries-file.js';
import type { Retriever } from './retriever.js';

/** The fusion settings one DocsService searches with (config keys `search.weight_*`, `search.rrf_k`). */
export interface FusionSetting {
  weightKeyword: number;
  weightSemantic: number;
  weightGraph: number;
  rrfK: number;
}

/** Values of `search.weight_semantic` the sweep tries (weight_keyword stays 1, so these are ratios to it). */
export const TUNE_SEMANTIC_WEIGHTS: readonly number[] = Object.freeze([0.25, 0.5, 0.75, 1, 1.5, 2, 3]);
/** Values of `search.rrf_k` the sweep tries. */
export const TUNE_RRF_K: readonly number[] = Object.freeze([10, 20, 40, 60, 100]);
/** The metric the best setting is chosen by. */
export const TUNE_METRIC = 'nDCG@10';

export type QuerySplit = 'tune' | 'check';

/**
 * Which half a query belongs to, from a hash of its id alone: a query stays in its half whatever
 * else is in the set (--limit-queries, a re-run, a grown query file), and the halves are about equal.
 */
export function splitOf(queryId: string): QuerySplit {
  const firstByte = createHash('sha256').update(queryId).digest()[0] ?? 0;
  return firstByte % 2 === 0 ? 'tune' : 'check';
}

/** Query ids divided into the two halves, each in input order. */
export function splitQueryIds(ids: Iterable<string>): Record<QuerySplit, string[]> {
  const out: Record<QuerySplit, string[]> = { tune: [], check: [] };
  for (const id of ids) out[splitOf(id)].push(id);
  return out;
}

export function sameSetting(a: FusionSetting, b: FusionSetting): boolean {
  return a.weightKeyword === b.weightKeyword && a.weightSemantic === b.weightSemantic && a.weightGraph === b.weightGraph && a.rrfK === b.rrfK;
}

/**
 * The grid: weight_keyword 1, weight_graph from `current`, every semantic weight × rrf_k; `current`
 * (the configured setting) is appended when it is not already one of the points, so the default
 * always has a row to compare with.
 */
export function buildGrid(
  current: FusionSetting,
  semanticWeights: readonly number[] = TUNE_SEMANTIC_WEIGHTS,
  rrfKs: readonly number[] = TUNE_RRF_K,
): FusionSetting[] {
  const grid: FusionSetting[] = [];
  for (const weightSemantic of semanticWeights) {
    for (const rrfK of rrfKs) grid.push({ weightKeyword: 1, weightSemantic, weightGraph: current.weightGraph, rrfK });
  }
  if (!grid.some((s) => sameSetting(s, current))) grid.push({ ...current });
  return grid;
}

/** Mean of each metric over the listed queries only (0 for every metric when `ids` is empty). */
export function subsetMeans(
  perQuery: RetrieverResult['perQuery'],
  ids: readonly string[],
  specs: readonly MetricSpec[] = DEFAULT_METRICS,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of specs) {
    const label = metricLabel(spec);
    let sum = 0;
    for (const id of ids) sum += perQuery.get(id)?.scores[label] ?? 0;
    out[label] = ids.length === 0 ? 0 : sum / ids.length;
  }
  return out;
}

/** One retriever's means on each half and on all queries. */
export interface SplitScores {
  tune: Record<string, number>;
  check: Record<string, number>;
  all: Record<string, number>;
}

export function scoreSplits(result: Pick<RetrieverResult, 'perQuery' | 'metrics'>, split: Record<QuerySplit, string[]>, specs: readonly MetricSpec[] = DEFAULT_METRICS): SplitScores {
  return { tune: subsetMeans(result.perQuery, split.tune, specs), check: subsetMeans(result.perQuery, split.check, specs), all: result.metrics };
}

export interface GridRow extends SplitScores {
  setting: FusionSetting;
  /** The configured setting (the `fused` row of the main table). */
  isCurrent: boolean;
}

/**
 * Rows best first by `metric` on the tune half. Ties (common: a weight change that moves no
 * document) prefer the current setting, so a tie never suggests changing the defaults, then
 * grid order, so the order is deterministic.
 */
export function rankGrid(rows: readonly GridRow[], metric: string = TUNE_METRIC): GridRow[] {
  return rows
    .map((row, index) => ({ row, index }))
    .sort((a, b) => {
      const diff = (b.row.tune[metric] ?? 0) - (a.row.tune[metric] ?? 0);
      if (diff !== 0) return diff;
      if (a.row.isCurrent !== b.row.isCurrent) return a.row.isCurrent ? -1 : 1;
      return a.index - b.index;
    })
    .map(({ row }) => row);
}

/** The setting chosen on the tune half; throws on an empty grid. */
export function selectBest(rows: readonly GridRow[], metric: string = TUNE_METRIC): GridRow {
  const best = rankGrid(rows, metric)[0];
  if (best === undefined) throw new RangeError('the fusion grid is empty');
  return best;
}

/**
 * The swept keys at which `setting` sits on the grid's boundary, described: a best setting on
 * the boundary means the optimum may lie outside the grid (and the grid should be widened).
 */
export function boundaryOf(setting: FusionSetting, grid: readonly FusionSetting[]): string[] {
  const out: string[] = [];
  const check = (key: 'weightSemantic' | 'rrfK', label: string): void => {
    const values = grid.filter((s) => s.weightKeyword === setting.weightKeyword && s.weightGraph === setting.weightGraph).map((s) => s[key]);
    if (values.length < 2) return;
    const min = Math.min(...values);
    const max = Math.max(...values);
    if (min === max) return;
    if (setting[key] === min) out.push(`${label} ${setting[key]} is the smallest tried`);
    else if (setting[key] === max) out.push(`${label} ${setting[key]} is the largest tried`);
  };
  check('weightSemantic', 'weight_semantic');
  check('rrfK', 'rrf_k');
  return out;
}

export interface GridOptions {
  top: number;
  specs?: readonly MetricSpec[];
  onProgress?: (done: number, total: number) => void;
}

/** Runs every setting's retriever over all queries once and scores each half from the per-query figures. */
export async function evaluateGrid(
  grid: readonly FusionSetting[],
  current: FusionSetting,
  makeRetriever: (setting: FusionSetting) => Retriever,
  queries: readonly EvalQuery[],
  options: GridOptions,
): Promise<{ rows: GridRow[]; split: Record<QuerySplit, string[]> }> {
  const split = splitQueryIds(queries.map((q) => q.id));
  const rows: GridRow[] = [];
  for (const [i, setting] of grid.entries()) {
    const result = await evaluateRetriever(makeRetriever(setting), queries, { top: options.top, ...(options.specs ? { specs: options.specs } : {}) });
    rows.push({ setting, isCurrent: sameSetting(setting, current), ...scoreSplits(result, split, options.specs) });
    options.onProgress?.(i + 1, grid.length);
  }
  return { rows, split };
}
