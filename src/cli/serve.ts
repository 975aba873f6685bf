import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CollectionSet } from '../app/collection-set.js';
import type { Logger } from '../app/logger.js';
import type { Config } from '../config/types.js';
import type { IndexStatus } from '../core/types.js';
import { createMcpServer } from '../mcp/server.js';
import type { CollectionInfo, DocsService } from '../mcp/service.js';
import { persistedDocumentCount } from '../storage/manifest.js';

/** Upper bound on an orderly shutdown before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 1500;

/**
 * The stdio server: connect first (so `initialize` is answered at once), then load the
 * application's modules (indices, parser, watcher: a few hundred ms of imports) and index in the
 * background. Shuts down in order when stdin ends (the client went away) or on SIGTERM/SIGINT,
 * releasing the index lock, and exits within the deadline regardless.
 */
export async function runServe(config: Config, logger: Logger, version: string, configProblem?: string): Promise<void> {
  let app: CollectionSet | null = null;
  // The heavy modules load once the handshake is done (or after a second at the latest), so the
  // `initialize` answer does not wait for them.
  let startLoading: () => void = () => undefined;
  const handshakeDone = new Promise<void>((resolve) => (startLoading = resolve));
  const appReady = handshakeDone
    .then(() => import('../app/collection-set.js'))
    .then(({ createCollectionSet }) => {
      app = createCollectionSet({ config, logger, watch: true, ...(configProblem !== undefined ? { configProblem } : {}) });
      return app;
    });
  const server = createMcpServer(deferredService(appReady, () => app, config), {
    name: 'mcp-markdown-ragdocs',
    version,
    logger: { error: (obj, msg) => logger.error(obj, msg) },
    docsRoot: config.docs.root,
    // The index loads after the handshake: sizes are what each index on disk last recorded.
    collections: collectionsAtStart(config),
  });
  const transport = new StdioServerTransport();
  let shuttingDown = false;
  const shutdown = (reason: string): void => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ reason }, 'shutting down');
    const hardExit = setTimeout(() => {
      logger.warn('shutdown deadline passed; exiting');
      process.exit(0);
    }, SHUTDOWN_DEADLINE_MS);
    hardExit.unref();
    void (async () => {
      await server.close().catch(() => undefined);
      const running = app ?? (await appReady.catch(() => null));
      await running?.stop().catch((err: unknown) => logger.warn({ err }, 'error during shutdown'));
      process.exit(0);
    })();
  };
  process.stdin.on('end', () => shutdown('stdin ended'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));

  server.server.oninitialized = () => startLoading();
  setTimeout(() => startLoading(), 1000).unref();
  await server.connect(transport);
  logger.info(
    config.collections.length === 1 ? { docs: config.docs.root, index: config.index.dir } : { collections: config.collections.map((c) => ({ name: c.name, docs: c.docs.root, index: c.index.dir })) },
    'server ready on stdio',
  );
  appReady
    .then((started) => started.start())
    .catch((err: unknown) => logger.error({ err }, 'startup indexing failed'));
}

/** Each collection with the document count its index on disk records (null: none yet, or unreadable). */
function collectionsAtStart(config: Config): (CollectionInfo & { documents: number | null })[] {
  return config.collections.map((c) => ({ name: c.name, description: c.description, root: c.docs.root, documents: c.problem === null ? persistedDocumentCount(c.index.dir) : null }));
}

/** The tools' service before the application has loaded: calls wait for it; status says `loading`. */
function deferredService(ready: Promise<CollectionSet>, current: () => CollectionSet | null, config: Config): DocsService {
  return {
    collections: () => config.collections.map((c) => ({ name: c.name, description: c.description, root: c.docs.root })),
    query: async (params) => (await ready).service.query(params),
    queryCompressed: async (params) => (await ready).service.queryCompressed(params),
    getDocument: async (params) => (await ready).service.getDocument(params),
    listDocuments: async (params) => (await ready).service.listDocuments(params),
    status: () => current()?.service.status() ?? loadingStatus(config),
    onDocumentsChanged: (listener) => {
      let unsubscribe: (() => void) | undefined;
      let closed = false;
      void ready.then((a) => {
        if (!closed) unsubscribe = a.service.onDocumentsChanged?.(listener);
      }, () => undefined);
      return () => {
        closed = true;
        unsubscribe?.();
      };
    },
  };
}

function loadingStatus(config: Config): IndexStatus {
  const status = loadingStatusOf(config);
  return {
    ...status,
    collections: config.collections.map((c) => ({
      name: c.name,
      description: c.description,
      root: c.docs.root,
      state: 'loading',
      documents: 0,
      chunks: 0,
      generation: 0,
      pending_files: 0,
      chunks_embedded: 0,
      embeddings_computed: 0,
      embeddings_reused: 0,
      files_parsed: 0,
      files_unchanged: 0,
      index_dir: c.index.dir,
      lock_holder: null,
      lock_wait_ms: 0,
      last_error: null,
      index_problem: null,
      index_fix: null,
      warnings: [],
    })),
  };
}

function loadingStatusOf(config: Config): IndexStatus {
  return {
    state: 'loading',
    documents: 0,
    chunks: 0,
    generation: 0,
    pending_files: 0,
    embedder: config.embedder.provider,
    index_dir: config.index.dir,
    instance_id: '',
    embeddings_computed: 0,
    embeddings_reused: 0,
    last_error: null,
    files_parsed: 0,
    files_unchanged: 0,
    lock_holder: null,
    lock_wait_ms: 0,
    embedder_state: config.embedder.provider === 'none' ? 'off' : 'starting',
    embedder_fix: null,
    embedder_problem: null,
    chunks_embedded: 0,
    index_problem: null,
    index_fix: null,
    warnings: [],
  };
}
