/**
 * Scores a model can use: through the MCP tools over the real service on the known-answer corpus,
 * the `min_score` example that query_documents_compressed itself gives keeps the answers of
 * nearly every query (with reciprocal-rank fusion the suggested 0.02 removed every candidate), all
 * scores lie in [0, 1], and a query that matches only a common word scores low everywhere.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Application } from '../../src/app/application.js';
import { startApp, testConfig } from '../helpers/app.js';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { connectClient } from './mcp-harness.js';

interface Row {
  kind: string;
  text: string;
  relevant: Record<string, number>;
}

describe('scores through the MCP tools (known-answer corpus)', () => {
  const temp = makeTempDir('ragdocs-scores-');
  let app: Application;
  let h: Awaited<ReturnType<typeof connectClient>>;
  before(async () => {
    app = await startApp(testConfig(fixturePath('known-answer', 'docs'), `${temp.dir}/index`));
    h = await connectClient(app.service);
  });
  after(async () => {
    await h?.close();
    await app?.stop();
    temp.cleanup();
  });

  test("query_documents_compressed's own min_score example keeps the answers of nearly every exact and identifier query", async () => {
    const { tools } = await h.client.listTools();
    const tool = tools.find((t) => t.name === 'query_documents_compressed');
    const example = (tool?.inputSchema.properties?.['min_score'] as { examples?: number[] } | undefined)?.examples?.[0];
    assert.equal(typeof example, 'number');
    const inDescription = /"min_score": ([0-9.]+)/.exec(tool?.description ?? '')?.[1];
    assert.equal(Number(inDescription), example, 'the description shows the same example');

    const rows = readFileSync(fixturePath('known-answer', 'queries.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Row)
      .filter((r) => r.kind === 'exact' || r.kind === 'identifier');
    let kept = 0;
    for (const row of rows) {
      const result = await h.call('query_documents_compressed', { query: row.text, top_n: 10, min_score: example });
      const { results } = result.structuredContent as { results: { path: string; score: number }[] };
      for (const r of results) assert.ok(r.score >= example! && r.score <= 1, `${row.text}: score ${r.score}`);
      if (results.some((r) => (row.relevant[r.path] ?? 0) > 0)) kept++;
    }
    assert.ok(kept >= 0.9 * rows.length, `answers kept for ${kept} of ${rows.length} queries`);
  });

  test('scores lie in [0, 1]; a query matching only a common word scores low and min_score drops it', async () => {
    const strong = await h.call('query_documents', { query: 'dead-letter queue', top_n: 5 });
    const top = (strong.structuredContent as { results: { score: number }[] }).results[0]!.score;
    assert.ok(top > 0.5 && top <= 1, `strong match ${top}`);
    const weak = await h.call('query_documents_compressed', { query: 'job zorblax quindle frump', top_n: 10, min_score: 0.3 });
    const stats = (weak.structuredContent as { stats: { before: number; after: number } }).stats;
    assert.ok(stats.before > 0, 'the common word matches something');
    assert.equal(stats.after, 0, 'but nothing holds the rest of the query');
  });
});
