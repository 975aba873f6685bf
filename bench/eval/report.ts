/**
 * Evaluation report: a fixed-width table for people and one JSON object for machines.
 */
import { cpus, platform, release, totalmem, arch } from 'node:os';
import { DEFAULT_METRICS, metricLabel, type MetricSpec } from './metrics.js';
import type { RetrieverResult } from './evaluate.js';

export interface ReportContext {
  dataset: { name: string; form: string; queriesFile: string; documents: number; queries: number; notes: string[] };
  /** Name of the row the ratios divide by. */
  baseline: string;
  top: number;
  project: { documents: number; chunks: number; indexMs: number; embedder: string; notes: string[] } | null;
  /** Why the project rows are missing, when they are. */
  projectError?: string;
}

/** The machine the figures came from (docs/quality.md asks for it). */
export function describeMachine(): Record<string, unknown> {
  const cpu = cpus();
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    arch: arch(),
    cpus: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

const pad = (text: string, width: number, right = false): string => (right ? text.padStart(width) : text.padEnd(width));

/** One line per retriever: each metric with its ratio to the baseline, then latency. */
export function formatTable(results: readonly RetrieverResult[], ctx: ReportContext, specs: readonly MetricSpec[] = DEFAULT_METRICS): string {
  const labels = specs.map(metricLabel);
  const header = ['retriever', ...labels, 'p50 ms', 'p95 ms'];
  const rows = results.map((r) => [
    r.name,
    ...labels.map((label) => {
      const ratio = r.ratios[label];
      return `${(r.metrics[label] ?? 0).toFixed(4)} (${ratio === null || ratio === undefined ? '  —  ' : `${ratio.toFixed(3)}×`})`;
    }),
    r.latencyMs.p50.toFixed(2),
    r.latencyMs.p95.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => pad(c, widths[i] ?? 0, i > 0)).join('  ');
  const d = ctx.dataset;
  const out = [
    `dataset ${d.name} (${d.form}): ${d.documents} documents, ${d.queries} queries from ${d.queriesFile}`,
    ...d.notes.map((n) => `  note: ${n}`),
  ];
  if (ctx.project) {
    const p = ctx.project;
    out.push(`project index: ${p.documents} documents, ${p.chunks} chunks in ${(p.indexMs / 1000).toFixed(1)} s; embedder ${p.embedder}`);
    out.push(...p.notes.map((n) => `  note: ${n}`));
  }
  if (ctx.projectError) out.push(`project retrievers not run: ${ctx.projectError}`);
  out.push(`ratios (×) are against ${ctx.baseline}; each retriever asked for the top ${ctx.top} documents`, '');
  out.push(line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line));
  return `${out.join('\n')}\n`;
}

/** The machine-readable report (`--json`). */
export function buildJsonReport(results: readonly RetrieverResult[], ctx: ReportContext): Record<string, unknown> {
  return {
    date: new Date().toISOString(),
    machine: describeMachine(),
    dataset: ctx.dataset,
    baseline: ctx.baseline,
    top: ctx.top,
    project: ctx.project,
    projectError: ctx.projectError ?? null,
    retrievers: results.map((r) => ({ name: r.name, metrics: r.metrics, ratios: r.ratios, latencyMs: r.latencyMs })),
  };
}
