import { availableParallelism } from 'node:os';
import type { EmbedderConfig } from '../config/types.js';
import { AppError, errorMessage, isAppError } from '../core/errors.js';
import type { Logger } from '../app/logger.js';
import type { Embedder } from './embedder.js';
import { modelDir, modelFileList } from './model-files.js';
import { pullModel, readInstalledModel, type PullProgress, type PullResult } from './model-store.js';
import { describeModel, spaceIdOf, TEST_DEFAULT_DIMENSION, vectorSpaceId } from './vector-space.js';
import { openWorkerEmbedder } from './worker-embedder.js';
import { isTransformersRuntimeInstalled, TRANSFORMERS_MISSING_FIX, TRANSFORMERS_MISSING_PROBLEM } from './transformers-runtime.js';
import type { WorkerInit } from './worker-protocol.js';

/**
 * Where the embedder is on its way to being usable. `off`: provider `none`; `idle`: this process
 * never starts it (the `status` command reports the index without loading a model).
 */
export type EmbedderPhase = 'off' | 'idle' | 'starting' | 'downloading' | 'loading' | 'ready' | 'unavailable';

export interface EmbedderStatus {
  phase: EmbedderPhase;
  /** One line for `index_status.embedder`. */
  summary: string;
  /** Why semantic search is not available (null when ready or off). */
  problem: string | null;
  /** What the user can run or change to fix it. */
  fix: string | null;
}

export interface EmbedderRuntimeOptions {
  config: EmbedderConfig;
  logger: Logger;
  /** Read for the API key (`embedder.api_key_env`) and HF_TOKEN. */
  env: Record<string, string | undefined>;
  /** The command that downloads the model for this configuration, quoted in status messages. */
  pullCommand: string;
  /** Tests inject a ready embedder (or null for none) instead of the configured provider. */
  embedder?: Embedder | null;
  /** Delays between background attempts after a failure (the last one repeats). */
  retryDelaysMs?: readonly number[];
  fetch?: typeof fetch;
  /** onnxruntime threads; default: all cores but one, so the main thread keeps a core. */
  threads?: number;
  /** How often a missing model is looked for again when it may not be downloaded (offline, manual). */
  recheckMs?: number;
  /** Test provider only: simulated CPU cost per text, in the worker. */
  testCostMs?: number;
  /** Whether the optional transformers runtime is installed; default: it resolves from here. */
  transformersInstalled?: () => boolean;
  /** A one-shot command that answers and exits (`query`): use a model in the cache, never start a download. */
  noDownload?: boolean;
}

const DEFAULT_RETRY_MS = [15_000, 60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000];

/**
 * Gets the configured embedder to usable in the background and says where it is: it finds the
 * model in the cache or downloads it (never from inside a tool call, never blocking
 * `initialize`), starts the worker, and retries with back-off after a failure. Until it is ready
 * the index serves keyword + graph results and `status()` explains why and what fixes it.
 */
export class EmbedderRuntime {
  readonly spaceId: string | null;
  private phase: EmbedderPhase;
  private ready: Embedder | null = null;
  private problem: string | null = null;
  private fix: string | null = null;
  private progress = '';
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private abort = new AbortController();
  private readonly readyListeners: ((e: Embedder) => void)[] = [];
  private settledWaiters: { check: () => boolean }[] = [];

  constructor(private readonly opts: EmbedderRuntimeOptions) {
    this.spaceId = opts.embedder === null ? null : opts.embedder ? spaceIdOf(opts.embedder) : vectorSpaceId(opts.config);
    this.phase = this.spaceId === null ? 'off' : 'idle';
    if (opts.embedder) this.becomeReady(opts.embedder);
  }

  /** The embedder, once usable. */
  get embedder(): Embedder | null {
    return this.ready;
  }

  /** Begins (once) getting the embedder ready in the background. */
  start(): void {
    if (this.phase === 'idle') this.phase = 'starting';
    if (this.phase !== 'starting' || this.running || this.closed) return;
    this.running = this.acquire().finally(() => {
      this.running = null;
    });
  }

  /** Calls `listener` when the embedder becomes ready (at once if it already is). */
  onReady(listener: (e: Embedder) => void): void {
    if (this.ready) listener(this.ready);
    else this.readyListeners.push(listener);
  }

