import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { watchResourceList } from './list-changed.js';
import { registerGetDocumentPrompt } from './prompts.js';
import { DOCUMENT_URI_TEMPLATE, registerDocumentResources } from './resources.js';
import type { CollectionInfo, DocsService } from './service.js';
import type { ToolContext, ToolLogger } from './tool-runtime.js';
import { registerGetDocument } from './tools/get-document.js';
import { registerIndexStatus } from './tools/index-status.js';
import { registerListDocuments } from './tools/list-documents.js';
import { registerQueryDocumentsCompressed } from './tools/query-documents-compressed.js';
import { registerQueryDocuments } from './tools/query-documents.js';

export interface McpServerInfo {
  name: string;
  version: string;
  /** Receives unexpected tool failures with their stack; defaults to stderr. */
  logger?: ToolLogger;
  /** The documents root (absolute), named in the instructions. */
  docsRoot?: string;
  /** Documents indexed when the server was built; omitted (or null) while the index still loads. */
  documentsAtStart?: number | null;
  /**
   * The collections served, with the document count each index on disk records at start-up (null:
   * not known). With more than one, the instructions list them instead of one docs root.
   */
  collections?: readonly (CollectionInfo & { documents: number | null })[];
}

/** What each tool is for; part of the instructions sent at `initialize`. */
export const SERVER_INSTRUCTIONS = [
  'Searches a local folder of Markdown and text documentation or notes (hybrid: keyword + semantic + link graph).',
  'Use it whenever the answer may be in the project\'s docs or notes, before guessing or reading files one by one.',
  '',
  '- query_documents: start here. Ranked chunks with path, heading path, line range, score and text.',
  '- query_documents_compressed: the same search minus low-score and near-duplicate chunks; prefer it for broad questions with a large top_n or repetitive notes.',
  '- get_document: read a whole document, one section (heading), one ^block or a line range, with its outline and links (ambiguous or broken links flagged); use it to read around a search hit or follow links.',
  '- list_documents: see which documents exist (filter by path glob or tag) when you do not know what to search for, or which documents a link-style name could mean (name).',
  '- index_status: check whether the index is ready, still indexing, or degraded when results look missing or stale.',
  '',
  'Paths are relative to the docs root and "/"-separated. Scores run from 0 to 1 and mean the same for every query (about 0.75: the chunk holds every query word; below 0.3: a weak match).',
  'Keyword search works before embeddings are ready; while index_status says loading or indexing, results may be incomplete.',
].join('\n');

/**
 * The instructions sent to the client at `initialize` (clients put them in the model's
 * context): the docs root and, when known at start-up, its size, then the tool guide and the
 * MCP-native extras. Built once: the size is the start-up count, and says so.
 */
export function buildServerInstructions(info: Pick<McpServerInfo, 'docsRoot' | 'documentsAtStart' | 'collections'>): string {
  const several = info.collections !== undefined && info.collections.length > 1;
  const only = info.collections?.length === 1 ? info.collections[0] : undefined;
  const count = info.documentsAtStart ?? only?.documents ?? null;
  const size =
    count === null
      ? 'its size was not known yet at start-up (the index was loading): list_documents or index_status give the current count'
      : `${formatCount(count)} at start-up (index_status gives the current count)`;
  const described = only !== undefined && only.description !== '' ? ` It holds: ${only.description}` : '';
  const head = several
    ? [...describeCollections(info.collections ?? []), '']
    : info.docsRoot === undefined
      ? []
      : [`Docs root: ${info.docsRoot}; ${size}.${described}`, ''];
  return [
    ...head,
    SERVER_INSTRUCTIONS,
    '',
    `Every document is also a resource, ${DOCUMENT_URI_TEMPLATE}${several ? '?collection=NAME' : ''} (Markdown; a #heading fragment reads one section); search results link to them. ` +
      'The get_document prompt inserts a document or section into the conversation, with path and heading completion.',
  ].join('\n');
}

function formatCount(n: number): string {
  return `${n.toLocaleString('en-US')} document${n === 1 ? '' : 's'}`;
}

/** One line per collection: name, what it holds, folder, size; then how to pick one. */
function describeCollections(collections: readonly (CollectionInfo & { documents: number | null })[]): string[] {
  return [
    `Collections (${collections.length}): each a folder of its own. Every tool searches all of them unless given collection; results name their collection, and paths are relative to its folder.`,
    ...collections.map((c) => {
      const size = c.documents === null ? 'size not known at start-up' : `${formatCount(c.documents)} at start-up`;
      return `- ${c.name}: ${c.description === '' ? '(no description)' : c.description} (${c.root}; ${size})`;
    }),
    'Pass collection (e.g. "' + (collections[0]?.name ?? 'docs') + '") when the question belongs to one of them; index_status gives current counts.',
  ];
}

/** Fallback logger: stderr only, because stdout carries the JSON-RPC frames. */
function createStderrLogger(): ToolLogger {
  return {
    error(obj, msg) {
      console.error(msg, obj);
    },
  };
}

/**
 * Builds the MCP server with its five read-only tools, all calling `service`, every document as
 * a resource (with `list_changed` when documents appear or disappear) and the `get_document`
 * prompt with completions. Transports are not wired here: the caller connects stdio (or an
 * in-memory pair in tests).
 */
export function createMcpServer(service: DocsService, info: McpServerInfo): McpServer {
  const server = new McpServer({ name: info.name, version: info.version }, { instructions: buildServerInstructions(info) });
  const ctx: ToolContext = { service, logger: info.logger ?? createStderrLogger() };
  registerQueryDocuments(server, ctx);
  registerQueryDocumentsCompressed(server, ctx);
  registerGetDocument(server, ctx);
  registerListDocuments(server, ctx);
  registerIndexStatus(server, ctx);
  const listWatch = watchResourceList(server, service, ctx.logger);
  registerDocumentResources(server, ctx, (paths) => listWatch.noteListed(paths));
  registerGetDocumentPrompt(server, ctx);
  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    listWatch.close();
    previousOnClose?.();
  };
  return server;
}
