import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { QueryStats } from '../service.js';
import { formatIndexingNotice, formatResults } from '../format.js';
import { indexingSchema, queryInputShape, searchResultSchema, skippedSchema } from '../schemas.js';
import { withProgress } from '../progress.js';
import { withResourceLinks } from '../resources.js';
import { READ_ONLY_ANNOTATIONS, runTool, type ToolContext } from '../tool-runtime.js';

export const QUERY_DOCUMENTS_COMPRESSED = 'query_documents_compressed';

export const queryDocumentsCompressedInput = z.object({
  ...queryInputShape,
  min_score: z
    .number({ error: 'min_score must be a number from 0 to 1, e.g. 0.3' })
    .min(0, { error: 'min_score must be from 0 to 1, e.g. 0.3 (omit it to keep every score)' })
    .optional()
    .meta({
      description:
        'Drop results whose score is below this. Scores run from 0 to 1 and mean the same for every query: ' +
        'about 0.75 when a chunk holds every query word, about 0.5 when it holds the rarer half. 0.3 drops ' +
        'weak matches and keeps nearly every answer; 0.5 keeps only strong ones. Default: no threshold. Example: 0.3.',
      examples: [0.3],
    }),
  similarity_threshold: z
    .number({ error: 'similarity_threshold must be a number from 0 to 1, e.g. 0.9' })
    .min(0, { error: 'similarity_threshold must be from 0 to 1 (default 0.92)' })
    .max(1, { error: 'similarity_threshold must be from 0 to 1 (default 0.92)' })
    .optional()
    .meta({
      description:
        'Drop a result when its similarity (0–1) to a better-ranked result is at least this: lower removes more ' +
        '(0.8 is aggressive), 1 removes only exact duplicates. Default: the server setting ' +
        'search.dedup_threshold, 0.92 unless configured. Example: 0.85.',
      examples: [0.85],
    }),
});

export const queryDocumentsCompressedOutput = z.object({
  results: z.array(searchResultSchema).describe('Best first; at most top_n, after thresholding and deduplication.'),
  stats: z
    .object({
      before: z.number().int().describe('Candidates before filtering, threshold and deduplication.'),
      after: z.number().int().describe('Results returned.'),
      removed_below_min_score: z.number().int(),
      removed_duplicates: z.number().int(),
    })
    .describe('How many candidates each step removed.'),
  indexing: indexingSchema,
  skipped: skippedSchema,
});

function formatStats(stats: QueryStats): string {
  return (
    `Compressed ${stats.before} candidate${stats.before === 1 ? '' : 's'} to ${stats.after}: ` +
    `${stats.removed_below_min_score} below min_score, ${stats.removed_duplicates} near-duplicate${stats.removed_duplicates === 1 ? '' : 's'} removed.`
  );
}

/**
 * Registers `query_documents_compressed`: the same search with low scores and near-duplicates
 * removed, for when the model wants coverage without repeated text.
 */
export function registerQueryDocumentsCompressed(server: McpServer, ctx: ToolContext): void {
  const outputSchema = queryDocumentsCompressedOutput;
  server.registerTool(
    QUERY_DOCUMENTS_COMPRESSED,
    {
      title: 'Search the documentation (deduplicated)',
      description:
        'Same hybrid search as query_documents, then drops results below min_score and results that nearly ' +
        'repeat a better one (similarity_threshold), so fewer tokens carry the same information. Prefer it ' +
        'over query_documents for broad questions with a large top_n (e.g. 20–50), for notes with much ' +
        'copied text, or when only confident hits matter; stats says how much was removed. Example: ' +
        '{"query": "deployment checklist", "top_n": 20, "min_score": 0.3}.',
      inputSchema: queryDocumentsCompressedInput,
      outputSchema,
      annotations: READ_ONLY_ANNOTATIONS,
    },
    (args, extra) =>
      withProgress(ctx.service, extra, { activity: 'Searching the index' }, () =>
        runTool(ctx, { name: QUERY_DOCUMENTS_COMPRESSED, activity: 'searching the index', outputSchema }, async () => {
          const { results, stats, indexing, skipped } = await ctx.service.queryCompressed({
            query: args.query,
            topN: args.top_n,
            ...(args.path_glob === undefined ? {} : { pathGlob: args.path_glob }),
            ...(args.tags === undefined ? {} : { tags: args.tags }),
            ...(args.min_score === undefined ? {} : { minScore: args.min_score }),
            ...(args.similarity_threshold === undefined ? {} : { similarityThreshold: args.similarity_threshold }),
            ...(args.collection === undefined ? {} : { collection: args.collection }),
          });
          const notice = indexing ? `${formatIndexingNotice(indexing)}\n\n` : '';
          const several = ctx.service.collections().length > 1;
          return {
            text: `${notice}${formatStats(stats)}\n\n${formatResults(args.query, results, undefined, { several, skipped })}`,
            structured: { results, stats, ...(indexing ? { indexing } : {}), ...(skipped ? { skipped } : {}) },
          };
        }).then((r) => withResourceLinks(r, ctx.service.collections().length > 1))),
  );
}
