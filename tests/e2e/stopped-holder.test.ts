// Issue 12 item 3: a writer stopped (SIGSTOP, a debugger, a suspended job) while it holds the
// index lock. The other instance keeps answering, names the holder as alive but not progressing,
// keeps the edits made meanwhile, and both converge once the holder resumes.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/paths.js';
import { BIN, spawnServer, type SpawnedServer } from '../helpers/spawn-server.js';
import { waitFor } from '../helpers/wait.js';
import { inspectLockHolder } from '../../src/storage/lock.js';

function seed(docs: string, n: number, prefix: string): void {
  mkdirSync(docs, { recursive: true });
  for (let i = 0; i < n; i++) writeFileSync(join(docs, `${prefix}-${i}.md`), `# ${prefix} ${i}\n\nPage ${i} mentions tok${prefix}${i}x.\n`);
}

async function status(server: SpawnedServer): Promise<any> {
  return (await server.callTool('index_status')).structuredContent;
}

/** A query answered within `ms` (a stopped writer must not hold up readers). */
async function timedQuery(server: SpawnedServer, query: string, ms = 3000): Promise<any[]> {
  const started = Date.now();
  const res = await server.callTool('query_documents', { query, top_n: 3 });
  const took = Date.now() - started;
  assert.ok(took < ms, `query "${query}" took ${took} ms`);
  assert.notEqual(res.isError, true, JSON.stringify(res.content));
  return res.structuredContent.results;
}

