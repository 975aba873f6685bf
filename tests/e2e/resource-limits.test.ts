import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { logMessages, queryHits, readStatus, waitStatus } from '../helpers/server-probes.js';
import { spawnServer } from '../helpers/spawn-server.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue 12, item 6: resource limits, each through a real server process.
 *
 * The inotify watch limit is lowered inside a user namespace of its own (`unshare -U -r` and
 * /proc/sys/user/max_inotify_watches), not with the global `fs.inotify.max_user_watches`: the
 * limit then binds only the server under test, never other processes of the same user running
 * meanwhile, and there is nothing to restore. Skipped where user namespaces are refused.
 */
const env = { RAGDOCS_EMBEDDER: 'none', RAGDOCS_CONFIG: '', RAGDOCS_LOG_FILE: '' };
const WATCH_LIMIT = 40;
const DIRS = 120;

function userNamespaceRefused(): string | null {
  const res = spawnSync('unshare', ['-U', '-r', 'sh', '-c', `echo ${WATCH_LIMIT} > /proc/sys/user/max_inotify_watches`], { encoding: 'utf8', timeout: 10_000 });
  return res.status === 0 ? null : `unshare -U -r with its own max_inotify_watches failed: ${(res.stderr || res.error?.message || '').trim()}`;
}

describe('the inotify watch limit is reached (issue 12, item 6)', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  test('the watcher falls back to polling with one warning saying why and how to raise the limit, and later edits are still picked up', async (t) => {
    const refused = userNamespaceRefused();
    if (refused !== null) {
      process.stderr.write(`# skipped: ${refused}\n`);
      return t.skip(refused);
    }
    const docs = join(tmp.dir, 'docs');
    for (let i = 0; i < DIRS; i++) {
      mkdirSync(join(docs, `dir-${i}`), { recursive: true });
      writeFileSync(join(docs, `dir-${i}`, 'note.md'), `# Note ${i}\n\nAbout watch limits, token tokwatch${i}q.\n`);
    }
    const server = await spawnServer({
      docs,
      indexDir: join(tmp.dir, 'index'),
      env,
      launcher: ['unshare', '-U', '-r', 'sh', '-c', `echo ${WATCH_LIMIT} > /proc/sys/user/max_inotify_watches && exec "$0" "$@"`],
    });
    try {
      await waitStatus(server, 'ready', (s) => s.state === 'ready' && s.documents === DIRS, 30_000);
      const fallbackWarnings = (): string[] => logMessages(server.stderr()).filter((m) => /by polling every/.test(m));
      await waitFor('the polling fallback warning', () => fallbackWarnings().length > 0 || null, 15_000);

      // An edit in a folder the native watcher never reached, and a new file in a new folder.
      const started = Date.now();
      writeFileSync(join(docs, `dir-${DIRS - 1}`, 'note.md'), '# Note edited\n\nNow about tokedited7z.\n');
      mkdirSync(join(docs, 'later'));
      writeFileSync(join(docs, 'later', 'new.md'), '# New\n\nCreated after the fallback: toklater8y.\n');
      await waitFor('the edit is picked up', async () => ((await queryHits(server, 'tokedited7z'))[0]?.path === `dir-${DIRS - 1}/note.md` ? true : null), 20_000, 200);
      await waitFor('the new file is picked up', async () => ((await queryHits(server, 'toklater8y'))[0]?.path === 'later/new.md' ? true : null), 20_000, 200);
      process.stderr.write(`# edits seen by polling after ${Date.now() - started} ms\n`);
      assert.equal((await queryHits(server, `tokwatch${DIRS - 1}q`)).length, 0, 'the old text is gone');

      const warnings = fallbackWarnings();
      assert.equal(warnings.length, 1, `one warning, not one per folder:\n${warnings.join('\n')}`);
      assert.match(warnings[0] as string, /inotify watch limit \(fs\.inotify\.max_user_watches\) is reached/);
      assert.match(warnings[0] as string, /sysctl fs\.inotify\.max_user_watches=\d+/);
      assert.doesNotMatch(server.stderr(), /"msg":"file watcher error"/, 'the ENOSPC errors themselves are not logged one by one');
    } finally {
      const { code } = await server.stop();
      assert.equal(code, 0, server.stderr().slice(-2000));
    }
  });
});

/** Peak resident set (VmHWM) of a process, in MB, from /proc (Linux). */
function peakRssMb(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, `no VmHWM for pid ${pid}`);
  return Number(m[1]) / 1024;
}

describe('a 500 MB file (issue 12, item 6)', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  const MB500 = 500 * 1024 * 1024;

  test('is skipped with a warning naming docs.max_file_mb, in index and index_status, with memory far below its size', async () => {
    const docs = join(tmp.dir, 'docs');
    mkdirSync(docs, { recursive: true });
    writeFileSync(join(docs, 'small.md'), '# Small\n\nAn ordinary page, toksmall3k.\n');
    writeFileSync(join(docs, 'grows.md'), '# Grows\n\nSoon far too large, tokgrows5w.\n');
    // Sparse: 500 MB by size, no blocks on disk.
    writeFileSync(join(docs, 'huge.md'), '');
    truncateSync(join(docs, 'huge.md'), MB500);
    const indexDir = join(tmp.dir, 'index');

    const res = await runCli(['index', '--docs', docs, '--index-dir', indexDir], env, 60_000);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, /huge\.md is 500\.0 MB, over the 10\.0 MB limit; skipped/);

    const server = await spawnServer({ docs, indexDir, env });
    try {
      const ready = await waitStatus(server, 'ready', (s) => s.state === 'ready' && s.documents >= 2, 30_000);
      assert.ok(ready.warnings.some((w: string) => /huge\.md is 500\.0 MB, over the 10\.0 MB limit; skipped/.test(w)), JSON.stringify(ready.warnings));
      assert.equal((await queryHits(server, 'toksmall3k'))[0]?.path, 'small.md');
      const doc = await server.callTool('get_document', { path: 'huge.md' });
      assert.ok(doc.isError, 'get_document refuses it too');
      assert.match(JSON.stringify(doc.content), /max_file_mb/);

      // A watched file that grows past the limit: skipped from then on, its old text gone.
      truncateSync(join(docs, 'grows.md'), MB500);
      await waitFor('the grown file is dropped', async () => ((await queryHits(server, 'tokgrows5w')).length === 0 ? true : null), 20_000, 200);
      const after = await readStatus(server);
      assert.ok(after.warnings.some((w: string) => /grows\.md is 500\.0 MB, over the 10\.0 MB limit; skipped/.test(w)), JSON.stringify(after.warnings));
      const peak = peakRssMb(server.child.pid as number);
      process.stderr.write(`# server peak RSS ${peak.toFixed(0)} MB with two 500 MB files in the folder\n`);
      assert.ok(peak < 250, `peak RSS ${peak.toFixed(0)} MB: a 500 MB file was read into memory`);
    } finally {
      const { code } = await server.stop();
      assert.equal(code, 0, server.stderr().slice(-2000));
    }
  });
});
