import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { sha256 } from '../../src/core/hash.js';
import type { RankedHit } from '../../src/core/types.js';
import type { Corpus } from '../../src/indexing/corpus.js';
import { alignedBytes, runMergeJob } from '../../src/indexing/merge-job.js';
import { segmentDoc } from '../../src/indexing/prepare.js';
import { mergeRequest, SegmentMaintenance } from '../../src/indexing/segment-maintenance.js';
import { createQueryAnalyzer, createSegmentBuilder, type KeywordIndexParams, type SegmentDocInput } from '../../src/indices/keyword.js';
import { SegmentIndex, type MergePlanJob } from '../../src/indices/segment-index.js';
import { parseDocument } from '../../src/markdown/index.js';
import { createRandom, type Random } from '../../bench/lib/random.js';
import { memoryCorpus } from '../helpers/corpus.js';
import { openSegment } from '../helpers/segments.js';

// A model test: random adds, edits, touches, deletes and skipped files are applied batch by
// batch to a corpus whose segments are merged as the server merges them (SegmentMaintenance
// without workers); after every batch it must answer like a corpus built in one segment from
// the model's documents.
//
// Scoring statistics: average field lengths are over the live chunks, but the idf's chunk count
// and document frequencies count masked copies until a merge drops them (as in Lucene). So hit
// sets must always match, and rankings and scores exactly whenever no masked copy is left.

// Made-up words the stemmer leaves alone, a few real ones and identifiers.
const VOCAB = [...Array.from({ length: 24 }, (_, i) => `zq${String.fromCharCode(97 + (i % 12))}${String.fromCharCode(97 + Math.floor(i / 12))}x`), 'index', 'indexing', 'getUserById', 'max_file_bytes'];
const PATHS = [...Array.from({ length: 18 }, (_, i) => `d${i}.md`), 'sub/a.md', 'sub/b.md', 'sub/deep/c.md', 'assets/logo.png'];
const QUERIES = [...VOCAB.slice(0, 10), 'zqaax zqbax', 'zqcax zqdax zqeax', 'indexing', 'getuserbyid', 'user', 'max file bytes', `${VOCAB[5]} ${VOCAB[17]}`];
const PARAMS: KeywordIndexParams = { mergeFactor: 3, minSegmentDocs: 2 };
const CHUNKING = { minChars: 0, maxChars: 1500 };
const NO_HASH = '0'.repeat(64);
const analyze = createQueryAnalyzer();

type ModelFile = { kind: 'doc'; text: string; size: number; mtimeMs: number } | { kind: 'skipped'; reason: string; size: number; mtimeMs: number };

function words(random: Random, min: number, max: number): string {
  return Array.from({ length: random.int(min, max) }, () => random.pick(VOCAB)).join(' ');
}

function randomMarkdown(random: Random): string {
  const parts: string[] = [];
  if (random.chance(0.3)) parts.push(`---\ntitle: ${words(random, 1, 2)}\n${random.chance(0.5) ? `tags: [${random.pick(VOCAB)}]\n` : ''}---\n`);
  if (random.chance(0.5)) parts.push(`# ${words(random, 1, 3)}\n`);
  parts.push(`${words(random, 2, 14)}\n`);
  for (let s = random.int(0, 3); s > 0; s--) parts.push(`## ${words(random, 1, 2)}\n\n${words(random, 1, 20)}\n`);
  return parts.join('\n');
}

function inputOf(path: string, file: ModelFile): SegmentDocInput {
  if (file.kind === 'skipped') {
    return { path, size: file.size, mtimeMs: file.mtimeMs, hash: NO_HASH, title: '', tags: [], aliases: [], headings: [], links: [], warnings: [], reason: file.reason, chunks: [] };
  }
  return segmentDoc({ size: file.size, mtimeMs: file.mtimeMs, hash: sha256(file.text) }, parseDocument(path, file.text, CHUNKING));
}

