import { statSync } from 'node:fs';
import type { CollectionStatus, IndexState, IndexStatus } from '../core/types.js';
import type { EmbedderStatus } from '../embed/runtime.js';
import type { ServedCollection } from './collection-set.js';

/** Worst first: the state a set of collections reports is that of its worst member. */
const STATE_ORDER: readonly IndexState[] = ['degraded', 'loading', 'indexing', 'ready'];

/**
 * `index_status` over every collection served: `collections` has each one's own counts and
 * health; the top-level fields keep their meaning for a client that knows nothing of collections
 * (with one collection they are exactly its status): counts are sums, the state is the worst, and
 * each problem is named with its collection. `generation`, `index_dir` and `lock_holder` are the
 * first collection's (a lock holder that is not progressing, of any collection, comes first).
 */
export function combineStatus(collections: readonly ServedCollection[], embedder: EmbedderStatus): IndexStatus {
  const parts = collections.map((c) => ({ c, s: c.app === null ? unservedStatus(c, embedder) : withFolderCheck(c, c.app.service.status()) }));
  const entries = parts.map(({ c, s }) => toCollectionStatus(c, s));
  if (parts.length === 1) {
    const only = parts[0] as (typeof parts)[number];
    return { ...only.s, collections: entries };
  }
  const first = (parts.find((p) => p.c.app !== null) ?? parts[0]) as (typeof parts)[number];
  const sum = (pick: (s: IndexStatus) => number): number => parts.reduce((n, p) => n + pick(p.s), 0);
  const named = (c: ServedCollection, text: string | null): string | null => (text === null ? null : `collection "${c.name}": ${text}`);
  const firstNamed = (pick: (s: IndexStatus) => string | null): string | null => {
    const hit = parts.find((p) => pick(p.s) !== null);
    return hit === undefined ? null : named(hit.c, pick(hit.s));
  };
  const holders = parts.map((p) => p.s.lock_holder).filter((h) => h !== null);
  const state = STATE_ORDER.find((st) => parts.some((p) => p.s.state === st)) ?? 'ready';
  const problemAt = parts.find((p) => p.s.index_problem !== null);
  return {
    ...first.s,
    state,
    documents: sum((s) => s.documents),
    chunks: sum((s) => s.chunks),
    generation: first.s.generation,
    pending_files: sum((s) => s.pending_files),
    embeddings_computed: sum((s) => s.embeddings_computed),
    embeddings_reused: sum((s) => s.embeddings_reused),
    files_parsed: sum((s) => s.files_parsed),
    files_unchanged: sum((s) => s.files_unchanged),
    chunks_embedded: sum((s) => s.chunks_embedded),
    last_error: firstNamed((s) => s.last_error),
    lock_holder: holders.find((h) => !h.progressing) ?? holders[0] ?? null,
    lock_wait_ms: Math.max(...parts.map((p) => p.s.lock_wait_ms)),
    index_problem: problemAt === undefined ? null : named(problemAt.c, problemAt.s.index_problem),
    index_fix: problemAt?.s.index_fix ?? null,
    // The embedder is shared: its problem is said once, not once per collection.
    warnings: dedupe(parts.flatMap((p) => p.s.warnings.map((w) => (embedderWarning(w, p.s) ? w : (named(p.c, w) as string))))),
    collections: entries,
  };
}

function toCollectionStatus(c: ServedCollection, s: IndexStatus): CollectionStatus {
  return {
    name: c.name,
    description: c.description,
    root: c.root,
    state: s.state,
    documents: s.documents,
    chunks: s.chunks,
    generation: s.generation,
    pending_files: s.pending_files,
    chunks_embedded: s.chunks_embedded,
    embeddings_computed: s.embeddings_computed,
    embeddings_reused: s.embeddings_reused,
    files_parsed: s.files_parsed,
    files_unchanged: s.files_unchanged,
    index_dir: s.index_dir,
    lock_holder: s.lock_holder,
    lock_wait_ms: s.lock_wait_ms,
    last_error: s.last_error,
    index_problem: s.index_problem,
    index_fix: s.index_fix,
    warnings: s.warnings,
  };
}

/** The status of a collection whose folder cannot be served: degraded, nothing indexed, why and the fix. */
function unservedStatus(c: ServedCollection, embedder: EmbedderStatus): IndexStatus {
  const problem = `not served: ${c.problem ?? 'unknown reason'}`;
  return {
    state: 'degraded',
    documents: 0,
    chunks: 0,
    generation: 0,
    pending_files: 0,
    embedder: embedder.summary,
    index_dir: c.config.index.dir,
    instance_id: '',
    embeddings_computed: 0,
    embeddings_reused: 0,
    last_error: problem,
    files_parsed: 0,
    files_unchanged: 0,
    lock_holder: null,
    lock_wait_ms: 0,
    embedder_state: embedder.phase,
    embedder_fix: embedder.fix,
    embedder_problem: embedder.problem,
    chunks_embedded: 0,
    index_problem: problem,
    index_fix:
      c.config.collections[0]?.pending != null
        ? `create the folder ${c.root} (or correct the path of collection "${c.name}" in the configuration): a running server serves it within seconds of its appearing; a command, when run again`
        : `correct the path of collection "${c.name}" in the configuration, then restart the server (or run the command again)`,
    warnings: [],
  };
}

/**
 * A folder that was served and is gone (deleted, moved, a drive unmounted): the index keeps
 * answering as last saved, and indexing retries; without this the status said `indexing` with a
 * raw ENOENT for as long as the folder stayed away. One stat per status call.
 */
function withFolderCheck(c: ServedCollection, s: IndexStatus): IndexStatus {
  if (folderExists(c.root)) return s;
  const problem = `the folder ${c.root} no longer exists (deleted, moved or unmounted); answers come from its index as last saved (${s.documents} documents)`;
  return {
    ...s,
    state: 'degraded',
    index_problem: problem,
    index_fix: `restore the folder (or correct the path of collection "${c.name}") and restart the server`,
    warnings: [problem, ...s.warnings],
  };
}

function folderExists(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function embedderWarning(w: string, s: IndexStatus): boolean {
  return s.embedder_problem !== null && w.startsWith(s.embedder_problem);
}

function dedupe(items: readonly string[]): string[] {
  return [...new Set(items)];
}
