import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createApplication } from '../app/application.js';
import type { Logger } from '../app/logger.js';
import type { Config } from '../config/types.js';
import { createMcpServer } from '../mcp/server.js';

/** Upper bound on an orderly shutdown before the process exits anyway. */
const SHUTDOWN_DEADLINE_MS = 1500;

/**
 * The stdio server: connect first (so `initialize` is answered at once), then load and index
 * in the background. Shuts down in order when stdin ends (the client went away) or on
 * SIGTERM/SIGINT, releasing the index lock, and exits within the deadline regardless.
 */
export async function runServe(config: Config, logger: Logger, version: string, configProblem?: string): Promise<void> {
  const app = createApplication({ config, logger, watch: true, configProblem });
  const server = createMcpServer(app.service, {
    name: 'mcp-markdown-ragdocs',
    version,
    logger: { error: (obj, msg) => logger.error(obj, msg) },
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
      await app.stop().catch((err: unknown) => logger.warn({ err }, 'error during shutdown'));
      process.exit(0);
    })();
  };
  process.stdin.on('end', () => shutdown('stdin ended'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));

  await server.connect(transport);
  logger.info({ docs: config.docs.root, index: config.index.dir }, 'server ready on stdio');
  app.start().catch((err: unknown) => {
    logger.error({ err }, 'startup indexing failed');
  });
}
