import { z } from 'zod';

/**
 * Zod schemas shared by several tools. Descriptions are what the model reads in tools/list,
 * so each says what the parameter does, its default and an example.
 */

/** Longest query accepted; real questions are far shorter, and a pasted file is not a query. */
export const MAX_QUERY_CHARS = 10_000;
export const DEFAULT_TOP_N = 5;
export const MAX_TOP_N = 100;

const TOP_N_RANGE = `top_n must be an integer from 1 to ${MAX_TOP_N} (default ${DEFAULT_TOP_N})`;

/** The optional `collection` argument of every tool that reads documents. */
export const collectionInput = z
  .string()
  .trim()
  .min(1, { error: 'collection is empty: omit it to use every collection, or pass a name index_status lists' })
  .optional()
  .meta({
    description:
      'Only this collection (a folder the server serves; the server instructions and index_status list them with ' +
      'what each holds). Default: every collection. Example: "project-docs".',
    examples: ['project-docs'],
  });

/** Collections a call left out because they could not answer; absent when every one did. */
export const skippedSchema = z
  .array(z.object({ collection: z.string(), reason: z.string() }))
  .optional()
  .describe('Collections not searched or listed, and why (folder missing, index still loading); their documents are missing from this answer.');

/** Input fields common to `query_documents` and `query_documents_compressed`. */
export const queryInputShape = {
  query: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? 'query is required: pass the words or question to search for, e.g. "configure the file watcher"'
          : 'query must be a string, e.g. "configure the file watcher"',
    })
    .trim()
    .min(1, {
      error: 'query is empty: pass the words or question to search for, e.g. "configure the file watcher"',
    })
    .max(MAX_QUERY_CHARS, {
      error: (issue) =>
        `query is ${String(typeof issue.input === 'string' ? issue.input.length : 'too many')} characters; ` +
        `the limit is ${MAX_QUERY_CHARS}: search for the key phrases instead of pasting a whole text`,
    })
    .meta({
      description:
        'What to look for: a natural-language question, keywords, or an identifier (snake_case, camelCase and ' +
        `dotted.names are matched as written). Required, 1–${MAX_QUERY_CHARS} characters after trimming. ` +
        'Example: "how are stale index locks recovered".',
      examples: ['how are stale index locks recovered', 'lock_timeout_seconds'],
    }),
  top_n: z
    .number({ error: TOP_N_RANGE })
    .int({ error: TOP_N_RANGE })
    .min(1, { error: TOP_N_RANGE })
    .max(MAX_TOP_N, { error: TOP_N_RANGE })
    .default(DEFAULT_TOP_N)
    .meta({
      description:
        `Maximum number of results, best first, integer 1–${MAX_TOP_N}. Default ${DEFAULT_TOP_N}. ` +
        'Raise it (e.g. 20) for broad surveys; keep it low for a precise question. Example: 10.',
      examples: [10],
    }),
  path_glob: z
    .string()
    .min(1, { error: 'path_glob is empty: omit it, or pass a glob such as "guides/**/*.md"' })
    .optional()
    .meta({
      description:
        'Only return results from documents whose path (relative to the docs root, "/"-separated) matches this ' +
        'glob. Default: no path filter. Example: "guides/**/*.md".',
      examples: ['guides/**/*.md', 'adr/*.md'],
    }),
  tags: z
    .array(z.string().min(1, { error: 'tags must not contain empty strings' }))
    .optional()
    .meta({
      description:
        'Only return results from documents carrying every one of these tags (front matter `tags` or #hashtags). ' +
        'Default: no tag filter. Example: ["architecture"].',
      examples: [['architecture'], ['api', 'v2']],
    }),
  collection: collectionInput,
};

/** Present while the index is incomplete (a first build, or a large change being applied). */
export const indexingSchema = z
  .object({
    files_indexed: z.number().int().describe('Files the index holds now.'),
    files_total: z.number().int().nullable().describe('Files it will hold once indexing is done (null: the folder is still being scanned).'),
  })
  .optional()
  .describe('Set while indexing is in progress: results may be incomplete until files_indexed reaches files_total.');

export const searchResultSchema = z.object({
  collection: z.string().describe('Collection (folder) of the document; path is relative to its root.'),
  path: z.string().describe('Document path relative to the docs root (its collection\'s folder), "/"-separated.'),
  heading_path: z.array(z.string()).describe('Headings from the top of the document down to this section.'),
  start_line: z.number().int().describe('First line of the chunk in the file (1-based).'),
  end_line: z.number().int().describe('Last line of the chunk in the file (1-based, inclusive).'),
  score: z.number().describe('Relevance from 0 to 1, the same scale for every query: about 0.75 when the chunk holds every query word, 0.5 the rarer half, below 0.3 a weak match (with search.fusion = "rrf": a raw rank-fusion sum, about 0.01–0.05).'),
  content: z.string().describe('Markdown source of the chunk.'),
  matched_by: z
    .array(z.enum(['semantic', 'keyword', 'graph']))
    .describe('Retrievers that found this chunk (graph = reached through links from strong hits).'),
});

export const headingSchema = z.object({
  depth: z.number().int(),
  text: z.string(),
  slug: z.string(),
  line: z.number().int(),
});

export const linkOutSchema = z.object({
  target: z.string().describe('Link target as written (without its #heading or #^block part).'),
  path: z.string().nullable().describe('Path of the document the link opens, or null (external or unresolved).'),
  heading: z.string().nullable().describe('The #heading part of the link, or null.'),
  block: z.string().nullable().describe('The #^block id of the link, without "^" (as in [[Page#^abc123]]), or null.'),
  status: z
    .enum(['resolved', 'ambiguous', 'unresolved', 'external'])
    .describe(
      'resolved: one document answers to the link. ambiguous: several documents answer to its name; the one ' +
        'Obsidian opens (a file of that name before a title or alias, then the same folder, then the shortest path) ' +
        'was chosen and candidates lists the others. unresolved: no document ' +
        '(path null). external: a URL or a file that is not a document (image, PDF…), not checked.',
    ),
  candidates: z.array(z.string()).optional().describe('Only when ambiguous: the other documents the name could mean, sorted by path.'),
  heading_found: z
    .boolean()
    .optional()
    .describe('Only when the link has a heading and a path: whether the target has that heading (any case, by text or slug).'),
  block_found: z.boolean().optional().describe('Only when the link has a block id and a path: whether the target has that block.'),
});

export const linkProblemsSchema = z
  .object({
    unresolved: z.number().int().describe('Links no document answers to.'),
    ambiguous: z.number().int().describe('Links whose name several documents answer to (see candidates).'),
    missing_headings: z.number().int().describe('Links to a heading the target document does not have.'),
    missing_blocks: z.number().int().describe('Links to a ^block the target document does not have.'),
  })
  .describe('How many of links_out need a look; all 0 when every link opens what it names.');
