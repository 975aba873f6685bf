/**
 * Presentation of a footprint report (bench/footprint.ts): one Markdown table per corpus, each
 * figure as "median (min–max)" for the current checkout and the baseline, their ratio
 * (current ÷ baseline) and issue 9's goal with whether the current median meets it; and the
 * SVG chart of RSS per instance and spawn → ready against corpus size.
 */
import { renderLineChart } from './lib/chart.js';
import { summarize, type Summary } from './lib/stats.js';
import { formatSummary } from './perf-report.js';
import type { CheckoutResult, CorpusResult, FootprintReport } from './footprint.js';

const MiB = 1024 * 1024;
const KiB = 1024;

interface Goal {
  text: string;
  /** True when the current median meets the goal. */
  met?: (median: number) => boolean;
}

interface Row {
  figure: string;
  /** Samples of one checkout (already in the row's unit); null: not measurable there. */
  samples: (c: CheckoutResult, corpus: CorpusResult) => number[] | null;
  goal?: (corpus: CorpusResult) => Goal;
  /** Counts print as "k of n runs" (the sum of 0/1 samples). */
  count?: boolean;
  /** Small integers print as the list of samples. */
  list?: boolean;
}

const at = <T>(items: readonly T[], get: (item: T) => number): number[] => items.map(get).filter((x) => Number.isFinite(x));
const mib = (bytes: number): number => bytes / MiB;
const upTo = (limit: number, text: string): Goal => ({ text, met: (m) => m <= limit });
/** Goal RSS per serving instance: 3× the corpus bytes + 120 MiB. */
export const rssGoalMiB = (corpus: CorpusResult): number => (3 * corpus.mdBytes) / MiB + 120;

const ROWS: Row[] = [
  { figure: '`index`: wall time, s', samples: (c) => at(c.index, (r) => r.ms / 1000) },
  { figure: '`index`: MiB/s of Markdown', samples: (c, k) => at(c.index, (r) => mib(k.mdBytes) / (r.ms / 1000)), goal: () => ({ text: '≥ 2.5', met: (m) => m >= 2.5 }) },
  { figure: '`index`: peak RSS, MiB', samples: (c) => at(c.index, (r) => r.peakRssMiB), goal: () => upTo(600e6 / MiB, '≤ 600 MB = 572 MiB (set at 50k)') },
  { figure: '`index`: index dir, max during build, MiB', samples: (c) => at(c.index, (r) => mib(r.maxDirBytes)) },
  { figure: '`index`: index dir max ÷ corpus', samples: (c, k) => at(c.index, (r) => r.maxDirBytes / k.mdBytes), goal: () => upTo(3, '≤ 3×') },
  { figure: '`index`: index dir after, MiB', samples: (c) => at(c.index, (r) => mib(r.finalDirBytes)) },
  { figure: '`index`: index dir after ÷ corpus', samples: (c, k) => at(c.index, (r) => r.finalDirBytes / k.mdBytes), goal: () => upTo(3, '≤ 3×') },
  { figure: '`index`: bytes the manifest references, MiB', samples: (c) => at(c.index, (r) => mib(r.manifestBytes ?? Number.NaN)) },
  { figure: 'spawn → initialize, ms', samples: (c) => at(c.serve, (r) => r.initializeMs) },
  { figure: 'spawn → first correct answer, ms', samples: (c) => at(c.serve, (r) => r.firstCorrectMs), goal: () => upTo(1000, '≤ 1,000') },
  { figure: 'first answer (right after initialize) wrong', samples: (c) => c.serve.map((r) => (r.firstAnswerRight ? 0 : 1)), goal: () => upTo(0, '0 (never a bare "No results")'), count: true },
  { figure: 'spawn → ready, ms', samples: (c) => at(c.serve, (r) => r.readyMs), goal: () => upTo(1500, '≤ 1,500') },
  { figure: 'RSS of one serving instance once ready, MiB', samples: (c) => at(c.serve, (r) => r.rssMiB), goal: (k) => upTo(rssGoalMiB(k), `≤ 3× corpus + 120 = ${rssGoalMiB(k).toFixed(0)}`) },
  { figure: 'RSS after 2 query passes, MiB', samples: (c) => at(c.serve, (r) => r.rssAfterQueriesMiB), goal: (k) => upTo(rssGoalMiB(k), `≤ ${rssGoalMiB(k).toFixed(0)}`) },
  { figure: 'keyword query p50 over MCP, ms', samples: (c) => at(c.serve, (r) => r.queryP50Ms), goal: () => upTo(5, '≤ 5 (set at 50k)') },
  { figure: 'keyword query p95 over MCP, ms', samples: (c) => at(c.serve, (r) => r.queryP95Ms), goal: () => upTo(20, '≤ 20 (set at 50k)') },
  { figure: 'N instances at once: RSS per instance, MiB', samples: (c) => c.instances.flatMap((r) => r.rssMiB), goal: (k) => upTo(rssGoalMiB(k), `≤ ${rssGoalMiB(k).toFixed(0)}`) },
  { figure: 'N instances at once: total RSS, MiB', samples: (c) => at(c.instances, (r) => r.totalRssMiB), goal: () => upTo(1.1e9 / MiB, '≤ 1.1 GB = 1,049 MiB for 4 (set at 50k)') },
  { figure: 'N instances at once: spawn → last ready, ms', samples: (c) => at(c.instances, (r) => Math.max(...r.readyMs)) },
  { figure: 'edit: bytes written (new gen folders + manifest), KiB', samples: (c) => at(c.edit, (r) => r.bytesWritten / KiB), goal: (k) => upTo(256 + fileShareKiB(k), `≤ 256 + file share ${fileShareKiB(k).toFixed(0)} = ${(256 + fileShareKiB(k)).toFixed(0)}`) },
  { figure: 'edit: size of the edited file, KiB', samples: (c) => at(c.edit, (r) => r.fileBytes / KiB) },
  { figure: 'edit: new generation folders, per run', samples: (c) => at(c.edit, (r) => r.newGenerations.length), list: true },
  { figure: 'edit: follower reload (its log line), ms', samples: (c) => (c.edit.some((r) => r.followerReloadMs.length > 0) ? at(c.edit, (r) => r.followerReloadMs[0] ?? Number.NaN) : null), goal: () => upTo(50, '≤ 50') },
  { figure: 'edit → token found by the other instance, ms', samples: (c) => at(c.edit, (r) => r.followerFoundMs) },
];

