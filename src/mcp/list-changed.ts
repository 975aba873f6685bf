import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { DocsService } from './service.js';
import type { ToolLogger } from './tool-runtime.js';

/** Corpus changes closer together than this are one check (a large build applies many batches). */
export const LIST_CHANGED_DEBOUNCE_MS = 500;

export interface ResourceListWatch {
  /** The paths a `resources/list` just returned: what the client now knows. */
  noteListed(paths: readonly string[]): void;
  close(): void;
}

function samePaths(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Sends `notifications/resources/list_changed` when documents appear or disappear. The service
 * says when the corpus may have changed (every batch, every generation followed); after a quiet
 * `debounceMs` the sorted path list is compared with the last one known, so an edit that keeps
 * the set of paths sends nothing. The first comparison only records the list, unless the client
 * listed resources before it (then that listing is the reference).
 */
export function watchResourceList(server: McpServer, service: DocsService, logger: ToolLogger, debounceMs = LIST_CHANGED_DEBOUNCE_MS): ResourceListWatch {
  let known: string[] | null = null;
  let timer: NodeJS.Timeout | null = null;
  let checking = false;
  let again = false;
  let closed = false;

  const check = async (): Promise<void> => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      const { documents } = await service.listDocuments({});
      // Keyed like listDocumentResources' `paths`: with several collections, a path per collection.
      const several = service.collections().length > 1;
      const paths = documents.map((d) => (several ? `${d.collection}\0${d.path}` : d.path)).sort();
      if (closed) return;
      if (known !== null && !samePaths(known, paths)) server.sendResourceListChanged();
      known = paths;
    } catch (err) {
      logger.error({ err }, 'could not check whether the document list changed');
    } finally {
      checking = false;
      if (again && !closed) {
        again = false;
        schedule();
      }
    }
  };
  let pendingSince = 0;
  const schedule = (): void => {
    if (closed) return;
    // Trailing debounce, but a build that never pauses still gets a check every few periods.
    if (timer) {
      if (Date.now() - pendingSince >= debounceMs * 4) return;
      clearTimeout(timer);
    } else pendingSince = Date.now();
    timer = setTimeout(() => {
      timer = null;
      void check();
    }, debounceMs);
    timer.unref();
  };
  const unsubscribe = service.onDocumentsChanged?.(schedule) ?? (() => undefined);
  return {
    noteListed(paths) {
      known = [...paths].sort();
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      unsubscribe();
    },
  };
}
