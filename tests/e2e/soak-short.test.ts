// Issue 12 item 4, short: the soak of bench/soak.ts with 3 instances for about 25 s. Asserts the
// correctness goals only (nothing lost or phantom, no query errors, no unloadable state), never
// time or memory: those are the benchmark's figures.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/paths.js';
import { runSoak } from '../../bench/lib/soak.js';

describe('soak, short', () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());

  test('3 instances under 25 s of churn, kills and stops of the writer: every file found, nothing phantom, no errors', { timeout: 240_000 }, async () => {
    const seed = Number(process.env.SOAK_SEED ?? Date.now() % 100_000);
    const lines: string[] = [];
    const r = await runSoak({
      docs: join(tmp.dir, 'docs'),
      indexDir: join(tmp.dir, 'index'),
      instances: 3,
      durationMs: 25_000,
      seed,
      initialFiles: 100,
      maxFiles: 600,
      faultEveryMs: 5000,
      quiesceTimeoutMs: 90_000,
      log: (l) => lines.push(l),
    });
    const summary = `seed ${seed}: ${JSON.stringify({ ...r, perInstance: undefined, processes: undefined })}\n${lines.join('\n')}`;
    process.stderr.write(`# ${summary.split('\n').join('\n# ')}\n`);
    assert.ok(r.quiesced, `never quiet: ${summary}`);
    assert.ok(r.kills + r.stops >= 2, `only ${r.kills + r.stops} faults: ${summary}`);
    assert.ok(r.filesChecked > 0);
    assert.deepEqual(r.lost, [0, 0, 0], summary);
    assert.deepEqual(r.phantom, [0, 0, 0], summary);
    assert.equal(r.queryErrors, 0, summary);
    assert.deepEqual(r.unloadable, [], summary);
  });
});
