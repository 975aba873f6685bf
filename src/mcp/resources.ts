import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, ListResourcesRequestSchema, McpError, type CallToolResult, type Resource, type ResourceLink } from '@modelcontextprotocol/sdk/types.js';
import { AppError, isAppError } from '../core/errors.js';
import { completeDocumentPath } from './completions.js';
import type { DocsService, DocumentView } from './service.js';
import type { ToolContext } from './tool-runtime.js';

/**
 * Every indexed document as an MCP resource, `ragdocs://doc/<path>`.
 *
 * Why a scheme of our own and not `file://`: the URI stays the same wherever the folder lives
 * (several instances, other machines), it never invites a client to read the disk behind the
 * server's path checks, and it cannot name anything outside the docs root. The path keeps its
 * `/` separators (RFC 6570 reserved expansion, `{+path}`); each segment is percent-encoded.
 * A fragment names a section: `ragdocs://doc/guides/setup.md#installation`.
 */
export const DOCUMENT_URI_TEMPLATE = 'ragdocs://doc/{+path}';
const URI_PREFIX = 'ragdocs://doc/';

/** JSON-RPC code the MCP spec gives an unknown resource. */
const RESOURCE_NOT_FOUND = -32002;
/** Resources per `resources/list` page; a vault of 50,000 notes would be megabytes in one answer. */
export const RESOURCE_PAGE_SIZE = 500;

/** The resource URI of a document path (relative, `/`-separated), with an optional heading slug. */
export function documentUri(path: string, headingSlug?: string): string {
  const base = URI_PREFIX + path.split('/').map(encodeURIComponent).join('/');
  return headingSlug === undefined ? base : `${base}#${encodeURIComponent(headingSlug)}`;
}

/** `text/markdown` for Markdown, `text/plain` for `.txt` and other text files. */
export function mimeTypeOf(path: string): string {
  return /\.(md|markdown|mdx)$/i.test(path) ? 'text/markdown' : 'text/plain';
}

/**
 * The document path (and section) a resource URI names. Only the shape is checked here;
 * whether the path stays inside the docs root is getDocument's job (real path + prefix).
 */
export function parseDocumentUri(uri: string): { path: string; heading?: string } {
  if (!uri.startsWith(URI_PREFIX)) {
    throw new AppError('INVALID_ARGUMENT', `${uri} is not a document URI`, { hint: `Document URIs look like ${URI_PREFIX}guides/setup.md (see resources/list).` });
  }
  const rest = uri.slice(URI_PREFIX.length);
  const hash = rest.indexOf('#');
  const rawPath = hash < 0 ? rest : rest.slice(0, hash);
  const rawHeading = hash < 0 ? '' : rest.slice(hash + 1);
  try {
    const path = decodeURIComponent(rawPath);
    const heading = decodeURIComponent(rawHeading);
    return heading === '' ? { path } : { path, heading };
  } catch {
    throw new AppError('INVALID_ARGUMENT', `${uri} is not a valid document URI (bad percent-encoding)`, {
      hint: 'Percent-encode each path segment as UTF-8, e.g. ragdocs://doc/notes/caf%C3%A9.md.',
    });
  }
}

/** The AppError of a failed read as the JSON-RPC error a client expects for resources. */
function toMcpError(err: unknown, uri: string, ctx: ToolContext): McpError {
  if (!isAppError(err)) {
    ctx.logger.error({ err, uri }, 'reading a resource failed unexpectedly');
    return new McpError(ErrorCode.InternalError, `reading ${uri} failed: internal error (details are in the server log on stderr)`);
  }
  const text = err.hint === undefined ? err.message : `${err.message}. ${err.hint}`;
  if (err.code === 'NOT_FOUND') return new McpError(RESOURCE_NOT_FOUND, `Resource not found: ${text}`, { uri });
  if (err.code === 'PATH_OUTSIDE_ROOT' || err.code === 'INVALID_ARGUMENT') return new McpError(ErrorCode.InvalidParams, text, { uri });
  return new McpError(ErrorCode.InternalError, text, { uri });
}

/** Reads the document (or section) a URI names; a link-style name is not a URI and is refused. */
export async function readDocumentResource(service: DocsService, uri: string): Promise<DocumentView> {
  const { path, heading } = parseDocumentUri(uri);
  const doc = await service.getDocument({ path, ...(heading === undefined ? {} : { heading }) });
  if (doc.path !== path) {
    // getDocument also accepts link-style names; a URI is an identity, so say where it lives.
    throw new AppError('NOT_FOUND', `${path} does not exist`, { hint: `Did you mean ${documentUri(doc.path)}?` });
  }
  return doc;
}

