import { mkdir } from 'node:fs/promises';
import type { Config } from '../config/types.js';
import { errorMessage, isAppError } from '../core/errors.js';
import type { Logger } from '../app/logger.js';
import { collectGarbage } from '../storage/gc.js';
import { publishGeneration } from '../storage/generation.js';
import { readManifest, type Manifest } from '../storage/manifest.js';
import { loadGenerationWithFallback, type LoadedGeneration } from '../storage/read.js';
import { openLockFile, readLockHolder, type LockFile, type LockHandle } from '../storage/lock.js';
import { detectNetworkFilesystem } from '../storage/fs-detect.js';
import { Corpus, keywordSegmentBlob } from './corpus.js';
import { createKeywordSegmentCache } from '../indices/keyword.js';
import { corpusFromBlobs, corpusToBlobs, indexFingerprint, ParsedBlobCache, type IndexFingerprint } from './persist.js';

export interface StoreLoadResult {
  corpus: Corpus;
  /** Generation the corpus reflects (0: none). */
  generation: number;
  /** The manifest on disk it came from: the base of the next publish. */
  manifest: Manifest | null;
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

/** Unreferenced generations stay this long so lock-free readers of the one before are safe. */
const GC_GRACE_MS = 60_000;

/**
 * The index directory as this instance sees it: the lock, the manifest it last loaded or
 * published (the base for its next publish), loading newer generations and publishing new ones.
 * When the directory cannot be written, it degrades to memory only and says why.
 */
export class IndexStore {
  persistent = true;
  degradedReason: string | null = null;
  lockHolder: { pid: number; since: string } | null = null;
  /** A publish failed (disk full…): the next write cycle publishes even without changes. */
  publishOwed = false;
  private manifest: Manifest | null = null;
  private lockFile: LockFile | null = null;
  private readonly fingerprint: IndexFingerprint;
  private readonly parsedCache = new ParsedBlobCache();
  private readonly keywordCache = createKeywordSegmentCache();
  /** Blob names of the keyword segments `keywordCache` holds. */
  private cachedSegmentBlobs = new Set<string>();
  /** Vector spaces already reported as stale (a follower would otherwise repeat it per load). */
  private readonly warnedSpaces = new Set<string>();

  constructor(private readonly opts: IndexStoreOptions) {
    this.fingerprint = indexFingerprint(opts.config, opts.vectorSpace);
  }

  get generation(): number {
    return this.manifest?.generation ?? 0;
  }

  emptyCorpus(): Corpus {
    return new Corpus(this.fingerprint.keywordParams);
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
    return { corpus: this.emptyCorpus(), generation: manifest?.generation ?? 0, manifest, warnings };
  }

  /** Reads the manifest and loads its generation if it is newer than the one held. */
  async loadNewer(): Promise<StoreLoadResult | null> {
    if (!this.persistent) return null;
    const manifest = await readManifest(this.opts.config.index.dir);
    if (manifest === null || manifest.generation <= this.generation) return null;
    const warnings: string[] = [];
    return (await this.tryLoad(manifest, warnings)) ?? this.fresh(manifest, warnings);
  }

  /** Makes a loaded result the base of the next publish (the manager calls it when it swaps the corpus in). */
  accept(result: StoreLoadResult): void {
    this.manifest = result.manifest;
  }

  /** Takes the exclusive lock for one write cycle (null when not coordinating or memory-only). */
  async lockForWriting(): Promise<LockHandle | null> {
    if (!this.persistent || this.lockFile === null) return null;
    try {
      const handle = await this.lockFile.acquire('exclusive', { timeoutMs: this.opts.config.index.lockTimeoutSeconds * 1000 });
      this.lockHolder = null;
      return handle;
    } catch (err) {
      if (isAppError(err) && err.code === 'LOCK_TIMEOUT') {
        const holder = await readLockHolder(this.opts.config.index.dir).catch(() => null);
        this.lockHolder = holder ? { pid: holder.pid, since: holder.since } : null;
      }
      throw err;
    }
  }

