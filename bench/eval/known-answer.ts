/**
 * Known-answer evaluation, shared by the regression tests (tests/integration/known-answer.test.ts,
 * tests/integration/vault-fixture.test.ts) and `bench/eval/vault.ts`: a queries file of four kinds,
 * each query run through `app.service.query` (the code the MCP tools call), and MRR@10 / Recall@5 /
 * nDCG@10 averaged per kind, overall, and per `split` when the queries carry one.
 *
 * Query file: JSON Lines, `{"id","kind","text","relevant":{"<path>":grade},"split"?}` a line; paths
 * are relative to the documents folder, grade 2 for the answering page and 1 for pages that also
 * cover it. Kinds: `exact` (words from the page), `identifier` (snake_case, camelCase, dotted names,
 * flags, headers, error codes), `paraphrase` (the page says it differently), `link` (the words match
 * a page that links to the answer; only the linked page counts as relevant).
 */
import { readFileSync } from 'node:fs';
import type { Application } from '../../src/app/application.js';
import { meanScores, metricLabel, scoreQuery, type MetricSpec } from './metrics.js';
import { dedupeKeys } from './retriever.js';

export const KINDS = ['exact', 'identifier', 'paraphrase', 'link'] as const;
export type Kind = (typeof KINDS)[number];
/** A row of the report: one kind, or all queries together. */
export type Group = Kind | 'overall';
export const GROUPS: readonly Group[] = [...KINDS, 'overall'];

export interface KnownAnswerQuery {
  id: string;
  kind: Kind;
  text: string;
  relevant: Map<string, number>;
  /** Which half of the set the query belongs to (`dev`, `heldout`), when the file says. */
  split?: string;
}

/** Mean scores per group, plus `queries` (the number of queries in the group). */
export type GroupMeans = Map<Group, Record<string, number>>;

export interface KnownAnswerResult {
  means: GroupMeans;
  /** The same means over the queries of each split, splits in name order; empty when no query has one. */
  bySplit: Map<string, GroupMeans>;
  /** Queries whose answer is not in the top 10: `id "text" → first three results`. */
  misses: string[];
}

export const SPECS: readonly MetricSpec[] = [
  { name: 'mrr', k: 10 },
  { name: 'recall', k: 5 },
  { name: 'ndcg', k: 10 },
];
export const MRR = metricLabel({ name: 'mrr', k: 10 });
export const RECALL = metricLabel({ name: 'recall', k: 5 });
export const NDCG = metricLabel({ name: 'ndcg', k: 10 });

/** Reads a known-answer queries file; throws naming the file and line on an unknown kind or a malformed row. */
export function readKnownAnswerQueries(file: string): KnownAnswerQuery[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line, i) => ({ line, n: i + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, n }) => {
      const row = JSON.parse(line) as { id: string; kind: Kind; text: string; relevant: Record<string, number>; split?: unknown };
      if (!KINDS.includes(row.kind)) throw new Error(`${file}:${n}: unknown kind ${JSON.stringify(row.kind)} (expected ${KINDS.join(', ')})`);
      if (row.split !== undefined && typeof row.split !== 'string') throw new Error(`${file}:${n}: "split" must be a string`);
      const query: KnownAnswerQuery = { id: row.id, kind: row.kind, text: row.text, relevant: new Map(Object.entries(row.relevant)) };
      if (row.split !== undefined) query.split = row.split;
      return query;
    });
}

/** The ranking the evaluation scores: the first ten distinct documents of `app.service.query`. */
export function serviceRanking(app: Application): (text: string) => Promise<string[]> {
  return async (text) => {
    // Enough chunks to fill ten distinct documents even when each contributes several.
    const { results } = await app.service.query({ query: text, topN: 40 });
    return dedupeKeys(results.map((r) => r.path), 10);
  };
}

/** Runs every query through `rank` and averages the scores per kind, overall and per split. */
export async function evaluateKnownAnswers(
  rank: (text: string) => Promise<readonly string[]>,
  queries: readonly KnownAnswerQuery[],
): Promise<KnownAnswerResult> {
  const all = new Map<Group, Record<string, number>[]>();
  const splits = new Map<string, Map<Group, Record<string, number>[]>>();
  const misses: string[] = [];
  const add = (table: Map<Group, Record<string, number>[]>, group: Group, scores: Record<string, number>): void => {
    table.set(group, [...(table.get(group) ?? []), scores]);
  };
  for (const q of queries) {
    const ranking = await rank(q.text);
    const scores = scoreQuery(ranking, q.relevant, SPECS);
    if (scores[MRR] === 0) misses.push(`${q.id} ${JSON.stringify(q.text)} → ${ranking.slice(0, 3).join(', ')}`);
    for (const group of [q.kind, 'overall'] as const) {
      add(all, group, scores);
      if (q.split !== undefined) {
        const table = splits.get(q.split) ?? new Map<Group, Record<string, number>[]>();
        splits.set(q.split, table);
        add(table, group, scores);
      }
    }
  }
  const average = (table: Map<Group, Record<string, number>[]>): GroupMeans => {
    const means: GroupMeans = new Map();
    for (const [group, rows] of table) means.set(group, { ...meanScores(rows, SPECS), queries: rows.length });
    return means;
  };
  const bySplit = new Map([...splits].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, table]) => [name, average(table)] as const));
  return { means: average(all), bySplit, misses };
}

/** One table: `heading`, then a row per kind and overall. */
export function formatReport(heading: string, means: GroupMeans): string {
  const lines = [heading, 'kind        queries  MRR@10  Recall@5  nDCG@10'];
  for (const kind of GROUPS) {
    const m = means.get(kind) ?? {};
    lines.push(
      `${kind.padEnd(11)} ${String(m['queries'] ?? 0).padStart(7)}  ${(m[MRR] ?? 0).toFixed(3)}   ${(m[RECALL] ?? 0).toFixed(3)}     ${(m[NDCG] ?? 0).toFixed(3)}`,
    );
  }
  return lines.join('\n');
}

/** The table over all queries, then one per split (`heading, split dev`, …). */
export function formatKnownAnswerReport(heading: string, result: KnownAnswerResult): string {
  const tables = [formatReport(heading, result.means)];
  for (const [split, means] of result.bySplit) tables.push(formatReport(`${heading}, split ${split}`, means));
  return tables.join('\n\n');
}
