import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Embedder } from '../../src/embed/embedder.js';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import type { Corpus } from '../../src/indexing/corpus.js';
import { fillMissingVectors } from '../../src/indexing/vector-fill.js';
import { applyDocs, memoryCorpus } from '../helpers/corpus.js';

const params = { k1: 1.2, b: 0.75, titleBoost: 6, headingBoost: 2 };

/** Applies one document; `vector` (if given) becomes the vector of its first chunk. */
function upsert(corpus: Corpus, path: string, text: string, vector?: Float32Array): void {
  // applyDocs applies synchronously; only link resolution is awaited (not needed here).
  void applyDocs(corpus, [[path, text]]);
  if (vector) {
    const id = corpus.chunkIds(path)[0] as string;
    corpus.addVectors(new Map([[id, { hash: corpus.chunkHash(id) as string, vector }]]));
  }
}

/** Wraps an embedder to count the texts it embeds and optionally run a hook mid-call. */
function counting(inner: Embedder, during?: () => void): Embedder & { texts: string[] } {
  const texts: string[] = [];
  return {
    ...inner,
    texts,
    embedDocuments: async (batch) => {
      texts.push(...batch);
      during?.();
      return inner.embedDocuments(batch);
    },
  };
}

describe('filling missing vectors', () => {
  test('embeds each distinct content once and reuses identical content', async () => {
    const corpus = memoryCorpus(params);
    corpus.useVectorSpace('space', 16);
    upsert(corpus, 'a.md', '# A\n\nalpha text\n\n## Same\n\nshared words here\n');
    upsert(corpus, 'b.md', '# A\n\nalpha text\n\n## Same\n\nshared words here\n');
    const embedder = counting(createHashingEmbedder(16));
    const r = await fillMissingVectors(corpus, embedder, { batchSize: 2, budgetMs: 10_000 });
    assert.equal(corpus.embeddedChunks, corpus.chunkCount);
    assert.equal(r.computed, embedder.texts.length);
    assert.equal(r.computed + r.reused, corpus.chunkCount);
    assert.ok(r.reused > 0, 'b.md repeats a.md');
    assert.equal(r.remaining, false);
  });

  test('stops at the time budget and says more remain', async () => {
    const corpus = memoryCorpus(params);
    corpus.useVectorSpace('space', 8);
    for (let i = 0; i < 5; i++) upsert(corpus, `d${i}.md`, `# D${i}\n\nunique${i} words\n`);
    let clock = 0;
    const embedder = counting(createHashingEmbedder(8), () => (clock += 100));
    const r = await fillMissingVectors(corpus, embedder, { batchSize: 1, budgetMs: 250, now: () => clock });
    assert.equal(r.remaining, true);
    assert.equal(r.computed, 3);
    assert.equal(corpus.embeddedChunks, 3);
  });

  test('a chunk edited while it was being embedded does not get the stale vector', async () => {
    const corpus = memoryCorpus(params);
    corpus.useVectorSpace('space', 8);
    upsert(corpus, 'a.md', '# A\n\nold words\n');
    const embedder = counting(createHashingEmbedder(8), () => upsert(corpus, 'a.md', '# A\n\nnew words\n'));
    await fillMissingVectors(corpus, { ...embedder, embedDocuments: async (t) => {
      const out = await embedder.embedDocuments(t);
      return out;
    } }, { batchSize: 8, budgetMs: 10_000 });
    const id = corpus.chunkIds('a.md')[0] ?? '';
    // The first round's vector (of "old words") was dropped; the second round embedded the new text.
    assert.ok(embedder.texts.some((t) => t.includes('old words')));
    assert.ok(embedder.texts.some((t) => t.includes('new words')));
    const expected = (await createHashingEmbedder(8).embedDocuments([embedder.texts.at(-1) ?? '']))[0];
    assert.deepEqual([...(corpus.vector?.getVector(id) ?? [])].map((x) => x.toFixed(5)), [...(expected ?? [])].map((x) => x.toFixed(5)));
  });

  test('an edit without an embedder removes the old vector instead of keeping a stale one', () => {
    const corpus = memoryCorpus(params);
    corpus.useVectorSpace('space', 8);
    upsert(corpus, 'a.md', '# A\n\nold words\n', Float32Array.from({ length: 8 }, (_, i) => (i === 0 ? 1 : 0)));
    const id = corpus.chunkIds('a.md')[0] ?? '';
    assert.equal(corpus.embeddedChunks, 1);
    upsert(corpus, 'a.md', '# A\n\nnew words\n');
    assert.equal(corpus.vector?.has(id), false);
    assert.equal(corpus.chunksWithoutVector(10).length, 1);
  });

  test('switching vector space drops every vector', () => {
    const corpus = memoryCorpus(params);
    corpus.useVectorSpace('one', 8);
    upsert(corpus, 'a.md', '# A\n\nwords\n', Float32Array.from({ length: 8 }, (_, i) => (i === 1 ? 1 : 0)));
    assert.equal(corpus.useVectorSpace('one', 8), false, 'same space and dimension: kept');
    assert.equal(corpus.embeddedChunks, 1);
    assert.equal(corpus.useVectorSpace('two', 8), true);
    assert.equal(corpus.embeddedChunks, 0);
    assert.equal(corpus.vectorSpace, 'two');
  });
});