  /** Writes the corpus as a new generation (only changed blobs) and publishes it. Caller holds the lock. */
  async publish(corpus: Corpus): Promise<void> {
    if (!this.persistent) return;
    const dir = this.opts.config.index.dir;
    try {
      const { newBlobs, keepBlobs, meta } = await corpusToBlobs(corpus, this.manifest, this.fingerprint);
      this.manifest = await publishGeneration(dir, { base: this.manifest, meta, newBlobs, keepBlobs, instanceId: this.opts.instanceId });
      corpus.markClean();
      this.publishOwed = false;
    } catch (err) {
      this.publishOwed = true;
      throw err;
    }
    await collectGarbage(dir, this.manifest, { minAgeMs: GC_GRACE_MS }).catch((err: unknown) =>
      this.opts.logger.debug({ err: errorMessage(err) }, 'garbage collection skipped'),
    );
  }

  /** Who holds the exclusive lock right now (probed, so a dead holder is never reported). */
  async currentLockHolder(): Promise<{ pid: number; since: string } | null> {
    if (!this.persistent) return null;
    const holder = await readLockHolder(this.opts.config.index.dir).catch(() => null);
    return holder ? { pid: holder.pid, since: holder.since } : null;
  }

  async close(): Promise<void> {
    await this.lockFile?.close().catch(() => undefined);
    this.lockFile = null;
  }

  private async tryLoad(manifest: Manifest, warnings: string[]): Promise<StoreLoadResult | null> {
    const mismatch = describeMismatch(manifest.meta, this.fingerprint);
    if (mismatch !== null) {
      warnings.push(`${mismatch}; rebuilding the index from the documents`);
      return null;
    }
    const dir = this.opts.config.index.dir;
    const storedSpace = typeof manifest.meta['vector_space'] === 'string' ? manifest.meta['vector_space'] : null;
    const vectorSpace = storedSpace !== null && storedSpace === this.fingerprint.vectorSpace ? storedSpace : null;
    if (storedSpace !== null && this.fingerprint.vectorSpace !== null && vectorSpace === null && !this.warnedSpaces.has(storedSpace)) {
      this.warnedSpaces.add(storedSpace);
      warnings.push(`the stored vectors were made by ${storedSpace}, the configured embedder is ${this.fingerprint.vectorSpace}: they are discarded and every chunk is embedded again`);
    }
    try {
      // Only shards whose checksum changed since the last load are read again.
      // First try reading only what changed since the last load (current generation only); on any
      // trouble fall back to a full load, which also handles a damaged current generation.
      const names = this.parsedCache.missing(manifest.blobs).filter((name) => !this.cachedSegmentBlobs.has(name));
      let loaded: LoadedGeneration | null = null;
      if (names.length < Object.keys(manifest.blobs).length) {
        loaded = await loadGenerationWithFallback(dir, manifest, { names }).catch(() => null);
        if (loaded && (loaded.source !== 'current' || loaded.manifest !== manifest)) loaded = null;
      }
      if (loaded === null) {
        this.parsedCache.clear();
        this.keywordCache.retain([]);
        this.cachedSegmentBlobs.clear();
        loaded = await loadGenerationWithFallback(dir, manifest);
      }
      warnings.push(...loaded.warnings);
      const refs = loaded.source === 'current' ? loaded.manifest.blobs : (loaded.manifest.previous?.blobs ?? {});
      const cache = loaded.source === 'current' ? this.parsedCache : undefined;
      const keywordCache = loaded.source === 'current' ? this.keywordCache : undefined;
      const corpus = await corpusFromBlobs(dir, loaded.blobs, refs, this.fingerprint, vectorSpace, loaded.source === 'current', cache, keywordCache);
      this.cachedSegmentBlobs = new Set(keywordCache ? corpus.keyword.segmentIds().map(keywordSegmentBlob) : []);
      return { corpus, generation: loaded.manifest.generation, manifest: loaded.manifest, warnings };
    } catch (err) {
      if (!isAppError(err) || (err.code !== 'INDEX_CORRUPT' && err.code !== 'INDEX_FORMAT')) throw err;
      warnings.push(`${errorMessage(err)}; rebuilding the index from the documents`);
      return null;
    }
  }

  private goMemoryOnly(reason: string): void {
    this.persistent = false;
    this.degradedReason = `${reason}: serving from memory; nothing is persisted and the index is rebuilt at every start`;
    this.opts.logger.warn(this.degradedReason);
  }
}

function describeMismatch(meta: Record<string, unknown>, fp: IndexFingerprint): string | null {
  if (meta['chunking'] !== fp.chunking) return 'chunking settings or the chunker changed since the index was built';
  if (meta['keyword'] !== fp.keyword) return 'keyword index settings changed since the index was built';
  return null;
}

