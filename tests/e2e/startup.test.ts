import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { generateCorpus } from '../../bench/generate-corpus.js';
import { readRssMiB } from '../../bench/perf-spawn.js';
import { startApp, testConfig } from '../helpers/app.js';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { assertStdoutJsonRpc, waitStatus } from '../helpers/server-probes.js';
import { spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';

/** Builds the persisted index of `docs` in-process, as an earlier session would have left it. */
async function persist(docs: string, indexDir: string): Promise<void> {
  await (await startApp(testConfig(docs, indexDir))).stop();
}

describe('spawned on a persisted index', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  test('query_documents sent right after initialize gets the right document first', async () => {
    const docs = join(tmp.dir, 'docs');
    const indexDir = join(tmp.dir, 'index');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    await persist(docs, indexDir);
    const server = await spawnServer({ docs, indexDir });
    try {
      // No status polling, no retry: the very first call after the handshake.
      const res = await server.callTool('query_documents', { query: 'canary traffic', top_n: 3 });
      assert.notEqual(res.isError, true, JSON.stringify(res.content));
      assert.equal(res.structuredContent.results[0]?.path, 'guides/deployment.md', res.content[0]?.text);
      assert.equal(res.structuredContent.indexing, undefined, 'a complete persisted index carries no indexing notice');
      const st = await waitStatus(server, 'ready', (s) => s.state === 'ready' && s.pending_files === 0, 30_000);
      assert.equal(st.files_parsed, 0, 'the persisted generation was loaded, not rebuilt');
      assertStdoutJsonRpc(server);
    } finally {
      await server.stop(10_000);
    }
  });

  test('three instances on a 20k-chunk corpus each answer right from the first query', async (t) => {
    const docs = join(tmp.dir, 'big-docs');
    const indexDir = join(tmp.dir, 'big-index');
    const corpus = await generateCorpus({ outDir: docs, targetChunks: 20_000, seed: 5 });
    await persist(docs, indexDir);
    const probes = [...corpus.uniqueTokens.entries()].filter((_, i) => i % 401 === 7).slice(0, 3);
    assert.equal(probes.length, 3);
    const servers: SpawnedServer[] = [];
    try {
      servers.push(...(await Promise.all(probes.map(() => spawnServer({ docs, indexDir, env: { RAGDOCS_LOG_LEVEL: 'warn' } })))));
      await Promise.all(
        servers.map(async (server, i) => {
          const [path, token] = probes[i] as [string, string];
          const res = await server.callTool('query_documents', { query: token, top_n: 3 });
          assert.notEqual(res.isError, true, JSON.stringify(res.content));
          assert.equal(res.structuredContent.results[0]?.path, path, `instance ${i}: ${res.content[0]?.text}`);
          const st = await waitStatus(server, 'ready', (s) => s.state === 'ready' && s.pending_files === 0, 60_000);
          assert.equal(st.files_parsed, 0, `instance ${i} loaded the persisted index`);
          assert.equal(st.documents, corpus.files);
        }),
      );
      const rss = servers.map((s) => readRssMiB(s.child.pid));
      const line = `RSS per instance (MiB), ${corpus.files} files, ~${corpus.approxChunks} chunks, ${(corpus.bytes / 2 ** 20).toFixed(1)} MiB of Markdown: ${rss.map((r) => r.toFixed(0)).join(', ')}; total ${rss.reduce((a, b) => a + b, 0).toFixed(0)}`;
      t.diagnostic(line);
      console.log(line);
    } finally {
      await Promise.all(servers.map((s) => s.stop(10_000)));
    }
  });
});
