import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beirDocFileName, loadDataset } from '../../bench/eval/datasets.js';
import { runEval } from '../../bench/eval/run.js';
import { isAppError } from '../../src/core/errors.js';
import { makeTempDir } from '../helpers/paths.js';

const jsonl = (rows: unknown[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('BEIR form', () => {
  let tmp: { dir: string; cleanup: () => void };
  let beir: string;
  before(() => {
    tmp = makeTempDir('ragdocs-eval-beir-');
    beir = join(tmp.dir, 'beir');
    mkdirSync(beir);
    const corpus = [
      { _id: 'd1', title: 'Gene  expression\nin mice', text: 'Mice express genes.' },
      { _id: 'a/b', title: '', text: 'An id with a slash.' },
      ...Array.from({ length: 20 }, (_, i) => ({ _id: `x${i}`, title: `Filler ${i}`, text: 'filler text' })),
    ];
    writeFileSync(join(beir, 'corpus.jsonl'), jsonl(corpus));
    writeFileSync(join(beir, 'queries.train.jsonl'), jsonl([
      { id: 1, text: 'gene expression', relevant: { d1: 1 } },
      { id: 'q2', text: 'slash', relevant: { 'a/b': 2, x3: 0 } },
      { id: 'q3', text: 'orphan', relevant: { missing: 1 } },
      { id: 'q4', text: 'not relevant', relevant: { d1: 0 } },
    ]));
  });
  after(() => tmp.cleanup());

  test('turns corpus lines into Markdown files and keeps judged queries only', async () => {
    const ds = await loadDataset({ dataset: beir, workDir: join(tmp.dir, 'work1') });
    assert.equal(ds.form, 'beir');
    assert.equal(ds.documents, 22);
    assert.equal(readdirSync(ds.docsDir).length, 22);
    assert.equal(readFileSync(join(ds.docsDir, 'd1.md'), 'utf8'), '# Gene expression in mice\n\nMice express genes.\n');
    assert.equal(readFileSync(join(ds.docsDir, beirDocFileName('a/b')), 'utf8'), 'An id with a slash.\n');
    assert.equal(ds.docKeyOf(join(ds.docsDir, beirDocFileName('a/b'))), 'a/b');
    assert.deepEqual(ds.queries.map((q) => q.id), ['1', 'q2']);
    assert.equal(ds.queries[1]?.relevant.get('a/b'), 2);
    assert.ok(ds.notes.some((n) => n.startsWith('2 queries dropped')), ds.notes.join('; '));
  });

  test('sampling keeps every relevant document and is reproducible by seed', async () => {
    const load = (work: string, seed: number) =>
      loadDataset({ dataset: beir, workDir: join(tmp.dir, work), sampleDocs: 5, limitQueries: 1, seed });
    const a = await load('work2', 7);
    const b = await load('work3', 7);
    const files = readdirSync(a.docsDir).sort();
    assert.equal(files.length, 5);
    assert.ok(files.includes('d1.md'));
    assert.deepEqual(readdirSync(b.docsDir).sort(), files);
    assert.deepEqual(a.queries.map((q) => q.id), ['1']);
  });
});

describe('Markdown form and the harness', () => {
  let tmp: { dir: string; cleanup: () => void };
  let folder: string;
  before(() => {
    tmp = makeTempDir('ragdocs-eval-md-');
    folder = join(tmp.dir, 'docs');
    mkdirSync(join(folder, 'guides'), { recursive: true });
    mkdirSync(join(folder, '.hidden'));
    writeFileSync(join(folder, 'guides', 'install.md'), '# Installing\n\nRun the installer with npm install.\n');
    writeFileSync(join(folder, 'guides', 'tuning.md'), '# Tuning\n\nAdjust the cache size and thread pool.\n');
    writeFileSync(join(folder, 'faq.txt'), 'Frequently asked questions about licensing.\n');
    writeFileSync(join(folder, '.hidden', 'secret.md'), '# Secret installer notes\n');
    writeFileSync(join(folder, 'queries.jsonl'), jsonl([
      { id: 'install', text: 'how to install', relevant: { './guides/install.md': 1 } },
      { id: 'cache', text: 'cache size', relevant: { 'guides\\tuning.md': 1 } },
      { id: 'license', text: 'licensing questions', relevant: { 'faq.txt': 1 } },
    ]));
  });
  after(() => tmp.cleanup());

  test('uses the folder in place with relative paths as doc keys', async () => {
    const ds = await loadDataset({ dataset: folder, workDir: join(tmp.dir, 'work') });
    assert.equal(ds.docsDir, folder);
    assert.equal(ds.documents, 3);
    assert.deepEqual([...(ds.queries[0]?.relevant.keys() ?? [])], ['guides/install.md']);
    assert.equal(ds.docKeyOf(join(folder, 'guides', 'tuning.md')), 'guides/tuning.md');
    assert.equal(ds.docKeyOf('guides/tuning.md'), 'guides/tuning.md');
  });

  test('a malformed queries line names the file and line', async () => {
    const bad = join(tmp.dir, 'bad.jsonl');
    writeFileSync(bad, '{"id":"a","text":"x","relevant":{}}\n{"id":"b","text":"y","relevant":{"faq.txt":"high"}}\n');
    await assert.rejects(loadDataset({ dataset: folder, queries: bad, workDir: join(tmp.dir, 'w') }), (err: unknown) =>
      isAppError(err) && err.message.includes(`${bad}:2`) && err.message.includes('faq.txt'));
  });

  test('runEval scores the BM25 baseline and prints JSON', async () => {
    let out = '';
    const code = await runEval(['--dataset', folder, '--baseline-only', '--bm25', 'both', '--json'], {
      stdout: (t) => { out += t; },
      stderr: () => undefined,
    });
    assert.equal(code, 0);
    const report = JSON.parse(out) as { retrievers: { name: string; metrics: Record<string, number>; ratios: Record<string, number> }[] };
    assert.equal(report.retrievers.length, 2);
    const [first] = report.retrievers;
    assert.match(first?.name ?? '', /k1=0\.9 b=0\.4/);
    assert.equal(first?.metrics['MRR@10'], 1);
    assert.equal(first?.ratios['nDCG@10'], 1);
    assert.deepEqual(Object.keys(first?.metrics ?? {}), ['nDCG@10', 'Recall@100', 'MRR@10', 'Recall@5']);
  });
});
