import { AppError, errorMessage, isAppError } from '../core/errors.js';
import { normalizeDocPath } from '../core/paths.js';
import type { SearchResult } from '../core/types.js';
import type { EmbedderRuntime } from '../embed/runtime.js';
import type { CollectionInfo, DocsService, DocumentSummary, DocumentView, GetDocumentParams, IndexingNotice, QueryStats, SkippedCollection } from '../mcp/service.js';
import { dedupNearDuplicates, jaccardShingles } from '../search/index.js';
import type { ServedCollection } from './collection-set.js';
import { combineStatus } from './collections-status.js';

export interface CollectionsServiceDeps {
  collections: readonly ServedCollection[];
  embedding: Pick<EmbedderRuntime, 'status'>;
  /** search.dedup_threshold: near-duplicates across collections are dropped by it too. */
  dedupThreshold: number;
}

/**
 * The tools' service over several collections: a call names one collection or goes to all of
 * them; results of several are merged on their scores, which mean the same in every collection
 * (calibrated evidence in [0, 1], src/search/evidence.ts), not concatenated. A collection that
 * cannot answer (its folder is missing, its index did not load in time) is left out and named in
 * `skipped`, unless it was the one asked for.
 */
export function createCollectionsService(deps: CollectionsServiceDeps): DocsService {
  const { collections } = deps;
  const names = collections.map((c) => c.name);

  /** The collections a call goes to: the one named (an unknown name is an error listing them), or all. */
  const targets = (name: string | undefined): ServedCollection[] => {
    if (name === undefined) return [...collections];
    const found = collections.find((c) => c.name === name.trim().toLowerCase());
    if (found === undefined) {
      throw new AppError('INVALID_ARGUMENT', `there is no collection ${JSON.stringify(name)}; the collections are ${names.map((n) => JSON.stringify(n)).join(', ')}`, {
        hint: 'Omit collection to search every collection, or pass one of the names index_status lists.',
      });
    }
    if (found.app === null) throw unavailable(found);
    return [found];
  };

  /** Runs `call` on each target; failures of a collection among several become `skipped`. */
  const fanOut = async <T>(chosen: readonly ServedCollection[], call: (s: DocsService) => Promise<T>): Promise<{ answers: { c: ServedCollection; value: T }[]; skipped: SkippedCollection[] }> => {
    const skipped: SkippedCollection[] = [];
    const live = chosen.filter((c) => {
      if (c.app !== null) return true;
      skipped.push({ collection: c.name, reason: c.problem ?? 'not served' });
      return false;
    });
    const settled = await Promise.allSettled(live.map((c) => call((c.app as NonNullable<ServedCollection['app']>).service)));
    const answers: { c: ServedCollection; value: T }[] = [];
    settled.forEach((r, i) => {
      const c = live[i] as ServedCollection;
      if (r.status === 'fulfilled') answers.push({ c, value: r.value });
      else if (chosen.length === 1 || !isAppError(r.reason) || r.reason.code === 'INVALID_ARGUMENT' || r.reason.code === 'PATH_OUTSIDE_ROOT') throw r.reason;
      else skipped.push({ collection: c.name, reason: errorMessage(r.reason) });
    });
    if (answers.length === 0 && skipped.length > 0 && chosen.length > 0) {
      throw new AppError('NOT_READY', `no collection could answer: ${skipped.map((s) => `${s.collection}: ${s.reason}`).join('; ')}`, {
        hint: 'index_status says what each collection is waiting for or lacks.',
      });
    }
    return { answers, skipped };
  };

  const withSkipped = <T extends object>(value: T, skipped: SkippedCollection[]): T & { skipped?: SkippedCollection[] } => (skipped.length > 0 ? { ...value, skipped } : value);

  return {
    async query(params) {
      const { answers, skipped } = await fanOut(targets(params.collection), (s) => s.query(params));
      const results = mergeByScore(answers.map((a) => a.value.results)).slice(0, params.topN);
      const indexing = combineIndexing(answers.map((a) => a.value.indexing));
      return withSkipped({ results, ...(indexing ? { indexing } : {}) }, skipped);
    },

    async queryCompressed(params) {
      const { answers, skipped } = await fanOut(targets(params.collection), (s) => s.queryCompressed(params));
      const merged = mergeByScore(answers.map((a) => a.value.results));
      // Each collection dropped its own near-duplicates; copies across collections (a vendor manual
      // vendored into a project) are dropped here, by their text.
      const keyed = merged.map((r, i) => ({ id: String(i), r }));
      const threshold = params.similarityThreshold ?? deps.dedupThreshold;
      const distinct = answers.length > 1 ? dedupNearDuplicates(keyed, (a, b) => jaccardShingles(keyed[Number(a)]?.r.content ?? '', keyed[Number(b)]?.r.content ?? ''), threshold) : keyed;
      const kept = distinct.slice(0, params.topN).map((k) => k.r);
      const sum = (pick: (s: QueryStats) => number): number => answers.reduce((n, a) => n + pick(a.value.stats), 0);
      const stats: QueryStats = {
        before: sum((s) => s.before),
        after: kept.length,
        removed_below_min_score: sum((s) => s.removed_below_min_score),
        removed_duplicates: sum((s) => s.removed_duplicates) + (keyed.length - distinct.length),
      };
      const indexing = combineIndexing(answers.map((a) => a.value.indexing));
      return withSkipped({ results: kept, stats, ...(indexing ? { indexing } : {}) }, skipped);
    },

    async getDocument(params: GetDocumentParams): Promise<DocumentView> {
      const chosen = targets(params.collection);
      if (chosen.length === 1) return (chosen[0]?.app as NonNullable<ServedCollection['app']>).service.getDocument(params);
      // Across collections: the one that has the path; an exact path beats a link-style name.
      const live = chosen.filter((c) => c.app !== null);
      const settled = await Promise.allSettled(live.map((c) => (c.app as NonNullable<ServedCollection['app']>).service.getDocument(params)));
      const found = settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const asked = normalizeDocPath(params.path);
      const exact = found.filter((d) => d.path === asked);
      const pick = exact.length > 0 ? exact : found;
      if (pick.length === 1) return pick[0] as DocumentView;
      if (pick.length > 1) {
        const choices = pick.map((d) => `${d.collection} (${d.path})`).join(', ');
        throw new AppError('INVALID_ARGUMENT', `${JSON.stringify(params.path)} is in ${pick.length} collections: ${choices}`, {
          hint: `Pass collection as well, e.g. {"path": ${JSON.stringify(pick[0]?.path)}, "collection": ${JSON.stringify(pick[0]?.collection)}}.`,
        });
      }
      const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      const refused = errors.find((e) => isAppError(e) && (e.code === 'PATH_OUTSIDE_ROOT' || e.code === 'INVALID_ARGUMENT'));
      if (refused !== undefined) throw refused;
      const missing = errors.filter((e): e is AppError => isAppError(e) && e.code === 'NOT_FOUND');
      if (missing.length !== errors.length || errors.length === 0) throw errors.find((e) => !(isAppError(e) && e.code === 'NOT_FOUND')) ?? unavailableAll(chosen);
      const hints = missing.map((e, i) => `${live[i]?.name ?? '?'}: ${e.hint ?? e.message}`).join(' ');
      throw new AppError('NOT_FOUND', `${params.path} is not a document of any collection (${live.map((c) => c.name).join(', ')})`, { hint: hints });
    },

    async listDocuments(params) {
      const chosen = targets(params.collection);
      const { answers, skipped } = await fanOut(chosen, (s) => s.listDocuments(params));
      const documents: DocumentSummary[] = answers.flatMap((a) => a.value.documents);
      const hints = answers.flatMap((a) => (a.value.hint === undefined ? [] : [answers.length > 1 ? `${a.c.name}: ${a.value.hint}` : a.value.hint]));
      const indexing = combineIndexing(answers.map((a) => a.value.indexing));
      const hint = documents.length === 0 && hints.length > 0 ? hints.join(' ') : undefined;
      return withSkipped({ documents, ...(hint ? { hint } : {}), ...(indexing ? { indexing } : {}) }, skipped);
    },

    status: () => combineStatus(collections, deps.embedding.status()),

    collections: (): CollectionInfo[] => collections.map((c) => ({ name: c.name, description: c.description, root: c.root })),

    onDocumentsChanged(listener) {
      const unsubscribe = collections.map((c) => c.app?.service.onDocumentsChanged?.(listener));
      return () => {
        for (const u of unsubscribe) u?.();
      };
    },
  };
}

