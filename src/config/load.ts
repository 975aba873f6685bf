import { realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AppError } from '../core/errors.js';
import { resolveEmbedderConfig, type EmbedderEnv } from './embedder.js';
import { readEnvOverrides, type EnvOverrides } from './env.js';
import { locateConfigFile, readConfigFile } from './file.js';
import {
  defaultIndexDir,
  realpathOfPossiblyMissing,
  relativeInside,
  resolveUserPath,
  userCacheDir,
} from './paths.js';
import { CONFIG_FIX_HINT, configError, describeIssues, formatProblems, formatValue, type ConfigProblem } from './problems.js';
import { defaultSettings, LOG_LEVELS, quoteList, validateSettings, type FileSettings } from './schema.js';
import type { Config, LogLevel } from './types.js';

/** Everything `loadConfig` depends on, passed in so tests need no real process state. */
export interface LoadConfigInput {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Defaults to `process.platform`; only picks the user cache folder. */
  platform?: NodeJS.Platform;
  homeDir: string;
  /** Skip the config file entirely (serve falls back to this when the file is invalid). */
  ignoreConfigFile?: boolean;
  /** Raw CLI flag values; relative paths resolve against `cwd`. */
  flags: { docs?: string; indexDir?: string; config?: string; logLevel?: string };
}

/**
 * The one place configuration is assembled: TOML file → schema validation with defaults →
 * environment overrides → CLI flags → a deeply frozen `Config`. Every problem found in the
 * file, the environment and the flags is reported together in one CONFIG_INVALID error.
 */
export function loadConfig(input: LoadConfigInput): Config {
  const { cwd, env, homeDir } = input;
  const flags = {
    docs: nonEmpty(input.flags.docs),
    indexDir: nonEmpty(input.flags.indexDir),
    config: nonEmpty(input.flags.config),
    logLevel: nonEmpty(input.flags.logLevel),
  };
  const fromCwd = (path: string): string => resolveUserPath(path, cwd, homeDir);

  const problems: ConfigProblem[] = [];
  const flagProblems: ConfigProblem[] = [];
  const { overrides, problems: envProblems } = readEnvOverrides(env);
  const flagLogLevel = parseLogLevelFlag(flags.logLevel, flagProblems);

  const configPath = input.ignoreConfigFile ? null : locateConfigFile({
    flagPath: flags.config === undefined ? undefined : fromCwd(flags.config),
    envPath: overrides.config === undefined ? undefined : fromCwd(overrides.config),
    candidateRoot: fromCwd(flags.docs ?? overrides.docs ?? '.'),
  });
  let settings: FileSettings = defaultSettings();
  if (configPath !== null) {
    const file = readConfigFile(configPath);
    const result = validateSettings(file.table);
    if ('issues' in result) {
      const texts = describeIssues(result.issues, file.text);
      problems.push(...texts.map((text) => ({ source: configPath, text })));
    } else {
      settings = result.settings;
    }
  }
  // Listed in precedence order: file, then environment, then command line.
  problems.push(...envProblems.map((text) => ({ source: 'environment', text })), ...flagProblems);
  if (problems.length > 0) throw new AppError('CONFIG_INVALID', formatProblems(problems), { hint: CONFIG_FIX_HINT });

  const configDir = configPath === null ? cwd : dirname(configPath);
  const fromFile = (path: string): string => resolveUserPath(path, configDir, homeDir);

  const root = resolveDocsRoot(
    flags.docs !== undefined
      ? { path: fromCwd(flags.docs), origin: '--docs' }
      : settings.docs.root !== undefined
        ? { path: fromFile(settings.docs.root), origin: `docs.root in ${configPath ?? 'the config file'}` }
        : overrides.docs !== undefined
          ? { path: fromCwd(overrides.docs), origin: 'RAGDOCS_DOCS' }
          : { path: cwd, origin: 'the current directory (no --docs, docs.root or RAGDOCS_DOCS given)' },
  );

  const cacheRoot = userCacheDir(input.platform ?? process.platform, env, homeDir);
  const indexDirInput =
    flags.indexDir !== undefined
      ? fromCwd(flags.indexDir)
      : overrides.indexDir !== undefined
        ? fromCwd(overrides.indexDir)
        : settings.index.dir !== undefined
          ? fromFile(settings.index.dir)
          : defaultIndexDir(root, cacheRoot);
  const indexDir = realpathOfPossiblyMissing(indexDirInput);
  const indexInsideRoot = relativeInside(root, indexDir);
  if (indexInsideRoot === '') {
    throw configError(
      'CONFIG_INVALID',
      `The index directory ${indexDir} is the documents root itself.`,
      'Choose a separate folder with --index-dir DIR (or RAGDOCS_INDEX_DIR / index.dir), or omit it to use the cache folder.',
    );
  }

  const logFile =
    overrides.logFile !== undefined
      ? fromCwd(overrides.logFile)
      : settings.logging.file !== undefined
        ? fromFile(settings.logging.file)
        : null;

  const config: Config = {
    docs: {
      root,
      include: [...settings.docs.include],
      // The index dir is excluded whatever the user configured: indexing our own files would loop.
      exclude:
        indexInsideRoot === undefined
          ? [...settings.docs.exclude]
          : [...settings.docs.exclude, escapeGlob(indexInsideRoot), `${escapeGlob(indexInsideRoot)}/**`],
      extensions: normalizeExtensions(settings.docs.extensions),
      maxFileBytes: Math.floor(settings.docs.max_file_mb * 1024 * 1024),
    },
    index: {
      dir: indexDir,
      coordinationMode: overrides.coordinationMode ?? settings.index.coordination_mode,
      lockTimeoutSeconds: settings.index.lock_timeout_seconds,
      debounceMs: settings.index.debounce_ms,
      batchSize: settings.index.batch_size,
    },
    chunking: { minChars: settings.chunking.min_chars, maxChars: settings.chunking.max_chars },
    search: {
      fusion: settings.search.fusion,
      rrfK: settings.search.rrf_k,
      weightKeyword: settings.search.weight_keyword,
      weightSemantic: settings.search.weight_semantic,
      weightGraph: settings.search.weight_graph,
      maxPerDocument: settings.search.max_per_document,
      defaultTopN: settings.search.default_top_n,
      bm25K1: settings.search.bm25_k1,
      bm25B: settings.search.bm25_b,
      titleBoost: settings.search.title_boost,
      headingBoost: settings.search.heading_boost,
      dedupThreshold: settings.search.dedup_threshold,
    },
    embedder: resolveEmbedderConfig(settings.embedder, embedderEnv(overrides), fromFile, cacheRoot),
    logging: { level: flagLogLevel ?? overrides.logLevel ?? settings.logging.level, file: logFile },
    configFile: configPath,
  };
  return deepFreeze(config);
}

