import { AppError, errorMessage } from '../core/errors.js';
import type { Embedder } from './embedder.js';
import { TRANSFORMERS_MISSING_FIX, TRANSFORMERS_MISSING_PROBLEM } from './transformers-runtime.js';

export interface TransformersEmbedderOptions {
  /** Folder holding config.json, the tokenizer files and onnx/<model file> (see model-files.ts). */
  modelDir: string;
  /** Names the vector space; becomes the embedder id. */
  id: string;
  dtype: string;
  pooling: 'cls' | 'mean';
  queryPrefix: string;
  documentPrefix: string;
  /** onnxruntime intra-op threads; leave a core for the event loop of the main thread. */
  threads: number;
}

/**
 * A sentence-embedding model run by transformers.js on onnxruntime-node, loaded from a local
 * folder only: downloading is model-store.ts's job, so transformers.js is told never to fetch.
 * Meant to run inside the embedding worker (embed-worker.ts), never on the main thread.
 */
export async function loadTransformersEmbedder(opts: TransformersEmbedderOptions): Promise<Embedder> {
  let transformers: typeof import('@huggingface/transformers');
  try {
    transformers = await import('@huggingface/transformers');
  } catch (err) {
    // An optional dependency (transformers-runtime.ts): absent, or onnxruntime-node half installed.
    throw new AppError('EMBEDDER_UNAVAILABLE', `${TRANSFORMERS_MISSING_PROBLEM} (${errorMessage(err)})`, { hint: TRANSFORMERS_MISSING_FIX, cause: err });
  }
  const { env, pipeline } = transformers;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.useFSCache = false;
  let extractor: Awaited<ReturnType<typeof pipeline<'feature-extraction'>>>;
  try {
    extractor = await pipeline('feature-extraction', opts.modelDir, {
      dtype: opts.dtype as 'q8',
      local_files_only: true,
      session_options: { intraOpNumThreads: opts.threads, interOpNumThreads: 1 },
    });
  } catch (err) {
    throw new AppError('MODEL_INVALID', `the embedding model in ${opts.modelDir} cannot be loaded: ${errorMessage(err)}`, {
      hint: 'download it again with `mcp-markdown-ragdocs models pull --force`',
      cause: err,
    });
  }
  const run = async (texts: readonly string[]): Promise<Float32Array[]> => {
    const output = await extractor([...texts], { pooling: opts.pooling, normalize: true });
    const [rows, dims] = output.dims as [number, number];
    const data = output.data as Float32Array;
    const out: Float32Array[] = [];
    for (let r = 0; r < rows; r++) out.push(data.slice(r * dims, (r + 1) * dims));
    output.dispose?.();
    return out;
  };
  const probe = await run(['dimension probe']);
  const dimension = probe[0]?.length ?? 0;
  if (dimension < 1) throw new AppError('MODEL_INVALID', `the embedding model in ${opts.modelDir} returned an empty vector`);
  return {
    id: opts.id,
    dimension,
    embedDocuments: (texts) => (texts.length === 0 ? Promise.resolve([]) : run(texts.map((t) => opts.documentPrefix + t))),
    embedQuery: async (text) => {
      const [vec] = await run([opts.queryPrefix + text]);
      if (!vec) throw new AppError('EMBEDDER_FAILED', 'the embedding model returned no vector for the query');
      return vec;
    },
    close: async () => {
      await extractor.dispose();
    },
  };
}