/**
 * The edited file's share of the index: its bytes ÷ the corpus bytes × the index the manifest
 * references after the current checkout's build (the edit goal allows this much beyond 256 KiB).
 */
function fileShareKiB(corpus: CorpusResult): number {
  const edits = corpus.current.edit;
  const index = summarize(at(corpus.current.index, (r) => r.manifestBytes ?? r.finalDirBytes)).median;
  const file = summarize(at(edits, (r) => r.fileBytes)).median;
  return Number.isFinite(index) && Number.isFinite(file) ? (file / corpus.mdBytes) * index / KiB : 0;
}

function cell(s: Summary | null, samples: number[] | null, row: Row): string {
  if (s === null || samples === null) return 'n/a';
  if (s.runs === 0) return 'failed';
  if (row.count) return `${samples.reduce((a, b) => a + b, 0)} of ${samples.length} runs`;
  if (row.list) return samples.join(', ');
  return formatSummary(s);
}

function ratio(current: Summary | null, baseline: Summary | null): string {
  if (current === null || baseline === null || current.runs === 0 || baseline.runs === 0) return 'n/a';
  if (baseline.median === 0) return current.median === 0 ? '=' : 'n/a';
  const r = current.median / baseline.median;
  return `${r >= 10 ? r.toFixed(1) : r >= 0.1 ? r.toFixed(2) : r.toFixed(3)}×`;
}

