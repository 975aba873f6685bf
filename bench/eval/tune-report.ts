/**
 * The fusion sweep's report (`run --tune`): the top of the grid as a table, then the chosen and
 * the configured setting beside the keyword row and the BM25 baseline on each half of the queries.
 */
import { boundaryOf, rankGrid, selectBest, TUNE_METRIC, type FusionSetting, type GridRow, type QuerySplit, type SplitScores } from './tune.js';

export interface TuneReportInput {
  rows: readonly GridRow[];
  split: Record<QuerySplit, readonly string[]>;
  /** The keyword-only row and the ratio baseline, scored on the same halves. */
  keyword: SplitScores;
  baseline: { name: string } & SplitScores;
  /** Grid rows printed before the configured one is added (default 10). */
  shown?: number;
}

const SPLIT_METHOD = 'first byte of sha256(query id): even → tune, odd → check';

const ratio = (value: number | undefined, reference: number | undefined): number | null =>
  value === undefined || reference === undefined || reference <= 0 ? null : value / reference;

const fmtRatio = (r: number | null): string => (r === null ? '—' : `${r.toFixed(3)}×`);

/** `weight_semantic 0.5, rrf_k 20`: the two keys the sweep moves. */
export function describeSetting(s: FusionSetting): string {
  return `weight_semantic ${s.weightSemantic}, rrf_k ${s.rrfK}`;
}

function table(header: readonly string[], rows: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The sweep as text: top rows by the tune half, then the comparison on both halves. */
export function formatTuneReport(input: TuneReportInput): string {
  const metric = TUNE_METRIC;
  const ranked = rankGrid(input.rows, metric);
  const best = selectBest(input.rows, metric);
  const current = input.rows.find((r) => r.isCurrent);
  const shown = ranked.slice(0, input.shown ?? 10);
  const fixed = input.rows[0]?.setting;
  const out = [
    '',
    `fusion sweep: ${input.rows.length} settings of weight_semantic × rrf_k` +
      (fixed ? ` (weight_keyword ${fixed.weightKeyword}, weight_graph ${fixed.weightGraph})` : ''),
    `queries split by ${SPLIT_METHOD}: ${input.split.tune.length} tune, ${input.split.check.length} check; ` +
      `sorted by ${metric} on tune; * = configured setting`,
    '',
  ];
  const gridRow = (r: GridRow): string[] => [
    `${r.isCurrent ? '*' : ' '} ${r.setting.weightSemantic}`,
    String(r.setting.rrfK),
    (r.tune[metric] ?? 0).toFixed(4),
    (r.check[metric] ?? 0).toFixed(4),
    (r.tune['Recall@100'] ?? 0).toFixed(4),
    (r.check['Recall@100'] ?? 0).toFixed(4),
    (r.all[metric] ?? 0).toFixed(4),
  ];
  const rows = shown.map(gridRow);
  if (current && !shown.includes(current)) rows.push(['  …', '', '', '', '', '', ''], gridRow(current));
  out.push(...table(['  w_semantic', 'rrf_k', `${metric} tune`, `${metric} check`, 'Recall@100 tune', 'Recall@100 check', `${metric} all`], rows), '');

  const compare = (label: string, s: SplitScores): string[] => [
    label,
    ...(['tune', 'check'] as const).map((half) => {
      const v = s[half][metric];
      return `${(v ?? 0).toFixed(4)} (${fmtRatio(ratio(v, input.keyword[half][metric]))} / ${fmtRatio(ratio(v, input.baseline[half][metric]))})`;
    }),
  ];
  const lines = [compare(input.baseline.name, input.baseline), compare('keyword', input.keyword)];
  if (current) lines.push(compare(`configured (${describeSetting(current.setting)})`, current));
  lines.push(compare(`best on tune (${describeSetting(best.setting)})`, best));
  out.push(`${metric} on each half (× keyword / × ${input.baseline.name}):`, ...table(['', 'tune', 'check'], lines));
  out.push(
    '',
    best.isCurrent
      ? `best on tune: the configured setting (${describeSetting(best.setting)})`
      : `best on tune: ${describeSetting(best.setting)}; check-half ${metric} ${(best.check[metric] ?? 0).toFixed(4)} vs configured ${(current?.check[metric] ?? 0).toFixed(4)}`,
  );
  const boundary = boundaryOf(best.setting, input.rows.map((r) => r.setting));
  if (boundary.length > 0) out.push(`note: ${boundary.join(' and ')}: the optimum may lie outside the grid (widen TUNE_SEMANTIC_WEIGHTS / TUNE_RRF_K in bench/eval/tune.ts)`);
  if ((best.check[metric] ?? 0) < (input.keyword.check[metric] ?? 0)) {
    out.push(`note: on the check half the best fused setting is below keyword-only: with this embedder, fusing does not pay on this dataset`);
  }
  return `${out.join('\n')}\n`;
}

/** The sweep for `--json`: every grid point, the choice, and the references on each half. */
export function buildTuneJson(input: TuneReportInput): Record<string, unknown> {
  const metric = TUNE_METRIC;
  const best = selectBest(input.rows, metric);
  const current = input.rows.find((r) => r.isCurrent) ?? null;
  const ratios = (s: SplitScores): Record<string, Record<string, number | null>> => ({
    keyword: { tune: ratio(s.tune[metric], input.keyword.tune[metric]), check: ratio(s.check[metric], input.keyword.check[metric]) },
    baseline: { tune: ratio(s.tune[metric], input.baseline.tune[metric]), check: ratio(s.check[metric], input.baseline.check[metric]) },
  });
  return {
    metric,
    split: { method: SPLIT_METHOD, tune: input.split.tune.length, check: input.split.check.length },
    best: { ...best, ratios: ratios(best), onGridBoundary: boundaryOf(best.setting, input.rows.map((r) => r.setting)) },
    current: current === null ? null : { ...current, ratios: ratios(current) },
    references: { keyword: input.keyword, baseline: input.baseline },
    grid: input.rows,
  };
}
