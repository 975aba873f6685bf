/**
 * Soak benchmark (issue 12 item 4): N server processes on one docs folder and one index dir, with
 * the test embedder, under minutes of random creates, edits, editors' atomic saves, renames,
 * deletes and bursts of 200 files, while the lock holder is SIGKILLed (and restarted) or
 * SIGSTOPped and SIGCONTed at random moments. Prints the figures of issue 12; asserts nothing.
 *
 *   npm run bench:soak -- [--instances 8] [--minutes 10] [--seed 1] [--keep DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak, type ProcessFigures } from './lib/soak.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '8' },
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    keep: { type: 'string' },
  },
});
const work = values.keep ?? mkdtempSync(join(tmpdir(), 'ragdocs-bench-soak-'));
const out = (line: string): void => void process.stdout.write(line + '\n');
const fig = (f: ProcessFigures | null): string => (f === null ? 'n/a' : `${(f.rssKb / 1024).toFixed(0)} MB, ${f.fds} fds`);
const change = (a: number, b: number): number => ((b - a) / a) * 100;
const pct = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(1)} %`;

async function main(): Promise<void> {
  const instances = Number(values.instances);
  const minutes = Number(values.minutes);
  const started = Date.now();
  out(`# soak — ${instances} instances, ${minutes} min, seed ${values.seed}; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  const r = await runSoak({
    docs: join(work, 'docs'),
    indexDir: join(work, 'index'),
    instances,
    durationMs: minutes * 60_000,
    seed: Number(values.seed),
    log: out,
  });
  const c = r.churn;
  out(`churn: ${c.creates} creates, ${c.edits} edits, ${c.atomicSaves} atomic saves, ${c.renames} renames, ${c.deletes} deletes, ${c.bursts} bursts of 200, ${c.burstDeletes} burst deletes`);
  out(`faults: ${r.kills} SIGKILL + restart, ${r.stops} SIGSTOP/SIGCONT of the lock holder`);
  out(`quiescence: ${r.quiesced ? 'reached' : 'NOT reached'} in ${(r.quiesceMs / 1000).toFixed(1)} s`);
  out(`files checked after quiescence: ${r.filesChecked} × ${instances} instances`);
  out(`lost documents: ${r.lost.reduce((a, b) => a + b, 0)} (per instance ${r.lost.join(' ')})   goal 0`);
  out(`phantom documents: ${r.phantom.reduce((a, b) => a + b, 0)} (per instance ${r.phantom.join(' ')})   goal 0`);
  out(`query errors: ${r.queryErrors} of ${r.queries} queries + status/list calls (${r.interruptedCalls} calls cut short by our own kill/stop, not counted)   goal 0`);
  out(`unloadable states seen: ${r.unloadable.length}   goal 0`);
  for (const u of r.unloadable.slice(0, 5)) out(`  ${u}`);
  out(`embeddings computed: ${r.embeddingsComputed} for ${r.embeddingsNeeded} content versions written = ${(r.embeddingsComputed / r.embeddingsNeeded).toFixed(2)}×   goal ≤ 1.1×`);
  out(`RSS/fds baseline: each process's first index_status reply at or after ${(r.warmupMs / 1000).toFixed(0)} s of churn (${Math.round((r.warmupMs / (minutes * 60_000)) * 100)} %; ${r.warmupFiles} files on disk then), a restarted one's first reply after its restart; end: after the check`);
  let flat = 0;
  r.perInstance.forEach((p, i) => {
    const restarted = p.restarts > 0 ? ` (restarted ${p.restarts}×; last process)` : '';
    if (p.start === null || p.end === null) {
      out(`instance ${i}: start (warm) ${fig(p.start)}; end ${fig(p.end)}; change n/a${restarted}`);
      return;
    }
    const rss = change(p.start.rssKb, p.end.rssKb);
    const fds = change(p.start.fds, p.end.fds);
    const within = Math.abs(rss) <= 10 && Math.abs(fds) <= 10;
    if (within) flat++;
    out(`instance ${i}: start (warm, at ${(p.start.atMs / 1000).toFixed(0)} s) ${fig(p.start)}; end ${fig(p.end)}; RSS ${pct(rss)}, fds ${pct(fds)}: ${within ? 'within' : 'NOT within'} 10 %${restarted}`);
  });
  out(`RSS and fds flat within 10 %: ${flat} of ${r.perInstance.length} instances   goal all`);
  out(`generations on disk at the end: ${r.generationsOnDisk} (final generation ${r.finalGeneration})`);
  out(`wall time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main()
  .catch((err) => {
    process.stderr.write(`soak benchmark failed: ${String(err?.stack ?? err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  });
