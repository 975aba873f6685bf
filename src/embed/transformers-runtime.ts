/**
 * @huggingface/transformers (with onnxruntime-node) is an optional dependency. The install
 * script of onnxruntime-node downloads from a host other than the npm registry; where that host
 * cannot be reached (a proxy, a registry mirror, no internet) the script fails and npm leaves the
 * whole optional tree out instead of failing the install. The server then runs keyword + graph
 * search and says how to get the runtime.
 */

/** The npm package that runs the transformers provider. */
export const TRANSFORMERS_PACKAGE = '@huggingface/transformers';

/** True when the transformers runtime can be imported from this installation. */
export function isTransformersRuntimeInstalled(): boolean {
  try {
    import.meta.resolve(TRANSFORMERS_PACKAGE);
    return true;
  } catch {
    return false;
  }
}

/** Why the transformers provider cannot run, for `index_status`. */
export const TRANSFORMERS_MISSING_PROBLEM =
  `semantic search is off: ${TRANSFORMERS_PACKAGE}, the optional dependency that runs the transformers provider, is not installed ` +
  '(npm leaves it out when the install script of onnxruntime-node cannot download from its host); results come from keywords and links';

/** What brings it back, or what to use instead. */
export const TRANSFORMERS_MISSING_FIX =
  'reinstall with that download skipped (the CPU runtime ships in the package): `ONNXRUNTIME_NODE_INSTALL=skip npm install -g mcp-markdown-ragdocs` ' +
  '(or the tarball path; in a checkout: `ONNXRUNTIME_NODE_INSTALL=skip npm install`), or use embedder.provider = "openai" with a local server such as Ollama; ' +
  'for keyword search only set embedder.provider = "none"';
