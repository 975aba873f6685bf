import { join } from 'node:path';
import type { Config } from '../config/types.js';
import { AppError, errorMessage, isAppError } from '../core/errors.js';
import type { IndexState, IndexStatus } from '../core/types.js';
import type { Embedder } from '../embed/embedder.js';
import type { EmbedderRuntime } from '../embed/runtime.js';
import type { Logger } from '../app/logger.js';
import type { Corpus } from './corpus.js';
import { ManifestFollower } from './follower.js';
import { createSegmentBuilder } from '../indices/keyword.js';
import { decodeSegment } from '../indices/segment-layout.js';
import { createIndexWorkers, type IndexWorkers } from './index-workers.js';
import { alignedBytes } from './merge-job.js';
import { prepareBatch, type KnownFile, type PreparedBatch, type PrepareOptions } from './prepare.js';
import { SegmentMaintenance } from './segment-maintenance.js';
import { createPathFilter, type PathFilter } from './path-filter.js';
import { scanDocuments, type ScanResult } from './scan.js';
import { IndexStore, type StoreLoadResult } from './index-store.js';
import { fillMissingVectors } from './vector-fill.js';
import { isPersistError, persistErrno, persistFix, type PersistFailure } from './persist-health.js';
import { describeDescriptorErrno, descriptorErrno, descriptorFix } from './descriptors.js';

export interface IndexManagerOptions {
  config: Config;
  /** The embedder as it becomes ready (or never, for provider none). */
  embedding: EmbedderRuntime;
  logger: Logger;
  instanceId: string;
  /** How often a follower checks the manifest for a generation another instance published. */
  followIntervalMs?: number;
  /** Ignore the persisted generation and rebuild from the files. */
  rebuild?: boolean;
  /** Read, parse and build segments and merges on the main thread instead of index workers (tests, benchmarks). */
  keywordOnMainThread?: boolean;
  /** Injected index workers (tests); default: a pool of up to two worker threads. */
  indexWorkers?: IndexWorkers;
  /**
   * One-shot commands: after this many consecutive failed write cycles (lock timeouts aside),
   * stop retrying and go idle, so the command can report what failed and exit. Default: retry
   * for as long as the process runs (a server: the disk may get space back).
   */
  giveUpAfterFailures?: number;
}

/** How far the current indexing run is: files the index holds, of those it will hold. */
export interface IndexingProgress {
  filesIndexed: number;
  /** Null while the folder has not been scanned yet. */
  filesTotal: number | null;
  /** True while the first load of the persisted generation is still running. */
  loading: boolean;
}

const MAX_WARNINGS = 50;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 5000;
/** Embedding time per write cycle: the lock is released (and changes published) at least this often. */
const EMBED_BUDGET_MS = 3000;
/**
 * A write cycle takes further batches while it has run less than its checkpoint interval, then
 * publishes. The interval starts at one round and doubles per cycle of a run, up to
 * CHECKPOINT_MAX_MS: a first build shows other instances (and survives a kill with) a first
 * part of the index within a fraction of a second, and then publishes every few seconds instead
 * of once per batch (each publish fsyncs a generation; at one per batch, 20k small files spent a
 * third of their build waiting for the disk).
 */
const CHECKPOINT_FIRST_MS = 125;
const CHECKPOINT_MAX_MS = 3000;
/** Pause between two embedding cycles, so other instances waiting for the lock get it. */
const EMBED_YIELD_MS = 150;

/**
 * Owns the in-memory corpus and keeps it equal to the documents folder: a queue of paths that
 * may have changed, a single writer loop that applies them in batches (under the exclusive
 * index lock when coordinating with other instances) and publishes a generation per batch,
 * and a follower that swaps in generations other instances publish.
 */
