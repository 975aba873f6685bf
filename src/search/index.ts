/**
 * Public surface of the pure search pipeline.
 */
export type { FusedHit, RankedList } from './types.js';
export { compareFused, fuseRankings, orderSources } from './fuse.js';
export { expandWithGraph, type GraphExpansionInput } from './graph-expand.js';
export { capPerDocument, dedupNearDuplicates, jaccardShingles } from './post-process.js';
export { runHybridSearch, type HybridSearchInput } from './hybrid.js';