describe('a lock holder stopped mid-write', () => {
  const tmp = makeTempDir();
  const servers: SpawnedServer[] = [];
  after(async () => {
    for (const s of servers) {
      // SIGCONT first: a stopped process would not act on stdin closing.
      s.child.kill('SIGCONT');
      s.child.kill('SIGKILL');
      await Promise.race([s.exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    tmp.cleanup();
  });

  test('the other instance answers, names it alive but not progressing, keeps edits; all converge after SIGCONT', async () => {
    const docs = join(tmp.dir, 'docs');
    const indexDir = join(tmp.dir, 'index');
    seed(docs, 100, 'seed');
    const a = await spawnServer({ docs, indexDir });
    const b = await spawnServer({ docs, indexDir });
    servers.push(a, b);
    const byPid = new Map([a, b].map((s) => [s.child.pid as number, s]));
    await waitFor('both instances ready on one generation', async () => {
      const all = await Promise.all([a, b].map(status));
      return all.every((s) => s.state === 'ready' && s.documents === 100 && s.pending_files === 0) && all[0].generation === all[1].generation;
    }, 30_000, 100);

    // A large batch; stop whichever instance takes the lock for it while it holds it.
    seed(docs, 2000, 'bulk');
    const writer = await waitFor('an instance to be stopped while it holds the lock', async () => {
      const holder = await inspectLockHolder(indexDir);
      const server = holder === null ? undefined : byPid.get(holder.pid);
      if (server === undefined) return null;
      server.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 100));
      // It may have released the lock just before it stopped: then let it go and try again.
      if ((await inspectLockHolder(indexDir))?.pid === server.child.pid) return server;
      server.child.kill('SIGCONT');
      return null;
    }, 30_000, 5);
    const reader = writer === a ? b : a;
    const pid = writer.child.pid as number;
    const stoppedAt = Date.now();

    const before = await timedQuery(reader, 'tokseed7x');
    assert.equal(before[0]?.path, 'seed-7.md');
    writeFileSync(join(docs, 'seed-3.md'), '# seed 3\n\nEdited while the writer was stopped: tokedited3q.\n');
    writeFileSync(join(docs, 'during-stop.md'), '# During\n\nCreated while the writer was stopped: tokduringq.\n');

    const seen = await waitFor('the reader to name the stopped holder', async () => {
      const s = await status(reader);
      return s.lock_holder?.pid === pid && s.lock_holder.progressing === false ? s : null;
    }, 15_000, 100);
    const holder = seen.lock_holder;
    assert.equal(holder.alive, true);
    if (process.platform === 'linux') assert.equal(holder.stopped, true);
    assert.ok(holder.instance_id.length > 0);
    assert.ok(holder.held_ms >= Date.now() - stoppedAt - 1000, `held_ms ${holder.held_ms}`);
    const text: string = (await reader.callTool('index_status')).content[0].text;
    assert.match(text, new RegExp(`write lock: held by pid ${pid} .* for \\d+ (ms|s|min)`));
    assert.match(text, /alive but .*not progressing/);
    assert.match(text, new RegExp(`kill -CONT ${pid}`));
    assert.equal((await timedQuery(reader, 'tokseed9x'))[0]?.path, 'seed-9.md', 'queries keep answering');

    const cli = spawnSync(process.execPath, [BIN(), 'status', '--json', '--docs', docs, '--index-dir', indexDir], {
      encoding: 'utf8',
      env: { ...process.env, RAGDOCS_EMBEDDER: 'none' },
      timeout: 30_000,
    });
    assert.equal(cli.status, 0, cli.stderr);
    const cliStatus = JSON.parse(cli.stdout);
    assert.equal(cliStatus.lock_holder?.pid, pid);
    assert.equal(cliStatus.lock_holder?.progressing, false);
    // Past one lock timeout (5 s) and the heartbeat's staleness (5 s): the reader retries, still
    // names the holder, and its heartbeat is seen frozen (on any OS, not only through /proc).
    const long = await waitFor('the reader to wait past a lock timeout', async () => {
      const s = await status(reader);
      // And its heartbeat frozen for 5 s: the stop may come seconds after it took the lock, so
      // held_ms alone says nothing about when its last heartbeat was (flaky under load).
      const frozen = s.lock_holder?.heartbeat !== undefined && Date.now() - Date.parse(s.lock_holder.heartbeat) > 5000;
      return s.lock_wait_ms > 5500 && s.lock_holder?.pid === pid && s.lock_holder.held_ms > 6000 && frozen ? s : null;
    }, 20_000, 200);
    assert.equal(long.lock_holder.progressing, false);
    assert.ok(Date.parse(long.lock_holder.since) <= stoppedAt, `since ${long.lock_holder.since}`);
    assert.ok(Date.now() - Date.parse(long.lock_holder.heartbeat) > 5000, `heartbeat ${long.lock_holder.heartbeat} is recent`);
    assert.ok(long.pending_files >= 2, 'the edits made meanwhile are queued');
    assert.equal((await timedQuery(reader, 'tokseed11x'))[0]?.path, 'seed-11.md', 'queries keep answering');
    process.stderr.write(`# stopped pid ${pid} for ${Date.now() - stoppedAt} ms; reader said: ${text.split('\n').find((l) => l.startsWith('write lock'))}\n`);

    writer.child.kill('SIGCONT');
    const files = readdirSync(docs).filter((f) => f.endsWith('.md')).length;
    assert.equal(files, 2101);
    const resumedAt = Date.now();
    const settled = await waitFor('both instances to converge after SIGCONT', async () => {
      const all = await Promise.all([a, b].map(status));
      const done = all.every((s) => s.state === 'ready' && s.pending_files === 0 && s.documents === files && s.lock_holder === null);
      return done && all[0].generation === all[1].generation ? all : null;
    }, 60_000, 200);
    process.stderr.write(`# converged ${Date.now() - resumedAt} ms after SIGCONT at generation ${settled[0].generation}\n`);
    for (const server of [a, b]) {
      assert.equal((await timedQuery(server, 'tokedited3q'))[0]?.path, 'seed-3.md', 'the edit made meanwhile is kept');
      assert.equal((await timedQuery(server, 'tokduringq'))[0]?.path, 'during-stop.md', 'the file created meanwhile is kept');
      assert.equal((await timedQuery(server, 'tokbulk1999x'))[0]?.path, 'bulk-1999.md');
    }
  });
});