const build = createSegmentBuilder();

/** One write cycle, as the index manager applies it. */
async function applyBatch(corpus: Corpus, changed: [string, ModelFile][], deletes: string[], touched: { path: string; size: number; mtimeMs: number }[]): Promise<void> {
  const built = changed.length > 0 ? build(changed.map(([path, file]) => inputOf(path, file))) : null;
  corpus.apply({ built, deletes, touched }, built && openSegment(built));
  await corpus.resolvePendingLinks();
}

async function freshCorpus(model: ReadonlyMap<string, ModelFile>): Promise<Corpus> {
  const corpus = memoryCorpus(PARAMS);
  await applyBatch(corpus, [...model], [], []);
  assert.equal(corpus.index.segments.length, model.size > 0 ? 1 : 0);
  return corpus;
}

const ids = (hits: readonly RankedHit[]): string[] => hits.map((h) => h.id);

function assertSameRanking(got: readonly RankedHit[], want: readonly RankedHit[], what: string): void {
  assert.deepEqual(ids(got), ids(want), what);
  got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]!.score) <= 1e-9, `${what}: ${h.id} scores ${h.score}, fresh ${want[i]!.score}`));
}

/** Everything but scores: counts, file table, summaries, hit sets. Returns whether rankings were compared too. */
function assertSameAnswers(corpus: Corpus, fresh: Corpus, what: string): boolean {
  assert.deepEqual([corpus.documentCount, corpus.chunkCount, corpus.skippedCount], [fresh.documentCount, fresh.chunkCount, fresh.skippedCount], `${what}: counts`);
  assert.deepEqual(corpus.knownPaths().sort(), fresh.knownPaths().sort(), `${what}: paths`);
  for (const path of PATHS) assert.deepEqual(corpus.file(path), fresh.file(path), `${what}: file(${path})`);
  const byPath = (a: { path: string }, b: { path: string }): number => (a.path < b.path ? -1 : 1);
  assert.deepEqual(corpus.documents().sort(byPath), fresh.documents().sort(byPath), `${what}: documents`);
  const exact = corpus.index.stats().deadDocs === 0;
  for (const q of QUERIES) {
    const got = corpus.search(q, 1000);
    const want = fresh.search(q, 1000);
    assert.deepEqual(ids(got).sort(), ids(want).sort(), `${what}: hits of "${q}"`);
    if (exact) assertSameRanking(got, want, `${what}: "${q}"`);
    // A small limit takes the best of the same hits.
    const top = corpus.search(q, 3);
    assert.deepEqual(top, got.slice(0, 3), `${what}: top 3 of "${q}"`);
  }
  return exact;
}

/** Merges every segment into one, masks and stamps folded, as a merge job of the whole run would. */
function compactAll(corpus: Corpus): void {
  const index = corpus.index;
  const job: MergePlanJob = {
    run: [...index.segments],
    dead: index.segments.map((seg) => seg.dead.slice()),
    stamps: new Map(index.state().stamps.map(([path, size, mtimeMs]) => [path, { size, mtimeMs }])),
  };
  const built = runMergeJob(mergeRequest(corpus, job), (path) => alignedBytes(readFileSync(path)));
  if (built?.text) corpus.texts.put(built.text.name, built.text.bytes);
  assert.ok(index.applyMerge(job, built && openSegment(built)));
}

