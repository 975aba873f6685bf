import type { Heading, IndexStatus, SearchResult } from '../core/types.js';

/**
 * What the MCP tools need from the application. `app/` implements it; tests inject fakes.
 * Every method may throw `AppError` (NOT_FOUND, PATH_OUTSIDE_ROOT, INVALID_ARGUMENT, NOT_READY…);
 * the tool layer turns those into `isError` results with the error's hint.
 */
export interface QueryParams {
  query: string;
  /** Only this collection; default: every collection served. */
  collection?: string;
  topN: number;
  /** Glob (picomatch, relative to the docs root) a result's path must match. */
  pathGlob?: string;
  /** Results must come from documents carrying every one of these tags. */
  tags?: string[];
}

export interface CompressedQueryParams extends QueryParams {
  /** Drop results whose fused score is below this. */
  minScore?: number;
  /** Drop results at least this similar to a better one (0–1). */
  similarityThreshold?: number;
}

export interface QueryStats {
  /** Candidates before filtering, threshold and dedup. */
  before: number;
  after: number;
  removed_below_min_score: number;
  removed_duplicates: number;
}

/**
 * What became of a link: `resolved` (one document answers to it), `ambiguous` (several do; the
 * nearest was chosen, `candidates` are the others), `unresolved` (no document) or `external` (a
 * URL, or a file that is not a document, e.g. an image or PDF; not checked).
 */
export type LinkStatus = 'resolved' | 'ambiguous' | 'unresolved' | 'external';

export interface LinkOut {
  target: string;
  path: string | null;
  heading: string | null;
  /** The `#^block` id linked to, without `^`. */
  block: string | null;
  status: LinkStatus;
  /** Set when ambiguous: the other documents the name could mean, sorted. */
  candidates?: string[];
  /** Set when the link names a heading of a document it resolves to: whether that heading exists. */
  heading_found?: boolean;
  /** Set when the link names a block of a document it resolves to: whether that block exists. */
  block_found?: boolean;
}

/** Counts of the links of a document that need a look. */
export interface LinkProblems {
  unresolved: number;
  ambiguous: number;
  missing_headings: number;
  missing_blocks: number;
}

export interface DocumentView {
  collection: string;
  path: string;
  title: string;
  content: string;
  /** Line range of `content` in the file, 1-based inclusive. */
  start_line: number;
  end_line: number;
  headings: Heading[];
  /** Blocks that `^id` markers name, as links (`[[Page#^id]]`) and the `block` argument address them. */
  blocks: { id: string; start_line: number; end_line: number }[];
  tags: string[];
  links_out: LinkOut[];
  link_problems: LinkProblems;
  links_in: string[];
}

export interface GetDocumentParams {
  path: string;
  /** The collection to read from; without it, whichever collection has the path (several: an error listing them). */
  collection?: string;
  heading?: string;
  /** A `^block` id (with or without `^`). */
  block?: string;
  startLine?: number;
  endLine?: number;
}

export interface DocumentSummary {
  collection: string;
  path: string;
  title: string;
  tags: string[];
  chunks: number;
}

export interface ListDocumentsParams {
  /** Only this collection; default: every collection served. */
  collection?: string;
  glob?: string;
  tag?: string;
  /**
   * A link-style name (file name, path, title or alias, any case, with or without `.md`): only
   * the documents it could mean, the one a wikilink from the root opens first.
   */
  name?: string;
}

/** Present while the index is incomplete: answers may miss files not indexed yet. */
export interface IndexingNotice {
  files_indexed: number;
  /** Null while the folder is still being scanned. */
  files_total: number | null;
}

/** A collection served: tools take its name as `collection`. */
export interface CollectionInfo {
  name: string;
  description: string;
  /** Absolute path of its folder. */
  root: string;
}

/** A collection a search or listing left out, and why (its folder is missing, its index did not load in time). */
export interface SkippedCollection {
  collection: string;
  reason: string;
}

export interface DocsService {
  query(params: QueryParams): Promise<{ results: SearchResult[]; indexing?: IndexingNotice; skipped?: SkippedCollection[] }>;
  queryCompressed(params: CompressedQueryParams): Promise<{ results: SearchResult[]; stats: QueryStats; indexing?: IndexingNotice; skipped?: SkippedCollection[] }>;
  getDocument(params: GetDocumentParams): Promise<DocumentView>;
  listDocuments(params: ListDocumentsParams): Promise<{ documents: DocumentSummary[]; hint?: string; indexing?: IndexingNotice; skipped?: SkippedCollection[] }>;
  status(): IndexStatus;
  /** The collections served, in configured order (one when a single folder is served). */
  collections(): CollectionInfo[];
  /**
   * Calls `listener` whenever the indexed documents may have changed (often, during a large
   * build; the caller debounces and compares). Returns the unsubscribe. Optional: a service
   * without it simply never announces `notifications/resources/list_changed`.
   */
  onDocumentsChanged?(listener: () => void): () => void;
}
