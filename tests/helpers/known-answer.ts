/**
 * Known-answer evaluation for the regression tests: the shared code of bench/eval/known-answer.ts
 * (reading queries, evaluating through the running application, formatting), plus the floors the
 * tests hold each kind to.
 */
import assert from 'node:assert/strict';
import type { Application } from '../../src/app/application.js';
import {
  evaluateKnownAnswers,
  GROUPS,
  MRR,
  RECALL,
  serviceRanking,
  type Group,
  type GroupMeans,
  type KnownAnswerQuery,
  type KnownAnswerResult,
} from '../../bench/eval/known-answer.js';

export {
  formatKnownAnswerReport,
  formatReport,
  KINDS,
  readKnownAnswerQueries as readQueries,
  type Group,
  type GroupMeans,
  type Kind,
  type KnownAnswerQuery,
  type KnownAnswerResult,
} from '../../bench/eval/known-answer.js';

/** The lowest MRR@10 and Recall@5 each kind (and all queries together) may score. */
export type Floors = Record<Group, { mrr: number; recall: number }>;

/** Every query through `app.service.query`: per-kind, overall and per-split means, and the misses. */
export function evaluate(app: Application, queries: readonly KnownAnswerQuery[]): Promise<KnownAnswerResult> {
  return evaluateKnownAnswers(serviceRanking(app), queries);
}

/** Fails on the first group below its floor, listing the queries whose answer missed the top 10. */
export function assertFloors(means: GroupMeans, floors: Floors, misses: readonly string[]): void {
  for (const kind of GROUPS) {
    const m = means.get(kind) ?? {};
    const floor = floors[kind];
    const detail = `\nmissed (no relevant page in the top 10):\n  ${misses.join('\n  ')}`;
    assert.ok((m[MRR] ?? 0) >= floor.mrr, `${kind} MRR@10 ${(m[MRR] ?? 0).toFixed(3)} < floor ${floor.mrr}${detail}`);
    assert.ok((m[RECALL] ?? 0) >= floor.recall, `${kind} Recall@5 ${(m[RECALL] ?? 0).toFixed(3)} < floor ${floor.recall}${detail}`);
  }
}
