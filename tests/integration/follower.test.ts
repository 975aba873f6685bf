import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { createApplication, type Application } from '../../src/app/application.js';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import type { Corpus } from '../../src/indexing/corpus.js';
import { startApp, testConfig } from '../helpers/app.js';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { waitFor } from '../helpers/wait.js';

/** Every document's links, resolved and unresolved, comparable across corpora. */
function graphState(corpus: Corpus): unknown {
  return corpus
    .knownPaths()
    .sort()
    .map((p) => [p, corpus.graph.linksOf(p), corpus.graph.backlinks(p)]);
}

describe('a follower', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  test('ends with the same documents and link graph as a fresh load, after edits that change links', async () => {
    const docs = join(tmp.dir, 'docs');
    const indexDir = join(tmp.dir, 'index');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    const writer = await startApp(testConfig(docs, indexDir));
    const follower: Application = createApplication({ config: testConfig(docs, indexDir), logger: pino({ level: 'silent' }), watch: false });
    await follower.start();
    try {
      const steps: (() => void)[] = [
        () => writeFileSync(join(docs, 'hub.md'), '# Hub\n\nSee [deploy](guides/deployment.md) and [[Missing Page]].\n'),
        () => writeFileSync(join(docs, 'missing-page.md'), '# Missing Page\n\nNow it exists; back to [[Hub]].\n'),
        () => writeFileSync(join(docs, 'hub.md'), '# Hub\n\nOnly [[Missing Page]] now.\n'),
        () => rmSync(join(docs, 'missing-page.md')),
      ];
      for (const [i, step] of steps.entries()) {
        step();
        writer.manager.enqueue(['hub.md', 'missing-page.md']);
        assert.ok(await writer.manager.waitForIdle(10_000));
        const generation = writer.manager.status().generation;
        await waitFor(`the follower at generation ${generation} (step ${i})`, () => (follower.manager.status().generation >= generation ? true : null), 10_000, 20);
        assert.deepEqual(graphState(follower.manager.current()), graphState(writer.manager.current()), `step ${i}`);
      }
      const fresh = await startApp(testConfig(docs, indexDir));
      try {
        assert.deepEqual(graphState(follower.manager.current()), graphState(fresh.manager.current()));
        assert.deepEqual(follower.manager.current().graph.unresolvedLinks(), fresh.manager.current().graph.unresolvedLinks());
      } finally {
        await fresh.stop();
      }
    } finally {
      await follower.stop();
      await writer.stop();
    }
  });

  test('with an embedder, a follower applies vector deltas to the index it holds and ends with the writer\'s vectors', async () => {
    const docs = join(tmp.dir, 'vec-docs');
    const indexDir = join(tmp.dir, 'vec-index');
    cpSync(fixturePath('corpus'), docs, { recursive: true });
    const embedder = createHashingEmbedder(16);
    const writer = await startApp(testConfig(docs, indexDir), { embedder });
    const follower = createApplication({ config: testConfig(docs, indexDir), logger: pino({ level: 'silent' }), watch: false, embedder });
    await follower.start();
    try {
      assert.ok(await follower.manager.waitForIdle(10_000));
      const held = follower.manager.current().vector;
      assert.ok(held && held.size > 0);
      const edits = ['# Hub\n\nFirst words about zinnias.\n', '# Hub\n\nSecond words about asters.\n\n## More\n\nAnd a section.\n', '# Hub\n\nThird, shorter.\n'];
      for (const [i, text] of edits.entries()) {
        writeFileSync(join(docs, 'hub.md'), text);
        writer.manager.enqueue(['hub.md']);
        assert.ok(await writer.manager.waitForIdle(10_000));
        const generation = writer.manager.status().generation;
        await waitFor(`the follower at generation ${generation}`, () => (follower.manager.status().generation >= generation ? true : null), 10_000, 20);
        const f = follower.manager.current();
        const w = writer.manager.current();
        assert.equal(f.vector, held, `step ${i}: the follower kept its vector index and applied the delta`);
        assert.deepEqual(f.vector?.ids(), w.vector?.ids(), `step ${i}: same ids`);
        for (const id of w.vector?.ids() ?? []) assert.deepEqual(f.vector?.getVector(id), w.vector?.getVector(id), `step ${i}: ${id}`);
      }
    } finally {
      await follower.stop();
      await writer.stop();
    }
  });
});
