import { randomUUID } from 'node:crypto';
import type { Config } from '../config/types.js';
import { errorMessage } from '../core/errors.js';
import type { Embedder } from '../embed/embedder.js';
import { EmbedderRuntime } from '../embed/runtime.js';
import { IndexManager } from '../indexing/index-manager.js';
import type { IndexWorkers } from '../indexing/index-workers.js';
import { watchDocuments, type DocWatcher, type PollingFallback } from '../indexing/watcher.js';
import { createDocsService } from './docs-service.js';
import type { DocsService } from '../mcp/service.js';
import type { Logger } from './logger.js';

export interface ApplicationOptions {
  config: Config;
  logger: Logger;
  /** Watch the folder for changes (serve) or not (one-shot CLI commands). */
  watch: boolean;
  /** Discard the persisted index and rebuild from the files. */
  rebuild?: boolean;
  /** Injected in tests: a ready in-process embedder (or null for none) instead of the configured provider. */
  embedder?: Embedder | null;
  /**
   * An embedder runtime shared with other applications (the collections of one server share one
   * model). Its owner starts and closes it; without it the application makes and owns its own.
   */
  embedding?: EmbedderRuntime;
  /** Read for API keys and HF_TOKEN; defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Delays between background attempts to get the embedder ready (tests shorten them). */
  embedderRetryMs?: readonly number[];
  /** One-shot commands that exit after answering: never start a model download. */
  embedderNoDownload?: boolean;
  /** Provider `test` only: simulated model cost per text in the worker (benchmarks). */
  testEmbedCostMs?: number;
  /** Read, parse and build segments on the main thread instead of index workers (benchmarks). */
  keywordOnMainThread?: boolean;
  /** Injected index workers (tests). */
  indexWorkers?: IndexWorkers;
  instanceId?: string;
  /** One-shot commands: stop retrying after this many failed write cycles (see IndexManagerOptions). */
  giveUpAfterFailures?: number;
  /** A configuration problem the app was started despite; reported by index_status. */
  configProblem?: string;
}

/**
 * The composition root's product: the index manager, the watcher and the service the MCP tools
 * call, with an ordered start and an idempotent, ordered stop. There is deliberately no
 * singleton guard: several applications on one folder coordinate through the index directory.
 */
export interface Application {
  readonly manager: IndexManager;
  readonly embedding: EmbedderRuntime;
  readonly service: DocsService;
  readonly instanceId: string;
  /** Load the persisted index, start watching, reconcile. Resolves when the initial work is queued. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createApplication(opts: ApplicationOptions): Application {
  const instanceId = opts.instanceId ?? randomUUID();
  const logger = opts.logger.child({ instance: instanceId.slice(0, 8) });
  const ownsEmbedding = opts.embedding === undefined;
  const embedding = opts.embedding ?? createEmbedderRuntime(opts, logger);
  const manager = new IndexManager({
    config: opts.config,
    embedding,
    logger,
    instanceId,
    rebuild: opts.rebuild ?? false,
    keywordOnMainThread: opts.keywordOnMainThread ?? false,
    ...(opts.indexWorkers ? { indexWorkers: opts.indexWorkers } : {}),
    ...(opts.giveUpAfterFailures !== undefined ? { giveUpAfterFailures: opts.giveUpAfterFailures } : {}),
  });
  if (opts.configProblem) manager.reportConfigProblem(opts.configProblem);
  const service = createDocsService({ config: opts.config, manager, embedding });
  let watcher: DocWatcher | null = null;
  let stopping: Promise<void> | null = null;

  return {
    manager,
    embedding,
    service,
    instanceId,
    async start() {
      await manager.open();
      // In the background: finding, downloading or loading the model never delays serving.
      if (ownsEmbedding) embedding.start();
      if (!opts.watch) {
        await manager.reconcile();
        return;
      }
      // The first scan runs before the watcher starts: chokidar's walk (1.6 s of main-thread
      // work for 20k files) would otherwise delay it, and with it `ready`. A second, cheap scan
      // once the watcher is live catches whatever changed in between (a file seen twice is just
      // checked twice by hash), so nothing is missed.
      await manager.reconcile();
      if (stopping !== null) return; // stopped meanwhile: no watcher to leak
      watcher = watchDocuments({
        rootReal: opts.config.docs.root,
        filter: manager.pathFilter,
        debounceMs: opts.config.index.debounceMs,
        onPathsChanged: (paths) => manager.enqueue(paths),
        onError: (err) => logger.warn({ err: errorMessage(err) }, 'file watcher error'),
        onPollingFallback: (info) => {
          logger.warn({ err: info.message, code: info.code, poll_interval_ms: info.pollIntervalMs }, pollingFallbackWarning(info, opts.config.docs.root));
          // Changes made while the native watcher was failing were missed: look once more.
          void info.ready.then(() => (stopping === null ? manager.reconcile({ recheck: true }) : undefined)).catch((err: unknown) => {
            logger.warn({ err: errorMessage(err) }, 'rescan after switching to polling failed');
          });
        },
      });
      await watcher.ready;
      await manager.reconcile({ recheck: true });
    },
    stop() {
      stopping ??= (async () => {
        await watcher?.close().catch(() => undefined);
        await manager.close();
        if (ownsEmbedding) await embedding.close().catch(() => undefined);
      })();
      return stopping;
    },
  };
}

/** The embedder runtime the options ask for (the configured provider, or the injected embedder). */
export function createEmbedderRuntime(
  opts: Pick<ApplicationOptions, 'config' | 'env' | 'embedder' | 'embedderRetryMs' | 'embedderNoDownload' | 'testEmbedCostMs'>,
  logger: Logger,
): EmbedderRuntime {
  return new EmbedderRuntime({
    config: opts.config.embedder,
    logger,
    env: opts.env ?? process.env,
    pullCommand: pullCommandFor(opts.config),
    ...(opts.embedder !== undefined ? { embedder: opts.embedder } : {}),
    ...(opts.embedderRetryMs ? { retryDelaysMs: opts.embedderRetryMs } : {}),
    ...(opts.embedderNoDownload ? { noDownload: true } : {}),
    ...(opts.testEmbedCostMs ? { testCostMs: opts.testEmbedCostMs } : {}),
  });
}

/** The one warning a server logs when its watcher runs out of native watch handles. */
export function pollingFallbackWarning(info: Pick<PollingFallback, 'code' | 'pollIntervalMs'>, root: string): string {
  const seconds = `${info.pollIntervalMs / 1000} s`;
  const why =
    info.code === 'ENOSPC'
      ? `the inotify watch limit (fs.inotify.max_user_watches) is reached`
      : `no more inotify instances or file descriptors are available (EMFILE: fs.inotify.max_user_instances or ulimit -n)`;
  const fix =
    info.code === 'ENOSPC'
      ? 'raise it with `sudo sysctl fs.inotify.max_user_watches=524288` (persist it in /etc/sysctl.d/) and restart the server'
      : 'raise `sudo sysctl fs.inotify.max_user_instances=1024` or `ulimit -n` and restart the server';
  return `file watcher: ${why}; watching ${root} by polling every ${seconds} instead (changes show up later and cost more CPU); ${fix}`;
}

/** The `models pull` command for this configuration, as status messages quote it. */
export function pullCommandFor(config: Config): string {
  const quote = (p: string): string => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);
  return `mcp-markdown-ragdocs models pull ${config.configFile !== null ? `--config ${quote(config.configFile)}` : `--docs ${quote(config.docs.root)}`}`;
}
