/**
 * What a score threshold keeps: indexes a Markdown folder with the real application (embedder
 * none), runs every query of a known-answer file (tests/fixtures/known-answer/queries.jsonl
 * format) through `service.query` (top 20), counts each document once at its best chunk, and
 * prints per `min_score` how many documents stay, how many of them are relevant, and for how many
 * queries an answer stays. Measures, never asserts.
 *
 *   node dist/bench/eval/calibration.js --docs tests/fixtures/known-answer/docs --queries tests/fixtures/known-answer/queries.jsonl
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApplication } from '../../src/app/application.js';
import { loadConfig } from '../../src/config/load.js';

const THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { docs: { type: 'string' }, queries: { type: 'string' }, top: { type: 'string', default: '20' } } });
  if (values.docs === undefined || values.queries === undefined) {
    console.error('usage: node dist/bench/eval/calibration.js --docs DIR --queries FILE.jsonl [--top 20]');
    process.exitCode = 2;
    return;
  }
  const docs = resolve(values.docs);
  const queries = readFileSync(values.queries, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { text: string; relevant: Record<string, number> });
  const work = mkdtempSync(join(tmpdir(), 'ragdocs-calibration-'));
  const config = loadConfig({ cwd: docs, env: { RAGDOCS_EMBEDDER: 'none' }, homeDir: homedir(), ignoreConfigFile: true, flags: { docs, indexDir: join(work, 'index') } });
  const app = createApplication({ config, logger: pino({ level: 'silent' }), watch: false, rebuild: true });
  try {
    await app.start();
    await app.manager.waitForIdle(10 * 60_000);
    const kept = THRESHOLDS.map(() => ({ docs: 0, relevant: 0, answered: 0 }));
    const tops: number[] = [];
    for (const q of queries) {
      const { results } = await app.service.query({ query: q.text, topN: Number(values.top) });
      const best = new Map<string, number>();
      for (const r of results) if (!best.has(r.path)) best.set(r.path, r.score);
      tops.push(results[0]?.score ?? 0);
      const answer = Math.max(0, ...[...best].filter(([p]) => (q.relevant[p] ?? 0) > 0).map(([, s]) => s));
      THRESHOLDS.forEach((t, i) => {
        const row = kept[i]!;
        for (const [p, s] of best) {
          if (s < t) continue;
          row.docs++;
          if ((q.relevant[p] ?? 0) > 0) row.relevant++;
        }
        if (answer >= t) row.answered++;
      });
    }
    console.log(`${queries.length} queries, top ${values.top}, fusion ${config.search.fusion}`);
    console.log('min_score  documents kept  of them relevant  queries whose answer is kept');
    THRESHOLDS.forEach((t, i) => {
      const row = kept[i]!;
      console.log(
        `${t.toFixed(1).padStart(9)}  ${String(row.docs).padStart(14)}  ${`${Math.round((100 * row.relevant) / Math.max(1, row.docs))} %`.padStart(16)}  ${`${Math.round((100 * row.answered) / queries.length)} %`.padStart(28)}`,
      );
    });
    tops.sort((a, b) => a - b);
    const at = (q: number): string => (tops[Math.min(tops.length - 1, Math.floor(tops.length * q))] ?? 0).toFixed(2);
    console.log(`best result's score: p10 ${at(0.1)}, median ${at(0.5)}, p90 ${at(0.9)}`);
  } finally {
    await app.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
