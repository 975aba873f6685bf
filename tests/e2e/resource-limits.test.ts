import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
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

/**
 * Too many open files. A limit set before start cannot reproduce it: node's own module loading
 * needs about 100 descriptors at once (below `ulimit -n 100` node itself dies with EMFILE while
 * importing, before any code of ours runs), while the server then holds 25–35 and never more
 * than a few at a time (`index` of 2,000 files works at `ulimit -n 100`). So the soft limit of
 * the running server is lowered with `prlimit` to the descriptors it holds: every open then
 * fails with a real EMFILE from the kernel, as in a process whose descriptors are used up.
 */
function prlimitRefused(): string | null {
  const res = spawnSync('prlimit', ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (res.status !== 0) return `prlimit (util-linux) is not available: ${(res.stderr || res.error?.message || '').trim()}`;
  return readdirSync('/proc/self/fd', { withFileTypes: true }).length > 0 ? null : 'no /proc/PID/fd to count descriptors';
}

function setOpenFileLimit(pid: number, soft: number | string): void {
  // Soft limit only (`N:`): lowering it needs no privilege, and it can be raised back up to the hard limit.
  const res = spawnSync('prlimit', [`--pid=${pid}`, `--nofile=${soft}:`], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(res.status, 0, `prlimit --pid=${pid} --nofile=${soft}: failed: ${res.stderr}`);
}

const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

describe('too many open files (issue 12, item 6)', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  const BASE = 50;
  const NEW = 300;

  test('out of descriptors, the server keeps answering, says why and how to raise the limit, drops no file, and indexes everything by itself once descriptors are free', { timeout: 180_000 }, async (t) => {
    const refused = prlimitRefused();
    if (refused !== null) {
      process.stderr.write(`# skipped: ${refused}\n`);
      return t.skip(refused);
    }
    const docs = join(tmp.dir, 'docs');
    mkdirSync(docs, { recursive: true });
    for (let i = 0; i < BASE; i++) writeFileSync(join(docs, `base-${i}.md`), `# Base ${i}\n\nAn early page, tokbase${i}q.\n`);
    const server = await spawnServer({ docs, indexDir: join(tmp.dir, 'index'), env });
    const pid = server.child.pid as number;
    try {
      await waitStatus(server, 'ready', (s) => s.state === 'ready' && s.documents === BASE, 30_000);
      const held = openFds(pid);
      const hard = /^Max open files\s+\S+\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))?.[1] ?? 'unlimited';

      // 1. No descriptor left: every open fails (lock file, index files, documents, worker start-up).
      setOpenFileLimit(pid, held);
      mkdirSync(join(docs, 'new'));
      for (let i = 0; i < NEW; i++) writeFileSync(join(docs, 'new', `n-${i}.md`), `# New ${i}\n\nWritten while out of descriptors, toknew${i}z.\n`);
      writeFileSync(join(docs, 'base-0.md'), '# Base 0 edited\n\nNow about tokedit0w.\n');
      const stuck = await waitStatus(server, 'degraded, naming EMFILE and the fix', (s) => s.state === 'degraded' && /EMFILE/.test(s.index_problem ?? ''), 30_000);
      process.stderr.write(`# out of descriptors (soft limit ${held} = the ${held} it holds): ${stuck.index_problem}\n#   fix: ${stuck.index_fix}\n`);
      assert.match(stuck.index_problem, new RegExp(`too many open files \\(EMFILE: this process's limit, ulimit -n, is ${held}\\)`));
      // Queued paths, not files: a new folder the watcher reports whole is one entry until listed.
      assert.match(stuck.index_problem, /\b[1-9]\d* files are queued, none is dropped/);
      assert.match(stuck.index_fix, /ulimit -n 4096/);
      assert.match(stuck.index_fix, new RegExp(`prlimit --pid ${pid} --nofile=4096:`));
      assert.equal(stuck.documents, BASE);
      assert.equal((await queryHits(server, 'tokbase7q'))[0]?.path, 'base-7.md', 'queries are still answered from memory');

      // 2. A few descriptors free: not enough for everything at once (the second index worker
      //    cannot start, so the main thread reads 8 files in parallel; some of those opens fail,
      //    and so may the watcher's walk when it is restarted). No such read may be recorded as an
      //    unreadable file: before the fix this ended `ready` with 124 or 230 of the 350 documents.
      //    Whether it gets through with so few depends on the timing of those contenders, so this
      //    phase is bounded but not required to finish.
      const scarce = Date.now();
      setOpenFileLimit(pid, held + 4);
      const complete = (s: Record<string, any>): boolean => s.state === 'ready' && s.documents === BASE + NEW && s.pending_files === 0;
      const scarceDone = await waitStatus(server, 'every file indexed with 4 spare descriptors', complete, 20_000).catch(() => null);
      process.stderr.write(`# soft limit ${held + 4} (4 spare): ${scarceDone ? `ready with ${scarceDone.documents} documents ${Date.now() - scarce} ms later` : 'not through after 20 s'}\n`);

      // 3. The limit back where it was: everything is indexed by the server itself, the edit too
      //    (its watcher event may come after the new files are in, or from the watcher's rescan).
      const restored = Date.now();
      setOpenFileLimit(pid, hard);
      await waitStatus(server, 'every file indexed', complete, 45_000);
      await waitFor('the edit made while out of descriptors is indexed', async () => ((await queryHits(server, 'tokedit0w'))[0]?.path === 'base-0.md' ? true : null), 45_000, 100);
      process.stderr.write(`# limit restored: everything indexed ${Date.now() - restored} ms later\n`);
      const done = await readStatus(server);
      assert.equal(done.index_problem, null);
      assert.equal(done.last_error, null);
      assert.deepEqual(done.warnings.filter((w: string) => /EMFILE|cannot be (read|opened)/.test(w)), [], 'no file was recorded as unreadable');
      for (const i of [0, 1, 150, NEW - 1]) assert.equal((await queryHits(server, `toknew${i}z`))[0]?.path, `new/n-${i}.md`);
      assert.equal((await queryHits(server, 'tokbase0q')).length, 0, 'the text before the edit is gone');
      const deferred = logMessages(server.stderr()).filter((m) => /files could not be opened \(EMFILE\); queued again/.test(m));
      const polling = logMessages(server.stderr()).filter((m) => /by polling every/.test(m));
      const watcherErrors = server.stderr().split('\n').filter((l) => /"msg":"file watcher error"/.test(l) && /EMFILE/.test(l));
      process.stderr.write(`# reads deferred for want of descriptors: ${deferred.length} times (${deferred.join('; ')}); watcher ran out of descriptors: ${watcherErrors.length > 0 ? 'yes (restarted, then rescanned)' : 'no'}\n`);
      // Out of descriptors is not out of inotify handles: polling would list folders just the same.
      assert.deepEqual(polling, [], 'no switch to polling');
      assert.equal(server.child.exitCode, null, 'the server did not exit');
    } finally {
      const { code } = await server.stop();
      assert.equal(code, 0, server.stderr().slice(-2000));
    }
  });
});
