import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Corpus } from '../../src/indexing/corpus.js';
import { loadLinkGraph } from '../../src/indices/graph.js';
import { createSegmentIndex } from '../../src/indices/keyword.js';
import { applyDocs, memoryCorpus } from '../helpers/corpus.js';
import { createRandom } from '../../bench/lib/random.js';

const params = { k1: 1.2, b: 0.75, titleBoost: 6, headingBoost: 2 };

const upsert = (corpus: Corpus, path: string, text: string): Promise<void> => applyDocs(corpus, [[path, text]]);
const remove = (corpus: Corpus, path: string): Promise<void> => applyDocs(corpus, [], [path]);

/** Every document's resolved out-links and the unresolved ones, comparable across corpora. */
function linkState(corpus: Corpus): unknown {
  const docs = corpus.knownPaths().sort();
  return {
    out: docs.map((p) => [p, corpus.graph.outLinks(p).sort()]),
    unresolved: corpus.graph.unresolvedLinks().map((u) => JSON.stringify(u)).sort(),
  };
}

/** The same documents applied to a fresh corpus in one go: what a full re-resolve gives. */
async function fresh(texts: Map<string, string>): Promise<Corpus> {
  const corpus = memoryCorpus(params);
  await applyDocs(corpus, texts);
  return corpus;
}

