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

/**
 * The resource URI of a document path (relative, `/`-separated), with an optional heading slug.
 * A server of several collections adds `?collection=NAME` (the same path may be in two of them).
 */
export function documentUri(path: string, headingSlug?: string, collection?: string): string {
  const base = URI_PREFIX + path.split('/').map(encodeURIComponent).join('/') + (collection === undefined ? '' : `?collection=${encodeURIComponent(collection)}`);
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
export function parseDocumentUri(uri: string): { path: string; heading?: string; collection?: string } {
  if (!uri.startsWith(URI_PREFIX)) {
    throw new AppError('INVALID_ARGUMENT', `${uri} is not a document URI`, { hint: `Document URIs look like ${URI_PREFIX}guides/setup.md (see resources/list).` });
  }
  const rest = uri.slice(URI_PREFIX.length);
  const hash = rest.indexOf('#');
  const beforeHash = hash < 0 ? rest : rest.slice(0, hash);
  const rawHeading = hash < 0 ? '' : rest.slice(hash + 1);
  // A `?` in a path is percent-encoded, so the first one starts the query.
  const question = beforeHash.indexOf('?');
  const rawPath = question < 0 ? beforeHash : beforeHash.slice(0, question);
  const query = new URLSearchParams(question < 0 ? '' : beforeHash.slice(question + 1));
  try {
    const path = decodeURIComponent(rawPath);
    const heading = decodeURIComponent(rawHeading);
    const collection = query.get('collection') ?? undefined;
    return { path, ...(heading === '' ? {} : { heading }), ...(collection === undefined || collection === '' ? {} : { collection }) };
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
  const { path, heading, collection } = parseDocumentUri(uri);
  const doc = await service.getDocument({ path, ...(heading === undefined ? {} : { heading }), ...(collection === undefined ? {} : { collection }) });
  if (doc.path !== path) {
    // getDocument also accepts link-style names; a URI is an identity, so say where it lives.
    throw new AppError('NOT_FOUND', `${path} does not exist`, { hint: `Did you mean ${documentUri(doc.path, undefined, uriCollection(service, doc.collection))}?` });
  }
  return doc;
}

/** The collection to name in a URI: only when the server serves several. */
export function uriCollection(service: Pick<DocsService, 'collections'>, collection: string): string | undefined {
  return service.collections().length > 1 ? collection : undefined;
}

interface Cursor {
  collection: string;
  after: string;
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) {
      const { after, collection } = parsed as { after?: unknown; collection?: unknown };
      if (typeof after === 'string') return { after, collection: typeof collection === 'string' ? collection : '' };
    }
  } catch {
    // fall through to the error below
  }
  throw new McpError(ErrorCode.InvalidParams, `invalid cursor ${JSON.stringify(cursor)}: pass the nextCursor of the previous resources/list page, or none for the first page`);
}

/**
 * One page of documents as resources, by collection (in configured order), then by path. The
 * cursor is the last (collection, path) of the previous page (not an offset), so a document
 * added or removed between pages shifts nothing.
 */
export async function listDocumentResources(service: DocsService, cursor: string | undefined, pageSize = RESOURCE_PAGE_SIZE): Promise<{ resources: Resource[]; nextCursor?: string; paths: string[] }> {
  const after = cursor === undefined ? null : decodeCursor(cursor);
  const { documents } = await service.listDocuments({});
  const order = new Map(service.collections().map((c, i) => [c.name, i]));
  const rank = (name: string): number => order.get(name) ?? order.size;
  const compare = (a: { collection: string; path: string }, b: { collection: string; path: string }): number =>
    rank(a.collection) - rank(b.collection) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);
  const sorted = [...documents].sort(compare);
  const rest = after === null ? sorted : sorted.filter((d) => compare(d, { collection: after.collection === '' ? d.collection : after.collection, path: after.after }) > 0);
  const page = rest.slice(0, pageSize);
  const several = order.size > 1;
  const resources = page.map((d) => ({
    uri: documentUri(d.path, undefined, several ? d.collection : undefined),
    name: several ? `${d.collection}/${d.path}` : d.path,
    title: d.title,
    mimeType: mimeTypeOf(d.path),
    description: `${d.title}${d.tags.length > 0 ? ` [${d.tags.join(', ')}]` : ''} (${d.chunks} chunk${d.chunks === 1 ? '' : 's'}${several ? `; collection ${d.collection}` : ''})`,
  }));
  const last = page[page.length - 1];
  return {
    resources,
    ...(rest.length > pageSize && last ? { nextCursor: encodeCursor({ collection: last.collection, after: last.path }) } : {}),
    paths: sorted.map((d) => (several ? `${d.collection}\0${d.path}` : d.path)),
  };
}

/**
 * Registers the document resource template (read, complete `path`) and a paginated
 * `resources/list`. McpServer's own list handler concatenates every template's list in one
 * page and drops cursors, so ours replaces it (the SDK lets a handler be set again).
 */
export function registerDocumentResources(server: McpServer, ctx: ToolContext, onListed: (paths: string[]) => void): void {
  const template = new ResourceTemplate(DOCUMENT_URI_TEMPLATE, {
    list: undefined,
    complete: { path: (value, context) => completeDocumentPath(ctx.service, value, context) },
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
        const canonical = documentUri(doc.path, undefined, uriCollection(ctx.service, doc.collection));
        return { contents: [{ uri: heading === undefined ? canonical : uri.toString(), mimeType: mimeTypeOf(doc.path), text: doc.content }] };
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
export function withResourceLinks(result: CallToolResult, several = false): CallToolResult {
  if (result.isError) return result;
  const structured = result.structuredContent as { results?: { collection?: string; path: string; heading_path: string[]; start_line: number; end_line: number }[] } | undefined;
  const seen = new Set<string>();
  const links: ResourceLink[] = [];
  for (const r of structured?.results ?? []) {
    const collection = several ? r.collection : undefined;
    const uri = documentUri(r.path, undefined, collection);
    if (seen.has(uri)) continue;
    seen.add(uri);
    links.push({
      type: 'resource_link',
      uri,
      name: collection === undefined ? r.path : `${collection}/${r.path}`,
      mimeType: mimeTypeOf(r.path),
      description: `Whole document of the hit at lines ${r.start_line}–${r.end_line}${r.heading_path.length > 0 ? ` (${r.heading_path.join(' › ')})` : ''}.`,
    });
  }
  return links.length === 0 ? result : { ...result, content: [...result.content, ...links] };
}
