import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDocs, memoryCorpus } from '../helpers/corpus.js';

const TEXT = '# Guide\n\nHow the component is deployed, with enough words to be one chunk.\n';

describe('vectors reused by content', () => {
  test('a file renamed twice keeps its vector both times (the copy that reused it is found by its content)', async () => {
    const corpus = memoryCorpus();
    corpus.useVectorSpace('space', 4);
    await applyDocs(corpus, [['a.md', TEXT]]);
    const id = corpus.chunkIds('a.md')[0] as string;
    corpus.addVectors(new Map([[id, { hash: corpus.chunkHash(id) as string, vector: new Float32Array([1, 0, 0, 0]) }]]));

    // A rename as the watcher may deliver it: the new path in one batch, the old one gone in the next.
    await applyDocs(corpus, [['b.md', TEXT]]);
    await applyDocs(corpus, [], ['a.md']);
    assert.equal(corpus.embeddedChunks, corpus.chunkCount, 'b.md reused the vector of a.md');
    await applyDocs(corpus, [['c.md', TEXT]]);
    await applyDocs(corpus, [], ['b.md']);
    assert.equal(corpus.chunkCount, 1);
    assert.equal(corpus.embeddedChunks, 1, 'c.md reused the vector b.md had reused');
    assert.equal(corpus.chunksWithoutVector(10).length, 0);
  });

  test('a folder moved (its files deleted and added again in one batch) keeps every vector', async () => {
    const corpus = memoryCorpus();
    corpus.useVectorSpace('space', 4);
    const texts = [0, 1, 2].map((i) => `# Guide ${i}\n\nHow component ${i} is deployed, with enough words to be one chunk.\n`);
    await applyDocs(corpus, texts.map((t, i) => [`guides/p${i}.md`, t] as [string, string]));
    corpus.addVectors(new Map(corpus.chunksWithoutVector(10).map((c, i) => [c.id, { hash: c.hash, vector: new Float32Array([i, 1, 0, 0]) }])));
    assert.equal(corpus.embeddedChunks, 3);

    await applyDocs(corpus, texts.map((t, i) => [`handbook/p${i}.md`, t] as [string, string]), texts.map((_, i) => `guides/p${i}.md`));
    assert.deepEqual(corpus.documents().map((d) => d.path).sort(), ['handbook/p0.md', 'handbook/p1.md', 'handbook/p2.md']);
    assert.equal(corpus.embeddedChunks, 3, 'no chunk of the moved folder needs embedding again');
    assert.equal(corpus.chunksWithoutVector(10).length, 0);
    assert.equal(corpus.takeReused(), 3);
    // The moved copies answer for their content: the next copy reuses too.
    await applyDocs(corpus, [['elsewhere.md', texts[1] as string]]);
    assert.equal(corpus.chunksWithoutVector(10).length, 0);
  });

  test('a rename seen as a delete in one batch and an add in the next keeps its vector', async () => {
    const corpus = memoryCorpus();
    corpus.useVectorSpace('space', 4);
    await applyDocs(corpus, [['a.md', TEXT], ['other.md', '# Other\n\nSomething else entirely.\n']]);
    corpus.addVectors(new Map(corpus.chunksWithoutVector(10).map((c, i) => [c.id, { hash: c.hash, vector: new Float32Array([i, 1, 0, 0]) }])));
    await applyDocs(corpus, [], ['a.md']);
    await applyDocs(corpus, [['b.md', TEXT]]);
    assert.equal(corpus.chunksWithoutVector(10).length, 0, 'b.md got the vector a.md had');
    assert.equal(corpus.takeReused(), 1);
    // What was removed is kept two batches only: content gone longer than that is embedded again.
    await applyDocs(corpus, [], ['b.md']);
    await applyDocs(corpus, [['other.md', '# Other\n\nSomething else, edited.\n']]);
    await applyDocs(corpus, [['other.md', '# Other\n\nSomething else, edited twice.\n']]);
    await applyDocs(corpus, [['c.md', TEXT]]);
    assert.deepEqual(corpus.chunksWithoutVector(10).map((c) => c.id).sort(), ['c.md#0', 'other.md#0']);
  });
});
