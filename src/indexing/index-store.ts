import { mkdir } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import { AppError, errorMessage, isAppError } from '../core/errors.js';
import type { Logger } from '../app/logger.js';
import { collectGarbage } from '../storage/gc.js';
import { publishGeneration } from '../storage/generation.js';
import { readManifest, type BlobRef, type Manifest } from '../storage/manifest.js';
import { blobFilePath, isMissingBlob, readBlobRefs } from '../storage/read.js';
import { inspectLockHolder, openLockFile, type LockFile, type LockHandle, type LockHolderReport } from '../storage/lock.js';
import { HEARTBEAT_STALE_MS } from '../storage/lock-support.js';
import type { LockHolderStatus } from '../core/types.js';
import { detectNetworkFilesystem } from '../storage/fs-detect.js';
import { KEYWORD_SETTINGS_KEY, scoringSettings } from '../indices/keyword.js';
import { resolvePolicy } from '../indices/keyword-settings.js';
import { createLinkGraph, type LinkGraph } from '../indices/graph.js';
import { SegmentIndex } from '../indices/segment-index.js';
import { segmentBlobName } from '../indices/segment-build.js';
import { decodeSegment, SegmentVersionError, type SegmentData } from '../indices/segment-layout.js';
import { applyVectorDelta, decodeVectorDelta, loadVectorIndex, type VectorDelta, type VectorIndex } from '../indices/vector.js';
import { Corpus } from './corpus.js';
import { alignedBytes } from './merge-job.js';
import { applyGraphShards, corpusToBlobs, graphBlob, indexFingerprint, parseGraphShard, parseState, restoreGraph, STATE_BLOB, VECTORS_BLOB, VECTORS_DELTA_BLOB, VECTORS_META_BLOB, type IndexFingerprint } from './persist.js';
import { TextStore } from './text-store.js';

export interface StoreLoadResult {
  corpus: Corpus;
  /** Generation the corpus reflects (0: none). */
  generation: number;
  /** The manifest on disk it came from: the base of the next publish. */
  manifest: Manifest | null;
  /** Link-graph shards of the loaded state (null: none, e.g. a fresh corpus). */
  graphShards: number | null;
  warnings: string[];
}

export interface IndexStoreOptions {
  config: Config;
  /** The configured embedder's vector space (null: provider none). */
  vectorSpace: string | null;
  logger: Logger;
  instanceId: string;
  /** Ignore the persisted generation and rebuild from the files. */
  rebuild?: boolean;
}

/** Unreferenced blobs stay this long so lock-free readers of the generations before are safe. */
const GC_GRACE_MS = 60_000;
/** How often a waiting writer re-reads who holds the lock. */
const HOLDER_REFRESH_MS = 500;

/**
 * The index directory as this instance sees it: the lock, the manifest it last loaded or
 * published (the base for its next publish), loading newer generations and publishing new ones,
 * and the text blobs its corpus reads from. When the directory cannot be written, it degrades
 * to memory only and says why.
 */
export class IndexStore {
  persistent = true;
  degradedReason: string | null = null;
  /** Another process holding the write lock, as last inspected (null: none, or this one holds it). */
  lockHolder: { report: LockHolderReport; readAt: number } | null = null;
  private holderRead: Promise<void> | null = null;
  private holderReadAt = 0;
  /** A publish failed (disk full…): the next write cycle publishes even without changes. */
  publishOwed = false;
  readonly texts = new TextStore();
  private manifest: Manifest | null = null;
  private graphShards: number | null = null;
  private lockFile: LockFile | null = null;
  private readonly fingerprint: IndexFingerprint;
  /** The corpus served now (its graph is reused by the next load when it is clean). */
  private served: Corpus | null = null;
  /** A vector index and the checksum of the base it was loaded from or written as (plus a delta of it). */
  private vectorState: { index: VectorIndex; space: string; baseSha: string } | null = null;
  /** A graph and the checksums of the shards it reflects (what a load may diff against). */
  private graphState: { graph: LinkGraph; shards: number; shas: Map<string, string> } | null = null;
  /** Opened segments by content id: a follower reads only the segments it has not seen. */
  private segments = new Map<string, SegmentData>();
  /** Vector spaces already reported as stale (a follower would otherwise repeat it per load). */
  private readonly warnedSpaces = new Set<string>();

  constructor(private readonly opts: IndexStoreOptions) {
    this.fingerprint = indexFingerprint(opts.config, opts.vectorSpace);
  }

  get generation(): number {
    return this.manifest?.generation ?? 0;
  }

