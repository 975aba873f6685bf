import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import type { DocumentView, GetDocumentParams } from '../service.js';
import { headingSchema } from '../schemas.js';
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
        'higher level). Heading text or its anchor slug. Default: the whole document. Cannot be combined with ' +
        'start_line/end_line. Example: "Installation" or "installation".',
      examples: ['Installation', 'configuring-the-watcher'],
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
});

export const getDocumentOutput = z.object({
  path: z.string(),
  title: z.string(),
  content: z.string().describe('Markdown source of the requested lines.'),
  start_line: z.number().int().describe('First line of content in the file (1-based).'),
  end_line: z.number().int().describe('Last line of content in the file (1-based, inclusive).'),
  headings: z.array(headingSchema).describe('Every heading of the document, with its line.'),
  tags: z.array(z.string()),
  links_out: z
    .array(
      z.object({
        target: z.string().describe('Link target as written.'),
        path: z.string().nullable().describe('Resolved document path, or null (external or broken link).'),
        heading: z.string().nullable(),
      }),
    )
    .describe('Links from this document.'),
  links_in: z.array(z.string()).describe('Paths of documents linking here.'),
});

/** Refuses argument combinations the schema cannot express, before reaching the service. */
function toParams(args: z.output<typeof getDocumentInput>): GetDocumentParams {
  const hasRange = args.start_line !== undefined || args.end_line !== undefined;
  if (args.heading !== undefined && hasRange) {
    throw new AppError('INVALID_ARGUMENT', `get_document got both heading "${args.heading}" and a line range`, {
      hint: 'pass either heading or start_line/end_line, not both',
    });
  }
  if (args.start_line !== undefined && args.end_line !== undefined && args.end_line < args.start_line) {
    throw new AppError('INVALID_ARGUMENT', `end_line ${args.end_line} is before start_line ${args.start_line}`, {
      hint: 'pass end_line ≥ start_line, or omit end_line to read to the end of the document',
    });
  }
  return {
    path: args.path,
    ...(args.heading === undefined ? {} : { heading: args.heading }),
    ...(args.start_line === undefined ? {} : { startLine: args.start_line }),
    ...(args.end_line === undefined ? {} : { endLine: args.end_line }),
  };
}

function listed(items: readonly string[]): string {
  const shown = items.slice(0, MAX_LISTED).join(', ');
  return items.length > MAX_LISTED ? `${shown}, … (${items.length - MAX_LISTED} more)` : shown;
}

/** The content under a header the model can cite, then the outline and links for navigation. */
function formatDocument(doc: DocumentView): string {
  const meta = [`${doc.path}`, `lines ${doc.start_line}–${doc.end_line}`];
  if (doc.tags.length > 0) meta.push(`tags: ${doc.tags.join(', ')}`);
  const footer: string[] = [];
  if (doc.headings.length > 0) {
    footer.push(`Sections: ${listed(doc.headings.map((h) => `${'#'.repeat(h.depth)} ${h.text} (line ${h.line})`))}`);
  }
  if (doc.links_out.length > 0) {
    footer.push(`Links out: ${listed(doc.links_out.map((l) => (l.path === null ? l.target : `${l.path}${l.heading ? `#${l.heading}` : ''}`)))}`);
  }
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
        'Read a document from the docs folder: the whole file, one section (heading), or a line range. Use it ' +
        'after a search to read around a hit (pass the result\'s path and start_line/end_line, widened as ' +
        'needed) or to follow a link. Also returns the outline (headings with lines), tags, outgoing links ' +
        'resolved to paths, and the documents linking here. Example: {"path": "guides/setup.md", "heading": ' +
        '"Installation"}.',
      inputSchema: getDocumentInput,
      outputSchema: getDocumentOutput,
      annotations: READ_ONLY_ANNOTATIONS,
    },
    (args) =>
      runTool(ctx, { name: GET_DOCUMENT, activity: `reading "${args.path}"`, outputSchema: getDocumentOutput }, async () => {
        const doc = await ctx.service.getDocument(toParams(args));
        return { text: formatDocument(doc), structured: doc };
      }),
  );
}
