/**
 * The soak (issue 12 item 4), shared by `bench/soak.ts` (8 instances, minutes) and the short test
 * `tests/e2e/soak-short.test.ts` (3 instances, seconds): real server processes on one docs folder
 * and one index dir with the test embedder, a seeded churn of the folder, the lock holder SIGKILLed
 * (and restarted) or SIGSTOPped then SIGCONTed at random moments, queries all along; then a bounded
 * wait for quiescence and a check of every file on disk against every instance.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, spawnServer, type SpawnedServer } from '../../tests/helpers/spawn-server.js';
import { inspectLockHolder } from '../../src/storage/lock.js';
import { listGenerationDirs } from '../../src/storage/generation.js';
import { createRandom, type Random } from './random.js';
import { SoakFolder, type ChurnCounts } from './soak-churn.js';

export interface SoakOptions {
  docs: string;
  indexDir: string;
  instances: number;
  durationMs: number;
  seed: number;
  initialFiles?: number;
  maxFiles?: number;
  /** A fault (kill or stop of the lock holder) every this many ms, on average. */
  faultEveryMs?: number;
  quiesceTimeoutMs?: number;
  /**
   * The RSS/fds baseline of each process is its first successful `index_status` reply at or after
   * this fraction of the churn time and at least `processWarmupMs` after the process started
   * (whichever is later). Default 0.2.
   */
  warmupFraction?: number;
  /** How long a process runs (under churn) before its baseline is read. Default 90 s. */
  processWarmupMs?: number;
  log?: (line: string) => void;
}

export interface ProcessFigures {
  rssKb: number;
  fds: number;
}

/** A baseline: the figures and when they were read, in ms since the churn began. */
export interface WarmFigures extends ProcessFigures {
  atMs: number;
}

/** One server process (a slot's first, or a restart after a kill) and its memory over its life. */
export interface ProcessRecord {
  slot: number;
  pid: number | undefined;
  /** When it started, in ms since the churn began (0 for the processes started before it). */
  startedMs: number;
  /** The warm baseline, or null if it never answered once warm (killed or ended before). */
  warm: WarmFigures | null;
  /** The last figures read while it was running (a status reply; after the check for the survivors). */
  last: WarmFigures | null;
  /** Figures every ~30 s of its life, for the shape of growth (plateau or steady climb). */
  samples: WarmFigures[];
  /** Ended by our SIGKILL (else it ran to the end). */
  killed: boolean;
}

export interface SoakReport {
  churn: ChurnCounts;
  kills: number;
  stops: number;
  queries: number;
  /** Tool calls that failed on a running instance (calls cut short by our own kill/stop are not counted). */
  queryErrors: number;
  interruptedCalls: number;
  /** Distinct warnings, on any instance or in a fresh `status`, that a generation could not be loaded. */
  unloadable: string[];
  quiesced: boolean;
  quiesceMs: number;
  filesChecked: number;
  /** Per instance: files on disk it does not list or does not find first for their token. */
  lost: number[];
  /** Per instance: documents it lists that are not on disk. */
  phantom: number[];
  embeddingsComputed: number;
  embeddingsNeeded: number;
  /** Files on disk when the warm-up ended (the churn's file count then). */
  warmupFiles: number;
  warmupMs: number;
  processWarmupMs: number;
  /** Every process of every slot, in order of start. */
  processes: ProcessRecord[];
  /** start: the warm baseline of the slot's last process (null if it never answered after warm-up). */
  perInstance: { start: WarmFigures | null; end: ProcessFigures | null; restarts: number }[];
  generationsOnDisk: number;
  finalGeneration: number;
}

