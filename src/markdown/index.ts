export { chunkingFingerprint, CHUNKER_VERSION } from './fingerprint.js';
export { findBlock, findHeading } from './anchors.js';
export { blankBlockMarkers } from './block-ids.js';
export { documentNames, resolveLink, resolveLinkCandidates, type LinkLookup, type LinkResolution } from './links.js';
export { parseDocument, parseMarkdown, parseText, titleFromPath } from './parse-document.js';
export { createSlugger, slugify } from './slug.js';