function table(headers: string[], rows: string[][]): string[] {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

function corpusTable(corpus: CorpusResult, report: FootprintReport): string[] {
  const rows = ROWS.map((row) => {
    const cs = row.samples(corpus.current, corpus);
    const bs = corpus.baseline === null ? null : row.samples(corpus.baseline, corpus);
    const c = cs === null ? null : summarize(cs);
    const b = bs === null ? null : summarize(bs);
    const goal = row.goal?.(corpus);
    const verdict = goal?.met === undefined || c === null || c.runs === 0 ? '' : goal.met(row.count ? Math.max(...(cs ?? [])) : c.median) ? ' ✓' : ' ✗ missed';
    const shownRatio = row.count || row.list ? '' : ratio(c, b);
    return [row.figure.replace('N instances', `${report.instances} instances`), cell(c, cs, row), corpus.baseline === null ? 'not run' : cell(b, bs, row), shownRatio, goal ? `${goal.text}${verdict}` : ''];
  });
  const chunks = corpus.current.serve[0]?.chunks ?? corpus.baseline?.serve[0]?.chunks;
  const head = [
    `## ${corpus.name}: ${corpus.files} files, ${chunks ?? '?'} chunks, ${mib(corpus.mdBytes).toFixed(1)} MiB of Markdown (${corpus.dir})`,
    `probes: ${corpus.probes} tokens (${corpus.probeSource}); query set: ${corpus.queries} queries (half probe tokens, half 2–4 word phrases), top_n 10`,
  ];
  if (corpus.baselineSkipped) head.push(`baseline: ${corpus.baselineSkipped}`);
  const errors = [corpus.current, corpus.baseline].flatMap((c) => (c === null ? [] : c.errors.map((e) => `[${c.label}] ${e.split('\n')[0]}`)));
  const wrong = [corpus.current, corpus.baseline].flatMap((c) => (c === null ? [] : c.serve.filter((r) => !r.firstAnswerRight).map((r) => `[${c.label}] first answer: ${JSON.stringify(r.firstAnswerText)}`)));
  return [...head, '', ...table(['figure', 'current median (min–max)', 'baseline median (min–max)', 'ratio', 'goal'], rows), ...wrong.slice(0, 4).map((w) => `\n${w}`), ...errors.map((e) => `\nerror ${e}`), ''];
}

/** The whole report as Markdown (readable in a terminal too). */
export function formatFootprintReport(report: FootprintReport): string {
  const m = report.machine;
  const out = [
    `# footprint — ${report.date.slice(0, 10)}, ${m.cpus} × ${m.cpuModel}, node ${m.node}, ${m.platform}`,
    `# current: ${report.current.checkout} @ ${report.current.commit ?? 'unknown'}; baseline: ${report.baseline ? `${report.baseline.checkout} @ ${report.baseline.commit ?? 'unknown'}` : 'none'}`,
    `# median (min–max) over ${report.runs} runs (baseline: ${report.baselineRuns}); ratio = current ÷ baseline; embedder none; ✓/✗: the current median against issue 9's goal`,
    `# wall time of the whole run: ${(report.wallMs / 60_000).toFixed(1)} min`,
    '',
  ];
  for (const corpus of report.corpora) out.push(...corpusTable(corpus, report));
  if (report.eval !== null) {
    const e = report.eval;
    const f = (x: number | null, missing: string): string => (x === null ? missing : x.toFixed(4));
    out.push(`## quality: keyword nDCG@10 on ${e.dataset} (bench/eval/run.js --embedder none)`, '');
    out.push(`current ${f(e.current, 'failed')}, baseline ${f(e.baseline, report.baseline ? 'failed' : 'not run')}; goal: within 0.005 of 0.7011${e.current === null ? '' : Math.abs(e.current - 0.7011) <= 0.005 ? ' ✓' : ' ✗ missed'}`);
    out.push(...e.errors.map((x) => `error ${x.split('\n')[0]}`), '');
  }
  return out.join('\n');
}

/** RSS per serving instance and start-up against corpus size, current vs baseline. */
export function renderFootprintChart(report: FootprintReport): string {
  const points = (pick: (k: CorpusResult) => CheckoutResult | null, get: (c: CheckoutResult) => number[]): [number, number][] =>
    report.corpora.map((k) => {
      const c = pick(k);
      return [mib(k.mdBytes), c === null ? Number.NaN : summarize(get(c)).median];
    });
  const cur = (k: CorpusResult): CheckoutResult => k.current;
  const base = (k: CorpusResult): CheckoutResult | null => k.baseline;
  const rss = (c: CheckoutResult): number[] => at(c.serve, (r) => r.rssMiB);
  const ready = (c: CheckoutResult): number[] => at(c.serve, (r) => r.readyMs);
  const first = (c: CheckoutResult): number[] => at(c.serve, (r) => r.firstCorrectMs);
  const m = report.machine;
  return renderLineChart(
    [
      {
        title: 'RSS of one serving instance, once ready',
        xLabel: 'corpus size, MiB of Markdown (log scale)',
        yLabel: 'MiB',
        series: [
          { label: `current (${report.current.commit ?? '?'})`, points: points(cur, rss) },
          { label: `baseline (${report.baseline?.commit ?? '?'})`, points: points(base, rss) },
        ],
      },
      {
        title: 'Start-up on a persisted index',
        xLabel: 'corpus size, MiB of Markdown (log scale)',
        yLabel: 'ms after spawn',
        series: [
          { label: 'current: ready', points: points(cur, ready) },
          { label: 'baseline: ready', points: points(base, ready) },
          { label: 'current: first correct answer', points: points(cur, first) },
          { label: 'baseline: first correct answer', points: points(base, first) },
        ],
      },
    ],
    `mcp-markdown-ragdocs footprint, ${report.date.slice(0, 10)}, ${m.cpus} × ${m.cpuModel}, node ${m.node}; medians over ${report.runs} runs (baseline ${report.baselineRuns}); embedder none`,
  );
}
