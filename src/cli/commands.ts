import type { Application } from '../app/application.js';
import { createCollectionSet } from '../app/collection-set.js';
import type { Logger } from '../app/logger.js';
import type { Config } from '../config/types.js';
import type { IndexStatus, SearchResult } from '../core/types.js';
import { AppError, errorMessage, isAppError } from '../core/errors.js';
import { describeStatus, SEMANTIC_OFF, semanticSearchOn } from '../mcp/status-text.js';
import { persistFix } from '../indexing/persist-health.js';
import { startProgressBar, type ProgressBar } from './progress.js';

/** Long enough for a large first build; the command exits non-zero if indexing never settles. */
const INDEX_DEADLINE_MS = 6 * 60 * 60 * 1000;
/**
 * One-shot commands exit when their work is done: an embedder that failed is not tried again
 * later in this process, so no "retrying in 15 s" is announced for a retry that never comes.
 */
const NO_BACKGROUND_RETRY: readonly number[] = [];
/**
 * Failed write cycles before a one-shot command gives up (back-off 200 ms doubling: about 3 s in
 * all). A full or read-only disk does not heal in that time; a server keeps retrying instead.
 */
const ONE_SHOT_ATTEMPTS = 5;

/** The `index` command that fixes one collection (the CLI builds it from the flags that chose it). */
export type IndexCommandOf = (collection: string) => string;

const defaultIndexCommand: IndexCommandOf = () => 'mcp-markdown-ragdocs index';

/**
 * `index`: bring the persisted index of every collection (or of `only`) up to date with its
 * folder, then exit. Collections are indexed one after the other (one progress bar at a time),
 * sharing one embedder; one that fails does not stop the others, and makes the command exit 1.
 */
export async function runIndex(config: Config, logger: Logger, rebuild: boolean, logged: ReadonlySet<string> = new Set(), indexCommandOf: IndexCommandOf = defaultIndexCommand, only?: string): Promise<void> {
  const set = createCollectionSet({ config, logger, watch: false, rebuild, embedderRetryMs: NO_BACKGROUND_RETRY, giveUpAfterFailures: ONE_SHOT_ATTEMPTS, ...(only !== undefined ? { only } : {}) });
  const several = set.collections.length > 1;
  const failures: string[] = [];
  try {
    set.embedding.start();
    for (const c of set.collections) {
      const label = several ? `collection "${c.name}": ` : '';
      if (c.app === null) {
        failures.push(`${label}not indexed: ${c.problem ?? 'not served'}`);
        process.stderr.write(`${label}not indexed: ${c.problem ?? 'not served'}\n`);
        continue;
      }
      try {
        await indexCollection(c.app, c.config, label, logged, indexCommandOf(c.name));
      } catch (err) {
        if (!several) throw err;
        const message = errorMessage(err);
        failures.push(`${label}${message}`);
        process.stderr.write(`${label}${message}\n${isAppError(err) && err.hint ? `hint: ${err.hint}\n` : ''}`);
      }
    }
    if (failures.length > 0) {
      throw new AppError('INTERNAL', `${failures.length} of ${set.collections.length} collections were not fully indexed (see above)`, { hint: 'fix what is said above for each, then run the command again' });
    }
  } finally {
    await set.stop();
  }
}

async function indexCollection(app: Application, config: Config, label: string, logged: ReadonlySet<string>, indexCommand: string): Promise<void> {
  const tty = process.stderr.isTTY === true;
  // Loads the persisted index and scans the whole folder: the bar's total is known before it starts.
  await app.start();
  // Indexing into memory only would end in "indexed N documents" with nothing saved.
  throwIfNotSaved(app, config, indexCommand);
  await settle(app, tty ? filesBar(app, label) : null);
  throwIfNotSaved(app, config, indexCommand);
  // The model (found, downloaded or failing) decides whether vectors can be computed now.
  await withStatusLine(app, tty, () => app.embedding.whenSettled(INDEX_DEADLINE_MS));
  await settle(app, tty ? chunksBar(app, label) : null);
  throwIfNotSaved(app, config, indexCommand);
  const s = app.manager.status();
  const vectors = s.embedder_state === 'off' ? '' : `, ${s.chunks_embedded} embedded`;
  process.stderr.write(
    `${label}indexed ${s.documents} documents, ${s.chunks} chunks${vectors} (generation ${s.generation}; ${s.files_parsed} parsed, ${s.files_unchanged} unchanged)\n`,
  );
  reportUnsaid(s, logged);
  // An unavailable embedder is a warning (the keyword index is complete); an indexing error is not.
  const error = app.manager.indexingError();
  if (error) throw new AppError('INTERNAL', error);
}

