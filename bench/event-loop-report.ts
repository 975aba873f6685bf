/**
 * Presentation of the event-loop benchmark (bench/event-loop.ts): one column per phase, each
 * cell "median (min–max)" over the runs, then indexing / idle ratios and the issue-4 goal.
 */
import type { EventLoopReport, PhaseName } from './event-loop.js';
import { GOAL_P99_MS, STALL_MS, type PhaseSample } from './event-loop-probe.js';
import { summarize, type Summary } from './lib/stats.js';
import { formatSummary } from './perf-report.js';


const COLUMNS: [PhaseName, string][] = [
  ['idle-test', 'idle (test)'],
  ['indexing-test', 'indexing (test)'],
  ['idle-none', 'idle (none)'],
  ['indexing-none', 'indexing (none)'],
  ['indexing-none-main', 'indexing (none), keyword on main thread'],
];

/** Rows whose values are counts, shown without decimals. */
const COUNT_ROWS = new Set(['queries answered (non-empty index)', '  answered before the first batch', '  failed', `stalls > ${STALL_MS} ms, count`]);

const ROWS: [string, (s: PhaseSample) => number | null][] = [
  ['event-loop delay p50, ms', (s) => s.delay.p50],
  ['event-loop delay p99, ms', (s) => s.delay.p99],
  ['event-loop delay max, ms', (s) => s.delay.max],
  ['query p50, ms', (s) => s.query.p50],
  ['query p95, ms', (s) => s.query.p95],
  ['query p99, ms', (s) => s.query.p99],
  ['query max, ms', (s) => s.query.max],
  ['queries answered (non-empty index)', (s) => s.answered],
  ['  answered before the first batch', (s) => s.onEmpty],
  ['  failed', (s) => s.failed],
  ['queries/s', (s) => ((s.answered + s.onEmpty) * 1000) / s.durationMs],
  [`stalls > ${STALL_MS} ms, count`, (s) => s.stalls.count],
  [`stalls > ${STALL_MS} ms, total ms`, (s) => s.stalls.totalMs],
  ['  share of the measured time, %', (s) => (100 * s.stalls.totalMs) / s.durationMs],
  ['arrival wait p99 (time-weighted), ms', (s) => s.arrivalWaitP99],
  ['all files keyword-indexed after, s', (s) => (s.keywordDoneMs === null ? null : s.keywordDoneMs / 1000)],
  ['fully indexed after (vectors, published), s', (s) => (s.keywordDoneMs === null ? null : s.durationMs / 1000)],
  ['chunks/s to fully indexed', (s) => (s.keywordDoneMs === null ? null : (s.chunks * 1000) / s.durationMs)],
];

const RATIOS: [string, (s: PhaseSample) => number][] = [
  ['event-loop delay p99', (s) => s.delay.p99],
  ['event-loop delay max', (s) => s.delay.max],
  ['query p50', (s) => s.query.p50],
  ['query p95', (s) => s.query.p95],
  ['query p99', (s) => s.query.p99],
  ['query max', (s) => s.query.max],
  ['arrival wait p99 (time-weighted)', (s) => s.arrivalWaitP99],
];

function summaryOf(samples: readonly PhaseSample[], pick: (s: PhaseSample) => number | null): Summary | null {
  const values = samples.map(pick).filter((v): v is number => v !== null);
  return values.length === 0 ? null : summarize(values);
}

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...body.map(line)].join('\n') + '\n';
}

function goalCell(samples: readonly PhaseSample[], pick: (s: PhaseSample) => number): string {
  if (samples.length === 0) return 'n/a';
  const below = samples.filter((s) => pick(s) < GOAL_P99_MS).length;
  const median = summarize(samples.map(pick)).median;
  return `${median < GOAL_P99_MS ? 'met' : 'NOT met'} (${below}/${samples.length} runs)`;
}

/** The Markdown tables printed by the benchmark. */
export function formatEventLoopTable(report: EventLoopReport): string {
  const header = ['figure', ...COLUMNS.map(([, label]) => label)];
  const rows = ROWS.map(([label, pick]) => [label, ...COLUMNS.map(([name]) => {
    const s = summaryOf(report.phases[name], pick);
    if (s === null) return '—';
    return COUNT_ROWS.has(label) ? `${Math.round(s.median)} (${s.min}–${s.max})` : formatSummary(s);
  })]);
  rows.push([`goal: delay p99 < ${GOAL_P99_MS} ms`, ...COLUMNS.map(([name]) => goalCell(report.phases[name], (s) => s.delay.p99))]);
  rows.push([`  the same, time-weighted wait`, ...COLUMNS.map(([name]) => goalCell(report.phases[name], (s) => s.arrivalWaitP99))]);

  const ratio = (pick: (s: PhaseSample) => number, busy: PhaseName, idle: PhaseName): string => {
    const a = summaryOf(report.phases[busy], pick);
    const b = summaryOf(report.phases[idle], pick);
    return a === null || b === null || b.median === 0 ? 'n/a' : `${(a.median / b.median).toFixed(2)}×`;
  };
  const ratioRows = RATIOS.map(([label, pick]) => [
    label,
    ratio(pick, 'indexing-test', 'idle-test'),
    ratio(pick, 'indexing-none', 'idle-none'),
    ratio(pick, 'indexing-none-main', 'idle-none'),
  ]);

  return [
    `Event loop during indexing: ${report.files} files / ${report.chunks} chunks, ${report.runs} runs (median (min–max)), ` +
      `test embedder cost ${report.costMs} ms per text in the worker, idle window ${report.idleMs} ms, ${report.queries} distinct queries (top 5).`,
    'Delay values are timer-to-timer intervals at 10 ms resolution (idle ≈ 10 ms; a stall of d ms reads ≈ d + 10 ms) and count',
    'a stall once however long it lasts; the time-weighted wait is what a request arriving at a random moment waits for the loop.',
    '',
    table([header, ...rows]),
    'Ratios of medians, indexing / idle:',
    '',
    table([['figure', 'test embedder', 'none', 'none, keyword on main thread'], ...ratioRows]),
  ].join('\n');
}
