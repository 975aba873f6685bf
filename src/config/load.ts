import { realpathSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
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
import type { CollectionConfig, Config, DocsConfig, IndexConfig, LogLevel } from './types.js';

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
  flags: { docs?: string | readonly string[]; indexDir?: string; config?: string; logLevel?: string };
}

/**
 * The one place configuration is assembled: TOML file → schema validation with defaults →
 * environment overrides → CLI flags → a deeply frozen `Config`. Every problem found in the
 * file, the environment and the flags is reported together in one CONFIG_INVALID error.
 */
export function loadConfig(input: LoadConfigInput): Config {
  const { cwd, env, homeDir } = input;
  const docsFlags = input.flags.docs;
  const flags = {
    docs: (typeof docsFlags === 'string' ? [docsFlags] : (docsFlags ?? [])).filter((d) => d.trim() !== ''),
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
    candidateRoot: fromCwd(flags.docs[0] ?? overrides.docs ?? '.'),
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

  const cacheRoot = userCacheDir(input.platform ?? process.platform, env, homeDir);
  const specs = collectionSpecs(flags.docs, settings, overrides.docs, { fromCwd, fromFile, cwd, configPath });
  // One index folder named by a flag, the environment or index.dir can serve only one collection.
  const sharedIndexDir =
    flags.indexDir !== undefined
      ? { path: fromCwd(flags.indexDir), origin: '--index-dir' }
      : overrides.indexDir !== undefined
        ? { path: fromCwd(overrides.indexDir), origin: 'RAGDOCS_INDEX_DIR' }
        : settings.index.dir !== undefined
          ? { path: fromFile(settings.index.dir), origin: 'index.dir' }
          : undefined;
  if (sharedIndexDir !== undefined && specs.length > 1) {
    throw configError(
      'CONFIG_INVALID',
      `${sharedIndexDir.origin} names one index folder, but ${specs.length} collections are configured (${specs.map((c) => c.name ?? c.path).join(', ')}).`,
      'Each collection keeps its own index (by default under the cache folder, keyed by the real path of its folder): drop ' +
        `${sharedIndexDir.origin}, or set index_dir in each [[collections]] entry.`,
    );
  }
  const explicitIndexDir = (spec: CollectionSpec): string | null => spec.indexDir ?? sharedIndexDir?.path ?? null;
  const collections = resolveCollections(specs, (root, spec) => realpathOfPossiblyMissing(explicitIndexDir(spec) ?? defaultIndexDir(root, cacheRoot)));

  const docsFor = (c: ResolvedCollection): DocsConfig => {
    // Index dirs inside the folder are excluded whatever the user configured: indexing our own
    // files would loop (another collection's index may live there too).
    const ownIndexDirs = collections.map((o) => relativeInside(c.root, o.indexDir)).filter((rel): rel is string => rel !== undefined && rel !== '');
    return {
      root: c.root,
      include: [...(c.include ?? settings.docs.include)],
      exclude: [...settings.docs.exclude, ...c.exclude, ...ownIndexDirs.flatMap((rel) => [escapeGlob(rel), `${escapeGlob(rel)}/**`])],
      extensions: normalizeExtensions(settings.docs.extensions),
      maxFileBytes: Math.floor(settings.docs.max_file_mb * 1024 * 1024),
    };
  };
  const indexFor = (c: ResolvedCollection): IndexConfig => ({
    dir: c.indexDir,
    coordinationMode: overrides.coordinationMode ?? settings.index.coordination_mode,
    lockTimeoutSeconds: settings.index.lock_timeout_seconds,
    debounceMs: settings.index.debounce_ms,
    batchSize: settings.index.batch_size,
  });
  const collectionConfigs: CollectionConfig[] = collections.map((c, i) => ({
    name: c.name,
    description: c.description,
    docs: docsFor(c),
    index: indexFor(c),
    problem: c.problem,
    pending: c.problem === null ? null : { path: c.root, indexDir: explicitIndexDir(specs[i] as CollectionSpec), cacheRoot },
  }));
  const first = collectionConfigs[0] as CollectionConfig;

  const logFile =
    overrides.logFile !== undefined
      ? fromCwd(overrides.logFile)
      : settings.logging.file !== undefined
        ? fromFile(settings.logging.file)
        : null;

  const config: Config = {
    docs: first.docs,
    index: first.index,
    collections: collectionConfigs,
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

/**
 * A collection whose folder was missing, now that it may exist: the same collection with its
 * real root and index dir (the one a server of that folder alone uses), or null while the
 * folder is still missing or not a folder. A folder that turns out to be another collection's
 * (through a symlink) stays unserved, with that said.
 */
export function resolvePendingCollection(c: CollectionConfig, others: readonly CollectionConfig[]): CollectionConfig | null {
  if (c.pending === null) return null;
  let root: string;
  try {
    if (!statSync(c.pending.path).isDirectory()) return null;
    root = realpathSync(c.pending.path);
  } catch {
    return null;
  }
  const same = others.find((o) => o !== c && o.problem === null && o.docs.root === root);
  if (same !== undefined) return { ...c, problem: `its folder ${root} is collection "${same.name}" too; a folder is served as one collection`, pending: null };
  const indexDir = realpathOfPossiblyMissing(c.pending.indexDir ?? defaultIndexDir(root, c.pending.cacheRoot));
  if (indexDir === root) return { ...c, problem: `its index directory ${indexDir} is the folder itself`, pending: null };
  const inside = relativeInside(root, indexDir);
  const exclude = inside === undefined ? c.docs.exclude : [...c.docs.exclude, escapeGlob(inside), `${escapeGlob(inside)}/**`];
  return deepFreeze({ ...c, docs: { ...c.docs, root, exclude: [...exclude] }, index: { ...c.index, dir: indexDir }, problem: null, pending: null });
}

/** A collection as configured, before its folder is resolved. */
interface CollectionSpec {
  /** Null: derived from the folder's name. */
  name: string | null;
  path: string;
  origin: string;
  description: string;
  include: readonly string[] | undefined;
  exclude: readonly string[];
  indexDir: string | undefined;
}

interface ResolvedCollection {
  name: string;
  description: string;
  root: string;
  indexDir: string;
  include: readonly string[] | undefined;
  exclude: readonly string[];
  problem: string | null;
}

/**
 * The folders to serve, by precedence: every `--docs`, else the file's `[[collections]]` (or its
 * `docs.root`), else RAGDOCS_DOCS, else the current directory.
 */
function collectionSpecs(
  docsFlags: readonly string[],
  settings: FileSettings,
  envDocs: string | undefined,
  at: { fromCwd: (p: string) => string; fromFile: (p: string) => string; cwd: string; configPath: string | null },
): CollectionSpec[] {
  const plain = (path: string, origin: string): CollectionSpec => ({ name: null, path, origin, description: '', include: undefined, exclude: [], indexDir: undefined });
  const file = at.configPath ?? 'the config file';
  if (docsFlags.length > 0) return docsFlags.map((d) => plain(at.fromCwd(d), '--docs'));
  if (settings.collections !== undefined) {
    if (settings.docs.root !== undefined) {
      throw configError(
        'CONFIG_INVALID',
        `${file} sets both docs.root and [[collections]]: they both say which folders to serve.`,
        'Keep one: docs.root for a single folder, or one [[collections]] entry per folder (move docs.root into an entry with a name).',
      );
    }
    if (settings.collections.length === 0) {
      throw configError('CONFIG_INVALID', `${file} has an empty collections list.`, 'Add a [[collections]] entry with name and path, or remove the key to serve one folder.');
    }
    return settings.collections.map((c, i) => ({
      name: c.name,
      path: at.fromFile(c.path),
      origin: `[[collections]] #${i + 1} ("${c.name}") in ${file}`,
      description: c.description.trim(),
      include: c.include,
      exclude: c.exclude,
      indexDir: c.index_dir === undefined ? undefined : at.fromFile(c.index_dir),
    }));
  }
  if (settings.docs.root !== undefined) return [plain(at.fromFile(settings.docs.root), `docs.root in ${file}`)];
  if (envDocs !== undefined) return [plain(at.fromCwd(envDocs), 'RAGDOCS_DOCS')];
  return [plain(at.cwd, 'the current directory (no --docs, docs.root or RAGDOCS_DOCS given)')];
}

/**
 * Real folders, names and index dirs of the collections. A single folder that cannot be served is
 * an error, as it always was; among several, it becomes that collection's `problem` (the others
 * serve) unless none can be served. Two collections on one folder, two with one name or one index
 * dir, and an index dir that is a documents root are errors.
 */
function resolveCollections(specs: readonly CollectionSpec[], indexDirOf: (root: string, spec: CollectionSpec) => string): ResolvedCollection[] {
  const resolved: ResolvedCollection[] = [];
  const failures: AppError[] = [];
  for (const spec of specs) {
    let root: string;
    let problem: string | null = null;
    try {
      root = resolveDocsRoot({ path: spec.path, origin: spec.origin });
    } catch (err) {
      if (specs.length === 1 || !(err instanceof AppError)) throw err;
      failures.push(err);
      root = spec.path;
      problem = err.message.split('\n')[0] ?? err.message;
    }
    resolved.push({ name: spec.name ?? '', description: spec.description, root, indexDir: indexDirOf(root, spec), include: spec.include, exclude: spec.exclude, problem });
  }
  if (failures.length === specs.length) throw failures[0] as AppError;
  nameCollections(resolved, specs);
  const byRoot = new Map<string, string>();
  const byName = new Map<string, string>();
  const byIndex = new Map<string, string>();
  for (const c of resolved) {
    const sameRoot = byRoot.get(c.root);
    if (sameRoot !== undefined) {
      throw configError(
        'CONFIG_INVALID',
        `Collections "${sameRoot}" and "${c.name}" are the same folder, ${c.root}.`,
        'A folder is served as one collection: keep one entry (to search part of it, use include/exclude, or the path_glob of the tools).',
      );
    }
    const sameName = byName.get(c.name);
    if (sameName !== undefined) {
      throw configError('CONFIG_INVALID', `Two collections are named "${c.name}" (${sameName} and ${c.root}).`, 'Give each [[collections]] entry its own name.');
    }
    const sameIndex = byIndex.get(c.indexDir);
    if (sameIndex !== undefined) {
      throw configError('CONFIG_INVALID', `Collections "${sameIndex}" and "${c.name}" would share the index folder ${c.indexDir}.`, 'Give each collection its own index_dir, or omit it to use the cache folder.');
    }
    byRoot.set(c.root, c.name);
    byName.set(c.name, c.root);
    byIndex.set(c.indexDir, c.name);
  }
  for (const c of resolved) {
    for (const other of resolved) {
      if (relativeInside(other.root, c.indexDir) !== '') continue;
      throw configError(
        'CONFIG_INVALID',
        `The index directory ${c.indexDir}${resolved.length > 1 ? ` (of collection "${c.name}")` : ''} is the documents root${other === c ? ' itself' : ` of collection "${other.name}"`}.`,
        'Choose a separate folder with --index-dir DIR (or RAGDOCS_INDEX_DIR / index.dir, or index_dir in [[collections]]), or omit it to use the cache folder.',
      );
    }
  }
  return resolved;
}

/**
 * Names for folders given without one (`--docs`): the folder's name in lower case ("My Notes" →
 * "my-notes"); when two folders share a name, the parent's is put in front ("api-docs",
 * "web-docs"), then a number.
 */
function nameCollections(resolved: ResolvedCollection[], specs: readonly CollectionSpec[]): void {
  const slug = (text: string): string =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^[-_]+|[-_]+$/g, '')
      .slice(0, 40)
      .replace(/[-_]+$/, '');
  const taken = new Set(specs.flatMap((s) => (s.name === null ? [] : [s.name])));
  const derived = resolved.map((c, i) => (specs[i]?.name === null ? slug(basename(c.root)) || 'docs' : null));
  resolved.forEach((c, i) => {
    const own = derived[i];
    if (own === null || own === undefined) return;
    const clash = derived.some((d, j) => j !== i && d === own) || taken.has(own);
    let name = clash ? slug(`${basename(dirname(c.root))}-${basename(c.root)}`) || own : own;
    for (let n = 2; taken.has(name); n++) name = `${own.slice(0, 36)}-${n}`;
    taken.add(name);
    c.name = name;
  });
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
