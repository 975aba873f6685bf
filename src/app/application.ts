import { randomUUID } from 'node:crypto';
import type { Config } from '../config/types.js';
import { errorMessage } from '../core/errors.js';
import { createEmbedder, type Embedder } from '../embed/embedder.js';
import { IndexManager } from '../indexing/index-manager.js';
import { watchDocuments, type DocWatcher } from '../indexing/watcher.js';
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
  /** Injected in tests; defaults to the configured provider. */
  embedder?: Embedder | null;
  instanceId?: string;
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
  readonly service: DocsService;
  readonly instanceId: string;
  /** Load the persisted index, start watching, reconcile. Resolves when the initial work is queued. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createApplication(opts: ApplicationOptions): Application {
  const instanceId = opts.instanceId ?? randomUUID();
  const logger = opts.logger.child({ instance: instanceId.slice(0, 8) });
  const embedder = opts.embedder !== undefined ? opts.embedder : createEmbedder(opts.config.embedder);
  const manager = new IndexManager({ config: opts.config, embedder, logger, instanceId, rebuild: opts.rebuild ?? false });
  if (opts.configProblem) manager.reportConfigProblem(opts.configProblem);
  const service = createDocsService({ config: opts.config, manager, embedder });
  let watcher: DocWatcher | null = null;
  let stopping: Promise<void> | null = null;

  return {
    manager,
    service,
    instanceId,
    async start() {
      await manager.open();
      if (opts.watch) {
        watcher = watchDocuments({
          rootReal: opts.config.docs.root,
          filter: manager.pathFilter,
          debounceMs: opts.config.index.debounceMs,
          onPathsChanged: (paths) => manager.enqueue(paths),
          onError: (err) => logger.warn({ err: errorMessage(err) }, 'file watcher error'),
        });
        // Reconcile after the watcher is live so that no change between the scan and the
        // first event is missed; a file seen by both is simply checked twice by hash.
        await watcher.ready;
      }
      await manager.reconcile();
    },
    stop() {
      stopping ??= (async () => {
        await watcher?.close().catch(() => undefined);
        await manager.close();
        await embedder?.close().catch(() => undefined);
      })();
      return stopping;
    },
  };
}
