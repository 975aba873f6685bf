import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { isAppError } from '../core/errors.js';
import { completeCollection, completeDocumentPath, completeHeading } from './completions.js';
import { documentUri, mimeTypeOf, uriCollection } from './resources.js';
import type { ToolContext } from './tool-runtime.js';

export const GET_DOCUMENT_PROMPT = 'get_document';

/**
 * The `get_document` prompt: what the tool reads, put into the conversation by the user. It
 * exists because MCP completes prompt arguments but not tool arguments: with it a client can
 * offer `path` (indexed paths) and `heading` (the headings of the chosen document) as the user
 * types, through `completion/complete`.
 */
export function registerGetDocumentPrompt(server: McpServer, ctx: ToolContext): void {
  server.registerPrompt(
    GET_DOCUMENT_PROMPT,
    {
      title: 'Insert a document',
      description:
        'Puts a document of the docs folder (or one section of it) into the conversation as an embedded Markdown resource. ' +
        'path and heading complete as you type (completion/complete).',
      argsSchema: {
        path: completable(z.string().describe('Document path relative to the docs root, e.g. "guides/setup.md" (completes over indexed paths).'), (value, context) =>
          completeDocumentPath(ctx.service, value, context),
        ),
        heading: completable(z.string().optional().describe('Only this section: heading text or slug, e.g. "Installation" (completes over the headings of path). Default: the whole document.'), (value, context) =>
          completeHeading(ctx.service, value, context),
        ),
        collection: completable(z.string().optional().describe('Only with several collections: the collection of path (completes over their names). Default: the one that has path.'), (value) =>
          completeCollection(ctx.service, value),
        ),
      },
    },
    async (args) => {
      try {
        const heading = args.heading?.trim() ? args.heading.trim() : undefined;
        const collection = args.collection?.trim() ? args.collection.trim() : undefined;
        const doc = await ctx.service.getDocument({ path: args.path, ...(heading === undefined ? {} : { heading }), ...(collection === undefined ? {} : { collection }) });
        const slug = heading === undefined ? undefined : doc.headings.find((h) => h.line === doc.start_line)?.slug ?? heading;
        const where = `${doc.path}, lines ${doc.start_line}–${doc.end_line}`;
        return {
          description: `${doc.title} (${where})`,
          messages: [
            { role: 'user', content: { type: 'text', text: `From the docs: ${doc.title} (${where}).` } },
            { role: 'user', content: { type: 'resource', resource: { uri: documentUri(doc.path, slug, uriCollection(ctx.service, doc.collection)), mimeType: mimeTypeOf(doc.path), text: doc.content } } },
          ],
        };
      } catch (err) {
        if (isAppError(err)) throw new McpError(ErrorCode.InvalidParams, err.hint === undefined ? err.message : `${err.message}. ${err.hint}`);
        ctx.logger.error({ err, prompt: GET_DOCUMENT_PROMPT }, 'prompt get_document failed unexpectedly');
        throw new McpError(ErrorCode.InternalError, 'get_document failed: internal error (details are in the server log on stderr)');
      }
    },
  );
}
