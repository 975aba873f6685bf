import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/paths.js';
import { BIN } from '../helpers/spawn-server.js';
import { readManifest } from '../../src/storage/manifest.js';
import { readBlobs } from '../../src/storage/read.js';

const FILES = 400;

function writeCorpus(docs: string): void {
  mkdirSync(docs, { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const sections = Array.from({ length: 4 }, (_, s) =>
      `## Section ${s}\n\n${`Paragraph ${s} of page ${i} talks about crash recovery and durable writes. `.repeat(8)}\n`,
    ).join('\n');
    writeFileSync(join(docs, `page-${String(i).padStart(4, '0')}.md`), `# Page ${i}\n\nUnique token tokcrash${i}k.\n\n${sections}`);
  }
}

/** Starts `index`, kills it with SIGKILL after `delayMs`; resolves when it is gone. */
function indexAndKill(args: string[], delayMs: number): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN(), 'index', ...args], { stdio: 'ignore', env: { ...process.env, RAGDOCS_EMBEDDER: 'test' } });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

describe('crash safety', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  test('SIGKILL of the writer at 20+ moments never leaves an unloadable index', async () => {
    const docs = join(tmp.dir, 'docs');
    const indexDir = join(tmp.dir, 'index');
    writeCorpus(docs);
    const config = join(tmp.dir, 'small-batches.toml');
    writeFileSync(config, '[index]\nbatch_size = 15\n');
    const common = ['--docs', docs, '--index-dir', indexDir, '--config', config];
    const env = { ...process.env, RAGDOCS_EMBEDDER: 'test' };
    let kills = 0;
    let lastGeneration = 0;
    // Bounded: stop after 22 kills or 40 rounds (a round whose run finished before its kill counts as a round, not a kill).
    for (let round = 0; round < 40 && kills < 22; round++) {
      // Spread the kills from start-up (loading, first batch) to deep into a run; every third
      // round rebuilds from scratch so late rounds still have work to interrupt.
      const delay = 150 + ((round * 397) % 2600);
      const { killed } = await indexAndKill(round % 3 === 2 ? [...common, '--rebuild'] : common, delay);
      if (killed) kills++;

      const manifest = await readManifest(indexDir);
      if (manifest !== null) {
        // Every blob the manifest names is complete and matches its checksum.
        await readBlobs(indexDir, manifest);
        assert.ok(manifest.generation >= lastGeneration, 'generation numbers only grow');
        lastGeneration = manifest.generation;
      }
      const status = spawnSync(process.execPath, [BIN(), 'status', '--json', ...common], { encoding: 'utf8', env, timeout: 30_000 });
      if (manifest === null) {
        // Killed before the first generation was published: status says so and exits 1 (never "ready, 0 documents").
        assert.equal(status.status, 1, `status after kill ${round} with no generation yet: ${status.stdout}${status.stderr}`);
        assert.match(status.stdout + status.stderr, /has not been indexed yet/, `round ${round}`);
        continue;
      }
      assert.equal(status.status, 0, `status after kill ${round}: ${status.stderr}`);
      const s = JSON.parse(status.stdout);
      // A run killed mid-way leaves a checkpoint that lacks files: status says so (issue 12), never "ready".
      if (s.documents < FILES || s.pending_files > 0) {
        assert.equal(s.state, 'degraded', `round ${round}: ${JSON.stringify(s)}`);
        assert.ok(s.pending_files >= FILES - s.documents, `round ${round}: ${s.pending_files} pending, ${s.documents} documents`);
        assert.match(s.index_problem, /lacks \d+ files of /, `round ${round}`);
      } else assert.equal(s.state, 'ready', `round ${round}: ${JSON.stringify(s.warnings)}`);
      assert.ok(!s.warnings.some((w: string) => /corrupt|unreadable|rebuilding/i.test(w)), `round ${round}: ${s.warnings.join('; ')}`);
    }
    assert.ok(kills >= 20, `only ${kills} runs were killed before finishing`);

    const final = spawnSync(process.execPath, [BIN(), 'index', ...common], { encoding: 'utf8', env, timeout: 120_000 });
    assert.equal(final.status, 0, final.stderr);
    const status = JSON.parse(spawnSync(process.execPath, [BIN(), 'status', '--json', ...common], { encoding: 'utf8', env }).stdout);
    assert.equal(status.documents, FILES);
    for (const i of [0, 137, FILES - 1]) {
      const q = spawnSync(process.execPath, [BIN(), 'query', `tokcrash${i}k`, '--json', '--top', '3', ...common], { encoding: 'utf8', env });
      const hit = JSON.parse(q.stdout).results.find((r: any) => r.path === `page-${String(i).padStart(4, '0')}.md`);
      assert.ok(hit?.matched_by.includes('keyword'), `tokcrash${i}k not found: ${q.stdout}`);
    }
    process.stderr.write(`# ${kills} SIGKILLs, final generation ${status.generation}\n`);
  });
});
