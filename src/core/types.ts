/**
 * Shared domain types. Pure data: no I/O, no library types leak through here.
 * Paths are always relative to the documents root and `/`-separated.
 */

/** A heading of a Markdown document. `line` is 1-based. */
export interface Heading {
  depth: number;
  text: string;
  /** GitHub-style anchor slug of `text` (lower case, spaces → `-`, punctuation dropped). */
  slug: string;
  line: number;
}

export type LinkKind = 'inline' | 'reference' | 'wiki';

/**
 * A block an Obsidian block id names: the paragraph or list item whose text ends with ` ^id`
 * (or the block just before a line holding only `^id`). Lines are 1-based, inclusive.
 */
export interface BlockAnchor {
  /** Letters, digits and dashes, as written after the `^`. */
  id: string;
  /** First line of the block. */
  line: number;
  /** Last line of the block (a list item's nested lines included). */
  endLine: number;
}

/** A link found in a document, before resolution against the corpus. */
export interface Link {
  kind: LinkKind;
  /** Raw target as written: `other.md`, `../x/y.md#h`, `Page Name` (wiki), `https://…`. */
  target: string;
  /** `#heading` part, without the `#`, if any. */
  heading?: string;
  /** `#^block` part (an Obsidian block id), without the `#^`, if any; `heading` is then unset. */
  block?: string;
  /** Visible text, or the `|alias` of a wikilink. */
  text?: string;
  line: number;
}

/** A retrievable unit of a document. */
export interface Chunk {
  /** Stable id: `${docPath}#${ordinal}` — unique in the corpus. */
  id: string;
  docPath: string;
  ordinal: number;
  /** Heading texts from the top-level heading down to this chunk's section. */
  headingPath: string[];
  /** 1-based inclusive line range in the source file. */
  startLine: number;
  endLine: number;
  /** Chunk text as shown to users (Markdown source of the lines). */
  content: string;
  /** sha256 hex of `content` + heading path; used to reuse embeddings. */
  hash: string;
}

/** Result of parsing one file. */
export interface ParsedDocument {
  path: string;
  title: string;
  tags: string[];
  aliases: string[];
  /** Front matter as parsed (YAML mapping), `{}` when none or invalid. */
  frontMatter: Record<string, unknown>;
  headings: Heading[];
  /** Block ids (`^id`) in document order, the first of a repeated id only. */
  blockIds: BlockAnchor[];
  links: Link[];
  chunks: Chunk[];
  /** Non-fatal problems found while parsing (invalid front matter…). */
  warnings: string[];
}

export interface ChunkingOptions {
  /** Sections shorter than this (characters) merge with a neighbour. */
  minChars: number;
  /** Target maximum size; longer sections split at paragraph boundaries. */
  maxChars: number;
}

/** Which retriever contributed a result. */
export type MatchSource = 'semantic' | 'keyword' | 'graph';

/** A ranked hit from one retriever: a chunk id and its raw score (higher is better). */
export interface RankedHit {
  id: string;
  score: number;
}

/**
 * Keyword hits with the evidence the fusion calibrates with (src/indices/segment-search.ts
 * computes it): per hit its BM25F relative to the most the query allows and which query units
 * the chunk matches, per document which units any of its chunks match.
 */
export interface KeywordEvidence {
  /** Best first by BM25F (`score`). */
  hits: (RankedHit & { relative: number; mask: number })[];
  /** The query's units in query order: idf weight, chunks holding it, and what kind of token it came from. */
  units: {
    terms: string[];
    weight: number;
    docFreq: number;
    kind: 'word' | 'identifier' | 'part';
    /** An identifier or part of a token that is unmistakably code (keyword-tokenize.ts QueryUnit.code). */
    code: boolean;
  }[];
  /** Live chunks in the index (the N of idf). */
  chunkCount: number;
  /** Bit u set: unit u (< 32) occurs in some chunk of the document. */
  docMask(path: string): number;
}

