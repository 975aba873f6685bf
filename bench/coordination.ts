/**
 * Coordination benchmark (issue 3). Prints, as medians over several runs:
 *  1. publish time of a full ~10,000-chunk generation, with the exclusive lock taken and released
 *     around it and without, and the overhead as a ratio measured in the same run;
 *  2. publish time after a one-file edit (blobs shared with the previous generation);
 *  3. the time from a writer's publish (manifest replaced) to a follower answering a query with
 *     the change, with two real server processes.
 * Measures and prints only; asserts nothing about time.
 *
 *   npm run build && node dist/bench/coordination.js [--chunks 10000] [--runs 5] [--keep DIR]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApplication } from '../src/app/application.js';
import { loadConfig } from '../src/config/load.js';
import { IndexStore } from '../src/indexing/index-store.js';
import { readManifest } from '../src/storage/manifest.js';
import { generateCorpus } from './generate-corpus.js';
import { formatMs, summarize } from './lib/stats.js';
import { spawnServer } from '../tests/helpers/spawn-server.js';

const { values } = parseArgs({
  options: { chunks: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' }, keep: { type: 'string' } },
});
const chunks = Number(values.chunks);
const runs = Math.max(5, Number(values.runs));
const work = values.keep ?? mkdtempSync(join(tmpdir(), 'ragdocs-bench-coord-'));
const logger = pino({ level: 'silent' });
const out = (line: string): void => void process.stdout.write(line + '\n');

async function main(): Promise<void> {
  out(`# coordination benchmark — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  const docs = join(work, 'docs');
  const corpusInfo = await generateCorpus({ outDir: docs, targetChunks: chunks, seed: 7 });
  const config = (indexDir: string, mode: 'file_lock' | 'none' = 'file_lock') =>
    loadConfig({ cwd: work, env: { RAGDOCS_COORDINATION_MODE: mode }, homeDir: homedir(), flags: { docs, indexDir } });

  const t0 = performance.now();
  const app = createApplication({ config: config(join(work, 'index')), logger, watch: false });
  await app.start();
  await app.manager.waitForIdle(30 * 60_000);
  const corpus = app.manager.current();
  out(`corpus: ${corpusInfo.files} files, ${corpus.chunkCount} chunks, indexed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // 1. Full generation publish, alternating with and without the lock, each into a fresh dir.
  const withLock: number[] = [];
  const withoutLock: number[] = [];
  for (let i = 0; i < runs * 2; i++) {
    const locked = i % 2 === 0;
    const dir = join(work, `pub-${i}`);
    const store = new IndexStore({ config: config(dir, locked ? 'file_lock' : 'none'), vectorSpace: null, logger, instanceId: `bench-${i}` });
    store.accept(await store.open());
    corpus.keepable = false; // nothing on disk to share: a full generation
    const start = performance.now();
    const lock = await store.lockForWriting();
    await store.publish(corpus);
    await lock?.release();
    (locked ? withLock : withoutLock).push(performance.now() - start);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const a = summarize(withLock);
  const b = summarize(withoutLock);
  out(`full publish (${corpus.chunkCount} chunks) with lock:    ${formatMs(a)}`);
  out(`full publish (${corpus.chunkCount} chunks) without lock: ${formatMs(b)}`);
  out(`lock overhead ratio (median with / median without): ${(a.median / b.median).toFixed(3)}`);
  const manifest = await readManifest(join(work, 'index'));
  if (manifest) {
    const bytes = Object.values(manifest.blobs).reduce((s, r) => s + r.bytes, 0);
    out(`generation size on disk: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${Object.keys(manifest.blobs).length} blobs`);
  }
  await app.stop();

  // 2 + 3. Two server processes on the persisted index: edit one file per run.
  const indexDir = join(work, 'index');
  const [writer, follower] = [await spawnServer({ docs, indexDir }), await spawnServer({ docs, indexDir })];
  const ready = async (s: typeof writer) => {
    for (let i = 0; i < 6000; i++) {
      const st = (await s.callTool('index_status')).structuredContent;
      if (st.state === 'ready' && st.pending_files === 0) return st;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('server never became ready');
  };
  await ready(writer);
  await ready(follower);
  const publishToFollower: number[] = [];
  const editToFollower: number[] = [];
  const incrementalBytes: number[] = [];
  for (let i = 0; i < runs; i++) {
    const token = `zzbenchtoken${i}q`;
    const before = (await readManifest(indexDir))?.generation ?? 0;
    const edited = performance.now();
    writeFileSync(join(docs, `bench-edit-${i}.md`), `# Bench edit ${i}\n\nThe ${token} appears here.\n`);
    let published = 0;
    for (let k = 0; k < 20_000 && published === 0; k++) {
      const m = await readManifest(indexDir).catch(() => null);
      if (m && m.generation > before) {
        published = performance.now();
        incrementalBytes.push(Object.values(m.blobs).filter((r) => r.gen === m.generation).reduce((s, r) => s + r.bytes, 0));
      } else await new Promise((r) => setTimeout(r, 2));
    }
    for (let k = 0; k < 20_000; k++) {
      const res = await follower.callTool('query_documents', { query: token, top_n: 1 });
      if (res.structuredContent.results[0]?.path === `bench-edit-${i}.md`) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const answered = performance.now();
    publishToFollower.push(answered - published);
    editToFollower.push(answered - edited);
  }
  await writer.stop();
  await follower.stop();
  out(`writer publish → follower answers with the change: ${formatMs(summarize(publishToFollower))}`);
  out(`file edit → follower answers with the change:      ${formatMs(summarize(editToFollower))}`);
  const bytes = summarize(incrementalBytes);
  out(`bytes written by a one-file-edit generation: median ${(bytes.median / 1024).toFixed(0)} KiB`);
}

main()
  .catch((err) => {
    process.stderr.write(`coordination benchmark failed: ${String(err?.stack ?? err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  });
