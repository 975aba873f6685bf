import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { queryHits, waitStatus } from '../helpers/server-probes.js';
import { BIN, spawnServer } from '../helpers/spawn-server.js';

/**
 * Issue 12, items 1 and 2: an index dir on a 4 MB tmpfs that a 225-file vault does not fit in.
 * The one-shot `index` gives up (bounded) with what failed, how many files and the fix; `status`
 * says the generation left behind is incomplete; a server says `degraded` with the reason and is
 * `ready` again by itself once the file system has room. Needs `mount` (root); skipped otherwise.
 */
const FILES = 225;
const env = { RAGDOCS_EMBEDDER: 'none', RAGDOCS_CONFIG: '', RAGDOCS_LOG_FILE: '' };

function writeVault(docs: string): void {
  mkdirSync(docs, { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const sections = Array.from({ length: 6 }, (_, s) =>
      `## Section ${s}\n\n${`Paragraph ${s} of note ${i} covers disk space, quotas and durable writes with word${i}x${s}. `.repeat(34)}\n`,
    ).join('\n');
    writeFileSync(join(docs, `note-${String(i).padStart(3, '0')}.md`), `# Note ${i}\n\nUnique token tokfull${i}k.\n\n${sections}`);
  }
}

function mount(args: string[]): string | null {
  const res = spawnSync('mount', args, { encoding: 'utf8', timeout: 10_000 });
  return res.status === 0 ? null : `mount ${args.join(' ')} failed: ${(res.stderr || res.error?.message || '').trim()}`;
}

describe('a full or read-only index dir (issue 12)', () => {
  const tmp = makeTempDir();
  const docs = join(tmp.dir, 'docs');
  const fsDir = join(tmp.dir, 'small-fs');
  const indexDir = join(fsDir, 'index');
  const config = join(tmp.dir, 'batches.toml');
  // Two batches of 100 per round (two index workers): generation 1 holds 200 files and fits, the rest does not.
  writeFileSync(config, '[index]\nbatch_size = 100\n');
  const common = ['--docs', docs, '--index-dir', indexDir, '--config', config];
  let skip: string | false = false;
  let mounted = false;

  before(() => {
    writeVault(docs);
    mkdirSync(fsDir, { recursive: true });
    const refused = mount(['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', fsDir]);
    if (refused !== null) {
      skip = `tmpfs cannot be mounted here (${refused}); the disk-full tests need root and mount`;
      process.stderr.write(`# skipped: ${skip}\n`);
    } else mounted = true;
  });
  after(() => {
    if (mounted) spawnSync('umount', [fsDir], { timeout: 10_000 });
    tmp.cleanup();
  });

  let notIndexed = 0;

  test('index on a full disk gives up within a bounded time, says what failed, how many files and the fix, exits 1', async (t) => {
    if (skip) return t.skip(skip);
    const started = Date.now();
    const res = await runCli(['index', ...common], env, 60_000);
    const ms = Date.now() - started;
    process.stderr.write(`# index gave up after ${ms} ms\n`);
    assert.equal(res.code, 1, res.stderr);
    assert.ok(ms < 30_000, `index took ${ms} ms to give up`);
    assert.match(res.stderr, /the index cannot be saved: cannot write generation \d+ in .*ENOSPC/);
    const m = /(\d+) files were not indexed, the index on disk stays at generation (\d+)/.exec(res.stderr);
    assert.ok(m, res.stderr);
    notIndexed = Number(m[1]);
    assert.ok(notIndexed > 0 && notIndexed < FILES, res.stderr);
    assert.ok(Number(m[2]) >= 1, 'a checkpoint generation was kept');
    assert.match(res.stderr, /hint: free space on the file system holding .*then run `mcp-markdown-ragdocs index/);
    assert.doesNotMatch(res.stderr, /^indexed \d+ documents/m, 'no success summary');
  });

  test('status then says the index on disk is incomplete, with the pending files and the fix', async (t) => {
    if (skip) return t.skip(skip);
    const json = await runCli(['status', '--json', ...common], env);
    assert.equal(json.code, 0, json.stderr);
    const s = JSON.parse(json.stdout);
    assert.equal(s.state, 'degraded');
    assert.equal(s.pending_files, notIndexed);
    assert.equal(s.documents, FILES - notIndexed);
    assert.match(s.index_problem, new RegExp(`generation \\d+\\) lacks ${notIndexed} files of .*${notIndexed} not indexed`));
    assert.match(s.index_fix, /run `mcp-markdown-ragdocs index/);
    const text = await runCli(['status', ...common], env);
    assert.match(text.stdout, new RegExp(`^degraded: ${FILES - notIndexed} documents, .*${notIndexed} files pending$`, 'm'));
    assert.match(text.stdout, /^index incomplete: /m);
    assert.match(text.stdout, /^ {2}fix: run `mcp-markdown-ragdocs index/m);
  });

  test('serve: degraded with the reason while the disk is full, ready by itself once there is room, every file indexed', async (t) => {
    if (skip) return t.skip(skip);
    const server = await spawnServer({ docs, indexDir, args: ['--config', config], env });
    try {
      const full = await waitStatus(server, 'degraded: the index cannot be saved', (s) => s.state === 'degraded' && /cannot be saved.*ENOSPC/.test(s.index_problem ?? ''), 30_000);
      assert.ok(full.pending_files > 0);
      assert.equal(full.documents, FILES, 'every document is answered from memory');
      assert.match(full.index_fix, /free space on the file system holding .*saves the index by itself/);
      const text = (await server.callTool('index_status')).content[0].text as string;
      assert.match(text, /^degraded: /);
      assert.match(text, /index incomplete: the index cannot be saved/);
      const hits = await queryHits(server, `tokfull${FILES - 1}k`);
      assert.equal(hits[0]?.path, `note-${FILES - 1}.md`);

      assert.equal(mount(['-o', 'remount,size=64m', fsDir]), null);
      const started = Date.now();
      const ready = await waitStatus(server, 'ready once the disk has room', (s) => s.state === 'ready' && s.pending_files === 0, 30_000);
      process.stderr.write(`# ready ${Date.now() - started} ms after space came back\n`);
      assert.equal(ready.index_problem, null);
      assert.equal(ready.last_error, null);
      assert.equal(ready.documents, FILES);
    } finally {
      await server.stop();
    }
    const s = JSON.parse((await runCli(['status', '--json', ...common], env)).stdout);
    assert.equal(s.state, 'ready');
    assert.equal(s.documents, FILES);
    assert.equal(s.pending_files, 0);
    assert.equal(s.index_problem, null);
  });

  test('index on a read-only index dir exits 1 with the reason and the fix; after remount rw it completes', async (t) => {
    if (skip) return t.skip(skip);
    writeFileSync(join(docs, 'late.md'), '# Late\n\nWritten while the index dir was read-only: toklate1k.\n');
    assert.equal(mount(['-o', 'remount,ro', fsDir]), null);
    try {
      const started = Date.now();
      const res = await runCli(['index', ...common], env, 60_000);
      const ms = Date.now() - started;
      process.stderr.write(`# index on a read-only dir gave up after ${ms} ms\n`);
      assert.equal(res.code, 1, res.stderr);
      assert.ok(ms < 30_000);
      assert.match(res.stderr, /the index cannot be saved: .*(EROFS|read-only)/);
      assert.match(res.stderr, /\d+ files were not indexed/);
      assert.match(res.stderr, /hint: the file system holding .* is read-only: remount it read-write or pass --index-dir/);
    } finally {
      assert.equal(mount(['-o', 'remount,rw', fsDir]), null);
    }
    const res = await runCli(['index', ...common], env, 60_000);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stderr, new RegExp(`indexed ${FILES + 1} documents`));
  });
});

