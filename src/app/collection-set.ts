import { randomUUID } from 'node:crypto';
import type { CollectionConfig, Config } from '../config/types.js';
import { errorMessage } from '../core/errors.js';
import { EmbedderRuntime } from '../embed/runtime.js';
import { createIndexWorkers, type IndexWorkers } from '../indexing/index-workers.js';
import type { DocsService } from '../mcp/service.js';
import { createApplication, pullCommandFor, type Application, type ApplicationOptions } from './application.js';
import { createCollectionsService } from './collections-service.js';

/** A collection of the set: its application, or the problem that keeps its folder from being served. */
export interface ServedCollection {
  readonly name: string;
  readonly description: string;
  /** Absolute path of the folder (its real path when it exists). */
  readonly root: string;
  /** The configuration of this collection alone (`docs`, `index`, one entry in `collections`). */
  readonly config: Config;
  /** Null when the folder cannot be served (`problem` says why). */
  readonly app: Application | null;
  readonly problem: string | null;
}

export interface CollectionSetOptions extends Omit<ApplicationOptions, 'embedding' | 'indexWorkers' | 'instanceId'> {
  /** Serve only this collection of the configuration (by name; the CLI's `--collection`). */
  only?: string;
  instanceId?: string;
}

/**
 * Every collection of a configuration, each an application with its own index dir, lock,
 * watcher and reconcile (so another instance serving the same folder, alone or among other
 * collections, shares that index and coordinates with it), sharing what a process needs once:
 * the embedder (one model in memory) and the index workers. `service` answers for all of them.
 */
export interface CollectionSet {
  readonly collections: readonly ServedCollection[];
  readonly embedding: EmbedderRuntime;
  readonly service: DocsService;
  readonly instanceId: string;
  /** Starts every collection (concurrently); one that fails to start degrades only itself. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The configuration of one collection, as if it were the only folder configured. */
export function configForCollection(config: Config, collection: CollectionConfig): Config {
  return Object.freeze({ ...config, docs: collection.docs, index: collection.index, collections: Object.freeze([collection]) });
}

export function createCollectionSet(opts: CollectionSetOptions): CollectionSet {
  const instanceId = opts.instanceId ?? randomUUID();
  const logger = opts.logger.child({ instance: instanceId.slice(0, 8) });
  const chosen = opts.only === undefined ? opts.config.collections : opts.config.collections.filter((c) => c.name === opts.only);
  const embedding = new EmbedderRuntime({
    config: opts.config.embedder,
    logger,
    env: opts.env ?? process.env,
    pullCommand: pullCommandFor(opts.config),
    ...(opts.embedder !== undefined ? { embedder: opts.embedder } : {}),
    ...(opts.embedderRetryMs ? { retryDelaysMs: opts.embedderRetryMs } : {}),
    ...(opts.embedderNoDownload ? { noDownload: true } : {}),
    ...(opts.testEmbedCostMs ? { testCostMs: opts.testEmbedCostMs } : {}),
  });
  // One pool for every collection: batches of several collections queue on the same threads.
  const workers: IndexWorkers | null = opts.keywordOnMainThread ? null : createIndexWorkers();
  const borrowed: IndexWorkers | undefined =
    workers === null ? undefined : { size: workers.size, prepare: (...a) => workers.prepare(...a), merge: (r) => workers.merge(r), close: async () => undefined };

  const collections: ServedCollection[] = chosen.map((c) => {
    const config = configForCollection(opts.config, c);
    const app =
      c.problem !== null
        ? null
        : createApplication({
            ...opts,
            config,
            logger: chosen.length > 1 ? logger.child({ collection: c.name }) : logger,
            embedding,
            instanceId,
            ...(borrowed ? { indexWorkers: borrowed } : {}),
          });
    if (c.problem !== null) logger.error({ collection: c.name }, `collection "${c.name}" is not served: ${c.problem}`);
    return { name: c.name, description: c.description, root: c.docs.root, config, app, problem: c.problem };
  });
  const service = createCollectionsService({ collections, embedding, dedupThreshold: opts.config.search.dedupThreshold });
  let stopping: Promise<void> | null = null;

  return {
    collections,
    embedding,
    service,
    instanceId,
    async start() {
      embedding.start();
      const started = await Promise.allSettled(collections.map((c) => c.app?.start()));
      started.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        const c = collections[i] as ServedCollection;
        c.app?.manager.reportConfigProblem(`collection "${c.name}" failed to start: ${errorMessage(result.reason)}`);
        logger.error({ collection: c.name, err: errorMessage(result.reason) }, `collection "${c.name}" failed to start`);
      });
      // A single collection keeps the old contract: its failure is the command's failure.
      const failure = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure !== undefined && collections.length === 1) throw failure.reason;
    },
    stop() {
      stopping ??= (async () => {
        await Promise.all(collections.map((c) => c.app?.stop().catch((err: unknown) => logger.warn({ err: errorMessage(err), collection: c.name }, 'error while stopping'))));
        await workers?.close().catch(() => undefined);
        await embedding.close().catch(() => undefined);
      })();
      return stopping;
    },
  };
}
