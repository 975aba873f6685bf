import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApplication, type Application } from '../../src/app/application.js';
import type { IndexWorkers } from '../../src/indexing/index-workers.js';
import { alignedBytes, runMergeJob } from '../../src/indexing/merge-job.js';
import { prepareBatch } from '../../src/indexing/prepare.js';
import { createSegmentBuilder } from '../../src/indices/keyword.js';
import { formatResults } from '../../src/mcp/format.js';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { startApp, testConfig } from '../helpers/app.js';

const FIXTURE_DOCS = 6;

/** Index workers that run the real jobs in this thread, each prepare held until `open()` (or failing). */
function fakeWorkers(mode: 'gated' | 'failing'): IndexWorkers & { open(): void; prepared: number } {
  const build = createSegmentBuilder();
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const workers = {
    size: 1,
    prepared: 0,
    open: () => release(),
    async prepare(paths: string[], known: Map<string, never>, opts: Parameters<IndexWorkers['prepare']>[2]) {
      if (mode === 'failing') throw new Error('an index worker stopped: ERR_WORKER_OUT_OF_MEMORY');
      await gate;
      workers.prepared++;
      return prepareBatch(paths, known, opts, build);
    },
    merge: async (req: Parameters<IndexWorkers['merge']>[0]) => runMergeJob(req, (path) => alignedBytes(readFileSync(path))),
    close: async () => undefined,
  };
  return workers;
}

/** A logger whose lines (parsed) are kept. */
function recordingLogger(): { logger: pino.Logger; lines: { level: number; msg: string }[] } {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

async function waitIdle(app: Application): Promise<void> {
  assert.ok(await app.manager.waitForIdle(30_000), 'idle within 30 s');
}

describe('answers during start-up', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  test('during a first build, answers say how far indexing is instead of a bare "No results"', async () => {
    const docs = join(tmp.dir, 'first-docs');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    const workers = fakeWorkers('gated');
    const app = createApplication({ config: testConfig(docs, join(tmp.dir, 'first-index')), logger: pino({ level: 'silent' }), watch: false, indexWorkers: workers });
    try {
      const starting = app.start();
      // Before the folder is even scanned: the total is not known yet, and it says so.
      const early = await app.service.query({ query: 'canary', topN: 3 });
      assert.deepEqual(early.indexing, { files_indexed: 0, files_total: null });
      await starting;
      const during = await app.service.query({ query: 'canary', topN: 3 });
      assert.deepEqual(during.results, []);
      assert.deepEqual(during.indexing, { files_indexed: 0, files_total: FIXTURE_DOCS });
      assert.match(formatResults('canary', during.results, during.indexing), /^Indexing in progress: 0 of 6 files indexed; results may be incomplete\.\n\nNo results for "canary" yet/);
      const listed = await app.service.listDocuments({});
      assert.deepEqual(listed.indexing, { files_indexed: 0, files_total: FIXTURE_DOCS });
      workers.open();
      await waitIdle(app);
      const done = await app.service.query({ query: 'canary', topN: 3 });
      assert.equal(done.indexing, undefined, 'no notice once every file is indexed');
      assert.ok(done.results.length > 0);
      assert.equal(workers.prepared > 0, true);
    } finally {
      await app.stop();
    }
  });

  test('a persisted index answers at once, without a notice, and a query sent during the load waits for it', async () => {
    const docs = join(tmp.dir, 'persisted-docs');
    const indexDir = join(tmp.dir, 'persisted-index');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    await (await startApp(testConfig(docs, indexDir))).stop();
    const app = createApplication({ config: testConfig(docs, indexDir), logger: pino({ level: 'silent' }), watch: false });
    try {
      // Sent before start(): it must wait for the persisted generation, not answer from nothing.
      const asked = app.service.query({ query: 'canary traffic', topN: 3 });
      await app.start();
      const { results, indexing } = await asked;
      assert.ok(results.length > 0, 'answered from the persisted generation');
      assert.equal(indexing, undefined);
    } finally {
      await app.stop();
    }
  });

  test('a query that cannot wait for the load any longer says so instead of answering from nothing', async () => {
    const docs = join(tmp.dir, 'slow-docs');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    const config = testConfig(docs, join(tmp.dir, 'slow-index'));
    const app = createApplication({ config, logger: pino({ level: 'silent' }), watch: false });
    const { createDocsService } = await import('../../src/app/docs-service.js');
    // The same manager, never opened, behind a service with a short wait.
    const service = createDocsService({ config, manager: app.manager, embedding: app.embedding, loadWaitMs: 50 });
    await assert.rejects(service.query({ query: 'canary', topN: 3 }), (err: Error & { code?: string }) => err.code === 'NOT_READY' && /still loading/.test(err.message));
    await app.stop();
  });

  test('a batch an index worker cannot prepare is prepared on the main thread: nothing is left out', async () => {
    const docs = join(tmp.dir, 'failing-docs');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    const { logger, lines } = recordingLogger();
    const app = createApplication({ config: testConfig(docs, join(tmp.dir, 'failing-index')), logger, watch: false, indexWorkers: fakeWorkers('failing') });
    try {
      await app.start();
      await waitIdle(app);
      const s = app.manager.status();
      assert.equal(s.documents, FIXTURE_DOCS);
      assert.equal(s.last_error, null);
      assert.ok(lines.some((l) => /preparing it on the main thread/.test(l.msg)), 'the fallback is logged');
    } finally {
      await app.stop();
    }
  });

  test('an index dir in the old format is rebuilt, with one clear log line', async () => {
    const docs = join(tmp.dir, 'old-docs');
    const indexDir = join(tmp.dir, 'old-index');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    await (await startApp(testConfig(docs, indexDir))).stop();
    // What an index written by the previous release looks like to this one: manifest format 1.
    const manifestPath = join(indexDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, format: 1 }));
    const { logger, lines } = recordingLogger();
    const app = createApplication({ config: testConfig(docs, indexDir), logger, watch: false });
    try {
      await app.start();
      await waitIdle(app);
      const s = app.manager.status();
      assert.equal(s.documents, FIXTURE_DOCS);
      assert.equal(s.files_parsed, FIXTURE_DOCS, 'rebuilt from the documents');
      assert.ok(s.generation > (manifest['generation'] as number), 'generations keep counting up');
      const mentions = lines.filter((l) => /older than this server/.test(l.msg));
      assert.equal(mentions.length, 1, JSON.stringify(lines.map((l) => l.msg)));
      assert.match(mentions[0]?.msg ?? '', /index format 1 .* is older than this server's \(\d+\); rebuilding the index from the documents/);
      const warnings = lines.filter((l) => l.level >= 40);
      assert.equal(warnings.length, 1, `one warning, not several: ${JSON.stringify(warnings.map((l) => l.msg))}`);
      const { results } = await app.service.query({ query: 'canary traffic', topN: 3 });
      assert.ok(results.length > 0);
    } finally {
      await app.stop();
    }
    // The next start loads the rebuilt index as it is.
    const again = await startApp(testConfig(docs, indexDir));
    try {
      assert.equal(again.manager.status().files_parsed, 0);
    } finally {
      await again.stop();
    }
  });
});