/** A fused search result, as returned to MCP clients and the CLI. */
export interface SearchResult {
  /** The collection (folder) the document belongs to; `path` is relative to its root. */
  collection: string;
  path: string;
  heading_path: string[];
  start_line: number;
  end_line: number;
  score: number;
  content: string;
  matched_by: MatchSource[];
}

/** What the file table remembers of each indexed file. */
export interface FileEntry {
  path: string;
  size: number;
  mtimeMs: number;
  /** sha256 hex of the raw bytes. */
  hash: string;
  chunkIds: string[];
}

/** Per-document metadata kept in memory and persisted (no chunk text). */
export interface DocumentMeta {
  path: string;
  title: string;
  tags: string[];
  aliases: string[];
  headings: Heading[];
  blockIds: BlockAnchor[];
  links: Link[];
  chunkIds: string[];
  warnings: string[];
}

export type IndexState = 'loading' | 'indexing' | 'ready' | 'degraded';

/** Who holds the index write lock, for `index_status.lock_holder` (DESIGN §4: who and for how long). */
export interface LockHolderStatus {
  pid: number;
  /** ISO time it took the lock. */
  since: string;
  instance_id: string;
  hostname: string;
  /** How long it has held the lock, in ms. */
  held_ms: number;
  /** ISO time of its last heartbeat (it writes one every second while holding the lock). */
  heartbeat: string;
  /** Whether the process exists (null: it runs on another host). */
  alive: boolean | null;
  /** Whether it is stopped: SIGSTOP, a suspended terminal job, a debugger (null: cannot tell here). */
  stopped: boolean | null;
  /** False when it is stopped or its heartbeat is more than 5 s old: it keeps the lock without working. */
  progressing: boolean;
}

/** Structured output of `index_status` and `status --json` (DESIGN §2). */
export interface IndexStatus {
  state: IndexState;
  documents: number;
  chunks: number;
  generation: number;
  pending_files: number;
  embedder: string;
  index_dir: string;
  instance_id: string;
  embeddings_computed: number;
  embeddings_reused: number;
  last_error: string | null;
  /** Files parsed by this process since start (a restart with nothing changed leaves it at 0). */
  files_parsed: number;
  /** Files skipped at startup because size/mtime/hash matched the persisted index. */
  files_unchanged: number;
  /** Another process holding the index write lock, or null. */
  lock_holder: LockHolderStatus | null;
  lock_wait_ms: number;
  /** Where the embedder is: off (provider none), starting, downloading, loading, ready, unavailable. */
  embedder_state: string;
  /** What fixes an unavailable embedder (a command or a setting), else null. */
  embedder_fix: string | null;
  /** Why semantic search is not available right now (missing model, download, failure), else null. */
  embedder_problem: string | null;
  /** Chunks that have a vector (semantic search covers these). */
  chunks_embedded: number;
  /**
   * Why the index on disk does not hold every file of the folder (it cannot be saved, or a
   * persisted generation lacks files present on disk), else null. pending_files counts them.
   */
  index_problem: string | null;
  /** What fixes index_problem (a command, or freeing space), else null. */
  index_fix: string | null;
  warnings: string[];
  /**
   * Each collection served, with its own counts and health (set by the server and `status`; one
   * entry when one folder is served). With several, the fields above sum the counts, take the
   * worst state and name each problem with its collection.
   */
  collections?: CollectionStatus[];
}

/** One collection in `index_status.collections`: its folder, description and own index's status. */
export interface CollectionStatus {
  name: string;
  description: string;
  /** Absolute real path of the collection's folder. */
  root: string;
  state: IndexState;
  documents: number;
  chunks: number;
  generation: number;
  pending_files: number;
  chunks_embedded: number;
  embeddings_computed: number;
  embeddings_reused: number;
  files_parsed: number;
  files_unchanged: number;
  index_dir: string;
  lock_holder: LockHolderStatus | null;
  lock_wait_ms: number;
  last_error: string | null;
  index_problem: string | null;
  index_fix: string | null;
  warnings: string[];
}
