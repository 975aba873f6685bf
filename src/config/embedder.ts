import { defaultModelCacheDir } from './paths.js';
import type { EmbedderConfig, EmbedderProvider } from './types.js';
import type { FileSettings } from './schema.js';

/** The transformers model used when `embedder.model` is not set. */
export const DEFAULT_TRANSFORMERS_MODEL = 'Xenova/bge-small-en-v1.5';
/** The OpenAI model used when `embedder.model` is not set and the provider is `openai`. */
export const DEFAULT_OPENAI_MODEL = 'text-embedding-3-small';
export const DEFAULT_HUB_URL = 'https://huggingface.co';
/** bge English v1.5 models retrieve best with this instruction before the query (not the passages). */
export const BGE_QUERY_INSTRUCTION = 'Represent this sentence for searching relevant passages: ';

export interface EmbedderEnv {
  provider?: EmbedderProvider;
  /** HF_ENDPOINT: a hub mirror. */
  hubUrl?: string;
  /** HF_HUB_OFFLINE=1. */
  offline?: boolean;
}

/**
 * Turns the `[embedder]` settings into the resolved config: provider defaults for the model,
 * `auto` pooling and the query prefix decided from the model name, paths made absolute.
 */
export function resolveEmbedderConfig(
  settings: FileSettings['embedder'],
  env: EmbedderEnv,
  resolvePath: (path: string) => string,
  userCacheRoot: string,
): EmbedderConfig {
  const provider = env.provider ?? settings.provider;
  const model = settings.model ?? defaultModel(provider);
  const bge = /(^|\/)bge-[a-z]+-en(-v1\.5)?$/i.test(model);
  return {
    provider,
    model,
    revision: settings.revision,
    dtype: settings.dtype,
    pooling: settings.pooling === 'auto' ? (/bge/i.test(model) ? 'cls' : 'mean') : settings.pooling,
    queryPrefix: settings.query_prefix ?? (provider === 'transformers' && bge ? BGE_QUERY_INSTRUCTION : ''),
    documentPrefix: settings.document_prefix,
    hubUrl: stripTrailingSlash(env.hubUrl ?? settings.hub_url ?? DEFAULT_HUB_URL),
    modelCacheDir: settings.cache_dir !== undefined ? resolvePath(settings.cache_dir) : defaultModelCacheDir(userCacheRoot),
    offline: env.offline ?? settings.offline,
    autoDownload: settings.auto_download,
    baseUrl: stripTrailingSlash(settings.base_url),
    apiKeyEnv: settings.api_key_env,
    dimension: settings.dimension === 0 ? null : settings.dimension,
    batchSize: settings.batch_size,
    timeoutMs: Math.round(settings.timeout_seconds * 1000),
    maxRetries: settings.max_retries,
    queryCacheSize: settings.query_cache_size,
  };
}

function defaultModel(provider: EmbedderProvider): string {
  if (provider === 'transformers') return DEFAULT_TRANSFORMERS_MODEL;
  if (provider === 'openai') return DEFAULT_OPENAI_MODEL;
  return '';
}

function stripTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
