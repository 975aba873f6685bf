import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Corpus } from '../../src/indexing/corpus.js';
import { loadLinkGraph } from '../../src/indices/graph.js';
import { parseDocument } from '../../src/markdown/index.js';
import { createRandom } from '../../bench/lib/random.js';

const params = { k1: 1.2, b: 0.75, titleBoost: 6, headingBoost: 2 };
const chunking = { minChars: 0, maxChars: 1500 };

function upsert(corpus: Corpus, path: string, text: string, deferLinks = false): void {
  const doc = parseDocument(path, text, chunking);
  corpus.apply({ upserts: [{ entry: { path, size: 1, mtimeMs: 1, hash: text, chunkIds: doc.chunks.map((c) => c.id) }, doc, vectors: null }], deletes: [], touched: [], skipped: [] }, { deferLinks });
}
const remove = (corpus: Corpus, path: string): void => corpus.apply({ upserts: [], deletes: [path], touched: [], skipped: [] });

/** Every document's resolved out-links and the unresolved ones, comparable across corpora. */
function linkState(corpus: Corpus): unknown {
  const docs = [...corpus.docs.keys()].sort();
  return {
    out: docs.map((p) => [p, corpus.graph.outLinks(p).sort()]),
    unresolved: corpus.graph.unresolvedLinks().map((u) => JSON.stringify(u)).sort(),
  };
}

/** The same documents applied to a fresh corpus in one go: what a full re-resolve gives. */
function fresh(texts: Map<string, string>): Corpus {
  const corpus = new Corpus(params);
  for (const [path, text] of texts) upsert(corpus, path, text);
  // One more pass over everything with all documents present.
  for (const [path, text] of texts) upsert(corpus, path, text + '\n');
  return corpus;
}

describe('incremental link resolution', () => {
  test('a link resolves when its target appears and unresolves when it goes', () => {
    const corpus = new Corpus(params);
    upsert(corpus, 'a.md', '# A\n\nSee [[Setup Guide]] and [b](sub/b.md).\n');
    assert.deepEqual(corpus.graph.outLinks('a.md'), []);
    upsert(corpus, 'guide.md', '---\ntitle: Setup Guide\n---\n\ntext\n');
    assert.deepEqual(corpus.graph.outLinks('a.md'), ['guide.md']);
    upsert(corpus, 'sub/b.md', '# B\n\ntext\n');
    assert.deepEqual(corpus.graph.outLinks('a.md').sort(), ['guide.md', 'sub/b.md']);
    // The title changes: the wikilink no longer matches.
    upsert(corpus, 'guide.md', '---\ntitle: Install Notes\n---\n\ntext\n');
    assert.deepEqual(corpus.graph.outLinks('a.md'), ['sub/b.md']);
    remove(corpus, 'sub/b.md');
    assert.deepEqual(corpus.graph.outLinks('a.md'), []);
  });

  test('random edits end in the same links as resolving everything from scratch', async () => {
    const random = createRandom(7);
    const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const texts = new Map<string, string>();
    const corpus = new Corpus(params);
    for (let step = 0; step < 300; step++) {
      const name = random.pick(names);
      const path = random.next() < 0.3 ? `dir/${name}.md` : `${name}.md`;
      if (texts.has(path) && random.next() < 0.25) {
        texts.delete(path);
        remove(corpus, path);
        continue;
      }
      const title = random.next() < 0.3 ? random.pick(names) : name;
      const aliases = random.next() < 0.2 ? `\naliases: [${random.pick(names)}]` : '';
      const links = Array.from({ length: 3 }, () => {
        const target = random.pick(names);
        const kind = random.next();
        return kind < 0.4 ? `[[${target}]]` : kind < 0.7 ? `[x](${target}.md)` : `[y](../${target})`;
      }).join(' ');
      const text = `---\ntitle: ${title}${aliases}\n---\n\n${links}\n`;
      texts.set(path, text);
      // Every other edit resolves its links later, in slices, as the index manager does.
      const defer = step % 2 === 1;
      upsert(corpus, path, text, defer);
      if (defer && step % 4 === 1) await corpus.resolvePendingLinks(0);
    }
    await corpus.resolvePendingLinks(0);
    assert.deepEqual(linkState(corpus), linkState(fresh(texts)));
  });

  test('a corpus loaded from disk relinks correctly on its first change', () => {
    const corpus = new Corpus(params);
    upsert(corpus, 'a.md', '# A\n\n[[b]] [[c]]\n');
    upsert(corpus, 'b.md', '# B\n');
    const loaded = new Corpus(params, { graph: loadLinkGraph(JSON.parse(JSON.stringify(corpus.graph.toJSON()))) });
    for (const [path, meta] of corpus.docs) loaded.docs.set(path, meta);
    loaded.rebuildDerived();
    upsert(loaded, 'c.md', '# C\n');
    assert.deepEqual(loaded.graph.outLinks('a.md').sort(), ['b.md', 'c.md']);
  });
});
