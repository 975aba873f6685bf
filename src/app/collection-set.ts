import { randomUUID } from 'node:crypto';
import type { CollectionConfig, Config } from '../config/types.js';
import { errorMessage } from '../core/errors.js';
import type { EmbedderRuntime } from '../embed/runtime.js';
import { createIndexWorkers, type IndexWorkers } from '../indexing/index-workers.js';
import type { DocsService } from '../mcp/service.js';
import { createApplication, createEmbedderRuntime, type Application, type ApplicationOptions } from './application.js';
import { createCollectionsService } from './collections-service.js';
import { resolvePendingCollection } from '../config/load.js';

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
  /** With `watch`: how often a collection whose folder was missing is looked for again (default 5 s). */
  pendingCheckMs?: number;
}

/** A folder missing at start is looked for this often by a server (watch mode). */
const PENDING_CHECK_MS = 5000;

/** ServedCollection as the set keeps it: a pending folder gets its application when it appears. */
interface MutableCollection {
  name: string;
  description: string;
  root: string;
  config: Config;
  app: Application | null;
  problem: string | null;
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
  const embedding = createEmbedderRuntime(opts, logger);
  // One pool for every collection: batches of several collections queue on the same threads.
  const workers: IndexWorkers | null = opts.keywordOnMainThread ? null : createIndexWorkers();
  const borrowed: IndexWorkers | undefined =
    workers === null ? undefined : { size: workers.size, prepare: (...a) => workers.prepare(...a), merge: (r) => workers.merge(r), close: async () => undefined };

  const appFor = (config: Config, name: string): Application =>
    createApplication({
      ...opts,
      config,
      logger: chosen.length > 1 ? logger.child({ collection: name }) : logger,
      embedding,
      instanceId,
      ...(borrowed ? { indexWorkers: borrowed } : {}),
    });
  const collections: MutableCollection[] = chosen.map((c) => {
    const config = configForCollection(opts.config, c);
    if (c.problem !== null) logger.error({ collection: c.name }, `collection "${c.name}" is not served: ${c.problem}`);
    return { name: c.name, description: c.description, root: c.docs.root, config, app: c.problem !== null ? null : appFor(config, c.name), problem: c.problem };
  });
  const base = createCollectionsService({ collections, embedding, dedupThreshold: opts.config.search.dedupThreshold });
  // Listeners of document changes, so that a collection served late is announced and followed too.
  const changeListeners = new Map<() => void, (() => void)[]>();
  const service: DocsService = {
    ...base,
    onDocumentsChanged(listener) {
      const unsubscribe = base.onDocumentsChanged?.(listener);
      changeListeners.set(listener, []);
      return () => {
        unsubscribe?.();
        for (const u of changeListeners.get(listener) ?? []) u();
        changeListeners.delete(listener);
      };
    },
  };
  let stopping: Promise<void> | null = null;
  let pendingTimer: NodeJS.Timeout | null = null;

  /** Serves a collection whose folder was missing, once it exists (servers only). */
  const servePending = async (c: MutableCollection): Promise<void> => {
    const current = c.config.collections[0];
    if (current === undefined || current.pending === null || stopping !== null) return;
    const resolved = resolvePendingCollection(current, collections.flatMap((x) => x.config.collections));
    if (resolved === null) return;
    if (resolved.problem !== null) {
      c.problem = resolved.problem;
      c.config = configForCollection(opts.config, resolved);
      logger.error({ collection: c.name }, `collection "${c.name}" is not served: ${resolved.problem}`);
      return;
    }
    const config = configForCollection(opts.config, resolved);
    const app = appFor(config, c.name);
    Object.assign(c, { config, root: resolved.docs.root, app, problem: null });
    logger.info({ collection: c.name, docs: c.root }, `collection "${c.name}": its folder exists now; serving it`);
    for (const [listener, late] of changeListeners) {
      const u = app.service.onDocumentsChanged?.(listener);
      if (u) late.push(u);
    }
    try {
      await app.start();
    } catch (err) {
      app.manager.reportConfigProblem(`collection "${c.name}" failed to start: ${errorMessage(err)}`);
    }
    for (const listener of changeListeners.keys()) listener();
  };

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
      if (opts.watch && stopping === null && collections.some((c) => c.app === null)) {
        let checking = false;
        pendingTimer = setInterval(() => {
          if (checking) return;
          checking = true;
          void Promise.all(collections.filter((c) => c.app === null).map(servePending))
            .catch((err: unknown) => logger.warn({ err: errorMessage(err) }, 'serving a collection whose folder appeared failed'))
            .finally(() => {
              checking = false;
              if (collections.every((c) => c.app !== null || c.config.collections[0]?.pending == null) && pendingTimer) clearInterval(pendingTimer);
            });
        }, opts.pendingCheckMs ?? PENDING_CHECK_MS);
        pendingTimer.unref();
      }
    },
    stop() {
      if (pendingTimer) clearInterval(pendingTimer);
      stopping ??= (async () => {
        await Promise.all(collections.map((c) => c.app?.stop().catch((err: unknown) => logger.warn({ err: errorMessage(err), collection: c.name }, 'error while stopping'))));
        await workers?.close().catch(() => undefined);
        await embedding.close().catch(() => undefined);
      })();
      return stopping;
    },
  };
}
