import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { CollectionStatus, IndexStatus } from '../../core/types.js';
import { describeStatus } from '../status-text.js';
import { READ_ONLY_ANNOTATIONS, runTool, type ToolContext } from '../tool-runtime.js';

export const INDEX_STATUS = 'index_status';

const count = (what: string) => z.number().int().describe(what);

const lockHolderSchema = z
  .object({
    pid: z.number().int(),
    since: z.string().describe('ISO time the lock was taken.'),
    instance_id: z.string().describe('Instance id of the holder.'),
    hostname: z.string(),
    held_ms: z.number().describe('How long it has held the lock.'),
    heartbeat: z.string().describe('ISO time of its last heartbeat (written every second while it holds the lock).'),
    alive: z.boolean().nullable().describe('Whether the process exists (null: it runs on another host).'),
    stopped: z.boolean().nullable().describe('Whether it is stopped (SIGSTOP, a suspended job, a debugger); null: cannot tell.'),
    progressing: z.boolean().describe('False when it is stopped or its heartbeat is over 5 s old: the lock is held but no work is done; changes wait until it resumes or exits.'),
  })
  .nullable()
  .describe('Process holding the index write lock, or null.');

const collectionStatusSchema = z.object({
  name: z.string().describe('What the tools take as collection.'),
  description: z.string().describe('What the folder holds ("" when not configured).'),
  root: z.string().describe('Absolute path of its folder.'),
  state: z.enum(['loading', 'indexing', 'ready', 'degraded']),
  documents: count('Documents of this collection in the served index.'),
  chunks: count('Chunks of this collection.'),
  generation: count('Published generation of its index.'),
  pending_files: count('Changed files not yet in its index.'),
  chunks_embedded: count('Its chunks with a vector.'),
  embeddings_computed: count('Embeddings this process computed for it since start.'),
  embeddings_reused: count('Embeddings this process reused for it.'),
  files_parsed: count('Its files parsed by this process since start.'),
  files_unchanged: count('Its files found unchanged at startup.'),
  index_dir: z.string().describe('Absolute path of its index directory (shared with every instance serving this folder).'),
  lock_holder: lockHolderSchema,
  lock_wait_ms: z.number(),
  last_error: z.string().nullable(),
  index_problem: z.string().nullable(),
  index_fix: z.string().nullable(),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<CollectionStatus>;

/** Mirrors `IndexStatus` (src/core/types.ts) field for field; `status --json` prints the same object. */
export const indexStatusOutput = z.object({
  state: z
    .enum(['loading', 'indexing', 'ready', 'degraded'])
    .describe('loading: reading the persisted index; indexing: applying changes; ready; degraded: serving with a problem (see last_error, warnings).'),
  documents: count('Documents in the served index.'),
  chunks: count('Chunks in the served index.'),
  generation: count('Published index generation being served.'),
  pending_files: count('Changed files not yet in the served index.'),
  embedder: z.string().describe('Embedding provider and model id.'),
  index_dir: z.string().describe('Absolute path of the index directory.'),
  instance_id: z.string().describe('Id of this server process among the instances sharing the index.'),
  embeddings_computed: count('Embeddings this process computed since start.'),
  embeddings_reused: count('Embeddings this process reused (unchanged content or work of another instance).'),
  last_error: z.string().nullable().describe('Most recent indexing error, or null.'),
  files_parsed: count('Files parsed by this process since start.'),
  files_unchanged: count('Files skipped at startup because they matched the persisted index.'),
  lock_holder: lockHolderSchema,
  lock_wait_ms: z.number().describe('Time spent waiting for the write lock.'),
  embedder_state: z.string().describe('off (provider none), idle (not loaded by this process), starting, downloading, loading, ready or unavailable.'),
  embedder_fix: z.string().nullable().describe('What fixes an unavailable embedder (a command or setting), or null.'),
  embedder_problem: z.string().nullable().describe('Why semantic search is not available right now (model missing, downloading, failing), or null; embedder_fix says what fixes it.'),
  chunks_embedded: count('Chunks with a vector: semantic search covers these.'),
  index_problem: z
    .string()
    .nullable()
    .describe('Why the index on disk lacks files of the folder (it cannot be saved: disk full, read-only; or a persisted generation is incomplete), or null; pending_files counts them and index_fix says what fixes it.'),
  index_fix: z.string().nullable().describe('What fixes index_problem (free space, a writable --index-dir, a command to run), or null.'),
  warnings: z.array(z.string()),
  collections: z
    .array(collectionStatusSchema)
    .optional()
    .describe('Each collection (folder) served, with its own counts and health; one entry for a single folder. With several, the fields above sum the counts, take the worst state, and name each problem with its collection.'),
}) satisfies z.ZodType<IndexStatus>;

/** Registers `index_status`: progress and health of the index this server serves. */
export function registerIndexStatus(server: McpServer, ctx: ToolContext): void {
  server.registerTool(
    INDEX_STATUS,
    {
      title: 'Index status',
      description:
        'Report the state of the documentation index: loading/indexing/ready/degraded, document and chunk ' +
        'counts, files still pending, embedder, index directory, write-lock holder, last error and warnings. ' +
        'Call it when results look missing or stale, or before relying on search right after startup. ' +
        'Takes no arguments. Example: {}.',
      outputSchema: indexStatusOutput,
      annotations: READ_ONLY_ANNOTATIONS,
    },
    () =>
      runTool(ctx, { name: INDEX_STATUS, activity: 'reading the index status', outputSchema: indexStatusOutput }, () => {
        const status = ctx.service.status();
        return { text: describeStatus(status), structured: status };
      }),
  );
}
