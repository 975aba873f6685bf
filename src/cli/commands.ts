import { createApplication, type Application } from '../app/application.js';
import type { Logger } from '../app/logger.js';
import type { Config } from '../config/types.js';
import type { IndexStatus, SearchResult } from '../core/types.js';
import { AppError } from '../core/errors.js';
import { renderProgress } from './progress.js';

/** Long enough for a large first build; the command exits non-zero if indexing never settles. */
const INDEX_DEADLINE_MS = 6 * 60 * 60 * 1000;

/** `index`: bring the persisted index up to date with the folder, then exit. */
export async function runIndex(config: Config, logger: Logger, rebuild: boolean): Promise<void> {
  const app = createApplication({ config, logger, watch: false, rebuild });
  try {
    await app.start();
    const tty = process.stderr.isTTY === true;
    await settle(app, tty);
    // The model (found, downloaded or failing) decides whether vectors can be computed now.
    await withProgress(app, tty, () => app.embedding.whenSettled(INDEX_DEADLINE_MS));
    await settle(app, tty);
    const s = app.manager.status();
    const vectors = s.embedder_state === 'off' ? '' : `, ${s.chunks_embedded} embedded`;
    process.stderr.write(
      `indexed ${s.documents} documents, ${s.chunks} chunks${vectors} (generation ${s.generation}; ${s.files_parsed} parsed, ${s.files_unchanged} unchanged)\n`,
    );
    for (const w of s.warnings) process.stderr.write(`warning: ${w}\n`);
    // An unavailable embedder is a warning (the keyword index is complete); an indexing error is not.
    const error = app.manager.indexingError();
    if (error) throw new AppError('INTERNAL', error);
  } finally {
    await app.stop();
  }
}

/** `query`: refresh the persisted index, run one hybrid query, print the results. */
export async function runQuery(config: Config, logger: Logger, text: string, top: number, json: boolean): Promise<void> {
  const app = createApplication({ config, logger, watch: false });
  try {
    await app.start();
    await settle(app, false);
    // Wait for a model that is in the cache to load, but never for a download.
    await app.embedding.whenSettled(120_000, { orDownloading: true });
    await settle(app, false);
    const { results } = await app.service.query({ query: text, topN: top });
    process.stdout.write(json ? JSON.stringify({ results }, null, 2) + '\n' : formatResults(results));
  } finally {
    await app.stop();
  }
}

/** `status`: what the persisted index holds, without indexing anything. */
export async function runStatus(config: Config, logger: Logger, json: boolean): Promise<void> {
  const app = createApplication({ config, logger, watch: false });
  try {
    await app.manager.openForStatus();
    const s = app.manager.status();
    process.stdout.write(json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
  } finally {
    await app.stop();
  }
}

async function settle(app: Application, tty: boolean): Promise<void> {
  const idle = await withProgress(app, tty, () => app.manager.waitForIdle(INDEX_DEADLINE_MS));
  if (!idle) throw new AppError('INTERNAL', 'indexing did not finish in time', { hint: 'run `status` to see what is pending' });
}

async function withProgress<T>(app: Application, tty: boolean, work: () => Promise<T>): Promise<T> {
  const timer = tty ? setInterval(() => process.stderr.write(renderProgress(app.manager.status())), 200) : null;
  try {
    return await work();
  } finally {
    if (timer) {
      clearInterval(timer);
      process.stderr.write('\r\x1b[2K');
    }
  }
}

function formatResults(results: SearchResult[]): string {
  if (results.length === 0) return 'No results.\n';
  return (
    results
      .map((r, i) => {
        const where = r.heading_path.length > 0 ? ` › ${r.heading_path.join(' › ')}` : '';
        const snippet = r.content.replace(/\s+/g, ' ').slice(0, 200);
        return `${i + 1}. ${r.path}${where} (lines ${r.start_line}-${r.end_line}, score ${r.score.toFixed(4)}, ${r.matched_by.join('+')})\n   ${snippet}`;
      })
      .join('\n') + '\n'
  );
}

function formatStatus(s: IndexStatus): string {
  const lines = [
    `state:       ${s.state}`,
    `documents:   ${s.documents}`,
    `chunks:      ${s.chunks}`,
    `generation:  ${s.generation}`,
    `embedder:    ${s.embedder}`,
    `index dir:   ${s.index_dir}`,
    `lock holder: ${s.lock_holder ? `pid ${s.lock_holder.pid} since ${s.lock_holder.since}` : 'none'}`,
  ];
  if (s.last_error) lines.push(`last error:  ${s.last_error}`);
  for (const w of s.warnings) lines.push(`warning:     ${w}`);
  return lines.join('\n') + '\n';
}
