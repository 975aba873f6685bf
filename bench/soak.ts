/**
 * Soak benchmark (issue 12 item 4): N server processes on one docs folder and one index dir, with
 * the test embedder, under minutes of random creates, edits, editors' atomic saves, renames,
 * deletes and bursts of 200 files, while the lock holder is SIGKILLed (and restarted) or
 * SIGSTOPped and SIGCONTed at random moments. Prints the figures of issue 12; asserts nothing.
 *
 *   npm run bench:soak -- [--instances 8] [--minutes 10] [--seed 1] [--process-warmup-s 90] [--keep DIR]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runSoak, type ProcessFigures, type ProcessRecord, type WarmFigures } from './lib/soak.js';

const { values } = parseArgs({
  options: {
    instances: { type: 'string', default: '8' },
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    'process-warmup-s': { type: 'string', default: '90' },
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
    processWarmupMs: Number(values['process-warmup-s']) * 1000,
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
  const warmS = (r.processWarmupMs / 1000).toFixed(0);
  out(`RSS/fds baseline (warm): a process's first index_status reply at or after ${(r.warmupMs / 1000).toFixed(0)} s of churn (${Math.round((r.warmupMs / (minutes * 60_000)) * 100)} %; ${r.warmupFiles} files on disk then) and at least ${warmS} s after it started, whichever is later; end: after the check (survivors) or its last reply before our SIGKILL`);
  let flat = 0;
  r.perInstance.forEach((p, i) => {
    const restarted = p.restarts > 0 ? ` (restarted ${p.restarts}×; last process)` : '';
    if (p.start === null || p.end === null) {
      const proc = [...r.processes].reverse().find((x) => x.slot === i);
      out(`instance ${i}: NO warm baseline: its last process started at ${((proc?.startedMs ?? 0) / 1000).toFixed(0)} s and the run ended before it was warm; end ${fig(p.end)}${restarted}`);
      return;
    }
    const rss = change(p.start.rssKb, p.end.rssKb);
    const fds = change(p.start.fds, p.end.fds);
    const within = Math.abs(rss) <= 10 && Math.abs(fds) <= 10;
    if (within) flat++;
    out(`instance ${i}: start (warm, at ${(p.start.atMs / 1000).toFixed(0)} s) ${fig(p.start)}; end ${fig(p.end)}; RSS ${pct(rss)}, fds ${pct(fds)}: ${within ? 'within' : 'NOT within'} 10 %${restarted}`);
  });
  const noWarm = r.perInstance.map((p, i) => (p.start === null ? i : -1)).filter((i) => i >= 0);
  out(`RSS and fds flat within 10 %: ${flat} of ${r.perInstance.length - noWarm.length} instances with a warm baseline   goal all; never warm: ${noWarm.length === 0 ? 'none' : `instances ${noWarm.join(', ')}`}`);
  // Every process, killed ones too: warm baseline → last figures, and its samples every ~30 s.
  const judged = r.processes.filter((p) => p.warm !== null && p.last !== null && p.last.atMs - p.warm.atMs >= 60_000);
  const flatProcs = judged.filter((p) => Math.abs(change((p.warm as WarmFigures).rssKb, (p.last as WarmFigures).rssKb)) <= 10);
  out(`processes: ${r.processes.length} (${r.processes.filter((p) => p.killed).length} killed by us); ${r.processes.filter((p) => p.warm === null).length} never warm; ${judged.length} watched for ≥ 60 s after their warm baseline, of which RSS within 10 %: ${flatProcs.length}`);
  for (const p of judged) out(`  ${procLine(p)}`);
  out(`generations on disk at the end: ${r.generationsOnDisk} (final generation ${r.finalGeneration})`);
  out(`wall time: ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function procLine(p: ProcessRecord): string {
  const w = p.warm as WarmFigures;
  const l = p.last as WarmFigures;
  const series = p.samples.map((x) => `${(x.atMs / 1000).toFixed(0)}s:${(x.rssKb / 1024).toFixed(0)}`).join(' ');
  return `slot ${p.slot} pid ${p.pid} (started ${(p.startedMs / 1000).toFixed(0)} s${p.killed ? ', killed' : ''}): warm at ${(w.atMs / 1000).toFixed(0)} s ${fig(w)} → at ${(l.atMs / 1000).toFixed(0)} s ${fig(l)}; RSS ${pct(change(w.rssKb, l.rssKb))}, fds ${pct(change(w.fds, l.fds))}; RSS MB by time: ${series}`;
}

main()
  .catch((err) => {
    process.stderr.write(`soak benchmark failed: ${String(err?.stack ?? err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => {
    if (!values.keep) rmSync(work, { recursive: true, force: true });
  });