describe('incremental link resolution', () => {
  test('a link resolves when its target appears and unresolves when it goes', async () => {
    const corpus = memoryCorpus(params);
    await upsert(corpus, 'a.md', '# A\n\nSee [[Setup Guide]] and [b](sub/b.md).\n');
    assert.deepEqual(corpus.graph.outLinks('a.md'), []);
    await upsert(corpus, 'guide.md', '---\ntitle: Setup Guide\n---\n\ntext\n');
    assert.deepEqual(corpus.graph.outLinks('a.md'), ['guide.md']);
    await upsert(corpus, 'sub/b.md', '# B\n\ntext\n');
    assert.deepEqual(corpus.graph.outLinks('a.md').sort(), ['guide.md', 'sub/b.md']);
    // The title changes: the wikilink no longer matches.
    await upsert(corpus, 'guide.md', '---\ntitle: Install Notes\n---\n\ntext\n');
    assert.deepEqual(corpus.graph.outLinks('a.md'), ['sub/b.md']);
    await remove(corpus, 'sub/b.md');
    assert.deepEqual(corpus.graph.outLinks('a.md'), []);
  });

  test('a Markdown link written from the vault root lands on the file when it appears, and on a nearer one after', async () => {
    const corpus = memoryCorpus(params);
    await upsert(corpus, 'People/Ines Duarte.md', '# Ines\n\nShe runs [backups](Server/Backup.md).\n');
    assert.deepEqual(corpus.graph.outLinks('People/Ines Duarte.md'), []);
    await upsert(corpus, 'Server/Backup.md', '# Backup\n');
    assert.deepEqual(corpus.graph.outLinks('People/Ines Duarte.md'), ['Server/Backup.md']);
    // The same path next to the linking page comes first, and the root one again once it goes.
    await upsert(corpus, 'People/Server/Backup.md', '# Her backup notes\n');
    assert.deepEqual(corpus.graph.outLinks('People/Ines Duarte.md'), ['People/Server/Backup.md']);
    await remove(corpus, 'People/Server/Backup.md');
    assert.deepEqual(corpus.graph.outLinks('People/Ines Duarte.md'), ['Server/Backup.md']);
    await remove(corpus, 'Server/Backup.md');
    assert.deepEqual(corpus.graph.outLinks('People/Ines Duarte.md'), []);
  });

  test('a file named like an alias takes the link over when it appears, and gives it back when it goes', async () => {
    const corpus = memoryCorpus(params);
    await upsert(corpus, 'Journal/2026-03-09.md', '# Monday\n\nReindexed with [[Indexer]].\n');
    await upsert(corpus, 'Search.md', '---\naliases: [Indexer]\n---\n\n# Search\n');
    assert.deepEqual(corpus.graph.outLinks('Journal/2026-03-09.md'), ['Search.md']);
    await upsert(corpus, 'Architecture/Indexer.md', '# Indexer\n');
    assert.deepEqual(corpus.graph.outLinks('Journal/2026-03-09.md'), ['Architecture/Indexer.md']);
    await remove(corpus, 'Architecture/Indexer.md');
    assert.deepEqual(corpus.graph.outLinks('Journal/2026-03-09.md'), ['Search.md']);
  });

  test('an ambiguous name moves to a shorter path when one appears', async () => {
    const corpus = memoryCorpus(params);
    await upsert(corpus, 'Journal/2026-03-09.md', '# Monday\n\nSee [[Settings]].\n');
    await upsert(corpus, 'Plugins/Search/Settings.md', '# Search settings\n');
    assert.deepEqual(corpus.graph.outLinks('Journal/2026-03-09.md'), ['Plugins/Search/Settings.md']);
    await upsert(corpus, 'Architecture/Settings.md', '# Settings\n');
    assert.deepEqual(corpus.graph.outLinks('Journal/2026-03-09.md'), ['Architecture/Settings.md']);
    await upsert(corpus, 'Plugins/Git/Settings.md', '# Git settings\n');
    assert.deepEqual(corpus.graph.outLinks('Journal/2026-03-09.md'), ['Plugins/Git/Settings.md']);
  });

  test('[[./Page]] waits for the page next to it, whatever the root holds', async () => {
    const corpus = memoryCorpus(params);
    await upsert(corpus, 'Backup.md', '# Backup\n');
    await upsert(corpus, 'Server/Configuration.md', '# Configuration\n\nSee [[./Backup]].\n');
    assert.deepEqual(corpus.graph.outLinks('Server/Configuration.md'), []);
    await upsert(corpus, 'Server/Backup.md', '# Server backup\n');
    assert.deepEqual(corpus.graph.outLinks('Server/Configuration.md'), ['Server/Backup.md']);
  });

  test('random edits end in the same links as resolving everything from scratch', async () => {
    const random = createRandom(7);
    const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
    const texts = new Map<string, string>();
    const corpus = memoryCorpus(params);
    for (let step = 0; step < 300; step++) {
      const name = random.pick(names);
      // Three folders, so that same-folder, shortest-path and root-fallback choices all come up.
      const where = random.next();
      const path = where < 0.25 ? `dir/${name}.md` : where < 0.4 ? `other/${name}.md` : `${name}.md`;
      if (texts.has(path) && random.next() < 0.25) {
        texts.delete(path);
        await remove(corpus, path);
        continue;
      }
      const title = random.next() < 0.3 ? random.pick(names) : name;
      const aliases = random.next() < 0.2 ? `\naliases: [${random.pick(names)}]` : '';
      const links = Array.from({ length: 3 }, () => {
        const target = random.pick(names);
        const kind = random.next();
        // Bare names, `./` wikilinks, Markdown links relative, from the root and from the parent.
        if (kind < 0.3) return `[[${target}]]`;
        if (kind < 0.4) return `[[./${target}]]`;
        if (kind < 0.6) return `[x](${target}.md)`;
        if (kind < 0.8) return `[z](dir/${target}.md)`;
        return `[y](../${target})`;
      }).join(' ');
      const text = `---\ntitle: ${title}${aliases}\n---\n\n${links}\n`;
      texts.set(path, text);
      await upsert(corpus, path, text);
    }
    assert.deepEqual(linkState(corpus), linkState(await fresh(texts)));
  });

  test('a corpus loaded from disk relinks correctly on its first change', async () => {
    const corpus = memoryCorpus(params);
    await upsert(corpus, 'a.md', '# A\n\n[[b]] [[c]]\n');
    await upsert(corpus, 'b.md', '# B\n');
    // What a load gives: the same segments and texts, the graph from its persisted form, no link questions recorded.
    const index = createSegmentIndex(params);
    for (const seg of corpus.index.segments) index.add(seg.data);
    const loaded = new Corpus(params, corpus.texts, { index, graph: loadLinkGraph(JSON.parse(JSON.stringify(corpus.graph.toJSON()))), vector: null });
    await upsert(loaded, 'c.md', '# C\n');
    assert.deepEqual(loaded.graph.outLinks('a.md').sort(), ['b.md', 'c.md']);
  });
});
