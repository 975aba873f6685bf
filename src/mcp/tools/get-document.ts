import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { formatLinkProblems } from '../format.js';
import type { DocumentView, GetDocumentParams } from '../service.js';
import { collectionInput, headingSchema, linkOutSchema, linkProblemsSchema } from '../schemas.js';
import { withProgress } from '../progress.js';
import { READ_ONLY_ANNOTATIONS, runTool, type ToolContext } from '../tool-runtime.js';

export const GET_DOCUMENT = 'get_document';

/** Items of an outline or link list shown in the text; the structured result has all of them. */
const MAX_LISTED = 50;

const lineNumber = (name: string) =>
  z
    .number({ error: `${name} must be a line number (integer ≥ 1)` })
    .int({ error: `${name} must be a line number (integer ≥ 1)` })
    .min(1, { error: `${name} must be ≥ 1: lines are numbered from 1` });

export const getDocumentInput = z.object({
  path: z
    .string({ error: 'path must be a string such as "guides/setup.md"' })
    .trim()
    .min(1, { error: 'path is empty: pass a document path from a search result or list_documents, e.g. "guides/setup.md"' })
    .meta({
      description:
        'Required. Document path relative to the docs root, "/"-separated, as returned by query_documents or ' +
        'list_documents; a link-style name also works (file name, title or alias, any case, with or without ' +
        '.md, as in a [[wikilink]]), and a miss suggests the nearest paths. Paths outside the docs root are ' +
        'refused. Example: "guides/setup.md" or "Setup Guide".',
      examples: ['guides/setup.md', 'Setup Guide'],
    }),
  heading: z
    .string()
    .trim()
    .min(1, { error: 'heading is empty: omit it to read the whole document' })
    .optional()
    .meta({
      description:
        'Return only this section (the heading and everything under it until the next heading of the same or ' +
        'higher level). Heading text or its anchor slug, any case. Default: the whole document. Cannot be ' +
        'combined with block or start_line/end_line. Example: "Installation" or "installation".',
      examples: ['Installation', 'configuring-the-watcher'],
    }),
  block: z
    .string()
    .trim()
    .regex(/^\^?[A-Za-z0-9-]+$/, { error: 'block must be a block id: letters, digits and dashes, e.g. "abc123" or "^abc123"' })
    .optional()
    .meta({
      description:
        'Return only the block with this id: the paragraph or list item whose text ends with " ^id" (Obsidian ' +
        'block ids, the part after "#^" in [[Page#^id]]), with its line range. With or without the "^"; any ' +
        'case. Default: the whole document. Cannot be combined with heading or start_line/end_line. A miss ' +
        'lists the document\'s block ids. Example: "abc123".',
      examples: ['abc123', '^key-decision'],
    }),
  start_line: lineNumber('start_line')
    .optional()
    .meta({
      description:
        'First line to return (1-based), e.g. a search result\'s start_line. Default: 1, or the first line of ' +
        'the document if only end_line is given. Example: 40.',
      examples: [40],
    }),
  end_line: lineNumber('end_line')
    .optional()
    .meta({
      description: 'Last line to return (1-based, inclusive). Default: the end of the document. Example: 80.',
      examples: [80],
    }),
  collection: collectionInput.meta({
    description:
      'The collection to read from (as a search result names it). Default: the collection that has the path; ' +
      'when several have it, the answer is an error listing them. Example: "project-docs".',
    examples: ['project-docs'],
  }),
});

export const getDocumentOutput = z.object({
  collection: z.string().describe('Collection (folder) of the document; path is relative to its root.'),
  path: z.string(),
  title: z.string(),
  content: z.string().describe('Markdown source of the requested lines.'),
  start_line: z.number().int().describe('First line of content in the file (1-based).'),
  end_line: z.number().int().describe('Last line of content in the file (1-based, inclusive).'),
  headings: z.array(headingSchema).describe('Every heading of the document, with its line.'),
  blocks: z
    .array(
      z.object({
        id: z.string().describe('Block id, without the "^".'),
        start_line: z.number().int().describe('First line of the block (1-based).'),
        end_line: z.number().int().describe('Last line of the block (1-based, inclusive).'),
      }),
    )
    .describe('Blocks named by "^id" markers (link to one as [[Page#^id]], read one with the block argument); [] when none.'),
  tags: z.array(z.string()),
  links_out: z.array(linkOutSchema).describe('Links from this document, each distinct link once, in document order.'),
  link_problems: linkProblemsSchema,
  links_in: z.array(z.string()).describe('Paths of documents linking here.'),
});