function encodeCursor(afterPath: string): string {
  return Buffer.from(JSON.stringify({ after: afterPath }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { after?: unknown }).after === 'string') return (parsed as { after: string }).after;
  } catch {
    // fall through to the error below
  }
  throw new McpError(ErrorCode.InvalidParams, `invalid cursor ${JSON.stringify(cursor)}: pass the nextCursor of the previous resources/list page, or none for the first page`);
}

/**
 * One page of documents as resources, sorted by path. The cursor is the last path of the
 * previous page (not an offset), so a document added or removed between pages shifts nothing.
 */
export async function listDocumentResources(service: DocsService, cursor: string | undefined, pageSize = RESOURCE_PAGE_SIZE): Promise<{ resources: Resource[]; nextCursor?: string; paths: string[] }> {
  const after = cursor === undefined ? null : decodeCursor(cursor);
  const { documents } = await service.listDocuments({});
  const sorted = [...documents].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const rest = after === null ? sorted : sorted.filter((d) => d.path > after);
  const page = rest.slice(0, pageSize);
  const resources = page.map((d) => ({
    uri: documentUri(d.path),
    name: d.path,
    title: d.title,
    mimeType: mimeTypeOf(d.path),
    description: `${d.title}${d.tags.length > 0 ? ` [${d.tags.join(', ')}]` : ''} (${d.chunks} chunk${d.chunks === 1 ? '' : 's'})`,
  }));
  const last = page[page.length - 1];
  return { resources, ...(rest.length > pageSize && last ? { nextCursor: encodeCursor(last.path) } : {}), paths: sorted.map((d) => d.path) };
}

/**
 * Registers the document resource template (read, complete `path`) and a paginated
 * `resources/list`. McpServer's own list handler concatenates every template's list in one
 * page and drops cursors, so ours replaces it (the SDK lets a handler be set again).
 */
export function registerDocumentResources(server: McpServer, ctx: ToolContext, onListed: (paths: string[]) => void): void {
  const template = new ResourceTemplate(DOCUMENT_URI_TEMPLATE, {
    list: undefined,
    complete: { path: (value) => completeDocumentPath(ctx.service, value) },
  });
  server.registerResource(
    'document',
    template,
    {
      title: 'Document',
      description: 'A document of the docs folder as Markdown (text/plain for .txt), by its path relative to the docs root; a #fragment (heading text or slug) reads one section. Example: ragdocs://doc/guides/setup.md#installation.',
      mimeType: 'text/markdown',
    },
    async (uri) => {
      try {
        const doc = await readDocumentResource(ctx.service, uri.toString());
        const heading = parseDocumentUri(uri.toString()).heading;
        return { contents: [{ uri: heading === undefined ? documentUri(doc.path) : uri.toString(), mimeType: mimeTypeOf(doc.path), text: doc.content }] };
      } catch (err) {
        throw toMcpError(err, uri.toString(), ctx);
      }
    },
  );
  server.server.setRequestHandler(ListResourcesRequestSchema, async (request) => {
    try {
      const { resources, nextCursor, paths } = await listDocumentResources(ctx.service, request.params?.cursor);
      onListed(paths);
      return { resources, ...(nextCursor === undefined ? {} : { nextCursor }) };
    } catch (err) {
      if (err instanceof McpError) throw err;
      throw toMcpError(err, 'resources/list', ctx);
    }
  });
}

/**
 * Adds one `resource_link` per distinct document of the results, in result order, after the
 * text block (an error result is returned unchanged). Clients that show resources can open the
 * whole document from a hit; the text and structuredContent stay as they were.
 */
export function withResourceLinks(result: CallToolResult): CallToolResult {
  if (result.isError) return result;
  const structured = result.structuredContent as { results?: { path: string; heading_path: string[]; start_line: number; end_line: number }[] } | undefined;
  const seen = new Set<string>();
  const links: ResourceLink[] = [];
  for (const r of structured?.results ?? []) {
    if (seen.has(r.path)) continue;
    seen.add(r.path);
    links.push({
      type: 'resource_link',
      uri: documentUri(r.path),
      name: r.path,
      mimeType: mimeTypeOf(r.path),
      description: `Whole document of the hit at lines ${r.start_line}–${r.end_line}${r.heading_path.length > 0 ? ` (${r.heading_path.join(' › ')})` : ''}.`,
    });
  }
  return links.length === 0 ? result : { ...result, content: [...result.content, ...links] };
}