function unavailable(c: ServedCollection): AppError {
  return new AppError('NOT_READY', `collection "${c.name}" is not served: ${c.problem ?? 'unknown reason'}`, {
    hint: `Create its folder (${c.root}) or correct its path; a running server serves it within seconds of the folder appearing. The other collections are served.`,
  });
}

function unavailableAll(chosen: readonly ServedCollection[]): AppError {
  return new AppError('NOT_READY', `no collection is served: ${chosen.map((c) => `${c.name}: ${c.problem ?? 'not served'}`).join('; ')}`, {
    hint: 'Fix the folders in the configuration and restart the server.',
  });
}

/**
 * Results of several collections in one ranking: by score, best first (ties keep collection
 * order, then each list's own order). Scores are comparable across collections because each is
 * calibrated against what the query allows in its own index, not rank-based.
 */
export function mergeByScore(lists: readonly (readonly SearchResult[])[]): SearchResult[] {
  if (lists.length === 1) return [...(lists[0] ?? [])];
  const tagged = lists.flatMap((list, li) => list.map((r, ri) => ({ r, li, ri })));
  tagged.sort((a, b) => b.r.score - a.r.score || a.li - b.li || a.ri - b.ri);
  return tagged.map((t) => t.r);
}

/** Indexing in several collections at once: one notice over all of them. */
export function combineIndexing(notices: readonly (IndexingNotice | undefined)[]): IndexingNotice | undefined {
  const present = notices.filter((n): n is IndexingNotice => n !== undefined);
  if (present.length === 0) return undefined;
  const total = present.some((n) => n.files_total === null) ? null : present.reduce((s, n) => s + (n.files_total ?? 0), 0);
  return { files_indexed: present.reduce((s, n) => s + n.files_indexed, 0), files_total: total };
}
