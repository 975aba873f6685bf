/**
 * In-process indexing phases of one fresh build, timed around the same functions the index
 * manager calls (src/indexing/*), in the order it calls them, but over the whole corpus at once
 * instead of in `index.batch_size` batches:
 *   parse+chunk  prepareBatch: read, hash, parse front matter/links, chunk (without the segment build)
 *   index        building the segment (lunr pipeline, postings, tables) + Corpus.apply + link resolution
 *   publish      IndexStore.publish: serialise blobs, write gen-N, fsync, replace the manifest
 *   embed        the `test` embedder over chunk texts (what prepareChanges would embed): every
 *                chunk on the first run, a fixed sample afterwards (the stand-in embedder is slow
 *                and linear in chunks, so its throughput is what is reported)
 *   vector       hnswlib insertion of every chunk's vector (VectorIndex.add) into a fresh index
 * Wall-clock times in this process.
 */
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import pino from 'pino';
import { loadConfig } from '../src/config/load.js';
import type { Config } from '../src/config/types.js';
import type { Embedder } from '../src/embed/embedder.js';
import { createHashingEmbedder } from '../src/embed/hashing-embedder.js';
import { spaceIdOf } from '../src/embed/vector-space.js';
import type { Corpus } from '../src/indexing/corpus.js';
import { IndexStore } from '../src/indexing/index-store.js';
import { createPathFilter } from '../src/indexing/path-filter.js';
import { alignedBytes } from '../src/indexing/merge-job.js';
import { embeddingText, prepareBatch } from '../src/indexing/prepare.js';
import { scanDocuments } from '../src/indexing/scan.js';
import { createSegmentBuilder } from '../src/indices/keyword.js';
import { decodeSegment } from '../src/indices/segment-layout.js';
import { createVectorIndex } from '../src/indices/vector.js';

/** Milliseconds per phase of one build. */
export interface PhaseTimes {
  parseChunk: number;
  index: number;
  publish: number;
  embed: number;
  vector: number;
}

export interface PhaseRun {
  files: number;
  chunks: number;
  /** Chunks embedded during the timed embed phase. */
  embedded: number;
  times: PhaseTimes;
}

/** Chunks embedded (timed) by runs after the first. */
export const EMBED_SAMPLE = 1000;

export const TEST_EMBEDDER_DIMENSION = 256;

/** Config for an in-process build of `docs` into `indexDir` (no user config file, no env). */
export function benchConfig(docs: string, indexDir: string, embedder: 'none' | 'test' = 'none'): Config {
  return loadConfig({
    cwd: docs,
    env: { RAGDOCS_EMBEDDER: embedder },
    homeDir: homedir(),
    ignoreConfigFile: true,
    flags: { docs, indexDir },
  });
}

export function createTestEmbedder(): Embedder {
  return createHashingEmbedder(TEST_EMBEDDER_DIMENSION);
}

async function openStore(config: Config, embedder: Embedder | null, id: string): Promise<IndexStore> {
  const store = new IndexStore({ config, vectorSpace: embedder ? spaceIdOf(embedder) : null, logger: pino({ level: 'silent' }), instanceId: id, rebuild: true });
  store.accept(await store.open());
  return store;
}

/**
 * One fresh build of `docs`, keyword + graph index published to `indexDir` (replaced), with
 * the embedding and vector phases timed on the side. `vectorCache` carries every chunk's vector
 * between runs: when empty, this run embeds all chunks and fills it. With `keepVectorIndexAt`,
 * also publishes a test-embedder index there (untimed) for fused-query benchmarks.
 */
export async function measureBuildPhases(
  docs: string,
  indexDir: string,
  opts: { vectorCache: Map<string, Float32Array>; keepVectorIndexAt?: string },
): Promise<PhaseRun> {
  rmSync(indexDir, { recursive: true, force: true });
  const config = benchConfig(docs, indexDir);
  const { files } = await scanDocuments(config.docs.root, createPathFilter(config.docs));
  const paths = files.map((f) => f.path);
  const store = await openStore(config, null, 'bench-phases');
  try {
    const corpus: Corpus = store.emptyCorpus();
    const prepareOpts = { rootReal: config.docs.root, maxFileBytes: config.docs.maxFileBytes, chunking: config.chunking };
    const builder = createSegmentBuilder();
    let buildMs = 0;
    const timedBuild: typeof builder = (docs) => {
      const b = performance.now();
      try {
        return builder(docs);
      } finally {
        buildMs += performance.now() - b;
      }
    };
    let t = performance.now();
    const batch = await prepareBatch(paths, new Map(), prepareOpts, timedBuild);
    const parseChunk = performance.now() - t - buildMs;

    t = performance.now();
    const data = batch.built ? decodeSegment(alignedBytes(batch.built.bytes), batch.built.id) : null;
    corpus.apply(batch, data);
    await corpus.resolvePendingLinks();
    const index = performance.now() - t + buildMs;

    t = performance.now();
    await store.publish(corpus);
    const publish = performance.now() - t;

    const embedder = createTestEmbedder();
    const chunkIds = corpus.knownPaths().flatMap((p) => corpus.chunkIds(p));
    const chunkTexts = await corpus.readChunks(chunkIds);
    const texts = [...chunkTexts.values()].map((c) => ({ id: c.id, hash: c.hash, text: embeddingText(c.headingPath, c.content) }));
    const full = opts.vectorCache.size === 0;
    const toEmbed = full ? texts : texts.slice(0, EMBED_SAMPLE);
    t = performance.now();
    for (let i = 0; i < toEmbed.length; i += 32) {
      const slice = toEmbed.slice(i, i + 32);
      const out = await embedder.embedDocuments(slice.map((x) => x.text));
      if (!full) continue;
      slice.forEach((x, k) => {
        const vector = out[k];
        if (vector) opts.vectorCache.set(x.id, vector);
      });
    }
    const embed = performance.now() - t;
    const vectors = opts.vectorCache;

    t = performance.now();
    const vectorIndex = createVectorIndex({ dimension: TEST_EMBEDDER_DIMENSION });
    for (const [id, v] of vectors) vectorIndex.add(id, v);
    const vector = performance.now() - t;

    if (opts.keepVectorIndexAt !== undefined) {
      rmSync(opts.keepVectorIndexAt, { recursive: true, force: true });
      const vConfig = benchConfig(docs, opts.keepVectorIndexAt, 'test');
      const vStore = await openStore(vConfig, embedder, 'bench-phases-vectors');
      try {
        const vCorpus = vStore.emptyCorpus();
        vCorpus.useVectorSpace(spaceIdOf(embedder), embedder.dimension);
        vCorpus.apply(batch, data);
        await vCorpus.resolvePendingLinks();
        const found = new Map(texts.flatMap((x) => (vectors.has(x.id) ? [[x.id, { hash: x.hash, vector: vectors.get(x.id) as Float32Array }] as const] : [])));
        vCorpus.addVectors(found);
        await vStore.publish(vCorpus);
      } finally {
        await vStore.close();
      }
    }
    return { files: paths.length, chunks: corpus.chunkCount, embedded: toEmbed.length, times: { parseChunk, index, publish, embed, vector } };
  } finally {
    await store.close();
  }
}