async function runModel(seed: number, steps: number): Promise<{ merges: number; exactSteps: number; maxSegments: number }> {
  const random = createRandom(seed);
  const corpus = memoryCorpus(PARAMS);
  const maintenance = new SegmentMaintenance(pino({ level: 'silent' }), null);
  const model = new Map<string, ModelFile>();
  let merges = 0;
  let exactSteps = 0;
  let maxSegments = 0;
  for (let step = 0; step < steps; step++) {
    const changed: [string, ModelFile][] = [];
    const deletes: string[] = [];
    const touched: { path: string; size: number; mtimeMs: number }[] = [];
    const mtimeMs = 1_700_000_000_000 + 1000 * step;
    for (const path of random.shuffle(PATHS).slice(0, random.int(1, 5))) {
      const old = model.get(path);
      const roll = random.next();
      if (old !== undefined && roll < 0.15) {
        deletes.push(path);
        model.delete(path);
      } else if (old !== undefined && roll < 0.3) {
        const file = { ...old, size: old.size + random.int(1, 9), mtimeMs };
        touched.push({ path, size: file.size, mtimeMs });
        model.set(path, file);
      } else if (path.endsWith('.png') || roll > 0.92) {
        const file: ModelFile = { kind: 'skipped', reason: random.pick(['binary file', 'file too large']), size: random.int(1, 1 << 20), mtimeMs };
        changed.push([path, file]);
        model.set(path, file);
      } else {
        const text = randomMarkdown(random);
        const file: ModelFile = { kind: 'doc', text, size: Buffer.byteLength(text), mtimeMs };
        changed.push([path, file]);
        model.set(path, file);
      }
    }
    await applyBatch(corpus, changed, deletes, touched);
    const before = corpus.index.segments.length;
    await maintenance.runMerges(corpus);
    if (corpus.index.segments.length < before) merges++;
    maxSegments = Math.max(maxSegments, corpus.index.segments.length);
    const what = `seed ${seed} step ${step}`;
    if (assertSameAnswers(corpus, await freshCorpus(model), what)) exactSteps++;
  }

  // The persisted view (segments, masks, stamps) restores to the same answers, scores included.
  const state = corpus.index.state();
  const restored = SegmentIndex.restore(
    corpus.index.scoring,
    corpus.index.policy,
    corpus.index.segments.map((seg, i) => ({ data: seg.data, dead: state.segments[i]!.dead })),
    state.stamps,
  );
  for (const q of QUERIES) assert.deepEqual(restored.search(analyze(q), 1000), corpus.search(q, 1000), `restored: "${q}"`);
  for (const path of PATHS) assert.deepEqual(restored.file(path), corpus.file(path), `restored: file(${path})`);
  assert.deepEqual([restored.liveDocs, restored.liveChunks, restored.skippedFiles], [corpus.documentCount, corpus.chunkCount, corpus.skippedCount]);

  // Once everything is merged into one segment, no masked copy is left: exactly a fresh build,
  // texts included.
  compactAll(corpus);
  assert.equal(corpus.index.segments.length, model.size > 0 ? 1 : 0);
  assert.deepEqual(corpus.index.state().stamps, []);
  const fresh = await freshCorpus(model);
  assert.ok(assertSameAnswers(corpus, fresh, `seed ${seed} compacted`));
  const chunkIds = [...model.keys()].flatMap((path) => fresh.chunkIds(path));
  assert.ok(chunkIds.length > 0);
  assert.deepEqual([...(await corpus.readChunks(chunkIds)).entries()].sort(), [...(await fresh.readChunks(chunkIds)).entries()].sort());
  for (const path of model.keys()) assert.deepEqual(await corpus.readDocument(path), await fresh.readDocument(path), `readDocument(${path})`);
  return { merges, exactSteps, maxSegments };
}

describe('segment index against a one-segment rebuild (model test)', () => {
  for (const seed of [1, 2, 3]) {
    test(`seed ${seed}: 120 random write cycles with merges`, async () => {
      const { merges, exactSteps, maxSegments } = await runModel(seed, 120);
      // The run must have exercised what it claims to: merges, and steps compared score for score.
      assert.ok(merges >= 10, `only ${merges} cycles merged`);
      assert.ok(exactSteps >= 3, `only ${exactSteps} steps without masked copies`);
      // Without merges there would be one segment per write cycle.
      assert.ok(maxSegments <= 16, `${maxSegments} segments after a merge cycle`);
    });
  }
});
