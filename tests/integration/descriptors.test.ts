import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createApplication } from '../../src/app/application.js';
import { AppError } from '../../src/core/errors.js';
import type { IndexWorkers } from '../../src/indexing/index-workers.js';
import { alignedBytes, runMergeJob } from '../../src/indexing/merge-job.js';
import { prepareBatch } from '../../src/indexing/prepare.js';
import { readDocumentFile } from '../../src/indexing/read-file.js';
import { createSegmentBuilder } from '../../src/indices/keyword.js';
import { testConfig } from '../helpers/app.js';
import { makeTempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue 12, item 6: a read that fails for want of file descriptors (EMFILE) is deferred and
 * retried, never recorded as an unreadable file. The real processes are in
 * tests/e2e/resource-limits.test.ts, where short in-batch retries usually rescue the reads;
 * here the read function the index workers use is injected, so every read can be made to fail
 * for as long as the test wants, and the deferral path itself is what runs.
 */
function emfile(path: string): AppError {
  const cause = Object.assign(new Error(`EMFILE: too many open files, open '${path}'`), { code: 'EMFILE' });
  return new AppError('FILE_UNREADABLE', `${path} cannot be opened now: too many open files (EMFILE)`, { cause });
}

/** Index workers running the real jobs in this thread, with a read that fails while `failing()` holds. */
function workersWithReads(failing: (path: string) => boolean): IndexWorkers & { reads: number } {
  const build = createSegmentBuilder();
  const workers = {
    size: 1,
    reads: 0,
    prepare: (paths: string[], known: Map<string, never>, opts: Parameters<IndexWorkers['prepare']>[2]) =>
      prepareBatch(paths, known, opts, build, (root, path, max) => {
        workers.reads++;
        if (failing(path)) throw emfile(path);
        return readDocumentFile(root, path, max);
      }),
    merge: async (req: Parameters<IndexWorkers['merge']>[0]) => runMergeJob(req, (path) => alignedBytes(readFileSync(path))),
    close: async () => undefined,
  };
  return workers;
}

describe('reads that fail with EMFILE (issue 12, item 6)', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  const FILES = 20;

  test('are queued again with back-off, the status says why and how to fix it, and every file is indexed once reads work', async () => {
    const docs = join(tmp.dir, 'docs');
    mkdirSync(docs, { recursive: true });
    for (let i = 0; i < FILES; i++) writeFileSync(join(docs, `page-${i}.md`), `# Page ${i}\n\nAbout descriptors, tokfd${i}k.\n`);
    let exhausted = true;
    const workers = workersWithReads(() => exhausted);
    const app = createApplication({ config: testConfig(docs, join(tmp.dir, 'index')), logger: pino({ level: 'silent' }), watch: false, indexWorkers: workers });
    try {
      await app.start();
      const stuck = await waitFor('degraded with EMFILE', () => {
        const s = app.manager.status();
        return s.state === 'degraded' && /EMFILE/.test(s.index_problem ?? '') ? s : null;
      }, 10_000);
      assert.match(stuck.index_problem ?? '', /too many open files \(EMFILE: this process's limit, ulimit -n, is \d+\)/);
      assert.match(stuck.index_problem ?? '', new RegExp(`${FILES} files cannot be opened`));
      assert.match(stuck.index_problem ?? '', new RegExp(`${FILES} files are queued, none is dropped`));
      assert.match(stuck.index_fix ?? '', /ulimit -n 4096/);
      assert.equal(stuck.documents, 0);
      assert.equal(stuck.pending_files, FILES);
      assert.deepEqual(stuck.warnings.filter((w) => /EMFILE|cannot be/.test(w)), [], 'no file is recorded as unreadable');
      // Retried with back-off: a few cycles, not a busy loop.
      const readsBefore = workers.reads;
      await new Promise((r) => setTimeout(r, 1500));
      const perCycle = FILES;
      assert.ok(workers.reads - readsBefore <= 4 * (perCycle + 3), `${workers.reads - readsBefore} reads in 1.5 s`);

      exhausted = false;
      assert.equal(await app.manager.waitForIdle(15_000), true, 'indexing finished after reads work again');
      const done = app.manager.status();
      assert.equal(done.state, 'ready');
      assert.equal(done.documents, FILES);
      assert.equal(done.pending_files, 0);
      assert.equal(done.index_problem, null);
      assert.equal(done.last_error, null);
      assert.deepEqual(done.warnings, []);
      const hit = await app.service.query({ query: `tokfd${FILES - 1}k`, topN: 1 });
      assert.equal(hit.results[0]?.path, `page-${FILES - 1}.md`);
    } finally {
      await app.stop();
    }
  });

  test('a read that fails once is retried within its batch and nothing is deferred', async () => {
    const docs = join(tmp.dir, 'docs-once');
    mkdirSync(docs, { recursive: true });
    for (let i = 0; i < FILES; i++) writeFileSync(join(docs, `page-${i}.md`), `# Page ${i}\n\ntokonce${i}v.\n`);
    const failedOnce = new Set<string>();
    const workers = workersWithReads((path) => (failedOnce.has(path) || !/[13579]\.md$/.test(path) ? false : (failedOnce.add(path), true)));
    const app = createApplication({ config: testConfig(docs, join(tmp.dir, 'index-once')), logger: pino({ level: 'silent' }), watch: false, indexWorkers: workers });
    try {
      await app.start();
      assert.equal(await app.manager.waitForIdle(15_000), true);
      const s = app.manager.status();
      assert.equal(failedOnce.size, FILES / 2);
      assert.equal(s.documents, FILES);
      assert.equal(s.state, 'ready');
      assert.equal(s.last_error, null, 'no failed cycle: the retries within the batch read them');
      assert.deepEqual(s.warnings, []);
    } finally {
      await app.stop();
    }
  });
});