export class IndexManager {
  private corpus: Corpus;
  private readonly store: IndexStore;
  private readonly filter: PathFilter;
  private readonly pending = new Set<string>();
  private inFlight = 0;
  private draining: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelay = RETRY_MIN_MS;
  private closed = false;
  private state: IndexState = 'loading';
  private lastError: string | null = null;
  private readonly fileWarnings = new Map<string, string>();
  private readonly generalWarnings: string[] = [];
  private lockWaitSince: number | null = null;
  private configProblem: string | null = null;
  private idleWaiters: (() => void)[] = [];
  readonly counters = { filesParsed: 0, filesUnchanged: 0, embeddingsComputed: 0, embeddingsReused: 0, filesChecked: 0 };
  private readonly workers: IndexWorkers | null;
  private readonly maintenance: SegmentMaintenance;
  /** Builds segments on the main thread when there are no workers (built on first use). */
  private mainBuilder: ReturnType<typeof createSegmentBuilder> | null = null;
  private readonly follower: ManifestFollower;
  /** Paths of the batches the current write cycle is applying. */
  private readonly applying = new Set<string>();
  private loaded = false;
  /** The current write cycle's checkpoint interval (0: publish after one round); reset when idle. */
  private checkpointMs = 0;
  /** The first reconcile has queued every change: until then a corpus that loaded empty is incomplete. */
  private reconciled = false;
  private loadedEmpty = false;
  private loadedWaiters: (() => void)[] = [];
  private corpusListeners = new Set<() => void>();
  /** The index cannot be saved (disk full, read-only…): set by a failed publish, cleared by a good one. */
  private persistFailure: PersistFailure | null = null;
  private failedCycles = 0;
  /** Retrying was given up (giveUpAfterFailures): the queue stays as it is. */
  private gaveUp = false;
  /** `status` only: the persisted generation lacks files present on disk. */
  private folderGap: { files: number; problem: string; fix: string } | null = null;

  constructor(private readonly opts: IndexManagerOptions) {
    const { config } = opts;
    // loadConfig already adds an index dir inside the docs root to docs.exclude.
    this.filter = createPathFilter(config.docs);
    this.store = new IndexStore({ config, vectorSpace: opts.embedding.spaceId, logger: opts.logger, instanceId: opts.instanceId, rebuild: opts.rebuild ?? false });
    this.workers = opts.indexWorkers ?? (opts.keywordOnMainThread ? null : createIndexWorkers());
    this.maintenance = new SegmentMaintenance(opts.logger, this.workers);
    this.corpus = this.store.emptyCorpus();
    this.follower = new ManifestFollower({
      indexDir: config.index.dir,
      intervalMs: opts.followIntervalMs ?? 500,
      busy: () => this.draining !== null,
      follow: () => this.followOnce(),
    });
    // When the model arrives, the chunks indexed meanwhile are embedded in the background.
    opts.embedding.onReady(() => this.kick());
  }

  get pathFilter(): PathFilter {
    return this.filter;
  }

  /** The corpus queries read. Replaced (never mutated half-way) by apply and follow. */
  current(): Corpus {
    return this.corpus;
  }

  /**
   * Calls `listener` after the corpus changed: a batch applied, or a generation loaded or
   * followed. Called often during a large build: listeners debounce. Returns the unsubscribe.
   */
  onCorpusChanged(listener: () => void): () => void {
    this.corpusListeners.add(listener);
    return () => this.corpusListeners.delete(listener);
  }

  private notifyCorpusChanged(): void {
    for (const listener of this.corpusListeners) {
      try {
        listener();
      } catch (err) {
        this.opts.logger.warn({ err: errorMessage(err) }, 'corpus change listener failed');
      }
    }
  }

  /** Opens the index dir and loads the persisted generation, falling back or rebuilding if needed. */
  async open(): Promise<void> {
    try {
      const loaded = await this.store.open();
      this.absorbLoad(loaded, true);
      this.loadedEmpty = this.corpus.documentCount + this.corpus.skippedCount === 0;
    } finally {
      this.loaded = true;
      const waiters = this.loadedWaiters;
      this.loadedWaiters = [];
      for (const w of waiters) w();
    }
    this.state = 'indexing';
    if (this.store.persistent) this.follower.start();
  }