  get keywordParams(): IndexFingerprint['keywordParams'] {
    return this.fingerprint.keywordParams;
  }

  emptyCorpus(): Corpus {
    return new Corpus(this.fingerprint.keywordParams, this.texts);
  }

  /** Prepare the directory and load the persisted generation (or an empty corpus to rebuild into). */
  async open(): Promise<StoreLoadResult> {
    const dir = this.opts.config.index.dir;
    const warnings: string[] = [];
    try {
      await mkdir(dir, { recursive: true });
      if (this.opts.config.index.coordinationMode === 'file_lock') {
        this.lockFile = await openLockFile(dir, { instanceId: this.opts.instanceId });
      }
    } catch (err) {
      this.goMemoryOnly(`index directory ${dir} is not writable (${errorMessage(err)})`);
      return this.fresh(null, warnings);
    }
    const fsType = await detectNetworkFilesystem(dir).catch(() => null);
    if (fsType !== null) {
      warnings.push(`index directory ${dir} is on a network file system (${fsType}); file locks may not be reliable there. Use a local --index-dir.`);
    }
    let manifest: Manifest | null;
    try {
      manifest = await readManifest(dir);
    } catch (err) {
      if (isAppError(err) && err.code === 'INDEX_FORMAT' && /newer/.test(err.message)) {
        // Never overwrite an index a newer version wrote: serve from memory instead.
        this.goMemoryOnly(err.message + (err.hint ? ` (${err.hint})` : ''));
        return this.fresh(null, warnings);
      }
      warnings.push(`${errorMessage(err)}; rebuilding the index from the documents`);
      manifest = null;
    }
    if (manifest === null) return this.fresh(null, warnings);
    const loaded = this.opts.rebuild ? null : await this.tryLoad(manifest, warnings);
    return loaded ?? this.fresh(manifest, warnings);
  }

  /** An empty corpus to rebuild into, on top of `manifest` so the next publish replaces it in order. */
  private fresh(manifest: Manifest | null, warnings: string[]): StoreLoadResult {
    return { corpus: this.emptyCorpus(), generation: manifest?.generation ?? 0, manifest, graphShards: null, warnings };
  }

  /** Reads the manifest and loads its generation if it is newer than the one held. */
  async loadNewer(): Promise<StoreLoadResult | null> {
    if (!this.persistent) return null;
    let manifest: Manifest | null;
    try {
      manifest = await readManifest(this.opts.config.index.dir);
    } catch (err) {
      // An older format or a damaged manifest is what this instance is replacing (open said so
      // once); only a newer format is a reason to stop.
      if (isAppError(err) && (err.code === 'INDEX_CORRUPT' || (err.code === 'INDEX_FORMAT' && !/newer/.test(err.message)))) return null;
      throw err;
    }
    if (manifest === null || manifest.generation <= this.generation) return null;
    const warnings: string[] = [];
    return (await this.tryLoad(manifest, warnings)) ?? this.fresh(manifest, warnings);
  }

  /** Makes a loaded result the base of the next publish (the manager calls it when it swaps the corpus in). */
  accept(result: StoreLoadResult): void {
    this.manifest = result.manifest;
    this.graphShards = result.graphShards;
    this.remember(result.corpus);
  }

  /** Takes the exclusive lock for one write cycle (null when not coordinating or memory-only). */
  async lockForWriting(): Promise<LockHandle | null> {
    if (!this.persistent || this.lockFile === null) return null;
    try {
      const handle = await this.lockFile.acquire('exclusive', {
        timeoutMs: this.opts.config.index.lockTimeoutSeconds * 1000,
        // While waiting, keep the holder's report fresh (a stopped holder shows up within a second).
        onWait: () => void this.refreshLockHolder(HOLDER_REFRESH_MS),
      });
      this.lockHolder = null;
      return handle;
    } catch (err) {
      if (isAppError(err) && err.code === 'LOCK_TIMEOUT') await this.refreshLockHolder();
      throw err;
    }
  }

  /**
   * Re-reads who holds the lock (probed, so a dead holder is never reported), at most once per
   * `minIntervalMs`. The follower calls it on every poll, so status shows a holder even to an
   * instance with nothing to write.
   */
  async refreshLockHolder(minIntervalMs = 0): Promise<void> {
    if (!this.persistent || this.opts.config.index.coordinationMode !== 'file_lock') return;
    if (this.holderRead !== null) return this.holderRead;
    if (Date.now() - this.holderReadAt < minIntervalMs) return;
    this.holderRead = (async () => {
      const report = await inspectLockHolder(this.opts.config.index.dir).catch(() => null);
      this.holderReadAt = Date.now();
      // Our own pid with our own instance id is this instance's lock: not "another holder".
      this.lockHolder = report === null || (report.pid === process.pid && report.instanceId === this.opts.instanceId) ? null : { report, readAt: this.holderReadAt };
    })().finally(() => {
      this.holderRead = null;
    });
    return this.holderRead;
  }

