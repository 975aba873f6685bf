import type { Heading, IndexStatus, SearchResult } from '../core/types.js';

/**
 * What the MCP tools need from the application. `app/` implements it; tests inject fakes.
 * Every method may throw `AppError` (NOT_FOUND, PATH_OUTSIDE_ROOT, INVALID_ARGUMENT, NOT_READY…);
 * the tool layer turns those into `isError` results with the error's hint.
 */
export interface QueryParams {
  query: string;
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

export interface DocumentView {
  path: string;
  title: string;
  content: string;
  /** Line range of `content` in the file, 1-based inclusive. */
  start_line: number;
  end_line: number;
  headings: Heading[];
  tags: string[];
  links_out: { target: string; path: string | null; heading: string | null }[];
  links_in: string[];
}

export interface GetDocumentParams {
  path: string;
  heading?: string;
  startLine?: number;
  endLine?: number;
}

export interface DocumentSummary {
  path: string;
  title: string;
  tags: string[];
  chunks: number;
}

/** Present while the index is incomplete: answers may miss files not indexed yet. */
export interface IndexingNotice {
  files_indexed: number;
  /** Null while the folder is still being scanned. */
  files_total: number | null;
}

export interface DocsService {
  query(params: QueryParams): Promise<{ results: SearchResult[]; indexing?: IndexingNotice }>;
  queryCompressed(params: CompressedQueryParams): Promise<{ results: SearchResult[]; stats: QueryStats; indexing?: IndexingNotice }>;
  getDocument(params: GetDocumentParams): Promise<DocumentView>;
  listDocuments(params: { glob?: string; tag?: string }): Promise<{ documents: DocumentSummary[]; indexing?: IndexingNotice }>;
  status(): IndexStatus;
}