function embedderEnv(overrides: EnvOverrides): EmbedderEnv {
  const out: EmbedderEnv = {};
  if (overrides.embedder !== undefined) out.provider = overrides.embedder;
  if (overrides.hubUrl !== undefined) out.hubUrl = overrides.hubUrl;
  if (overrides.offline !== undefined) out.offline = overrides.offline;
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function parseLogLevelFlag(value: string | undefined, problems: ConfigProblem[]): LogLevel | undefined {
  if (value === undefined) return undefined;
  const level = LOG_LEVELS.find((l) => l === value.toLowerCase());
  if (level === undefined) {
    const text = `--log-level ${formatValue(value)}: expected one of ${quoteList(LOG_LEVELS)}`;
    problems.push({ source: 'command line', text });
  }
  return level;
}

/** The documents root must be an existing folder; it is stored as its real path. */
function resolveDocsRoot(candidate: { path: string; origin: string }): string {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(candidate.path).isDirectory();
  } catch {
    throw configError(
      'CONFIG_INVALID',
      `The documents root ${candidate.path} (from ${candidate.origin}) does not exist.`,
      'Create the folder, or pass an existing one with --docs DIR (or docs.root in the config file, or RAGDOCS_DOCS).',
    );
  }
  if (!isDirectory) {
    throw configError(
      'CONFIG_INVALID',
      `The documents root ${candidate.path} (from ${candidate.origin}) is a file, not a folder.`,
      'Pass the folder that contains your Markdown files with --docs DIR.',
    );
  }
  return realpathSync(candidate.path);
}

/** Lower case, with the leading dot, without duplicates: `MD` and `.md` mean the same thing. */
function normalizeExtensions(extensions: readonly string[]): string[] {
  const normalized = extensions.map((e) => (e.startsWith('.') ? e : `.${e}`).toLowerCase());
  return [...new Set(normalized)];
}

/** A literal path as a glob: the index folder may have `[`, `*` or `{` in its name. */
function escapeGlob(path: string): string {
  return path.replace(/[*?[\]{}()!+@\\]/g, '\\$&');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