  /** The holder for index_status: how long it has held the lock and whether it is progressing. */
  lockHolderStatus(now = Date.now()): LockHolderStatus | null {
    if (this.lockHolder === null) return null;
    const { report, readAt } = this.lockHolder;
    const heartbeatAge = Math.max(0, readAt - Date.parse(report.heartbeat));
    return {
      pid: report.pid,
      since: report.since,
      instance_id: report.instanceId,
      hostname: report.hostname,
      held_ms: Math.max(0, now - Date.parse(report.since)),
      heartbeat: report.heartbeat,
      alive: report.alive,
      stopped: report.stopped,
      progressing: report.stopped !== true && heartbeatAge < HEARTBEAT_STALE_MS,
    };
  }

  /** Writes the corpus as a new generation (only changed blobs) and publishes it. Caller holds the lock. */
  async publish(corpus: Corpus): Promise<void> {
    if (!this.persistent) {
      this.remember(corpus);
      return;
    }
    const dir = this.opts.config.index.dir;
    try {
      const { newBlobs, keepBlobs, meta, graphShards, vectorBase } = await corpusToBlobs(corpus, this.texts, this.manifest, this.fingerprint, this.graphShards);
      this.manifest = await publishGeneration(dir, { base: this.manifest, meta, newBlobs, keepBlobs, instanceId: this.opts.instanceId });
      this.graphShards = graphShards;
      const manifest = this.manifest;
      this.graphState = { graph: corpus.graph, shards: graphShards, shas: shardShas(manifest.blobs, Array.from({ length: graphShards }, (_, k) => graphBlob(k))) };
      if (vectorBase && corpus.vector) {
        corpus.vector.markBase();
        corpus.vectorBaseOnDisk = true;
      }
      const vectorsRef = manifest.blobs[VECTORS_BLOB];
      this.vectorState = corpus.vector && corpus.vectorSpace && vectorsRef ? { index: corpus.vector, space: corpus.vectorSpace, baseSha: vectorsRef.sha256 } : null;
      await this.texts.openFiles(this.textRefs(corpus, this.manifest.blobs));
      corpus.markClean();
      this.remember(corpus);
      this.publishOwed = false;
    } catch (err) {
      this.publishOwed = true;
      throw err;
    }
    await collectGarbage(dir, this.manifest, { minAgeMs: GC_GRACE_MS }).catch((err: unknown) =>
      this.opts.logger.debug({ err: errorMessage(err) }, 'garbage collection skipped'),
    );
  }

  async close(): Promise<void> {
    await this.lockFile?.close().catch(() => undefined);
    this.lockFile = null;
    await this.texts.close();
  }

  /** The corpus served from now on: its segments stay cached, its text blobs open. */
  private remember(corpus: Corpus): void {
    this.served = corpus;
    const { segments, texts } = corpus.blobNames();
    this.segments = new Map([...segments.values()].map((data) => [data.id, data]));
    this.texts.retain(texts);
  }

  private textRefs(corpus: Corpus, blobs: Record<string, BlobRef>): { name: string; path: string; bytes: number }[] {
    const dir = this.opts.config.index.dir;
    const out: { name: string; path: string; bytes: number }[] = [];
    for (const name of corpus.blobNames().texts) {
      const ref = blobs[name];
      if (ref === undefined) throw new AppError('INDEX_CORRUPT', `the index names no file for text blob ${name}`);
      out.push({ name, path: blobFilePath(dir, ref), bytes: ref.bytes });
    }
    return out;
  }

