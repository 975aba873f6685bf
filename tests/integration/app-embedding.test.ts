import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createApplication } from '../../src/app/application.js';
import type { Embedder } from '../../src/embed/embedder.js';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import { testConfig } from '../helpers/app.js';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';

/** An embedder whose document calls fail while `failing` is true (an API that is down). */
function flakyEmbedder(): Embedder & { failing: boolean; calls: number } {
  const inner = createHashingEmbedder(32);
  const flaky = {
    ...inner,
    failing: true,
    calls: 0,
    embedDocuments: async (texts: readonly string[]) => {
      flaky.calls++;
      if (flaky.failing) throw new Error('503 from the embedding server');
      return inner.embedDocuments(texts);
    },
  };
  return flaky;
}

describe('embedding failures while indexing', () => {
  let tmp: { dir: string; cleanup: () => void };
  before(() => {
    tmp = makeTempDir('ragdocs-app-embed-');
  });
  after(() => tmp.cleanup());

  test('a failing embedder: keyword search serves, status says degraded and why, and every chunk is embedded once it recovers', async () => {
    const docs = join(tmp.dir, 'docs');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    const embedder = flakyEmbedder();
    const app = createApplication({ config: testConfig(docs, join(tmp.dir, 'index')), logger: pino({ level: 'silent' }), watch: false, embedder });
    try {
      await app.start();
      await waitFor('an embedding failure reported and retried', () => app.manager.status().last_error !== null && embedder.calls >= 2 ? true : null, 10_000);
      const s = app.manager.status();
      assert.equal(s.state, 'degraded');
      assert.match(s.last_error ?? '', /embedding failed.*503 from the embedding server/);
      assert.equal(s.chunks_embedded, 0);
      assert.ok(s.documents > 0);
      const { results } = await app.service.query({ query: 'getConnectionPool', topN: 3 });
      assert.ok(results.length > 0, 'keyword search is unaffected');
      embedder.failing = false;
      assert.ok(await app.manager.waitForIdle(15_000));
      const done = app.manager.status();
      assert.equal(done.state, 'ready');
      assert.equal(done.last_error, null);
      assert.equal(done.chunks_embedded, done.chunks);
      const semantic = await app.service.query({ query: 'canary traffic', topN: 5 });
      assert.ok(semantic.results.some((r) => r.matched_by.includes('semantic')));
    } finally {
      await app.stop();
    }
  });
});