const UNLOADABLE = /unreadable|rebuilding the index from the documents/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** VmRSS and open descriptors of a live process, from /proc (null elsewhere or once it is gone). */
export function processFigures(pid: number | undefined): ProcessFigures | null {
  if (pid === undefined) return null;
  try {
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return { rssKb: Number(rss), fds: readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return null;
  }
}

/** One instance slot: the current process and what its earlier (killed) processes left. */
interface Slot {
  server: SpawnedServer;
  state: 'running' | 'stopped' | 'dead';
  /** Bumped on each kill or stop: a call that saw it change was cut short by us. */
  faultEpoch: number;
  restarts: number;
  /** embeddings_computed last read from each process of this slot. */
  computed: number[];
  stderrs: string[];
  start: WarmFigures | null;
  end: ProcessFigures | null;
  proc: ProcessRecord;
}

const SAMPLE_EVERY_MS = 30_000;

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const log = opts.log ?? (() => undefined);
  const random: Random = createRandom(opts.seed);
  const folder = new SoakFolder(opts.docs, createRandom(opts.seed + 1), opts.maxFiles ?? 1500);
  folder.seed(opts.initialFiles ?? 200);
  const env = { RAGDOCS_EMBEDDER: 'test', RAGDOCS_LOG_LEVEL: 'warn' };
  const spawn = () => spawnServer({ docs: opts.docs, indexDir: opts.indexDir, env });
  const slots: Slot[] = [];
  const processes: ProcessRecord[] = [];
  const newProcess = (slot: number, server: SpawnedServer, startedMs: number): ProcessRecord => {
    const rec: ProcessRecord = { slot, pid: server.child.pid, startedMs, warm: null, last: null, samples: [], killed: false };
    processes.push(rec);
    return rec;
  };
  for (let i = 0; i < opts.instances; i++) {
    const server = await spawn();
    slots.push({ server, state: 'running', faultEpoch: 0, restarts: 0, computed: [0], stderrs: [], start: null, end: null, proc: newProcess(i, server, 0) });
  }
  const report = { kills: 0, stops: 0, queries: 0, queryErrors: 0, interruptedCalls: 0 };
  const unloadable = new Set<string>();
  const errorSamples: string[] = [];

  /** A tool call on a slot; an error counts unless our own kill or stop cut it short. */
  const call = async (slot: Slot, name: string, args: Record<string, unknown> = {}) => {
    const epoch = slot.faultEpoch;
    const server = slot.server;
    try {
      const res = await server.callTool(name, args);
      if (res.isError && slot.faultEpoch === epoch && server === slot.server) {
        report.queryErrors++;
        if (errorSamples.length < 5) errorSamples.push(`${name}: ${JSON.stringify(res.content).slice(0, 300)}`);
      }
      return res.isError ? null : res;
    } catch (err) {
      if (slot.faultEpoch !== epoch || server !== slot.server) report.interruptedCalls++;
      else {
        report.queryErrors++;
        if (errorSamples.length < 5) errorSamples.push(`${name}: ${String(err)}`);
      }
      return null;
    }
  };
  // Set when the churn begins; the baseline is read from then + warm-up, never before any load.
  let churnStart = Infinity;
  const warmupMs = Math.round(opts.durationMs * (opts.warmupFraction ?? 0.2));
  let warmupFiles = -1;
  const processWarmupMs = opts.processWarmupMs ?? 90_000;
  const statusOf = async (slot: Slot) => {
    const server = slot.server;
    const proc = slot.proc;
    const res = await call(slot, 'index_status');
    const s = res?.structuredContent;
    if (s === undefined) return null;
    const sinceChurn = Date.now() - churnStart;
    if (sinceChurn >= 0 && server === slot.server && slot.state === 'running') {
      const f = processFigures(server.child.pid);
      if (f !== null) {
        const at = { ...f, atMs: sinceChurn };
        proc.last = at;
        const lastSample = proc.samples[proc.samples.length - 1];
        if (lastSample === undefined || sinceChurn - lastSample.atMs >= SAMPLE_EVERY_MS) proc.samples.push(at);
        // Warm: past the run's warm-up and past this process's own (a restart reloads and refills caches).
        if (proc.warm === null && sinceChurn >= Math.max(warmupMs, proc.startedMs + processWarmupMs)) {
          proc.warm = at;
          slot.start = at;
        }
      }
    }
    slot.computed[slot.computed.length - 1] = s.embeddings_computed;
    for (const w of s.warnings as string[]) if (UNLOADABLE.test(w)) unloadable.add(w);
    return s;
  };
  const running = () => slots.filter((s) => s.state === 'running');

  const settled = async (timeoutMs: number): Promise<boolean> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const onDisk = folder.onDisk().length;
      const all = await Promise.all(slots.map(statusOf));
      const gens = new Set(all.map((s) => s?.generation));
      const quiet = all.every((s) => s && s.state === 'ready' && s.pending_files === 0 && s.documents === onDisk && s.lock_holder === null);
      if (quiet && gens.size === 1) return true;
      await sleep(250);
    }
    return false;
  };

  if (!(await settled(120_000))) throw new Error('the instances never settled on the seed folder');
  log(`# ${opts.instances} instances ready on ${folder.files.size} seed files; churning for ${Math.round(opts.durationMs / 1000)} s`);

  churnStart = Date.now();
  const until = churnStart + opts.durationMs;
  setTimeout(() => void (warmupFiles = folder.onDisk().length), warmupMs).unref();
  const tasks: Promise<void>[] = [];
  // Churn: one change every 10–120 ms.
  tasks.push((async () => {
    while (Date.now() < until) {
      folder.step();
      await sleep(random.int(10, 120));
    }
  })());
  // Queries for a token of a random file on a random running instance (answers may lag; errors may not).
  tasks.push((async () => {
    while (Date.now() < until) {
      const slot = random.pick(slots);
      const token = [...folder.files.values()][random.int(0, Math.max(0, folder.files.size - 1))];
      if (slot.state === 'running' && token !== undefined) {
        report.queries++;
        await call(slot, 'query_documents', { query: token, top_n: 3 });
      }
      await sleep(random.int(5, 50));
    }
  })());
  // Status of every running instance each second: embedding counters, load warnings, warm baselines.
  tasks.push((async () => {
    while (Date.now() < until) {
      await Promise.all(running().map(statusOf));
      await sleep(1000);
    }
  })());
  // Faults: SIGKILL (then a restart) or SIGSTOP…SIGCONT of whoever holds the lock, else of anyone.
  tasks.push((async () => {
    const every = opts.faultEveryMs ?? 8000;
    while (Date.now() + 2000 < until) {
      await sleep(random.int(every / 2, (every * 3) / 2));
      if (Date.now() + 2000 >= until) break;
      let slot: Slot | undefined;
      for (let i = 0; i < 100 && slot === undefined; i++) {
        const holder = await inspectLockHolder(opts.indexDir).catch(() => null);
        slot = running().find((s) => s.server.child.pid === holder?.pid);
        if (slot === undefined) await sleep(20);
      }
      slot ??= random.pick(running());
      slot.faultEpoch++;
      // Random, but one of each kind early on, so even a short run sees both.
      const kill = report.kills === 0 && report.stops > 0 ? true : report.stops === 0 && report.kills > 0 ? false : random.chance(0.5);
      if (kill) {
        report.kills++;
        slot.state = 'dead';
        slot.proc.killed = true;
        slot.server.child.kill('SIGKILL');
        await slot.server.exited;
        slot.stderrs.push(slot.server.stderr());
        await sleep(random.int(200, 2000));
        slot.server = await spawn();
        slot.proc = newProcess(slots.indexOf(slot), slot.server, Date.now() - churnStart);
        slot.restarts++;
        slot.computed.push(0);
        slot.start = null;
        slot.state = 'running';
      } else {
        report.stops++;
        slot.state = 'stopped';
        slot.server.child.kill('SIGSTOP');
        await sleep(random.int(1000, Math.min(8000, every)));
        slot.server.child.kill('SIGCONT');
        slot.faultEpoch++;
        slot.state = 'running';
      }
    }
  })());
  await Promise.all(tasks);

  const quiesceStart = Date.now();
  const quiesced = await settled(opts.quiesceTimeoutMs ?? 180_000);
  const quiesceMs = Date.now() - quiesceStart;
  log(`# churn done (${JSON.stringify(folder.counts)}); ${quiesced ? 'quiet' : 'NOT quiet'} after ${quiesceMs} ms`);

  const onDisk = folder.onDisk();
  const lost: number[] = [];
  const phantom: number[] = [];
  for (const slot of slots) {
    const listed = new Set<string>(((await call(slot, 'list_documents'))?.structuredContent?.documents ?? []).map((d: { path: string }) => d.path));
    const disk = new Set(onDisk);
    phantom.push([...listed].filter((p) => !disk.has(p)).length);
    let missing = 0;
    for (const path of onDisk) {
      const token = folder.files.get(path);
      const res = token === undefined ? null : await call(slot, 'query_documents', { query: token, top_n: 3 });
      if (!listed.has(path) || res?.structuredContent?.results[0]?.path !== path) missing++;
    }
    lost.push(missing);
    slot.end = processFigures(slot.server.child.pid);
    if (slot.end !== null) slot.proc.last = { ...slot.end, atMs: Date.now() - churnStart };
  }
  // A fresh process loading what is on disk, as a user's `status` would.
  const fresh = spawnSync(process.execPath, [BIN(), 'status', '--json', '--docs', opts.docs, '--index-dir', opts.indexDir], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  if (fresh.status !== 0) unloadable.add(`status --json exited ${fresh.status}: ${fresh.stderr.slice(-300)}`);
  else for (const w of JSON.parse(fresh.stdout).warnings as string[]) if (UNLOADABLE.test(w)) unloadable.add(w);
  const finalGeneration = (await statusOf(slots[0] as Slot))?.generation ?? 0;

  for (const slot of slots) {
    await slot.server.stop(10_000);
    for (const stderr of [...slot.stderrs, slot.server.stderr()]) {
      for (const line of stderr.split('\n')) if (UNLOADABLE.test(line)) unloadable.add(line.slice(0, 300));
    }
  }
  if (folder.files.size !== onDisk.length) throw new Error(`the churn model holds ${folder.files.size} files, the disk ${onDisk.length}`);
  for (const sample of errorSamples) log(`# error: ${sample}`);
  return {
    churn: folder.counts,
    ...report,
    unloadable: [...unloadable],
    quiesced,
    quiesceMs,
    warmupFiles,
    warmupMs,
    processWarmupMs,
    processes,
    filesChecked: onDisk.length,
    lost,
    phantom,
    embeddingsComputed: slots.reduce((sum, s) => sum + s.computed.reduce((a, b) => a + b, 0), 0),
    // One chunk per content version; renames keep the content (its vector is reused).
    embeddingsNeeded: folder.counts.contentsWritten,
    perInstance: slots.map((s) => ({ start: s.start, end: s.end, restarts: s.restarts })),
    generationsOnDisk: (await listGenerationDirs(opts.indexDir)).length,
    finalGeneration,
  };
}