/**
 * Permission denied (EACCES): as root `chmod` denies nothing, so the index dir is made by root and
 * the command runs as `nobody` (uid/gid 65534) through `setpriv`, as when an index dir was once
 * created with `sudo`. Skipped where that is not possible (not root, no setpriv, or the checkout
 * not readable by other users).
 */
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

function runAsNobodyRefused(bin: string): string | null {
  if (process.getuid?.() !== 0) return 'not root: cannot run a command as another user';
  const res = spawnSync(NOBODY[0] as string, [...NOBODY.slice(1), process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(bin)}, require('fs').constants.R_OK)`], { encoding: 'utf8', timeout: 10_000 });
  return res.status === 0 ? null : `cannot run node as nobody through setpriv here (${(res.stderr || res.error?.message || '').trim().split('\n')[0]})`;
}

/** The CLI as nobody, without blocking the event loop; killed after `timeoutMs`. */
function runCliAsNobody(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(NOBODY[0] as string, [...NOBODY.slice(1), process.execPath, BIN(), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env, HOME: '/nonexistent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('an index dir this user may not write (EACCES, issue 12)', () => {
  const tmp = makeTempDir();
  const docs = join(tmp.dir, 'docs');
  const indexDir = join(tmp.dir, 'index');
  const common = ['--docs', docs, '--index-dir', indexDir];
  let skip: string | false = false;

  before(async () => {
    skip = runAsNobodyRefused(BIN()) ?? false;
    if (skip) {
      process.stderr.write(`# skipped: ${skip}\n`);
      return;
    }
    chmodSync(tmp.dir, 0o755); // mkdtemp makes it 0700: nobody could not even read the docs
    mkdirSync(docs);
    for (let i = 0; i < 20; i++) writeFileSync(join(docs, `page-${i}.md`), `# Page ${i}\n\nAbout permissions, tokperm${i}k.\n`);
    // Made by root (0755): readable by everyone, writable by root only.
    const res = await runCli(['index', ...common], env, 60_000);
    assert.equal(res.code, 0, res.stderr);
    writeFileSync(join(docs, 'late.md'), '# Late\n\nWritten after the root-owned index: toklate9p.\n');
  });
  after(() => tmp.cleanup());

  test('index as another user exits 1 at once with EACCES, how many files were not saved and the fix', async (t) => {
    if (skip) return t.skip(skip);
    const started = Date.now();
    const res = await runCliAsNobody(['index', ...common]);
    const ms = Date.now() - started;
    process.stderr.write(`# index as nobody on a root-owned index dir exited ${res.code} after ${ms} ms\n`);
    assert.equal(res.code, 1, res.stderr);
    assert.ok(ms < 30_000, `took ${ms} ms`);
    // The lock file cannot even be created, so nothing of this run can be saved: all 21 files.
    assert.match(res.stderr, /the index cannot be saved: index directory .* is not writable \(cannot create the index lock file .*EACCES: permission denied/);
    assert.match(res.stderr, /21 files were not indexed, the index on disk is left as it was/);
    assert.match(res.stderr, /hint: make .* writable by this user \(see `ls -ld .*`\) or pass --index-dir pointing to a writable folder; then run `mcp-markdown-ragdocs index/);
  });

  test('serve as another user: degraded with EACCES and the fix, every file answered from memory; the generation on disk is untouched', async (t) => {
    if (skip) return t.skip(skip);
    const server = await spawnServer({ docs, indexDir, env: { HOME: '/nonexistent' }, launcher: NOBODY });
    try {
      const s = await waitStatus(server, 'degraded: EACCES, every file in memory', (x) => x.state === 'degraded' && x.documents === 21 && x.pending_files === 0, 30_000);
      process.stderr.write(`# serve as nobody: ${s.index_problem}\n#   fix: ${s.index_fix}\n`);
      assert.match(s.index_problem, /index directory .* is not writable \(cannot create the index lock file .*EACCES.*\): serving from memory; nothing is persisted/);
      assert.match(s.index_fix, /make .* writable by this user .*then restart the server/);
      assert.match(s.last_error, /EACCES/);
      assert.equal(s.generation, 0, 'it does not load the root-owned generation (a known limit: it rebuilds in memory)');
      assert.equal((await queryHits(server, 'toklate9p'))[0]?.path, 'late.md', 'the new file is answered from memory');
      assert.equal((await queryHits(server, 'tokperm3k'))[0]?.path, 'page-3.md');
    } finally {
      const { code } = await server.stop();
      assert.equal(code, 0, server.stderr().slice(-2000));
    }
    // As root, status sees the generation root wrote, without the file written after it.
    const st = JSON.parse((await runCli(['status', '--json', ...common], env)).stdout);
    assert.equal(st.documents, 20);
    assert.equal(st.pending_files, 1);
  });
});
