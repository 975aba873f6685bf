import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { DocsService } from './service.js';
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
}

/** Sent to the client at `initialize`; clients put it in the model's context. */
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

/** Fallback logger: stderr only, because stdout carries the JSON-RPC frames. */
function createStderrLogger(): ToolLogger {
  return {
    error(obj, msg) {
      console.error(msg, obj);
    },
  };
}

/**
 * Builds the MCP server with its five read-only tools, all calling `service`.
 * Transports are not wired here: the caller connects stdio (or an in-memory pair in tests).
 */
export function createMcpServer(service: DocsService, info: McpServerInfo): McpServer {
  const server = new McpServer({ name: info.name, version: info.version }, { instructions: SERVER_INSTRUCTIONS });
  const ctx: ToolContext = { service, logger: info.logger ?? createStderrLogger() };
  registerQueryDocuments(server, ctx);
  registerQueryDocumentsCompressed(server, ctx);
  registerGetDocument(server, ctx);
  registerListDocuments(server, ctx);
  registerIndexStatus(server, ctx);
  return server;
}