  private async tryLoad(manifest: Manifest, warnings: string[], reread = false): Promise<StoreLoadResult | null> {
    const mismatch = describeMismatch(manifest.meta, this.fingerprint);
    if (mismatch !== null) {
      warnings.push(`${mismatch}; rebuilding the index from the documents`);
      return null;
    }
    const storedSpace = typeof manifest.meta['vector_space'] === 'string' ? manifest.meta['vector_space'] : null;
    const vectorSpace = storedSpace !== null && storedSpace === this.fingerprint.vectorSpace ? storedSpace : null;
    if (storedSpace !== null && this.fingerprint.vectorSpace !== null && vectorSpace === null && !this.warnedSpaces.has(storedSpace)) {
      this.warnedSpaces.add(storedSpace);
      warnings.push(`the stored vectors were made by ${storedSpace}, the configured embedder is ${this.fingerprint.vectorSpace}: they are discarded and every chunk is embedded again`);
    }
    let currentError: unknown;
    try {
      return await this.loadBlobs(manifest, manifest.blobs, manifest.generation, vectorSpace, true, warnings);
    } catch (err) {
      if (!isAppError(err) || (err.code !== 'INDEX_CORRUPT' && err.code !== 'INDEX_FORMAT')) throw err;
      if (err.code === 'INDEX_FORMAT') {
        warnings.push(`${errorMessage(err)}; rebuilding the index from the documents`);
        return null;
      }
      currentError = err;
    }
    // A file GC removed under us means a newer generation exists: load that one instead (once).
    if (!reread && isMissingBlob(currentError)) {
      const fresh = await readManifest(this.opts.config.index.dir).catch(() => null);
      if (fresh !== null && fresh.generation > manifest.generation) return this.tryLoad(fresh, warnings, true);
    }
    const previous = manifest.previous;
    if (previous !== null) {
      try {
        const loaded = await this.loadBlobs(manifest, previous.blobs, previous.generation, vectorSpace, false, warnings);
        warnings.push(`generation ${manifest.generation} is unreadable (${errorMessage(currentError)}); loaded the previous generation ${previous.generation} instead`);
        return loaded;
      } catch (err) {
        if (!isAppError(err) || (err.code !== 'INDEX_CORRUPT' && err.code !== 'INDEX_FORMAT')) throw err;
        warnings.push(`generation ${manifest.generation} is unreadable (${errorMessage(currentError)}) and so is the previous generation ${previous.generation} (${errorMessage(err)}); rebuilding the index from the documents`);
        return null;
      }
    }
    warnings.push(`generation ${manifest.generation} is unreadable (${errorMessage(currentError)}) and there is no previous generation; rebuilding the index from the documents`);
    return null;
  }