/** Refuses argument combinations the schema cannot express, before reaching the service. */
function toParams(args: z.output<typeof getDocumentInput>): GetDocumentParams {
  const hasRange = args.start_line !== undefined || args.end_line !== undefined;
  const parts = [args.heading !== undefined ? `heading "${args.heading}"` : '', args.block !== undefined ? `block "${args.block}"` : '', hasRange ? 'a line range' : ''].filter((p) => p !== '');
  if (parts.length > 1) {
    throw new AppError('INVALID_ARGUMENT', `get_document got both ${parts.join(' and ')}`, {
      hint: 'pass one of heading, block or start_line/end_line, not several',
    });
  }
  if (args.start_line !== undefined && args.end_line !== undefined && args.end_line < args.start_line) {
    throw new AppError('INVALID_ARGUMENT', `end_line ${args.end_line} is before start_line ${args.start_line}`, {
      hint: 'pass end_line ≥ start_line, or omit end_line to read to the end of the document',
    });
  }
  return {
    path: args.path,
    ...(args.collection === undefined ? {} : { collection: args.collection }),
    ...(args.heading === undefined ? {} : { heading: args.heading }),
    ...(args.block === undefined ? {} : { block: args.block }),
    ...(args.start_line === undefined ? {} : { startLine: args.start_line }),
    ...(args.end_line === undefined ? {} : { endLine: args.end_line }),
  };
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown}, … (${items.length - MAX_LISTED} more)` : shown;
}

/** The content under a header the model can cite, then the outline and links for navigation. */
function formatDocument(doc: DocumentView, several: boolean): string {
  const meta = [several ? `${doc.collection}: ${doc.path}` : `${doc.path}`, `lines ${doc.start_line}–${doc.end_line}`];
  if (doc.tags.length > 0) meta.push(`tags: ${doc.tags.join(', ')}`);
  const footer: string[] = [];
  if (doc.headings.length > 0) {
    footer.push(`Sections: ${listed(doc.headings.map((h) => `${'#'.repeat(h.depth)} ${h.text} (line ${h.line})`))}`);
  }
  if (doc.blocks.length > 0) footer.push(`Blocks: ${listed(doc.blocks.map((b) => `^${b.id} (lines ${b.start_line}–${b.end_line})`))}`);
  if (doc.links_out.length > 0) {
    const anchor = (l: DocumentView['links_out'][number]): string => (l.block !== null ? `#^${l.block}` : l.heading !== null ? `#${l.heading}` : '');
    footer.push(`Links out: ${listed(doc.links_out.map((l) => (l.path === null ? l.target : `${l.path}${anchor(l)}`)))}`);
  }
  const problems = formatLinkProblems(doc.links_out, doc.link_problems);
  if (problems !== null) footer.push(problems);
  if (doc.links_in.length > 0) footer.push(`Linked from: ${listed(doc.links_in)}`);
  const body = doc.content === '' ? '(no content in this range)' : doc.content;
  return [`# ${doc.title}`, meta.join(' · '), '', body, ...(footer.length > 0 ? ['', '---', ...footer] : [])].join('\n');
}

/** Registers `get_document`: a whole document, one section, or a line range, with its links. */
export function registerGetDocument(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    GET_DOCUMENT,
    {
      title: 'Read a document',
      description:
        'Read a document from the docs folder: the whole file, one section (heading), one block (^id), or a ' +
        'line range. Use it after a search to read around a hit (pass the result\'s path and start_line/end_line, ' +
        'widened as needed) or to follow a link. Also returns the outline (headings with lines), block ids, ' +
        'tags, outgoing links resolved to paths (with ambiguous, unresolved links and missing headings or ' +
        'blocks flagged; list_documents with name shows what an ambiguous name could mean), and the ' +
        'documents linking here. Example: {"path": "guides/setup.md", "heading": "Installation"}.',
      inputSchema: getDocumentInput,
      outputSchema: getDocumentOutput,
      annotations: READ_ONLY_ANNOTATIONS,
    },
    (args, extra) =>
      withProgress(ctx.service, extra, { activity: 'Reading the document' }, () =>
        runTool(ctx, { name: GET_DOCUMENT, activity: `reading "${args.path}"`, outputSchema: getDocumentOutput }, async () => {
          const doc = await ctx.service.getDocument(toParams(args));
          return { text: formatDocument(doc, ctx.service.collections().length > 1), structured: doc };
        })),
  );
}
