import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import { readManifest } from '../../src/storage/manifest.js';
import { generationDir } from '../../src/storage/layout.js';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { startApp, testConfig } from '../helpers/app.js';
import { waitFor } from '../helpers/wait.js';
import { embeddingText } from '../../src/indexing/prepare.js';

const FIXTURE_DOCS = 6;

async function damageCurrentGeneration(indexDir: string, which: 'current' | 'previous'): Promise<void> {
  const manifest = await readManifest(indexDir);
  assert.ok(manifest);
  const blobs = which === 'current' ? manifest.blobs : manifest.previous?.blobs;
  assert.ok(blobs);
  // Truncate the blobs first written by that generation (shared older ones stay intact).
  const gen = which === 'current' ? manifest.generation : manifest.previous!.generation;
  const own = Object.values(blobs).filter((ref) => ref.gen === gen);
  assert.ok(own.length > 0);
  for (const ref of own) truncateSync(join(generationDir(indexDir, ref.gen), ref.file), 3);
}

describe('persistence through the application', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  test('a damaged current generation falls back to the previous one, with a warning, and catches up by hash', async () => {
    const docs = join(tmp.dir, 'fallback-docs');
    const indexDir = join(tmp.dir, 'fallback-index');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    await (await startApp(testConfig(docs, indexDir))).stop();
    appendFileSync(join(docs, 'README.md'), '\nA new line with the zorblax token.\n');
    await (await startApp(testConfig(docs, indexDir))).stop();
    await damageCurrentGeneration(indexDir, 'current');

    const app = await startApp(testConfig(docs, indexDir));
    try {
      const s = app.manager.status();
      assert.ok(s.warnings.some((w) => /loaded the previous generation/.test(w)), s.warnings.join('\n'));
      assert.equal(s.documents, FIXTURE_DOCS);
      const { results } = await app.service.query({ query: 'zorblax', topN: 3 });
      assert.equal(results[0]?.path, 'README.md', 'the change made after the previous generation is re-applied');
    } finally {
      await app.stop();
    }
  });

  test('when the previous generation is damaged too, the index is rebuilt from the documents', async () => {
    const docs = join(tmp.dir, 'rebuild-docs');
    const indexDir = join(tmp.dir, 'rebuild-index');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    await (await startApp(testConfig(docs, indexDir))).stop();
    writeFileSync(join(docs, 'extra.md'), '# Extra\n\nThe quillwort page.\n');
    await (await startApp(testConfig(docs, indexDir))).stop();
    await damageCurrentGeneration(indexDir, 'current');
    await damageCurrentGeneration(indexDir, 'previous');

    const app = await startApp(testConfig(docs, indexDir));
    try {
      const s = app.manager.status();
      assert.ok(s.warnings.some((w) => /rebuilding the index from the documents/.test(w)), s.warnings.join('\n'));
      assert.equal(s.documents, FIXTURE_DOCS + 1);
      assert.equal(s.files_parsed, FIXTURE_DOCS + 1);
      const { results } = await app.service.query({ query: 'quillwort', topN: 3 });
      assert.equal(results[0]?.path, 'extra.md');
    } finally {
      await app.stop();
    }
  });

  test('changing the embedder re-embeds every chunk and keeps the rest of the index', async () => {
    const docs = join(tmp.dir, 'embed-docs');
    const indexDir = join(tmp.dir, 'embed-index');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    await (await startApp(testConfig(docs, indexDir))).stop();
    // No embedder before: the chunks get vectors, the keyword index is reused as it is.
    const first = await startApp(testConfig(docs, indexDir), { embedder: createHashingEmbedder(32) });
    let chunks: number;
    try {
      const s = first.manager.status();
      chunks = s.chunks;
      assert.equal(s.documents, FIXTURE_DOCS);
      assert.equal(s.files_parsed, 0, 'the keyword index was not rebuilt');
      assert.equal(s.embeddings_computed + s.embeddings_reused, chunks);
      assert.equal(s.chunks_embedded, chunks);
      const { results } = await first.service.query({ query: 'canary traffic', topN: 5 });
      assert.ok(results.some((r) => r.matched_by.includes('semantic')));
    } finally {
      await first.stop();
    }
    // Another embedder (another dimension): every stored vector is stale and none is reused.
    const second = await startApp(testConfig(docs, indexDir), { embedder: createHashingEmbedder(48) });
    try {
      const s = second.manager.status();
      assert.ok(s.warnings.some((w) => /stored vectors were made by .*discarded/.test(w)), s.warnings.join('\n'));
      assert.equal(s.files_parsed, 0);
      assert.equal(s.embeddings_computed + s.embeddings_reused, chunks);
      assert.ok(s.embeddings_computed > 0);
      assert.equal(s.chunks_embedded, chunks);
      const { results } = await second.service.query({ query: 'canary traffic', topN: 5 });
      assert.ok(results.some((r) => r.matched_by.includes('semantic')));
    } finally {
      await second.stop();
    }
    // And back to none: the documents are served by keyword, nothing crashes.
    const third = await startApp(testConfig(docs, indexDir));
    try {
      assert.equal(third.manager.status().files_parsed, 0);
      const { results } = await third.service.query({ query: 'canary traffic', topN: 5 });
      assert.ok(results.length > 0 && results.every((r) => !r.matched_by.includes('semantic')));
    } finally {
      await third.stop();
    }
  });

  test('a one-file edit writes a vector delta, not every vector, and a restart loads base + delta exactly', async () => {
    const docs = join(tmp.dir, 'delta-docs');
    const indexDir = join(tmp.dir, 'delta-index');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    const embedder = createHashingEmbedder(32);
    const first = await startApp(testConfig(docs, indexDir), { embedder, watch: true });
    let before: Awaited<ReturnType<typeof readManifest>>;
    try {
      before = await readManifest(indexDir);
      assert.ok(before?.blobs['vectors.hnsw']);
      appendFileSync(join(docs, 'README.md'), '\nThe plumbago token joins the readme.\n');
      await waitFor('the edit to be indexed', async () => ((await first.service.query({ query: 'plumbago', topN: 1 })).results[0]?.path === 'README.md' ? true : null), 10_000);
      assert.ok(await first.manager.waitForIdle(10_000));
    } finally {
      await first.stop();
    }
    const after = await readManifest(indexDir);
    assert.ok(after && before && after.generation > before.generation);
    assert.deepEqual(after.blobs['vectors.hnsw'], before.blobs['vectors.hnsw'], 'the base vectors are shared, not rewritten');
    const delta = after.blobs['vectors-delta.bin'];
    assert.ok(delta && delta.gen === after.generation, 'the edit wrote a delta');
    assert.ok(delta.bytes < 8 * 1024, `delta of ${delta.bytes} bytes for one file`);

    // A restart applies the delta: every chunk has its vector, the edited one the vector of its new text.
    const second = await startApp(testConfig(docs, indexDir), { embedder });
    try {
      const s = second.manager.status();
      assert.equal(s.files_parsed, 0);
      assert.equal(s.embeddings_computed, 0, 'nothing re-embedded');
      assert.equal(s.chunks_embedded, s.chunks);
      const corpus = second.manager.current();
      for (const id of corpus.chunkIds('README.md')) {
        const chunk = (await corpus.readChunks([id])).get(id);
        assert.ok(chunk);
        const expected = (await embedder.embedDocuments([embeddingText(chunk.headingPath, chunk.content)]))[0] as Float32Array;
        const stored = corpus.vector?.getVector(id);
        assert.ok(stored, `${id} has a vector`);
        const norm = Math.hypot(...expected);
        stored.forEach((x, d) => assert.ok(Math.abs(x - (expected[d] as number) / norm) < 1e-5, `${id}[${d}]`));
      }
    } finally {
      await second.stop();
    }
  });

  test('an index dir that cannot be created: serve from memory, degraded, with the reason', async () => {
    const docs = join(tmp.dir, 'memory-docs');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    const blocker = join(tmp.dir, 'not-a-dir');
    writeFileSync(blocker, 'a file where the index dir should go');
    const app = await startApp(testConfig(docs, join(blocker, 'index')));
    try {
      const s = app.manager.status();
      assert.equal(s.state, 'degraded');
      assert.match(s.warnings.join('\n') + (s.last_error ?? ''), /not writable|serving from memory/);
      assert.equal(s.documents, FIXTURE_DOCS);
      const { results } = await app.service.query({ query: 'rollback', topN: 3 });
      assert.equal(results[0]?.path, 'guides/deployment.md');
    } finally {
      await app.stop();
    }
    assert.deepEqual(readdirSync(tmp.dir).includes('not-a-dir'), true);
  });
});