  /**
   * Loads one blob set: the state, the segments not already open (read whole, verified, opened
   * as views), the graph shards, the vectors; the text blobs are opened, not read. `keepable`
   * is false for the previous set of a damaged generation: nothing of the current set may be reused.
   */
  private async loadBlobs(manifest: Manifest, refs: Record<string, BlobRef>, generation: number, vectorSpace: string | null, keepable: boolean, warnings: string[]): Promise<StoreLoadResult> {
    const dir = this.opts.config.index.dir;
    try {
      const state = parseState(required(await readBlobRefs(dir, refs, generation, [STATE_BLOB]), STATE_BLOB));
      if (state.settings !== KEYWORD_SETTINGS_KEY) throw new AppError('INDEX_FORMAT', 'the keyword index was built by another tokenizer or segment format');
      const wanted = state.segments.map((s) => ({ ...s, name: segmentBlobName(s.id) }));
      const toRead = wanted.filter((s) => !this.segments.has(s.id)).map((s) => s.name);
      const graphNames = Array.from({ length: state.graphShards }, (_, k) => graphBlob(k));
      // A follower's usual case: the served graph is what the base manifest's shards say, so
      // only the shards whose checksum changed are read and applied to it (rebuilding the
      // graph of 50k chunks took ~200 ms per load).
      const known = this.graphState;
      const served = this.served;
      const reuse =
        known !== null && served !== null && known.graph === served.graph && known.shards === state.graphShards && served.dirty.graph.size === 0 && !served.dirty.allGraph;
      const changedShards = reuse ? graphNames.filter((name) => known.shas.get(name) !== refs[name]?.sha256) : graphNames;
      // Likewise the vectors: while the base is the one the served (clean) index came from, only
      // the delta is read and what changed in it applied (the base of 50k chunks is ~80 MB).
      const knownVectors = this.vectorState;
      const reuseVectors =
        vectorSpace !== null &&
        knownVectors !== null &&
        served !== null &&
        served.vector === knownVectors.index &&
        served.vectorSpace === vectorSpace &&
        knownVectors.space === vectorSpace &&
        !served.dirty.vectors &&
        refs[VECTORS_BLOB]?.sha256 === knownVectors.baseSha;
      const vectorNames = vectorSpace !== null ? [...(reuseVectors ? [] : [VECTORS_META_BLOB]), ...(refs[VECTORS_DELTA_BLOB] ? [VECTORS_DELTA_BLOB] : [])] : [];
      const blobs = await readBlobRefs(dir, refs, generation, [...toRead, ...changedShards, ...vectorNames]);
      const segments = wanted.map(({ id, name, dead }) => {
        const cached = this.segments.get(id);
        if (cached) return { data: cached, dead };
        const ref = refs[name];
        if (ref?.sha256 !== id) throw new TypeError(`segment ${name} does not carry its content id`);
        return { data: decodeSegment(alignedBytes(required(blobs, name)), id), dead };
      });
      const texts = new Set<string>();
      for (const { data } of segments) for (const name of data.info.texts) texts.add(name);
      await this.texts.openFiles(
        [...texts].map((name) => {
          const ref = refs[name];
          if (ref === undefined) throw new AppError('INDEX_CORRUPT', `generation ${generation} has no text blob ${name}`);
          return { name, path: blobFilePath(dir, ref), bytes: ref.bytes };
        }),
      );
      const shards = changedShards.map((name) => [Number(name.slice('graph-'.length, -'.json'.length)), parseGraphShard(required(blobs, name))] as const);

      let vector = null;
      let pendingDelta: VectorDelta | null = null;
      if (vectorSpace !== null && reuseVectors) {
        const index = knownVectors.index;
        if (refs[VECTORS_DELTA_BLOB]) pendingDelta = decodeVectorDelta(required(blobs, VECTORS_DELTA_BLOB), index.dimension);
        vector = { index, space: vectorSpace };
      } else if (vectorSpace !== null) {
        const ref = refs[VECTORS_BLOB];
        if (!ref) throw new TypeError('the vector index is missing');
        const meta = JSON.parse(required(blobs, VECTORS_META_BLOB).toString('utf8')) as unknown;
        const index = await loadVectorIndex(blobFilePath(dir, ref), meta);
        if (refs[VECTORS_DELTA_BLOB]) applyVectorDelta(index, decodeVectorDelta(required(blobs, VECTORS_DELTA_BLOB), index.dimension));
        vector = { index, space: vectorSpace };
      }
      const params = this.fingerprint.keywordParams;
      const index = SegmentIndex.restore(scoringSettings(params), resolvePolicy(params), segments, state.stamps);
      let graph;
      if (reuse) {
        // Last, once everything else has loaded: the served corpus's graph changes only when
        // this load succeeds (the new corpus replaces it right after).
        graph = served.graph;
        applyGraphShards(graph, state.graphShards, shards);
      } else {
        graph = createLinkGraph();
        restoreGraph(graph, shards.map(([, shard]) => shard));
      }
      this.graphState = { graph, shards: state.graphShards, shas: shardShas(refs, graphNames) };
      if (pendingDelta !== null && vector !== null) applyVectorDelta(vector.index, pendingDelta, { skipUnchanged: true });
      this.vectorState = vector !== null && refs[VECTORS_BLOB] ? { index: vector.index, space: vector.space, baseSha: refs[VECTORS_BLOB].sha256 } : null;
      const corpus = new Corpus(params, this.texts, { index, graph, vector });
      corpus.keepable = keepable;
      corpus.vectorBaseOnDisk = vector !== null;
      if (keepable) corpus.markClean();
      // The caller's list: warnings it adds after this returns (a fallback) reach the result too.
      return { corpus, generation: manifest.generation, manifest, graphShards: keepable ? state.graphShards : null, warnings };
    } catch (err) {
      if (err instanceof SegmentVersionError) throw new AppError('INDEX_FORMAT', `the index was written with ${err.message}`, { cause: err });
      if (isAppError(err)) throw err;
      throw new AppError('INDEX_CORRUPT', `the persisted index in ${dir} cannot be loaded: ${errorMessage(err)}`, {
        hint: 'it is rebuilt from the documents; run `mcp-markdown-ragdocs index --rebuild` if this repeats',
        cause: err,
      });
    }
  }

  private goMemoryOnly(reason: string): void {
    this.persistent = false;
    this.degradedReason = `${reason}: serving from memory; nothing is persisted and the index is rebuilt at every start`;
    this.opts.logger.warn(this.degradedReason);
  }
}

function shardShas(refs: Record<string, BlobRef>, names: readonly string[]): Map<string, string> {
  return new Map(names.map((name) => [name, refs[name]?.sha256 ?? '']));
}

function required(blobs: Record<string, Buffer>, name: string): Buffer {
  const b = blobs[name];
  if (b === undefined) throw new TypeError(`blob ${name} is missing`);
  return b;
}

function describeMismatch(meta: Record<string, unknown>, fp: IndexFingerprint): string | null {
  if (meta['chunking'] !== fp.chunking) return 'chunking settings or the chunker changed since the index was built';
  if (meta['keyword'] !== fp.keyword) return 'the keyword tokenizer or segment format changed since the index was built';
  return null;
}
