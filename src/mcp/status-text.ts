import type { CollectionStatus, IndexStatus, LockHolderStatus } from '../core/types.js';

/** The plain sentence for a search without vectors: index_status, `status` and `index` all use it. */
export const SEMANTIC_OFF = 'semantic search is off; results come from keywords and links';

/** False when queries are answered without vectors (no embedder, or none ready to embed the query). */
export function semanticSearchOn(s: IndexStatus): boolean {
  return s.embedder_state === 'ready' && s.chunks_embedded > 0;
}

/**
 * The status as a few short lines, each fact once: the embedder's problem and fix are said once
 * even though `last_error` and `warnings` repeat them in the structured form (which keeps every
 * field for programs). Used by the `index_status` tool and the `status` command alike.
 */
export function describeStatus(s: IndexStatus): string {
  const pending = s.pending_files > 0 ? `, ${s.pending_files} files pending` : '';
  const lines = [`${s.state}: ${s.documents} documents, ${s.chunks} chunks, generation ${s.generation}${pending}`];
  lines.push(...describeSemantic(s));
  if (s.index_problem !== null) {
    lines.push(`index incomplete: ${s.index_problem}`);
    if (s.index_fix !== null) lines.push(`  fix: ${s.index_fix}`);
  }
  const said = [s.embedder_problem, s.embedder_fix, s.index_problem].filter((x): x is string => x !== null && x !== '');
  const alreadySaid = (text: string): boolean => said.some((x) => text.includes(x) || x.includes(text));
  if (s.files_parsed + s.files_unchanged > 0) lines.push(`files: ${s.files_parsed} parsed, ${s.files_unchanged} unchanged since start`);
  const several = s.collections !== undefined && s.collections.length > 1;
  if (several) lines.push(...describeCollections(s.collections ?? [], s.instance_id));
  else lines.push(`index dir: ${s.index_dir}${s.instance_id ? ` (instance ${s.instance_id})` : ''}`);
  if (s.lock_holder !== null) lines.push(describeLockHolder(s.lock_holder, s.lock_wait_ms));
  else lines.push('write lock: free');
  // "indexing failed; will retry: <cause>": the cause may be said already (index_problem quotes it).
  const cause = s.last_error?.slice(s.last_error.indexOf(': ') + 2) ?? '';
  if (s.last_error !== null && !alreadySaid(s.last_error) && !(cause !== '' && said.some((x) => x.includes(cause)))) {
    lines.push(`last error: ${s.last_error}`);
    said.push(s.last_error);
  }
  for (const w of s.warnings) {
    if (alreadySaid(w)) continue;
    lines.push(`warning: ${w}`);
    said.push(w);
  }
  return lines.join('\n');
}

/** One line per collection (name, state, counts, folder, index dir), then what it waits for or lacks. */
function describeCollections(collections: readonly CollectionStatus[], instanceId: string): string[] {
  const lines = [`collections (${collections.length})${instanceId ? `, instance ${instanceId}` : ''}:`];
  for (const c of collections) {
    const pending = c.pending_files > 0 ? `, ${c.pending_files} files pending` : '';
    const what = c.description === '' ? '' : ` — ${c.description}`;
    lines.push(`- ${c.name}: ${c.state}, ${c.documents} documents, ${c.chunks} chunks, generation ${c.generation}${pending}${what}`);
    lines.push(`    folder: ${c.root}; index dir: ${c.index_dir}`);
  }
  return lines;
}

/** The embedder in one line, plus why and what fixes it when semantic search is off. */
function describeSemantic(s: IndexStatus): string[] {
  const coverage = `${s.chunks_embedded} of ${s.chunks} chunks embedded`;
  if (s.embedder_state === 'off') return [`${SEMANTIC_OFF} (embedder: ${s.embedder})`];
  if (s.embedder_state === 'ready') {
    const work = `computed ${s.embeddings_computed}, reused ${s.embeddings_reused}`;
    if (s.chunks_embedded >= s.chunks) return [`semantic search on: ${s.embedder}, ${coverage} (${work})`];
    return [`semantic search covers ${coverage} so far, the rest is being embedded: ${s.embedder} (${work})`];
  }
  // `idle`: the `status` command loads no model; the model is in the cache (inspect() said so).
  if (s.embedder_state === 'idle' && s.embedder_problem === null) return [`embedder: ${s.embedder}, ${coverage}`];
  const lines = [`${SEMANTIC_OFF}.`, `  embedder: ${s.embedder}, ${coverage}`];
  if (s.embedder_problem) lines.push(`  why: ${s.embedder_problem}`);
  if (s.embedder_fix) lines.push(`  fix: ${s.embedder_fix}`);
  return lines;
}

/** The write-lock holder in one line: who, for how long, and, when it is stuck, what to do. */
function describeLockHolder(h: LockHolderStatus, waitedMs: number): string {
  const who = `pid ${h.pid}${h.instance_id ? ` (instance ${h.instance_id})` : ''}`;
  const waited = waitedMs > 0 ? `; this instance has waited ${formatDuration(waitedMs)}` : '';
  const head = `write lock: held by ${who} for ${formatDuration(h.held_ms)}, since ${h.since}`;
  if (h.progressing) return `${head}${waited}`;
  const state =
    h.stopped === true
      ? 'it is alive but stopped (SIGSTOP, a suspended terminal job or a debugger), so it is not progressing'
      : `it ${h.alive === true ? 'is alive but ' : ''}has sent no heartbeat since ${h.heartbeat}, so it is not progressing`;
  const fix = h.alive === null ? `on ${h.hostname}: resume it or end it there` : `resume it with \`kill -CONT ${h.pid}\` or end it with \`kill ${h.pid}\``;
  return `${head}; ${state}. Changes wait until it resumes or exits (the OS then releases the lock): ${fix}${waited}`;
}

/** "850 ms", "12 s", "4 min 5 s", "2 h 3 min". */
function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
