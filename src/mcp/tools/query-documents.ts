import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { formatResults } from '../format.js';
import { indexingSchema, queryInputShape, searchResultSchema, skippedSchema } from '../schemas.js';
import { withProgress } from '../progress.js';
import { withResourceLinks } from '../resources.js';
import { READ_ONLY_ANNOTATIONS, runTool, type ToolContext } from '../tool-runtime.js';

export const QUERY_DOCUMENTS = 'query_documents';

export const queryDocumentsInput = z.object(queryInputShape);

export const queryDocumentsOutput = z.object({
  results: z.array(searchResultSchema).describe('Best first; at most top_n.'),
  indexing: indexingSchema,
  skipped: skippedSchema,
});

/** Registers `query_documents`: plain hybrid search, every fused result up to `top_n`. */
export function registerQueryDocuments(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    QUERY_DOCUMENTS,
    {
      title: 'Search the documentation',
      description:
        'Hybrid search over the local Markdown docs: keyword (BM25) + semantic (embeddings) + link-graph ' +
        'expansion, fused into one ranking. Returns the best chunks with path, heading path, line range, score ' +
        'and full chunk text. Start here for any question the docs may answer. Use query_documents_compressed ' +
        'instead when asking for many results (top_n above ~10) or when results repeat each other. ' +
        'Example: {"query": "how are stale locks recovered", "top_n": 5}.',
      inputSchema: queryDocumentsInput,
      outputSchema: queryDocumentsOutput,
      annotations: READ_ONLY_ANNOTATIONS,
    },
    (args, extra) =>
      withProgress(ctx.service, extra, { activity: 'Searching the index' }, () =>
        runTool(ctx, { name: QUERY_DOCUMENTS, activity: 'searching the index', outputSchema: queryDocumentsOutput }, async () => {
          const { results, indexing, skipped } = await ctx.service.query({
            query: args.query,
            topN: args.top_n,
            ...(args.path_glob === undefined ? {} : { pathGlob: args.path_glob }),
            ...(args.tags === undefined ? {} : { tags: args.tags }),
            ...(args.collection === undefined ? {} : { collection: args.collection }),
          });
          const several = ctx.service.collections().length > 1;
          return {
            text: formatResults(args.query, results, indexing, { several, skipped }),
            structured: { results, ...(indexing ? { indexing } : {}), ...(skipped ? { skipped } : {}) },
          };
        }).then((r) => withResourceLinks(r, ctx.service.collections().length > 1))),
  );
}
