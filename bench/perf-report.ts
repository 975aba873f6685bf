/**
 * Presentation of a perf report: a plain-text table (one column per corpus size, each cell
 * "median (min–max)") that docs/benchmarks.md can paste as is, and the SVG chart.
 */
import type { Summary } from './lib/stats.js';
import { renderLineChart } from './lib/chart.js';
import type { PerfReport, SizeResult } from './perf.js';

function num(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** "median (min–max)". */
export function formatSummary(s: Summary, scale = 1): string {
  return `${num(s.median * scale)} (${num(s.min * scale)}–${num(s.max * scale)})`;
}

const MiB = 1024 * 1024;

const ROWS: [string, (r: SizeResult) => string][] = [
  ['files / chunks', (r) => `${r.files} / ${r.chunks}`],
  ['parse+chunk, ms', (r) => formatSummary(r.phases.parseChunk)],
  ['index build (keyword+graph), ms', (r) => formatSummary(r.phases.index)],
  ['publish, ms', (r) => formatSummary(r.phases.publish)],
  ['files/s parse+chunk+index (no embed)', (r) => formatSummary(r.filesPerSecond)],
  ['embed (test embedder), chunks/s', (r) => formatSummary(r.embedChunksPerSecond)],
  ['vector insert (all chunks), ms', (r) => formatSummary(r.phases.vector)],
  ['keyword query p50, ms', (r) => formatSummary(r.query.keyword.p50)],
  ['keyword query p95, ms', (r) => formatSummary(r.query.keyword.p95)],
  ['fused query p50, ms', (r) => formatSummary(r.query.fused.p50)],
  ['fused query p95, ms', (r) => formatSummary(r.query.fused.p95)],
  ['  of which embedQuery, ms', (r) => formatSummary(r.query.embedQuery)],
  ['spawn → initialize, ms', (r) => (r.spawn ? formatSummary(r.spawn.initialize) : 'failed')],
  ['spawn → first query answer, ms', (r) => (r.spawn ? formatSummary(r.spawn.firstQuery) : 'failed')],
  ['spawn → ready (persisted index), ms', (r) => (r.spawn ? formatSummary(r.spawn.ready) : 'failed')],
  ['files parsed on load', (r) => r.spawn?.filesParsedOnLoad.join(',') ?? 'failed'],
  ['edit → query reflects it, ms', (r) => (r.spawn ? formatSummary(r.spawn.editToQuery) : 'failed')],
  ['server RSS when ready, MiB', (r) => (r.spawn ? formatSummary(r.spawn.rssMiB) : 'failed')],
  ['index on disk (keyword+graph), MiB', (r) => num(r.indexBytes.keywordGraph / MiB)],
  ['index on disk (with vectors), MiB', (r) => num(r.indexBytes.withVectors / MiB)],
];

/** The report as a Markdown table (readable in a terminal too). */
export function formatPerfTable(report: PerfReport): string {
  const m = report.machine;
  const header = [`# perf — ${report.date.slice(0, 10)}, commit ${report.commit ?? 'unknown'}, ${m.cpus} × ${m.cpuModel}, node ${m.node}, ${m.platform}`];
  header.push(`# median (min–max) over ${report.runs} runs; query rows: per-run p50/p95 over the query set`, '');
  const cols = report.sizes.map((s) => `${s.targetChunks} chunks`);
  const width = Math.max(...ROWS.map(([label]) => label.length));
  const cells = ROWS.map(([label, get]) => [label.padEnd(width), ...report.sizes.map(get)]);
  const colWidths = cols.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i + 1] ?? '').length)));
  const line = (parts: string[]): string => `| ${parts.map((p, i) => (i === 0 ? p.padEnd(width) : p.padEnd(colWidths[i - 1] ?? 0))).join(' | ')} |`;
  return [
    ...header,
    line(['figure', ...cols]),
    line(['-'.repeat(width), ...colWidths.map((w) => '-'.repeat(w))]),
    ...cells.map(line),
    ...report.sizes.flatMap((s) => s.errors.map((e) => `\n[${s.targetChunks} chunks] ${e}`)),
    '',
  ].join('\n');
}

/** Latency and throughput against corpus size, as an SVG document. */
export function renderPerfChart(report: PerfReport): string {
  const at = (get: (r: SizeResult) => number): [number, number][] => report.sizes.map((r) => [r.chunks, get(r)]);
  const m = report.machine;
  return renderLineChart(
    [
      {
        title: 'Query latency (median of per-run p50/p95)',
        xLabel: 'corpus size, chunks (log scale)',
        yLabel: 'ms',
        series: [
          { label: 'keyword p50', points: at((r) => r.query.keyword.p50.median) },
          { label: 'keyword p95', points: at((r) => r.query.keyword.p95.median) },
          { label: 'fused p50 (test embedder)', points: at((r) => r.query.fused.p50.median) },
          { label: 'fused p95 (test embedder)', points: at((r) => r.query.fused.p95.median) },
        ],
      },
      {
        title: 'Indexing throughput (parse+chunk+index)',
        xLabel: 'corpus size, chunks (log scale)',
        yLabel: 'files per second',
        series: [{ label: 'files/s, no embedding', points: at((r) => r.filesPerSecond.median) }],
      },
      {
        title: 'Startup on a persisted index',
        xLabel: 'corpus size, chunks (log scale)',
        yLabel: 'ms after spawn',
        series: [
          { label: 'initialize answered', points: at((r) => r.spawn?.initialize.median ?? Number.NaN) },
          { label: 'index ready', points: at((r) => r.spawn?.ready.median ?? Number.NaN) },
          { label: 'edit → query', points: at((r) => r.spawn?.editToQuery.median ?? Number.NaN) },
        ],
      },
    ],
    `mcp-markdown-ragdocs perf, ${report.date.slice(0, 10)}, commit ${report.commit ?? 'unknown'}, ${m.cpus} × ${m.cpuModel}, node ${m.node}; medians over ${report.runs} runs`,
  );
}
