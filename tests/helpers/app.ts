import { homedir } from 'node:os';
import pino from 'pino';
import { createApplication, type Application } from '../../src/app/application.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/types.js';
import type { Embedder } from '../../src/embed/embedder.js';

/** Config for a test: real loadConfig with flags only (no env, no user files). */
export function testConfig(docs: string, indexDir: string, extra: { config?: string; env?: Record<string, string> } = {}): Config {
  // The default provider (transformers) would download a model: tests choose theirs explicitly.
  return loadConfig({ cwd: docs, env: { RAGDOCS_EMBEDDER: 'none', ...extra.env }, homeDir: homedir(), flags: { docs, indexDir, config: extra.config } });
}

/** A started application (no watcher unless asked) that is idle; call `stop()` when done. */
export async function startApp(config: Config, opts: { watch?: boolean; embedder?: Embedder | null; rebuild?: boolean } = {}): Promise<Application> {
  const app = createApplication({
    config,
    logger: pino({ level: 'silent' }),
    watch: opts.watch ?? false,
    embedder: opts.embedder,
    rebuild: opts.rebuild ?? false,
  });
  await app.start();
  const idle = await app.manager.waitForIdle(30_000);
  if (!idle) throw new Error('application did not become idle within 30 s');
  return app;
}
