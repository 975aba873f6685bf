import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { formatDocumentList } from '../format.js';
import { collectionInput, indexingSchema, skippedSchema } from '../schemas.js';
import { withProgress } from '../progress.js';
import { READ_ONLY_ANNOTATIONS, runTool, type ToolContext } from '../tool-runtime.js';

export const LIST_DOCUMENTS = 'list_documents';

export const listDocumentsInput = z.object({
  glob: z
    .string()
    .trim()
    .min(1, { error: 'glob is empty: omit it to list every document, or pass e.g. "guides/**"' })
    .optional()
    .meta({
      description:
        'Only list documents whose path (relative to the docs root, "/"-separated) matches this glob. ' +
        'Default: all documents. Example: "guides/**/*.md".',
      examples: ['guides/**/*.md', '*.md'],
    }),
  tag: z
    .string()
    .trim()
    .min(1, { error: 'tag is empty: omit it, or pass a tag such as "architecture"' })
    .optional()
    .meta({
      description:
        'Only list documents carrying this tag (front matter `tags` or #hashtag). Default: no tag filter. ' +
        'Example: "architecture".',
      examples: ['architecture'],
    }),
  name: z
    .string()
    .trim()
    .min(1, { error: 'name is empty: omit it, or pass a name such as "Setup Guide"' })
    .optional()
    .meta({
      description:
        'Only list the documents this link-style name could mean, as in a [[wikilink]]: a file name (any case, ' +
        'with or without .md), a path from the docs root, a front-matter title or an alias. The document ' +
        '[[name]] opens from the docs root comes first, then the other candidates in path order: use it when ' +
        'get_document reports a link as ambiguous. Nothing matching gives an empty list and a hint with the ' +
        'nearest paths. Combines with glob and tag. Default: no name filter. Example: "Setup Guide".',
      examples: ['Setup Guide', 'architecture/tag'],
    }),
  collection: collectionInput,
});

export const listDocumentsOutput = z.object({
  documents: z
    .array(
      z.object({
        collection: z.string().describe('Collection (folder) of the document.'),
        path: z.string().describe('Relative to the docs root (its collection\'s folder), "/"-separated.'),
        title: z.string().describe('Front matter title, else the first heading, else the file name.'),
        tags: z.array(z.string()),
        chunks: z.number().int().describe('Number of indexed chunks.'),
      }),
    )
    .describe('Indexed documents, by collection (in configured order), then sorted by path; with name, the documents it could mean, the one [[name]] opens from the root first.'),
  hint: z.string().optional().describe('Only with name, when nothing matches: why, and the nearest paths.'),
  indexing: indexingSchema,
  skipped: skippedSchema,
});

/** Registers `list_documents`: what the index holds, optionally filtered by glob or tag. */
export function registerListDocuments(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    LIST_DOCUMENTS,
    {
      title: 'List documents',
      description:
        'List the indexed documents with title, tags and chunk count, optionally filtered by a path glob or a ' +
        'tag, or every document a link-style name could mean (name). Use it to see what the docs cover, to find ' +
        'a document by name when you cannot phrase a search, or to see which pages an ambiguous [[link]] could ' +
        'open; use query_documents to find content. Example: {"glob": "adr/*.md"} or {"name": "Tag"}.',
      inputSchema: listDocumentsInput,
      outputSchema: listDocumentsOutput,
      annotations: READ_ONLY_ANNOTATIONS,
    },
    (args, extra) =>
      withProgress(ctx.service, extra, { activity: 'Listing documents' }, () =>
        runTool(ctx, { name: LIST_DOCUMENTS, activity: 'listing documents', outputSchema: listDocumentsOutput }, async () => {
          const { documents, hint, indexing, skipped } = await ctx.service.listDocuments({
            ...(args.collection === undefined ? {} : { collection: args.collection }),
            ...(args.glob === undefined ? {} : { glob: args.glob }),
            ...(args.tag === undefined ? {} : { tag: args.tag }),
            ...(args.name === undefined ? {} : { name: args.name }),
          });
          const named = args.name === undefined ? undefined : { name: args.name, hint };
          return {
            text: formatDocumentList(documents, indexing, named, { several: ctx.service.collections().length > 1, skipped }),
            structured: { documents, ...(hint ? { hint } : {}), ...(indexing ? { indexing } : {}), ...(skipped ? { skipped } : {}) },
          };
        })),
  );
}
