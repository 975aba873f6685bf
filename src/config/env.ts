import type { CoordinationMode, EmbedderProvider, LogLevel } from './types.js';
import { COORDINATION_MODES, EMBEDDER_PROVIDERS, LOG_LEVELS, quoteList } from './schema.js';
import { formatValue } from './problems.js';

/**
 * The documented environment overrides. Raw strings here; paths are resolved by load.ts
 * (against the current directory). An empty variable counts as unset, because MCP client
 * configs often carry `"RAGDOCS_DOCS": ""` placeholders.
 */
export interface EnvOverrides {
  docs?: string;
  indexDir?: string;
  config?: string;
  logLevel?: LogLevel;
  logFile?: string;
  embedder?: EmbedderProvider;
  hubUrl?: string;
  offline?: boolean;
  coordinationMode?: CoordinationMode;
}

/** Every variable the server reads, with what it sets (for docs and the help screen). */
export const ENV_VARIABLES = {
  RAGDOCS_DOCS: 'documents root (after --docs and docs.root)',
  RAGDOCS_INDEX_DIR: 'index directory (overrides index.dir)',
  RAGDOCS_CONFIG: 'config file (after --config)',
  RAGDOCS_LOG_LEVEL: 'logging.level',
  RAGDOCS_LOG_FILE: 'logging.file',
  RAGDOCS_EMBEDDER: 'embedder.provider',
  RAGDOCS_COORDINATION_MODE: 'index.coordination_mode',
  HF_ENDPOINT: 'embedder.hub_url (the Hugging Face convention for a hub mirror)',
  HF_HUB_OFFLINE: 'embedder.offline when set to 1 (the Hugging Face convention)',
} as const;

/** Reads the overrides; each invalid value becomes one problem text naming the variable. */
export function readEnvOverrides(env: Record<string, string | undefined>): {
  overrides: EnvOverrides;
  problems: string[];
} {
  const problems: string[] = [];
  const get = (name: keyof typeof ENV_VARIABLES): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const pick = <T extends string>(name: keyof typeof ENV_VARIABLES, allowed: readonly T[]): T | undefined => {
    const value = get(name);
    if (value === undefined) return undefined;
    const match = allowed.find((a) => a === value.toLowerCase());
    if (match === undefined) {
      problems.push(`${name}=${formatValue(value)}: expected one of ${quoteList(allowed)} (sets ${ENV_VARIABLES[name]})`);
    }
    return match;
  };

  const overrides: EnvOverrides = {};
  const docs = get('RAGDOCS_DOCS');
  if (docs !== undefined) overrides.docs = docs;
  const indexDir = get('RAGDOCS_INDEX_DIR');
  if (indexDir !== undefined) overrides.indexDir = indexDir;
  const config = get('RAGDOCS_CONFIG');
  if (config !== undefined) overrides.config = config;
  const logFile = get('RAGDOCS_LOG_FILE');
  if (logFile !== undefined) overrides.logFile = logFile;
  const logLevel = pick('RAGDOCS_LOG_LEVEL', LOG_LEVELS);
  if (logLevel !== undefined) overrides.logLevel = logLevel;
  const embedder = pick('RAGDOCS_EMBEDDER', EMBEDDER_PROVIDERS);
  if (embedder !== undefined) overrides.embedder = embedder;
  const hubUrl = get('HF_ENDPOINT');
  if (hubUrl !== undefined) {
    if (/^https?:\/\/[^\s/]+/i.test(hubUrl)) overrides.hubUrl = hubUrl;
    else problems.push(`HF_ENDPOINT=${formatValue(hubUrl)}: expected an http(s) URL (sets ${ENV_VARIABLES.HF_ENDPOINT})`);
  }
  const offline = get('HF_HUB_OFFLINE');
  if (offline !== undefined) overrides.offline = ['1', 'true', 'yes', 'on'].includes(offline.toLowerCase());
  const mode = pick('RAGDOCS_COORDINATION_MODE', COORDINATION_MODES);
  if (mode !== undefined) overrides.coordinationMode = mode;
  return { overrides, problems };
}