  /**
   * Resolves true once the persisted generation is loaded (or found absent), false after
   * `timeoutMs`: a query that arrives during start-up waits for the index instead of answering
   * from an empty one.
   */
  whenLoaded(timeoutMs: number): Promise<boolean> {
    if (this.loaded) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.loadedWaiters = this.loadedWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.loadedWaiters.push(done);
    });
  }

  /**
   * How far indexing is, or null when the index is complete (nothing queued or being applied).
   * Files the index already holds count as indexed; queued files it does not hold yet are what
   * is missing from answers.
   */
  progress(): IndexingProgress | null {
    if (!this.loaded) return { filesIndexed: 0, filesTotal: null, loading: true };
    const indexedNow = this.corpus.documentCount + this.corpus.skippedCount;
    // Nothing on disk and the folder not scanned yet: a first build is about to start.
    if (!this.reconciled && this.loadedEmpty) return { filesIndexed: indexedNow, filesTotal: null, loading: false };
    if (this.pending.size + this.applying.size === 0) return null;
    let missing = 0;
    for (const p of this.pending) if (this.corpus.file(p) === undefined) missing++;
    for (const p of this.applying) if (!this.pending.has(p) && this.corpus.file(p) === undefined) missing++;
    return { filesIndexed: indexedNow, filesTotal: indexedNow + missing, loading: false };
  }

  /** Distinct paths queued or being applied: the work left, for a progress bar's total. */
  queuedFiles(): number {
    let n = this.pending.size;
    for (const p of this.applying) if (!this.pending.has(p)) n++;
    return n;
  }

  /** True once a generation has been published to the index dir (by any instance). */
  hasPersistedIndex(): boolean {
    return this.store.generation > 0;
  }

  /** For `status`: load what is persisted and report it, without indexing. */
  async openForStatus(indexCommand = 'mcp-markdown-ragdocs index'): Promise<void> {
    await this.open();
    this.follower.stop();
    this.state = this.store.degradedReason ? 'degraded' : 'ready';
    await this.store.refreshLockHolder();
    if (this.store.generation > 0) await this.compareWithFolder(indexCommand);
  }

  /**
   * `status`: counts the files the persisted generation lacks or holds stale (by size and mtime,
   * as the start-up reconcile does), so a generation a failed or killed run left behind is never
   * reported as complete.
   */
  private async compareWithFolder(indexCommand: string): Promise<void> {
    const { files } = await scanDocuments(this.opts.config.docs.root, this.filter);
    const seen = new Set<string>();
    let missing = 0;
    let stale = 0;
    for (const f of files) {
      seen.add(f.path);
      const known = this.corpus.file(f.path);
      if (known === undefined) missing++;
      else if (known.size !== f.size || known.mtimeMs !== f.mtimeMs) stale++;
    }
    let gone = 0;
    for (const path of this.corpus.knownPaths()) if (!seen.has(path)) gone++;
    const total = missing + stale + gone;
    if (total === 0) return;
    const parts = [missing > 0 ? `${missing} not indexed` : '', stale > 0 ? `${stale} changed since` : '', gone > 0 ? `${gone} deleted from the folder` : ''].filter(Boolean);
    const holder = this.store.lockHolderStatus();
    const where = `the index on disk (generation ${this.store.generation}) lacks ${total} files of ${this.opts.config.docs.root} as they are now (${parts.join(', ')})`;
    this.folderGap = holder
      ? holder.progressing
        ? { files: total, problem: `${where}; pid ${holder.pid} is indexing them now`, fix: `wait for it, or run \`${indexCommand}\`` }
        : { files: total, problem: `${where}; pid ${holder.pid} holds the write lock but is not progressing`, fix: `resume it (\`kill -CONT ${holder.pid}\`) or end it (\`kill ${holder.pid}\`), then run \`${indexCommand}\`` }
      : { files: total, problem: where, fix: `run \`${indexCommand}\`` };
    if (this.state === 'ready') this.state = holder ? 'indexing' : 'degraded';
  }

  /**
   * Scans the folder and queues every file whose size or mtime differs from the file table.
   * `recheck`: a second pass (once the watcher is live) that does not count unchanged files again.
   */
  async reconcile(opts: { recheck?: boolean } = {}): Promise<void> {
    const { files, warnings } = await this.scanFolder();
    for (const w of warnings) this.addWarning(w);
    const seen = new Set<string>();
    const changed: string[] = [];
    for (const f of files) {
      seen.add(f.path);
      const known = this.corpus.file(f.path);
      if (known && known.size === f.size && known.mtimeMs === f.mtimeMs) {
        if (!opts.recheck) this.counters.filesUnchanged++;
      } else changed.push(f.path);
    }
    for (const path of this.corpus.knownPaths()) if (!seen.has(path)) changed.push(path);
    this.enqueue(changed);
    this.reconciled = true;
    // Chunks persisted without vectors (the model was not ready then) are embedded now.
    if (this.vectorsDue()) this.kick();
    if (this.isIdle()) this.markIdle();
  }

  /**
   * The reconcile scan. A folder that cannot be listed for want of descriptors is not empty:
   * the scan is retried with back-off (a server until it works, a one-shot command
   * giveUpAfterFailures times), and meanwhile the status says why, as for a failed write cycle.
   */
  private async scanFolder(): Promise<ScanResult> {
    for (let attempt = 1, delay = RETRY_MIN_MS; ; attempt++, delay = Math.min(RETRY_MAX_MS, delay * 2)) {
      try {
        const scanned = await scanDocuments(this.opts.config.docs.root, this.filter);
        if (attempt > 1 && this.failedCycles === 0) {
          this.persistFailure = null;
          this.lastError = null;
        }
        return scanned;
      } catch (err) {
        const errno = descriptorErrno(err);
        const limit = this.opts.giveUpAfterFailures;
        if (errno === null || this.closed || (limit !== undefined && attempt >= limit)) throw err;
        const since = this.persistFailure?.since ?? new Date().toISOString();
        this.persistFailure = { errno, message: `cannot list ${this.opts.config.docs.root}: ${errorMessage(err)}`, attempts: attempt, since };
        this.recordError('scanning the folder failed; will retry', err);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Queues paths (a path ending in `/` means every file below that folder). */
  enqueue(paths: readonly string[]): void {
    if (this.closed) return;
    for (const p of paths) this.pending.add(p);
    if (this.pending.size > 0) this.kick();
  }

  /** Resolves true once nothing is pending or being applied, false after `timeoutMs`. */
  waitForIdle(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(done);
    });
  }

  /** A semantic search failed; the query went on without it. Surfaced in index_status. */
  reportSearchError(err: unknown): void {
    this.recordError('semantic search failed; answered with keyword and graph results', err);
  }

  /** The last indexing error (null once a later cycle succeeded); embedder availability is not an error. */
  indexingError(): string | null {
    return this.lastError;
  }

  /** Why the index cannot be saved now (null when the last publish succeeded), with the count of files it lacks. */
  persistProblem(): (PersistFailure & { files: number; gaveUp: boolean }) | null {
    if (this.persistFailure === null) return null;
    return { ...this.persistFailure, files: this.queuedFiles(), gaveUp: this.gaveUp };
  }

  /** Why nothing is persisted at all (the index dir could not be opened for writing), else null. */
  memoryOnlyReason(): string | null {
    return this.store.persistent ? null : this.store.degradedReason;
  }

  /** Records that the server runs with defaults because the config file was invalid. */
  reportConfigProblem(message: string): void {
    this.configProblem = message;
  }

  status(): IndexStatus {
    const degraded = this.store.degradedReason;
    const emb = this.opts.embedding.status();
    const embProblem = emb.problem === null ? null : emb.fix === null ? emb.problem : `${emb.problem}. Fix: ${emb.fix}`;
    const embDegraded = emb.phase !== 'ready' && emb.phase !== 'off' && emb.phase !== 'idle';
    const warnings = [...(this.configProblem ? [this.configProblem] : []), ...(degraded ? [degraded] : []), ...(embProblem ? [embProblem] : []), ...this.generalWarnings, ...[...this.fileWarnings.entries()].map(([p, m]) => (m.startsWith(p) ? m : `${p}: ${m}`))];
    return {
      state: this.publicState(embDegraded),
      documents: this.corpus.documentCount,
      chunks: this.corpus.chunkCount,
      generation: this.store.generation,
      pending_files: this.folderGap?.files ?? this.pending.size + this.inFlight,
      embedder: emb.summary,
      index_dir: this.opts.config.index.dir,
      instance_id: this.opts.instanceId,
      embeddings_computed: this.counters.embeddingsComputed,
      embeddings_reused: this.counters.embeddingsReused,
      last_error: this.lastError ?? this.configProblem ?? degraded ?? (emb.phase === 'unavailable' ? embProblem : null),
      files_parsed: this.counters.filesParsed,
      files_unchanged: this.counters.filesUnchanged,
      lock_holder: this.store.lockHolderStatus(),
      lock_wait_ms: this.lockWaitSince === null ? 0 : Date.now() - this.lockWaitSince,
      embedder_state: emb.phase,
      embedder_fix: emb.fix,
      embedder_problem: emb.problem,
      chunks_embedded: this.corpus.vectorSpace !== null && this.corpus.vectorSpace === this.opts.embedding.spaceId ? this.corpus.embeddedChunks : 0,
      ...this.indexProblem(),
      warnings: warnings.slice(0, MAX_WARNINGS),
    };
  }

  /** What the index on disk lacks and why, for status(). */
  private indexProblem(): { index_problem: string | null; index_fix: string | null } {
    const f = this.persistFailure;
    if (f !== null && (f.errno === 'EMFILE' || f.errno === 'ENFILE')) {
      // Out of descriptors: files of the folder (or the index files) cannot be opened at all.
      const files = this.queuedFiles();
      const next = this.gaveUp ? 'gave up retrying' : `retrying with back-off (${f.attempts} attempts since ${f.since})`;
      return {
        index_problem: `${describeDescriptorErrno(f.errno)}: ${f.message}; ${files} files are queued, none is dropped, and the index on disk (generation ${this.store.generation}) lacks them; ${next}`,
        index_fix: descriptorFix(f.errno, process.pid, this.gaveUp ? 'then run `mcp-markdown-ragdocs index`' : 'the server indexes the queued files by itself once descriptors are free'),
      };
    }
    if (f !== null) {
      const dir = this.opts.config.index.dir;
      const files = this.queuedFiles();
      const lacking = files > 0 ? `; ${files} files are answered from memory but missing from the index on disk (generation ${this.store.generation})` : `; the index on disk (generation ${this.store.generation}) is behind what is answered from memory`;
      const next = this.gaveUp ? 'gave up retrying' : `retrying with back-off (${f.attempts} attempts since ${f.since})`;
      return { index_problem: `the index cannot be saved: ${f.message}${lacking}; ${next}`, index_fix: persistFix(f.errno, dir, this.gaveUp ? 'then run `mcp-markdown-ragdocs index`' : 'the server saves the index by itself once it can') };
    }
    if (this.folderGap !== null) return { index_problem: this.folderGap.problem, index_fix: this.folderGap.fix };
    // The index dir could not be opened for writing at start (EACCES, EROFS…): memory only, for good.
    const memoryOnly = this.memoryOnlyReason();
    const errno = memoryOnly === null ? null : persistErrno(memoryOnly);
    if (memoryOnly !== null && errno !== null) {
      return { index_problem: memoryOnly, index_fix: persistFix(errno, this.opts.config.index.dir, 'then restart the server (an index dir that could not be written at start is not tried again)') };
    }
    return { index_problem: null, index_fix: null };
  }

  /** Vectors still being computed: indexing; computing them keeps failing: degraded (see last_error). */
  private publicState(embedderDegraded: boolean): IndexState {
    // Answers may be complete (from memory) but nothing new survives a restart: say so.
    if (this.persistFailure !== null && this.state !== 'loading') return 'degraded';
    const filesDone = this.pending.size + this.inFlight === 0;
    if (this.state === 'indexing' && filesDone && this.lastError !== null && this.vectorsDue()) return 'degraded';
    if (this.state !== 'ready') return this.state;
    if (this.configProblem || embedderDegraded) return 'degraded';
    if (this.vectorsDue()) return this.lastError !== null ? 'degraded' : 'indexing';
    return 'ready';
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.follower.stop();
    this.pending.clear();
    await this.draining?.catch(() => undefined);
    await this.workers?.close();
    await this.store.close();
    this.markIdle();
  }

  private kick(): void {
    if (this.draining || this.retryTimer || this.closed || this.gaveUp) return;
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.isIdle()) this.markIdle();
    });
  }

  private async drain(): Promise<void> {
    while (!this.closed) {
      if (this.pending.size > 0) {
        if (!(await this.writeCycle())) return;
      } else if (this.vectorsDue()) {
        if (!(await this.vectorCycle())) return;
        if (this.vectorsDue() && this.pending.size === 0) await new Promise((r) => setTimeout(r, EMBED_YIELD_MS));
      } else return;
    }
  }

  /** True when the corpus's vectors can serve queries with the ready embedder. */
  semanticReady(): boolean {
    const embedder = this.opts.embedding.embedder;
    const v = this.corpus.vector;
    return embedder !== null && v !== null && this.corpus.vectorSpace === this.opts.embedding.spaceId && v.dimension === embedder.dimension;
  }

  /** Chunks lack vectors and an embedder is ready to compute them. */
  private vectorsDue(): boolean {
    if (this.opts.embedding.embedder === null || this.corpus.chunkCount === 0) return false;
    if (!this.semanticReady()) return true;
    return this.corpus.embeddedChunks < this.corpus.chunkCount || this.corpus.chunksWithoutVector(1).length > 0;
  }

  /**
   * Puts the corpus's vectors in the ready embedder's space (dropping vectors of another space
   * or dimension, with a warning) and returns that embedder, or null when none is ready.
   */
  private syncVectorSpace(): Embedder | null {
    const embedder = this.opts.embedding.embedder;
    const space = this.opts.embedding.spaceId;
    if (embedder === null || space === null) return null;
    if (this.corpus.useVectorSpace(space, embedder.dimension)) {
      this.opts.logger.warn({ space, dimension: embedder.dimension }, 'stored vectors do not match the embedder; embedding every chunk again');
    }
    return embedder;
  }

  /**
   * Embeds chunks that have no vector for up to EMBED_BUDGET_MS (after loading any newer
   * generation, so nothing another instance embedded is embedded again). A failure keeps the
   * keyword side intact and is retried; returns false when it failed.
   */
  private async embedMissing(): Promise<boolean> {
    const embedder = this.syncVectorSpace();
    if (embedder === null) return true;
    try {
      const r = await fillMissingVectors(this.corpus, embedder, { batchSize: this.opts.config.embedder.batchSize, budgetMs: EMBED_BUDGET_MS });
      this.counters.embeddingsComputed += r.computed;
      this.counters.embeddingsReused += r.reused;
      return true;
    } catch (err) {
      this.recordError('embedding failed; keyword and graph search are unaffected; will retry', err);
      return false;
    }
  }

  /** One embedding cycle under the lock, for chunks indexed before the embedder was ready. */
  private async vectorCycle(): Promise<boolean> {
    let lock;
    try {
      lock = await this.store.lockForWriting();
    } catch (err) {
      if (!(isAppError(err) && err.code === 'LOCK_TIMEOUT')) this.cycleFailed('cannot take the index lock', err);
      else this.scheduleRetry();
      return false;
    }
    try {
      const newer = await this.store.loadNewer();
      if (newer) this.absorbLoad(newer);
      const ok = await this.embedMissing();
      if (this.corpus.dirty.vectors || this.store.publishOwed) await this.store.publish(this.corpus);
      this.cycleSucceeded();
      if (!ok) this.scheduleRetry();
      else if (this.lastError !== null && this.store.persistent) this.lastError = null;
      return ok;
    } catch (err) {
      this.cycleFailed('publishing vectors failed', err);
      return false;
    } finally {
      await lock?.release();
    }
  }

  /** One batch under the lock. Returns false when it must be retried later (lock busy, failure). */
  private async writeCycle(): Promise<boolean> {
    this.lockWaitSince ??= Date.now();
    let lock;
    try {
      lock = await this.store.lockForWriting();
    } catch (err) {
      if (isAppError(err) && err.code === 'LOCK_TIMEOUT') {
        this.opts.logger.debug({ err: err.message }, 'index lock busy; will retry');
        this.scheduleRetry();
        return false;
      }
      this.cycleFailed('cannot take the index lock', err);
      return false;
    }
    this.lockWaitSince = null;
    const taken = this.takeBatch();
    for (const p of taken) this.applying.add(p);
    this.inFlight = taken.length;
    try {
      const newer = await this.store.loadNewer();
      if (newer) this.absorbLoad(newer);
      this.syncVectorSpace();
      // Rounds of up to one batch per index worker (the batches of a round hold different paths,
      // so each compares against the same corpus; they apply in order), until the queue is empty
      // or the cycle has run its checkpoint interval.
      const started = performance.now();
      const interval = this.checkpointMs;
      this.checkpointMs = Math.min(CHECKPOINT_MAX_MS, this.checkpointMs === 0 ? CHECKPOINT_FIRST_MS : this.checkpointMs * 2);
      const size = this.opts.config.index.batchSize;
      const slots = this.workers?.size ?? 1;
      let changed = false;
      // Files that could not be opened for want of descriptors: queued again once the cycle is over.
      const deferred: string[] = [];
      let deferral: PreparedBatch['deferred'] = null;
      let round = await this.expandDirectories(taken);
      for (;;) {
        const batches: string[][] = [];
        for (let i = 0; i < round.length; i += size) batches.push(round.slice(i, i + size));
        for (const rest of batches.splice(slots)) for (const p of rest) this.pending.add(p);
        for (const batch of batches) for (const p of batch) this.applying.add(p);
        this.inFlight = this.applying.size;
        const prepared = await Promise.all(batches.map((batch) => this.prepare(batch)));
        for (const [i, batch] of prepared.entries()) {
          changed = this.applyPrepared(batch, batches[i] as string[]) || changed;
          if (batch.deferred !== null) {
            deferred.push(...batch.deferred.paths);
            deferral ??= batch.deferred;
          }
        }
        if (deferral !== null || this.closed || this.pending.size === 0 || performance.now() - started >= interval) break;
        const next = this.takeBatch();
        for (const p of next) this.applying.add(p);
        round = await this.expandDirectories(next);
      }
      if (changed) {
        await this.corpus.resolvePendingLinks();
        await this.maintenance.runMerges(this.corpus);
      }
      // New content is embedded in the same cycle when nothing else is queued (an edit), so it is
      // published once; during a large run every file is keyword-searchable first, and the
      // vectors follow in embedding cycles.
      const embedded = changed && this.pending.size === 0 && deferral === null ? await this.embedMissing() : true;
      if (changed || this.store.publishOwed || this.corpus.dirty.vectors) await this.store.publish(this.corpus);
      if (deferral !== null) {
        // What was read is published; the rest waits for descriptors (back-off, never dropped).
        for (const p of deferred) this.pending.add(p);
        this.opts.logger.warn({ files: deferred.length, errno: deferral.errno }, `${deferred.length} files could not be opened (${deferral.errno}); queued again`);
        this.cycleFailed('files cannot be opened', new AppError('FILE_UNREADABLE', `${deferred.length} files cannot be opened: ${deferral.message}`, { cause: { code: deferral.errno } }));
        return false;
      }
      if (!embedded) {
        this.scheduleRetry();
        return false;
      }
      this.retryDelay = RETRY_MIN_MS;
      this.cycleSucceeded();
      if (this.lastError !== null && this.store.persistent) this.lastError = null;
      return true;
    } catch (err) {
      // Nothing is lost: the batch goes back to the queue and is re-checked by hash next time.
      for (const p of this.applying) this.pending.add(p);
      this.cycleFailed('indexing failed', err);
      return false;
    } finally {
      this.inFlight = 0;
      this.applying.clear();
      await lock?.release();
      if (this.pending.size === 0 && !this.retryTimer) this.state = this.store.degradedReason ? 'degraded' : 'ready';
    }
  }

  /** Reads, hashes, parses and builds one batch (in an index worker when there are workers). */
  private prepare(paths: string[]): Promise<PreparedBatch> {
    const known = new Map<string, KnownFile>();
    for (const path of paths) {
      const f = this.corpus.file(path);
      if (f) known.set(path, { hash: f.hash, size: f.size, mtimeMs: f.mtimeMs, skipped: f.skipped });
    }
    const opts: PrepareOptions = {
      rootReal: this.opts.config.docs.root,
      maxFileBytes: this.opts.config.docs.maxFileBytes,
      chunking: this.opts.config.chunking,
    };
    const here = (): Promise<PreparedBatch> => {
      this.mainBuilder ??= createSegmentBuilder();
      return prepareBatch(paths, known, opts, this.mainBuilder);
    };
    if (this.workers === null) return here();
    return this.workers.prepare(paths, known, opts).catch((err: unknown) => {
      if (this.closed) throw err;
      // A worker that died on this batch (out of its memory cap on a huge file, say) would die
      // again on every retry: the main thread, without the cap, does it this once.
      this.opts.logger.warn({ err: errorMessage(err), files: paths.length }, 'an index worker failed on a batch; preparing it on the main thread');
      return here();
    });
  }

  /** Applies one prepared batch to the corpus (synchronously); true when anything changed. */
  private applyPrepared(batch: PreparedBatch, paths: readonly string[]): boolean {
    const { stats } = batch;
    this.counters.filesChecked += paths.length - (batch.deferred?.paths.length ?? 0);
    this.counters.filesParsed += stats.parsed;
    this.counters.filesUnchanged += stats.unchanged;
    for (const path of paths) this.fileWarnings.delete(path);
    for (const w of stats.warnings) this.fileWarnings.set(w.path, w.message);
    for (const w of stats.warnings) this.opts.logger.warn({ path: w.path }, w.message);
    if (batch.built === null && batch.deletes.length === 0 && batch.touched.length === 0) return false;
    const data = batch.built ? decodeSegment(alignedBytes(batch.built.bytes), batch.built.id) : null;
    this.corpus.apply(batch, data);
    this.counters.embeddingsReused += this.corpus.takeReused();
    this.notifyCorpusChanged();
    return true;
  }

  private takeBatch(): string[] {
    const batch: string[] = [];
    const limit = this.opts.config.index.batchSize * (this.workers?.size ?? 1);
    for (const p of this.pending) {
      batch.push(p);
      this.pending.delete(p);
      if (batch.length >= limit) break;
    }
    this.state = 'indexing';
    return batch;
  }

  private async expandDirectories(batch: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const p of batch) {
      if (!p.endsWith('/')) {
        out.add(p);
        continue;
      }
      // `/` is the root itself (the watcher's rescan after it ran out of descriptors).
      const prefix = p === '/' ? '' : p;
      for (const known of this.corpus.knownPaths()) if (known.startsWith(prefix)) out.add(known);
      const root = this.opts.config.docs.root;
      const { files } = await scanDocuments(root, this.filter, join(root, ...p.slice(0, -1).split('/')));
      for (const f of files) out.add(f.path);
    }
    return [...out];
  }

  /** Swaps in a loaded corpus unless this instance already holds that generation or a newer one. */
  private absorbLoad(loaded: StoreLoadResult, initial = false): void {
    if (!initial && loaded.generation <= this.store.generation && loaded.manifest !== null) return;
    this.store.accept(loaded);
    this.corpus = loaded.corpus;
    for (const w of loaded.warnings) {
      this.addWarning(w);
      this.opts.logger.warn(w);
    }
    void this.warnSkippedFiles(loaded.corpus);
    this.notifyCorpusChanged();
  }

  /** Warnings for the files a loaded index holds as skipped: unchanged, they are never re-read. */
  private async warnSkippedFiles(corpus: Corpus): Promise<void> {
    const skipped = await corpus.skippedFiles().catch(() => []);
    for (const { path, reason } of skipped) {
      if (this.corpus !== corpus || !corpus.file(path)?.skipped || this.fileWarnings.has(path)) continue;
      this.fileWarnings.set(path, reason);
    }
  }

  /** A write cycle that got through (published, or had nothing to publish): the failure streak ends. */
  private cycleSucceeded(): void {
    this.failedCycles = 0;
    if (this.store.publishOwed) return;
    if (this.persistFailure !== null) this.opts.logger.info({ generation: this.store.generation }, 'the index is saved again');
    this.persistFailure = null;
  }

  /** A write cycle failed: retried with back-off, or (one-shot commands, after giveUpAfterFailures) given up. */
  private cycleFailed(what: string, err: unknown): void {
    this.failedCycles++;
    if (isPersistError(err)) {
      const since = this.persistFailure?.since ?? new Date().toISOString();
      this.persistFailure = { errno: persistErrno(err), message: errorMessage(err), attempts: this.failedCycles, since };
    }
    const limit = this.opts.giveUpAfterFailures;
    if (limit !== undefined && this.failedCycles >= limit) {
      this.recordError(`${what}; gave up after ${this.failedCycles} attempts`, err);
      this.gaveUp = true;
      return;
    }
    this.recordError(`${what}; will retry`, err);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const delay = Math.min(RETRY_MAX_MS, this.retryDelay) * (0.75 + Math.random() * 0.5);
    this.retryDelay = Math.min(RETRY_MAX_MS, this.retryDelay * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.kick();
    }, delay);
    this.retryTimer.unref();
  }

  /** One follower step: swap in a generation another instance published, between requests. */
  private async followOnce(): Promise<void> {
    try {
      await this.store.refreshLockHolder();
      const start = performance.now();
      const newer = await this.store.loadNewer();
      if (newer && !this.draining && !this.closed) {
        this.absorbLoad(newer);
        // Benchmarks read this line (bench/footprint.ts): the cost of following another writer.
        this.opts.logger.debug({ generation: newer.generation, ms: Math.round((performance.now() - start) * 10) / 10 }, 'followed a newer generation');
        if (this.vectorsDue()) this.kick();
      }
    } catch (err) {
      this.recordError('could not load the newer index generation', err);
    }
  }

  private isIdle(): boolean {
    return (this.pending.size === 0 || this.gaveUp) && this.inFlight === 0 && this.draining === null && this.retryTimer === null && this.state !== 'loading';
  }

  private markIdle(): void {
    this.checkpointMs = 0;
    if (this.state === 'indexing' && this.pending.size === 0 && this.inFlight === 0) {
      this.state = this.store.degradedReason ? 'degraded' : 'ready';
    }
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private recordError(what: string, err: unknown): void {
    this.lastError = `${what}: ${errorMessage(err)}`;
    if (isAppError(err)) this.opts.logger.warn({ code: err.code }, this.lastError);
    else this.opts.logger.error({ err }, this.lastError);
  }

  private addWarning(w: string): void {
    if (!this.generalWarnings.includes(w)) this.generalWarnings.push(w);
    if (this.generalWarnings.length > MAX_WARNINGS) this.generalWarnings.shift();
  }
}
