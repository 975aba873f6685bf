export { chunkingFingerprint, CHUNKER_VERSION } from './fingerprint.js';
export { documentNames, resolveLink, type LinkLookup } from './links.js';
export { parseDocument, parseMarkdown, parseText, titleFromPath } from './parse-document.js';
export { createSlugger, slugify } from './slug.js';
