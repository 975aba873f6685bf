import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../src/core/errors.js';
import { lockFilePath, lockHolderPath } from '../../src/storage/layout.js';
import { inspectLockHolder, openLockFile, readLockHolder, type LockFile } from '../../src/storage/lock.js';
import { waitFor } from '../helpers/wait.js';
import { makeTempDir, repoRoot } from '../helpers/paths.js';

// Run the helper the way this file runs: TypeScript through tsx, or compiled JavaScript in dist/.
const ownUrl = new URL(import.meta.url);
const isTypeScript = ownUrl.pathname.endsWith('.ts');
const helperPath = fileURLToPath(new URL(`../helpers/lock-holder-child.${isTypeScript ? 'ts' : 'js'}`, ownUrl));

/** Spawn a child holding the lock; resolves once it reports it holds it (bounded wait). */
async function spawnHolder(indexDir: string, mode = 'exclusive'): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...(isTypeScript ? ['--import', 'tsx'] : []), helperPath, indexDir, mode], {
    cwd: repoRoot(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lock holder child did not report within 15 s: ${output}`)), 15_000);
    child.stdout?.on('data', (data: Buffer) => {
      output += data.toString();
      if (output.includes('\n')) {
        clearTimeout(timer);
        if (output.startsWith('locked')) resolve();
        else reject(new Error(`lock holder child said: ${output}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lock holder child exited early (${code}): ${output}`));
    });
  });
  return child;
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('index lock within one process', () => {
  let temp: { dir: string; cleanup: () => void };
  let lock: LockFile;
  beforeEach(async () => {
    temp = makeTempDir();
    lock = await openLockFile(temp.dir, { instanceId: 'test-instance' });
  });
  afterEach(async () => {
    await lock.close();
    temp.cleanup();
  });

  test('creates the lock file and never deletes it', async () => {
    assert.ok(existsSync(lockFilePath(temp.dir)));
    const handle = await lock.tryAcquire('exclusive');
    await handle?.release();
    await lock.close();
    assert.ok(existsSync(lockFilePath(temp.dir)));
  });

  test('two handles conflict like two processes do', async () => {
    const exclusive = await lock.tryAcquire('exclusive');
    assert.ok(exclusive);
    assert.equal(await lock.tryAcquire('exclusive'), null);
    assert.equal(await lock.tryAcquire('shared'), null);
    const other = await openLockFile(temp.dir);
    assert.equal(await other.tryAcquire('exclusive'), null);
    await exclusive.release();
    await exclusive.release(); // idempotent
    const sharedA = await lock.tryAcquire('shared');
    const sharedB = await other.tryAcquire('shared');
    assert.ok(sharedA && sharedB);
    assert.equal(await lock.tryAcquire('exclusive'), null);
    await sharedA.release();
    assert.equal(await lock.tryAcquire('exclusive'), null);
    await sharedB.release();
    const again = await other.tryAcquire('exclusive');
    assert.ok(again);
    await other.close();
    assert.ok(await lock.tryAcquire('exclusive'), 'close() released the handle it still held');
  });

  test('the exclusive holder is recorded while held, and cleared on release', async () => {
    assert.equal(await readLockHolder(temp.dir), null);
    const handle = await lock.tryAcquire('exclusive');
    assert.ok(handle);
    const holder = await readLockHolder(temp.dir);
    assert.deepEqual(holder, {
      pid: process.pid,
      instanceId: 'test-instance',
      since: handle.acquiredAt.toISOString(),
      hostname: hostname(),
    });
    await handle.release();
    assert.equal(existsSync(lockHolderPath(temp.dir)), false);
    assert.equal(await readLockHolder(temp.dir), null);
  });

  test('stale holder info is never reported when the lock is free', async () => {
    const stale = { pid: process.pid, instanceId: 'ghost', since: new Date().toISOString(), hostname: hostname() };
    writeFileSync(lockHolderPath(temp.dir), JSON.stringify(stale));
    assert.equal(await readLockHolder(temp.dir), null);
    const shared = await lock.tryAcquire('shared');
    assert.equal(await readLockHolder(temp.dir), null, 'a shared holder is not an exclusive holder');
    await shared?.release();
  });

  test('acquire waits with back-off and gets the lock once it is released', async () => {
    const held = await lock.tryAcquire('exclusive');
    assert.ok(held);
    setTimeout(() => void held.release(), 150);
    const waits: number[] = [];
    const handle = await lock.acquire('exclusive', { timeoutMs: 5000, onWait: (ms) => waits.push(ms) });
    assert.ok(handle.waitedMs >= 100, `waited ${handle.waitedMs} ms`);
    assert.ok(waits.length >= 2 && waits.length < 50, `${waits.length} attempts`);
    assert.deepEqual([...waits].sort((a, b) => a - b), waits);
    await handle.release();
  });

  test('acquire with timeoutMs 0 makes one attempt; an abort signal stops the wait', async () => {
    const held = await lock.tryAcquire('exclusive');
    assert.ok(held);
    await assert.rejects(lock.acquire('shared', { timeoutMs: 0 }), { code: 'LOCK_TIMEOUT' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    const started = Date.now();
    await assert.rejects(lock.acquire('exclusive', { timeoutMs: 10_000, signal: controller.signal }), /shutting down/);
    assert.ok(Date.now() - started < 2000);
    await held.release();
  });

  test('a closed lock file refuses new acquisitions', async () => {
    await lock.close();
    await assert.rejects(lock.tryAcquire('exclusive'), { code: 'INTERNAL' });
  });
});

describe('index lock across processes', () => {
  let temp: { dir: string; cleanup: () => void };
  let child: ChildProcess | undefined;
  beforeEach(() => (temp = makeTempDir()));
  afterEach(async () => {
    if (child !== undefined) await killHard(child);
    child = undefined;
    temp.cleanup();
  });

  test('a child holding the lock blocks us until it is killed', async () => {
    child = await spawnHolder(temp.dir);
    const lock = await openLockFile(temp.dir);
    try {
      assert.equal(await lock.tryAcquire('exclusive'), null);
      assert.equal(await lock.tryAcquire('shared'), null);
      assert.equal((await readLockHolder(temp.dir))?.pid, child.pid);

      // Waiting must not block the event loop.
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 10);
      const timeoutMs = 400;
      const started = Date.now();
      try {
        await assert.rejects(lock.acquire('exclusive', { timeoutMs }), (err: unknown) => {
          assert.ok(err instanceof AppError);
          assert.equal(err.code, 'LOCK_TIMEOUT');
          assert.match(err.message, new RegExp(`pid ${child?.pid}`));
          assert.match(err.hint ?? '', new RegExp(`kill ${child?.pid}`));
          return true;
        });
      } finally {
        clearInterval(ticker);
      }
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= timeoutMs - 5 && elapsed < timeoutMs + 1000, `timed out after ${elapsed} ms`);
      assert.ok(ticks >= 15, `event loop ticked only ${ticks} times while waiting`);

      await killHard(child);
      assert.equal(await readLockHolder(temp.dir), null, 'a dead holder is never reported');
      const handle = await lock.acquire('exclusive', { timeoutMs: 2000 });
      assert.equal((await readLockHolder(temp.dir))?.pid, process.pid);
      await handle.release();
    } finally {
      await lock.close();
    }
  });

  test('a holder heartbeats while it runs; stopped (SIGSTOP) it is reported alive, stopped, heartbeat frozen', async () => {
    child = await spawnHolder(temp.dir);
    const pid = child.pid as number;
    const first = await inspectLockHolder(temp.dir);
    assert.equal(first?.pid, pid);
    assert.equal(first?.alive, true);
    const linux = process.platform === 'linux';
    assert.equal(first?.stopped, linux ? false : null);
    // The heartbeat (touched every second) moves on while the holder runs.
    await waitFor('the heartbeat to move', async () => (await inspectLockHolder(temp.dir))?.heartbeat !== first?.heartbeat, 5000, 100);

    child.kill('SIGSTOP');
    try {
      if (linux) await waitFor('the holder to be reported stopped', async () => (await inspectLockHolder(temp.dir))?.stopped === true, 5000, 50);
      const frozen = await inspectLockHolder(temp.dir);
      await new Promise((r) => setTimeout(r, 2200));
      const later = await inspectLockHolder(temp.dir);
      assert.equal(later?.pid, pid, 'a stopped holder keeps the lock');
      assert.equal(later?.alive, true);
      assert.equal(later?.heartbeat, frozen?.heartbeat, 'a stopped holder writes no heartbeat');
    } finally {
      child.kill('SIGCONT');
    }
    await waitFor('the heartbeat to move after SIGCONT', async () => {
      const now = await inspectLockHolder(temp.dir);
      return now?.stopped !== true && Date.now() - Date.parse(now?.heartbeat ?? '') < 2500;
    }, 5000, 100);
  });

  test('a child holding a shared lock allows shared but not exclusive', async () => {
    child = await spawnHolder(temp.dir, 'shared');
    const lock = await openLockFile(temp.dir);
    try {
      assert.equal(await lock.tryAcquire('exclusive'), null);
      const shared = await lock.tryAcquire('shared');
      assert.ok(shared);
      await shared.release();
      assert.equal(await readLockHolder(temp.dir), null);
    } finally {
      await lock.close();
    }
  });
});
