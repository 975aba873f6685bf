import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/paths.js';
import { BIN, spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';
import { waitFor } from '../helpers/wait.js';
import { openLockFile } from '../../src/storage/lock.js';

function seed(docs: string, n: number, prefix = 'seed'): void {
  mkdirSync(docs, { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(docs, `${prefix}-${i}.md`), `# ${prefix} ${i}\n\nSeed page ${i} mentions tok${prefix}${i}x.\n`);
}

async function status(server: SpawnedServer): Promise<any> {
  return (await server.callTool('index_status')).structuredContent;
}

/** Quiet: every instance idle, on the same generation, holding `documents` documents. */
async function waitQuiet(servers: SpawnedServer[], documents: number, timeoutMs = 30_000): Promise<any[]> {
  return waitFor(`instances to settle on one generation with ${documents} documents`, async () => {
    const all = await Promise.all(servers.map(status));
    const gens = new Set(all.map((s) => s.generation));
    const idle = all.every((s) => s.pending_files === 0 && s.state === 'ready' && s.documents === documents);
    return idle && gens.size === 1 ? all : null;
  }, timeoutMs, 100);
}

function problems(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; msg: string })
    .filter((l) => l.level >= 40)
    .map((l) => l.msg);
}

describe('several instances on one folder', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  test('4 instances with the default config start, answer, and log no warnings about each other', async () => {
    const docs = join(tmp.dir, 'four');
    seed(docs, 20);
    const env = { XDG_CACHE_HOME: join(tmp.dir, 'cache') };
    const servers = await Promise.all(
      [0, 1, 2, 3].map(() => spawnServer({ docs, env })),
    );
    try {
      await waitQuiet(servers, 20);
      for (const server of servers) {
        const res = await server.callTool('query_documents', { query: 'tokseed7x' });
        assert.equal(res.structuredContent.results[0]?.path, 'seed-7.md');
      }
      const dirs = new Set((await Promise.all(servers.map(status))).map((s) => s.index_dir));
      assert.equal(dirs.size, 1, 'all instances share one index dir');
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
    for (const server of servers) assert.deepEqual(problems(server.stderr()), []);
  });

  test('3 instances under a burst of creates, edits and deletes converge and embed each chunk about once', async () => {
    const docs = join(tmp.dir, 'burst');
    const indexDir = join(tmp.dir, 'burst-index');
    seed(docs, 10);
    const env = { RAGDOCS_EMBEDDER: 'test' };
    const servers = await Promise.all([0, 1, 2].map(() => spawnServer({ docs, indexDir, env })));
    try {
      const initial = await waitQuiet(servers, 10);
      const initialChunks = initial[0].chunks as number;
      for (let i = 0; i < 50; i++) writeFileSync(join(docs, `new-${i}.md`), `# New ${i}\n\nFresh page with tokfresh${i}q inside.\n`);
      const edits: number[] = [];
      for (let i = 0; i < 20; i++) {
        writeFileSync(join(docs, `new-${i}.md`), `# New ${i}\n\nEdited page with tokedit${i}q inside.\n`);
        edits.push(i);
      }
      for (let i = 0; i < 5; i++) writeFileSync(join(docs, `new-${i}.md`), `# New ${i}\n\nEdited twice with tokedit${i}q inside.\n`);
      for (let i = 45; i < 50; i++) rmSync(join(docs, `new-${i}.md`));
      // 10 seeds + 45 of the 50 new files; wait until every edit is visible too.
      await waitQuiet(servers, 55, 60_000);
      await waitFor('the last edits to reach every instance', async () => {
        for (const server of servers) {
          const res = await server.callTool('query_documents', { query: 'Edited twice tokedit4q', top_n: 1 });
          if (!/Edited twice/.test(res.structuredContent.results[0]?.content ?? '')) return false;
        }
        return true;
      }, 30_000, 100);
      const settled = await waitQuiet(servers, 55, 30_000);

      const onDisk = readdirSync(docs).filter((f) => f.endsWith('.md')).sort();
      for (const server of servers) {
        for (let i = 0; i < 45; i++) {
          const token = i < 20 ? `tokedit${i}q` : `tokfresh${i}q`;
          const res = await server.callTool('query_documents', { query: token, top_n: 3 });
          assert.equal(res.structuredContent.results[0]?.path, `new-${i}.md`, `${token} on instance ${servers.indexOf(server)}`);
        }
        for (let i = 45; i < 50; i++) {
          const res = await server.callTool('query_documents', { query: `tokfresh${i}q` });
          assert.ok(!res.structuredContent.results.some((r: any) => r.path === `new-${i}.md`), 'deleted file never appears');
        }
      }
      const fresh = spawnSync(process.execPath, [BIN(), 'status', '--json', '--docs', docs, '--index-dir', indexDir], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 });
      assert.equal(fresh.status, 0, fresh.stderr);
      assert.equal(JSON.parse(fresh.stdout).documents, onDisk.length);

      const computed = settled.reduce((sum, s) => sum + s.embeddings_computed, 0);
      // Every chunk here is one per file: the initial ones, 50 created, 20 edited (the second
      // edits of 5 files may or may not be seen as separate versions, so they are not counted).
      const needed = initialChunks + 50 + 20;
      process.stderr.write(`# embeddings computed ${computed} for ${needed} chunks that needed embedding\n`);
      assert.ok(computed <= 1.1 * needed, `embeddings_computed ${computed} > 1.1 × ${needed}`);
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
    }
    for (const server of servers) assert.deepEqual(problems(server.stderr()), []);
  });

  test('while another process holds the lock, changes wait, are shown as waiting, and apply after release', async () => {
    const docs = join(tmp.dir, 'locked');
    const indexDir = join(tmp.dir, 'locked-index');
    seed(docs, 3);
    const server = await spawnServer({ docs, indexDir });
    try {
      await waitQuiet([server], 3);
      const lockFile = await openLockFile(indexDir, { instanceId: 'test-holder' });
      const handle = await lockFile.acquire('exclusive', { timeoutMs: 5000 });
      writeFileSync(join(docs, 'waiting.md'), '# Waiting\n\nThe toklockwait token.\n');
      const waiting = await waitFor('server to report the wait', async () => {
        const s = await status(server);
        return s.lock_wait_ms > 0 && s.lock_holder?.pid === process.pid ? s : null;
      }, 15_000, 100);
      assert.ok(waiting.pending_files >= 1);
      const before = await server.callTool('query_documents', { query: 'toklockwait' });
      assert.equal(before.structuredContent.results.length, 0, 'not applied while the lock is held');
      await handle.release();
      await lockFile.close();
      await waitFor('change applied after release', async () => {
        const res = await server.callTool('query_documents', { query: 'toklockwait' });
        return res.structuredContent.results[0]?.path === 'waiting.md';
      }, 15_000, 100);
      const after = await status(server);
      assert.equal(after.lock_wait_ms, 0);
      assert.equal(after.last_error, null);
    } finally {
      await server.stop();
    }
  });

  test('a follower keeps answering without errors while another instance writes', async () => {
    const docs = join(tmp.dir, 'follow');
    const indexDir = join(tmp.dir, 'follow-index');
    seed(docs, 50);
    const [writer, follower] = await Promise.all([spawnServer({ docs, indexDir }), spawnServer({ docs, indexDir })]);
    try {
      await waitQuiet([writer, follower], 50);
      let queries = 0;
      let failures = 0;
      let stop = false;
      const loop = (async () => {
        while (!stop) {
          const res = await follower.callTool('query_documents', { query: 'seed page mentions' });
          queries++;
          if (res.isError || res.structuredContent.results.length === 0) failures++;
        }
      })();
      for (let i = 0; i < 200; i++) writeFileSync(join(docs, `bulk-${i}.md`), `# Bulk ${i}\n\nBulk page tokbulk${i}z with more seed page mentions.\n`);
      await waitQuiet([writer, follower], 250, 60_000);
      stop = true;
      await loop;
      assert.ok(queries > 10, `only ${queries} queries ran`);
      assert.equal(failures, 0);
      const res = await follower.callTool('query_documents', { query: 'tokbulk199z' });
      assert.equal(res.structuredContent.results[0]?.path, 'bulk-199.md');
    } finally {
      await Promise.all([writer.stop(), follower.stop()]);
    }
  });
});