  /**
   * Resolves true once ready, off or given up for now (unavailable), or, with `orDownloading`,
   * once a download starts; false after `timeoutMs`.
   */
  whenSettled(timeoutMs: number, opts: { orDownloading?: boolean } = {}): Promise<boolean> {
    const settled = (): boolean => this.isSettled() || (opts.orDownloading === true && this.phase === 'downloading');
    if (settled()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.settledWaiters = this.settledWaiters.filter((w) => w.check !== check);
        resolve(false);
      }, timeoutMs);
      const check = (): boolean => {
        if (!settled()) return false;
        clearTimeout(t);
        resolve(true);
        return true;
      };
      this.settledWaiters.push({ check });
    });
  }

  status(): EmbedderStatus {
    const model = describeModel(this.opts.config);
    const name = this.opts.embedder ? `${this.opts.embedder.id}` : model;
    switch (this.phase) {
      case 'off':
        return { phase: 'off', summary: 'none (keyword + graph only)', problem: null, fix: null };
      case 'idle':
        return { phase: 'idle', summary: `${name} (not loaded by this command)`, problem: null, fix: null };
      case 'ready':
        return { phase: 'ready', summary: `${name} (${this.ready?.dimension ?? 0} dims)`, problem: null, fix: null };
      case 'starting':
      case 'loading':
        return { phase: this.phase, summary: `${name}: loading`, problem: `the embedding model ${model} is loading; semantic results join when it is ready`, fix: null };
      case 'downloading':
        return {
          phase: 'downloading',
          summary: `${name}: downloading${this.progress ? ` (${this.progress})` : ''}`,
          problem: `the embedding model ${model} is downloading in the background${this.progress ? ` (${this.progress})` : ''}; keyword and graph results are served until it is ready`,
          fix: null,
        };
      case 'unavailable':
        return { phase: 'unavailable', summary: `${name}: unavailable`, problem: this.problem, fix: this.fix };
    }
  }

  /**
   * For `status`, which loads nothing: is the model where a server would look for it? A
   * transformers model missing from the cache makes the embedder unavailable, with the command
   * that downloads it, as a server would say before its download (nothing is logged).
   */
  async inspect(): Promise<void> {
    const c = this.opts.config;
    if (this.phase !== 'idle' || c.provider !== 'transformers') return;
    // The same order as transformersInit: a model is no use without the runtime that runs it.
    if (!(this.opts.transformersInstalled ?? isTransformersRuntimeInstalled)()) {
      this.phase = 'unavailable';
      this.problem = TRANSFORMERS_MISSING_PROBLEM;
      this.fix = TRANSFORMERS_MISSING_FIX;
      return;
    }
    if ((await readInstalledModel(modelDir(c.modelCacheDir, c.model, c.revision), modelFileList(c.dtype))) !== null) return;
    const how = c.offline ? 'and downloads are off (embedder.offline or HF_HUB_OFFLINE)' : c.autoDownload ? '(a server or `index` downloads it in the background)' : '(embedder.auto_download = false)';
    this.phase = 'unavailable';
    this.problem = `the embedding model ${c.model} (revision ${c.revision}) is not downloaded into ${c.modelCacheDir} ${how}`;
    this.fix = `run \`${this.opts.pullCommand}\`; for keyword search only set embedder.provider = "none"`;
  }

  /** Downloads the configured transformers model now (the `models pull` command). */
  async pull(options: { force?: boolean; onProgress?: (line: string) => void } = {}): Promise<PullResult> {
    const c = this.opts.config;
    return pullModel({
      modelId: c.model,
      revision: c.revision,
      dtype: c.dtype,
      hubUrl: c.hubUrl,
      cacheDir: c.modelCacheDir,
      ...this.token(),
      ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
      ...(options.force ? { force: true } : {}),
      signal: this.abort.signal,
      onProgress: (p: PullProgress) => options.onProgress?.(formatProgress(p)),
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort.abort();
    await this.running?.catch(() => undefined);
    await this.ready?.close().catch(() => undefined);
    this.ready = null;
    this.settle();
  }

  private async acquire(): Promise<void> {
    const c = this.opts.config;
    try {
      const init = c.provider === 'transformers' ? await this.transformersInit() : this.otherInit();
      if (init === null || this.closed) return;
      this.setPhase('loading');
      const embedder = await openWorkerEmbedder(init, {
        onExit: (reason) => this.lost(reason),
      });
      if (this.closed) {
        await embedder.close();
        return;
      }
      this.becomeReady(embedder);
    } catch (err) {
      if (this.closed) return;
      this.fail(err);
    }
  }

  /** Finds the model in the cache, or downloads it when allowed. Null when it must wait for the user. */
  private async transformersInit(): Promise<WorkerInit | null> {
    const c = this.opts.config;
    // Before any download: a model is no use without the runtime that runs it.
    if (!(this.opts.transformersInstalled ?? isTransformersRuntimeInstalled)()) {
      this.unavailable(TRANSFORMERS_MISSING_PROBLEM, TRANSFORMERS_MISSING_FIX);
      return null;
    }
    const dir = modelDir(c.modelCacheDir, c.model, c.revision);
    let installed = await readInstalledModel(dir, modelFileList(c.dtype));
    if (installed === null) {
      if (c.offline) {
        this.unavailable(
          `the embedding model ${c.model} (revision ${c.revision}) is not in ${c.modelCacheDir} and downloads are off (embedder.offline or HF_HUB_OFFLINE)`,
          `run \`${this.opts.pullCommand}\` where the hub is reachable (same cache folder), or copy the model there; for keyword search only set embedder.provider = "none"`,
        );
        this.recheckLater();
        return null;
      }
      if (!c.autoDownload) {
        this.unavailable(`the embedding model ${c.model} (revision ${c.revision}) is not downloaded yet (embedder.auto_download = false)`, `run \`${this.opts.pullCommand}\``);
        this.recheckLater();
        return null;
      }
      if (this.opts.noDownload === true) {
        // It would exit before a download finished: say so instead of starting one.
        this.unavailable(
          `the embedding model ${c.model} (revision ${c.revision}) is not downloaded yet; a one-shot query does not download it (a server or \`index\` does)`,
          `run \`${this.opts.pullCommand}\``,
        );
        return null;
      }
      this.setPhase('downloading');
      this.opts.logger.info({ model: c.model, hub: c.hubUrl, cache: c.modelCacheDir }, 'downloading the embedding model in the background');
      const result = await this.pull({ onProgress: (line) => (this.progress = line) });
      this.progress = '';
      if (result.downloaded) this.opts.logger.info({ model: c.model, bytes: result.bytes }, 'embedding model downloaded');
      installed = await readInstalledModel(dir, modelFileList(c.dtype));
      if (installed === null) throw new Error(`the model in ${dir} is incomplete after the download`);
    }
    return transformersWorkerInit(c, this.spaceId ?? c.model, this.opts.threads);
  }

  private otherInit(): WorkerInit {
    const c = this.opts.config;
    if (c.provider === 'openai') {
      const key = this.opts.env[c.apiKeyEnv];
      // OpenAI's own API always needs a key: say so rather than report a 401 four retries later.
      if ((key === undefined || key === '') && /^https:\/\/api\.openai\.com(\/|$)/.test(c.baseUrl)) {
        throw new AppError('EMBEDDER_UNAVAILABLE', `no API key for ${c.baseUrl}: the environment variable ${c.apiKeyEnv} is not set`, {
          hint: `set ${c.apiKeyEnv} in the MCP client's env for this server, or point embedder.base_url at a local server (Ollama: http://localhost:11434/v1)`,
        });
      }
      return {
        kind: 'openai',
        options: {
          baseUrl: c.baseUrl,
          model: c.model,
          apiKey: key === undefined || key === '' ? null : key,
          apiKeyEnv: c.apiKeyEnv,
          dimensions: c.dimension,
          batchSize: c.batchSize,
          timeoutMs: c.timeoutMs,
          maxRetries: c.maxRetries,
          queryPrefix: c.queryPrefix,
          documentPrefix: c.documentPrefix,
        },
      };
    }
    return { kind: 'test', dimension: c.dimension ?? TEST_DEFAULT_DIMENSION, ...(this.opts.testCostMs ? { costMs: this.opts.testCostMs } : {}) };
  }

  private token(): { token?: string } {
    const t = this.opts.env['HF_TOKEN'] ?? this.opts.env['HUGGING_FACE_HUB_TOKEN'];
    return t ? { token: t } : {};
  }

  private becomeReady(embedder: Embedder): void {
    this.ready = embedder;
    this.phase = 'ready';
    this.problem = null;
    this.fix = null;
    this.attempt = 0;
    const listeners = this.readyListeners.splice(0);
    for (const l of listeners) l(embedder);
    this.settle();
  }

  private fail(err: unknown): void {
    const c = this.opts.config;
    const delay = this.scheduleRetry();
    const retry = delay === null ? '' : `; retrying in ${formatDelay(delay)}`;
    const hint = isAppError(err) && err.hint ? err.hint : null;
    if (c.provider === 'transformers') {
      const loadFailed = isAppError(err) && err.code === 'MODEL_INVALID';
      this.unavailable(
        `${loadFailed ? 'the embedding model cannot be used' : `the embedding model ${c.model} could not be downloaded from ${c.hubUrl}`}: ${errorMessage(err)}${retry}`,
        loadFailed
          ? `run \`${this.opts.pullCommand} --force\``
          : // A specific hint (HF_TOKEN, model name, hub_url) goes first; the generic retry advice is ours, with the exact command.
            `${hint && !hint.includes('models pull') ? `${hint}; ` : ''}check the network or point embedder.hub_url (or HF_ENDPOINT) at a reachable mirror, then run \`${this.opts.pullCommand}\`; for keyword search only set embedder.provider = "none"`,
      );
    } else {
      this.unavailable(`the ${c.provider} embedder is not available: ${errorMessage(err)}${retry}`, hint ?? 'check the [embedder] settings');
    }
  }

  /** The worker died after it was ready: serve without vectors and start again. */
  private lost(reason: string): void {
    if (this.closed) return;
    this.ready = null;
    this.phase = 'starting';
    this.opts.logger.warn({ reason }, 'the embedding worker stopped; restarting it');
    this.fail(new Error(`the embedding worker stopped (${reason})`));
  }

  private unavailable(problem: string, fix: string): void {
    this.phase = 'unavailable';
    // Logged once per distinct problem: the re-checks would otherwise repeat it every few seconds.
    if (problem !== this.problem) this.opts.logger.warn({ fix }, problem);
    this.problem = problem;
    this.fix = fix;
    this.settle();
  }

  /** The model may arrive from elsewhere (`models pull` in another process, a copy): look again soon. */
  private recheckLater(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.closed || this.phase !== 'unavailable') return;
      this.phase = 'starting';
      this.start();
    }, this.opts.recheckMs ?? 10_000);
    this.timer.unref();
  }

  private scheduleRetry(): number | null {
    if (this.closed) return null;
    const delays = this.opts.retryDelaysMs ?? DEFAULT_RETRY_MS;
    const delay = delays[Math.min(this.attempt, delays.length - 1)];
    if (delay === undefined) return null;
    this.attempt++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.closed) return;
      this.phase = 'starting';
      this.start();
    }, delay);
    this.timer.unref();
    return delay;
  }

  private isSettled(): boolean {
    return this.phase === 'ready' || this.phase === 'off' || this.phase === 'unavailable' || this.closed;
  }

  private setPhase(phase: EmbedderPhase): void {
    this.phase = phase;
    this.settle();
  }

  private settle(): void {
    this.settledWaiters = this.settledWaiters.filter((w) => !w.check());
  }
}

/**
 * How the worker loads the configured transformers model from the cache (the server, and
 * `models pull` checking that what it downloaded runs). Threads default to all cores but one.
 */
export function transformersWorkerInit(c: EmbedderConfig, id: string, threads = Math.max(1, availableParallelism() - 1)): WorkerInit {
  const options = { modelDir: modelDir(c.modelCacheDir, c.model, c.revision), id, dtype: c.dtype, pooling: c.pooling, queryPrefix: c.queryPrefix, documentPrefix: c.documentPrefix, threads };
  return { kind: 'transformers', options };
}

function formatProgress(p: PullProgress): string {
  const mb = (n: number): string => (n / 1_048_576).toFixed(1);
  return `file ${Math.min(p.filesDone + 1, p.filesTotal)} of ${p.filesTotal}, ${p.file}: ${mb(p.received)}${p.total === null ? '' : ` of ${mb(p.total)}`} MB`;
}

function formatDelay(ms: number): string {
  return ms >= 60_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}
