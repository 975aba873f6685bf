import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeManyFiles } from '../../bench/lib/many-files-corpus.js';
import { makeTempDir } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

/**
 * Issue 12, item 6: many small files, scaled down from the 100,000 of `bench/many-files.ts`
 * (figures in docs/benchmarks.md) to 10,000 so it stays well under a minute on 2 cores.
 * Through the CLI: `index`, then `status --json` and `query` in fresh processes.
 */
const env = { RAGDOCS_EMBEDDER: 'none', RAGDOCS_CONFIG: '', RAGDOCS_LOG_FILE: '' };
const FILES = 10_000;

describe('many small files (issue 12, item 6)', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  test(`${FILES} small notes in nested folders: index indexes every one, status agrees, a unique token is found`, { timeout: 120_000 }, async () => {
    const docs = join(tmp.dir, 'docs');
    mkdirSync(docs, { recursive: true });
    const corpus = writeManyFiles(docs, FILES, 1);
    const base = ['--docs', docs, '--index-dir', join(tmp.dir, 'index')];

    let t = Date.now();
    const res = await runCli(['index', ...base], env, 90_000);
    process.stderr.write(`# index of ${FILES} files (${(corpus.bytes / 1e6).toFixed(1)} MB, ${corpus.folders} folders): ${Date.now() - t} ms\n`);
    assert.equal(res.code, 0, res.stderr.slice(-2000));
    assert.match(res.stderr, new RegExp(`indexed ${FILES} documents, ${FILES} chunks`));

    const st = await runCli(['status', '--json', ...base], env, 60_000);
    assert.equal(st.code, 0, st.stderr.slice(-2000));
    const s = JSON.parse(st.stdout);
    assert.equal(s.state, 'ready');
    assert.equal(s.documents, FILES);
    assert.equal(s.pending_files, 0);
    assert.equal(s.index_problem, null);
    assert.deepEqual(s.warnings, []);

    t = Date.now();
    for (const probe of [corpus.probes[0], corpus.probes[corpus.probes.length - 1]]) {
      const q = await runCli(['query', probe?.token as string, '--json', '--top', '3', ...base], env, 60_000);
      assert.equal(q.code, 0, q.stderr.slice(-2000));
      assert.equal(JSON.parse(q.stdout).results[0]?.path, probe?.path);
    }
    process.stderr.write(`# two queries (each a fresh process that loads and refreshes the index): ${Date.now() - t} ms\n`);
  });
});