/** `query`: refresh the persisted index of each collection, run one hybrid query over them, print the results. */
export async function runQuery(config: Config, logger: Logger, text: string, top: number, json: boolean, logged: ReadonlySet<string> = new Set(), indexCommandOf: IndexCommandOf = defaultIndexCommand, only?: string): Promise<void> {
  const set = createCollectionSet({ config, logger, watch: false, embedderRetryMs: NO_BACKGROUND_RETRY, embedderNoDownload: true, giveUpAfterFailures: ONE_SHOT_ATTEMPTS, ...(only !== undefined ? { only } : {}) });
  const apps = set.collections.flatMap((c) => (c.app === null ? [] : [{ c, app: c.app }]));
  try {
    await set.start();
    for (const { app } of apps) await settle(app, null);
    // Wait for a model that is in the cache to load; a missing one is not downloaded.
    await set.embedding.whenSettled(120_000, { orDownloading: true });
    for (const { app } of apps) await settle(app, null);
    const { results, skipped } = await set.service.query({ query: text, topN: top });
    const several = set.collections.length > 1;
    process.stdout.write(json ? JSON.stringify({ results, ...(skipped ? { skipped } : {}) }, null, 2) + '\n' : formatResults(results, several));
    for (const s of skipped ?? []) process.stderr.write(`warning: collection "${s.collection}" was not searched: ${s.reason}\n`);
    if (!json) for (const { app } of apps) reportUnsaid(app.manager.status(), logged);
    // The answer came from memory and is complete; the refresh of the index on disk is not.
    for (const { c, app } of apps) throwIfNotSaved(app, c.config, indexCommandOf(c.name));
  } finally {
    await set.stop();
  }
}

/**
 * `status`: what the persisted index of each collection holds, without indexing anything, judged
 * by the same rules as `index_status` (a model missing from the cache makes it `degraded`, with
 * the fix). A folder that was never indexed says so and exits 1 with the command that indexes it.
 */
export async function runStatus(config: Config, logger: Logger, json: boolean, indexCommandOf: IndexCommandOf = defaultIndexCommand, only?: string): Promise<void> {
  const set = createCollectionSet({ config, logger, watch: false, ...(only !== undefined ? { only } : {}) });
  try {
    const never: string[] = [];
    for (const c of set.collections) {
      if (c.app === null) continue;
      await c.app.manager.openForStatus(indexCommandOf(c.name));
      if (!c.app.manager.hasPersistedIndex()) {
        never.push(`${c.root} has not been indexed yet (no index in ${c.config.index.dir}): run \`${indexCommandOf(c.name)}\``);
      }
    }
    await set.embedding.inspect();
    const s = set.service.status();
    const unserved = set.collections.some((c) => c.app === null);
    if (json) {
      const out = never.length === 0 ? s : { ...s, state: 'degraded', last_error: never[0] ?? null, warnings: [...never, ...s.warnings] };
      process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    } else {
      // This process's instance id means nothing to the reader of `status`; --json keeps it.
      process.stdout.write(`${never.map((p) => `${p}\n`).join('')}${describeStatus({ ...s, instance_id: '' })}\n`);
    }
    if (never.length > 0 || unserved) process.exitCode = 1;
  } finally {
    await set.stop();
  }
}

/**
 * Throws (exit 1) when the index cannot be saved: what failed, how many files the index on disk
 * lacks (it keeps its last complete generation) and what fixes it.
 */
