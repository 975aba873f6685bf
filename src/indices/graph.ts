/**
 * Link graph: the only module that imports graphology (directed, no parallel edges).
 *
 * Nodes are document paths; an edge A → B means A links to B. A node is `present` while its
 * document is in the corpus. Behaviour on removal, chosen so that edits in any order converge:
 *  - `removeDocument(p)` drops p's out-links and marks p absent. Links from other documents
 *    to p are kept as dangling edges: they disappear from `outLinks`/`backlinks`/`neighbors`
 *    and show up in `unresolvedLinks()` (target = p), and they become live again as soon as
 *    p is set again, without re-resolving the documents that link to it.
 *  - An absent node with no incoming edge is dropped entirely.
 *  - Self-links are ignored (a page linking to its own headings is not a neighbour).
 * Links that could not be resolved to a path (`unresolved`) are stored on the source node as
 * written; the caller re-resolves them (e.g. when new documents appear) by setting the source again.
 */
import { DirectedGraph } from 'graphology';
import { AppError } from '../core/errors.js';

interface NodeAttributes {
  present: boolean;
  unresolved: string[];
}

type LinkGraphStore = DirectedGraph<NodeAttributes>;

export interface LinkGraphSnapshot {
  format: 'ragdocs-graph';
  version: 1;
  /** graphology `export()` output. */
  graph: ReturnType<LinkGraphStore['export']>;
}

export interface UnresolvedLink {
  from: string;
  target: string;
}

export interface LinkGraph {
  /** Replaces `path`'s out-links and unresolved links, and marks it present. */
  setDocument(path: string, resolvedTargets: readonly string[], unresolved: readonly string[]): void;
  removeDocument(path: string): void;
  hasDocument(path: string): boolean;
  /** Present documents. */
  readonly documentCount: number;
  /** Present documents `path` links to, sorted. */
  outLinks(path: string): string[];
  /** Present documents linking to `path`, sorted. */
  backlinks(path: string): string[];
  /** Union of out-links and backlinks, sorted, without `path` itself. */
  neighbors(path: string): string[];
  /** Links written in present documents that lead to no present document, sorted. */
  unresolvedLinks(): UnresolvedLink[];
  /** What `setDocument` last stored for a present document (targets present or not), or null. */
  linksOf(path: string): { targets: string[]; unresolved: string[] } | null;
  /** Present documents, in no particular order. */
  documents(): string[];
  toJSON(): LinkGraphSnapshot;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

/** An empty link graph. */
export function createLinkGraph(): LinkGraph {
  return wrapGraph(new DirectedGraph<NodeAttributes>({ allowSelfLoops: false }));
}

/** Restores a graph from `toJSON()` output (validated here). */
export function loadLinkGraph(json: unknown): LinkGraph {
  const snapshot = json as LinkGraphSnapshot | null;
  if (snapshot === null || typeof snapshot !== 'object' || snapshot.format !== 'ragdocs-graph') {
    throw new AppError('INDEX_CORRUPT', 'link graph snapshot is not a ragdocs link graph', {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  if (snapshot.version !== 1) {
    throw new AppError('INDEX_FORMAT', `link graph format ${String(snapshot.version)} is not supported (expected 1)`, {
      hint: 'upgrade mcp-markdown-ragdocs, or rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
    });
  }
  const graph = new DirectedGraph<NodeAttributes>({ allowSelfLoops: false });
  try {
    graph.import(snapshot.graph);
  } catch (err) {
    throw new AppError('INDEX_CORRUPT', `link graph snapshot could not be imported: ${String(err)}`, {
      hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
      cause: err,
    });
  }
  graph.forEachNode((node, attributes) => {
    if (typeof attributes.present !== 'boolean' || !Array.isArray(attributes.unresolved)) {
      throw new AppError('INDEX_CORRUPT', `link graph node "${node}" has malformed attributes`, {
        hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)',
      });
    }
  });
  return wrapGraph(graph);
}

function wrapGraph(graph: LinkGraphStore): LinkGraph {
  const isPresent = (path: string): boolean => graph.hasNode(path) && graph.getNodeAttribute(path, 'present');

  const dropIfOrphan = (path: string): void => {
    if (graph.hasNode(path) && !graph.getNodeAttribute(path, 'present') && graph.inDegree(path) === 0) graph.dropNode(path);
  };

  const clearOutLinks = (path: string): void => {
    const targets = graph.outNeighbors(path);
    for (const edge of graph.outEdges(path)) graph.dropEdge(edge);
    for (const target of targets) dropIfOrphan(target);
  };

  const presentOnly = (paths: string[]): string[] => paths.filter(isPresent).sort(compareStrings);

  return {
    setDocument(path, resolvedTargets, unresolved) {
      if (graph.hasNode(path)) clearOutLinks(path);
      graph.mergeNode(path, { present: true, unresolved: uniqueSorted(unresolved) });
      for (const target of uniqueSorted(resolvedTargets)) {
        if (target === path) continue;
        if (!graph.hasNode(target)) graph.addNode(target, { present: false, unresolved: [] });
        graph.mergeEdge(path, target);
      }
    },
    removeDocument(path) {
      if (!graph.hasNode(path)) return;
      clearOutLinks(path);
      graph.mergeNodeAttributes(path, { present: false, unresolved: [] });
      dropIfOrphan(path);
    },
    hasDocument: isPresent,
    get documentCount() {
      return graph.filterNodes((_, attributes) => attributes.present).length;
    },
    outLinks: (path) => (graph.hasNode(path) ? presentOnly(graph.outNeighbors(path)) : []),
    backlinks: (path) => (isPresent(path) ? presentOnly(graph.inNeighbors(path)) : []),
    neighbors(path) {
      if (!isPresent(path)) return [];
      return presentOnly(uniqueSorted([...graph.outNeighbors(path), ...graph.inNeighbors(path)])).filter((p) => p !== path);
    },
    unresolvedLinks() {
      const links: UnresolvedLink[] = [];
      graph.forEachNode((node, attributes) => {
        if (attributes.present) {
          for (const target of attributes.unresolved) links.push({ from: node, target });
        } else {
          for (const from of graph.inNeighbors(node)) links.push({ from, target: node });
        }
      });
      return links.sort((a, b) => compareStrings(a.from, b.from) || compareStrings(a.target, b.target));
    },
    linksOf(path) {
      if (!isPresent(path)) return null;
      return { targets: graph.outNeighbors(path).sort(compareStrings), unresolved: [...graph.getNodeAttribute(path, 'unresolved')] };
    },
    documents: () => graph.filterNodes((_, attributes) => attributes.present),
    toJSON: () => ({ format: 'ragdocs-graph', version: 1, graph: graph.export() }),
  };
}