function throwIfNotSaved(app: Application, config: Config, indexCommand: string): void {
  const dir = config.index.dir;
  const memoryOnly = app.manager.memoryOnlyReason();
  const failure = app.manager.persistProblem();
  if (memoryOnly === null && (failure === null || !failure.gaveUp)) return;
  const s = app.manager.status();
  const files = failure?.files ?? s.documents + s.pending_files;
  const kept = memoryOnly !== null ? 'the index on disk is left as it was' : s.generation > 0 ? `the index on disk stays at generation ${s.generation}` : 'nothing was saved';
  const what = failure !== null ? `${failure.message} (${failure.attempts} attempts)` : memoryOnly;
  throw new AppError('INDEX_UNWRITABLE', `the index cannot be saved: ${what}; ${files} files were not indexed, ${kept}`, {
    hint: persistFix(failure?.errno ?? errnoIn(memoryOnly ?? ''), dir, `then run \`${indexCommand}\``),
  });
}

function errnoIn(text: string): string | null {
  return /\b(ENOSPC|EDQUOT|EROFS|EACCES|EPERM)\b/.exec(text)?.[1] ?? null;
}

/** Waits until nothing is pending; `bar` (TTY only) shows it and ends at 100 %. */
async function settle(app: Application, bar: ProgressBar | null): Promise<void> {
  let idle = false;
  try {
    idle = await app.manager.waitForIdle(INDEX_DEADLINE_MS);
  } finally {
    if (idle) bar?.finish();
    else bar?.stop();
  }
  if (!idle) throw new AppError('INTERNAL', 'indexing did not finish in time', { hint: 'run `status` to see what is pending' });
}

/** Files to check, counted after the scan; null when there is nothing to do. */
function filesBar(app: Application, label = ''): ProgressBar | null {
  const total = app.manager.queuedFiles();
  if (total === 0) return null;
  const base = app.manager.counters.filesChecked;
  return startProgressBar({ label: `${label}indexing`, unit: 'files', total, read: () => app.manager.counters.filesChecked - base, write: writeStderr });
}

/** Chunks still without a vector once the embedder is ready; null when none are due. */
function chunksBar(app: Application, label = ''): ProgressBar | null {
  const s = app.manager.status();
  if (s.embedder_state !== 'ready' || s.chunks_embedded >= s.chunks) return null;
  const base = s.chunks_embedded;
  return startProgressBar({ label: `${label}embedding`, unit: 'chunks', total: s.chunks - base, read: () => app.manager.status().chunks_embedded - base, write: writeStderr });
}

/** While the model is found, downloaded or loaded: one line that says which, redrawn in place. */
async function withStatusLine<T>(app: Application, tty: boolean, work: () => Promise<T>): Promise<T> {
  const draw = (): void => writeStderr(`\r\x1b[2Kembedder: ${app.manager.status().embedder}`);
  const timer = tty ? setInterval(draw, 200) : null;
  try {
    return await work();
  } finally {
    if (timer) {
      clearInterval(timer);
      writeStderr('\r\x1b[2K');
    }
  }
}

function writeStderr(text: string): void {
  process.stderr.write(text);
}

/**
 * Warnings the log has not already put in front of the user, once each, and a plain sentence
 * when queries run without vectors.
 */
function reportUnsaid(s: IndexStatus, logged: ReadonlySet<string>): void {
  const said = [...logged];
  const unsaid = (text: string): boolean => !said.some((m) => text.includes(m));
  if (!semanticSearchOn(s) && s.embedder_state !== 'off' && s.chunks > 0) {
    const fix = s.embedder_fix && s.embedder_problem && unsaid(s.embedder_problem) ? ` (${s.embedder_problem}; fix: ${s.embedder_fix})` : '';
    process.stderr.write(`${SEMANTIC_OFF}${fix}\n`);
    if (s.embedder_problem) said.push(s.embedder_problem);
  }
  for (const w of s.warnings) {
    if (!unsaid(w)) continue;
    process.stderr.write(`warning: ${w}\n`);
    said.push(w);
  }
}

function formatResults(results: SearchResult[], several = false): string {
  if (results.length === 0) return 'No results.\n';
  return (
    results
      .map((r, i) => {
        const where = r.heading_path.length > 0 ? ` › ${r.heading_path.join(' › ')}` : '';
        const snippet = r.content.replace(/\s+/g, ' ').slice(0, 200);
        return `${i + 1}. ${several ? `[${r.collection}] ` : ''}${r.path}${where} (lines ${r.start_line}-${r.end_line}, score ${r.score.toFixed(4)}, ${r.matched_by.join('+')})\n   ${snippet}`;
      })
      .join('\n') + '\n'
  );
}
