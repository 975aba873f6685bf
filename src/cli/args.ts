import { parseArgs } from 'node:util';
import { AppError, errorMessage } from '../core/errors.js';
import { editDistance } from '../config/problems.js';
import { LOG_LEVELS } from '../config/schema.js';

export type CliCommand = 'serve' | 'index' | 'query' | 'status' | 'models' | 'help' | 'version';
export type ModelsAction = 'pull' | 'status';

/** The parsed command line. Flag paths are raw (loadConfig resolves them against the cwd). */
export interface CliArgs {
  command: CliCommand;
  queryText?: string;
  top?: number;
  json: boolean;
  rebuild: boolean;
  /** `models pull`: download again even if the model is installed. */
  force?: boolean;
  modelsAction?: ModelsAction;
  /** index, query, status: only this collection. */
  collection?: string;
  /** `docs` holds every `--docs` given, in order (several: one collection each). */
  flags: { docs?: string[]; indexDir?: string; config?: string; logLevel?: string };
}

const COMMANDS: readonly CliCommand[] = ['serve', 'index', 'query', 'status', 'models', 'help', 'version'];

export const USAGE_LINE =
  'Usage: mcp-markdown-ragdocs [serve | index | query "TEXT" | status | models pull|status | help | version] [options]';

/** The help screen: every command and flag. */
export const USAGE = `${USAGE_LINE}

Hybrid (keyword + vector + link graph) search over a folder of Markdown documents, served over
MCP on stdio. Zero configuration works: run it in (or point --docs at) your docs folder.

Commands:
  serve                 Run the stdio MCP server (the default when no command is given).
  index [--rebuild]     Bring the persisted index up to date with the folder, then exit.
  query "TEXT"          Run one hybrid query against the persisted index (refreshed first).
  status                Show documents, chunks, generation, embedder, index dir, lock holder.
  models pull [--force] Download the embedding model (provider transformers) into the model
                        cache, verify it and load it once. The server also does this in the
                        background unless embedder.auto_download = false or offline.
  models status         Show the configured model, the cache folder and whether it is there.
  help                  Show this help.
  version               Print the version.

Options:
  --docs DIR            Documents root. Give it several times to serve several folders, one
                        collection each (named after the folder). Default: [[collections]]
                        or docs.root from the config file, then RAGDOCS_DOCS, then the
                        current directory.
  --collection NAME     index, query, status: only this collection.
  --index-dir DIR       Index directory (one folder only). Default: a per-folder directory under
                        the user cache folder, keyed by the real path of the documents root.
  --config FILE         TOML config file. Default: RAGDOCS_CONFIG, then .ragdocs.toml in the
                        documents root, then none (built-in defaults).
  --log-level LEVEL     ${LOG_LEVELS.join(' | ')} (default: info). Logs go to stderr.
  --top N               query: number of results, 1-100 (default: search.default_top_n, 5).
  --json                query, status: print JSON instead of text.
  --rebuild             index: discard the persisted index and rebuild it from the files.
  --force               models pull: download again even if the model is in the cache.
  -h, --help            Show this help.
  -v, --version         Print the version.

Environment: RAGDOCS_DOCS, RAGDOCS_INDEX_DIR, RAGDOCS_CONFIG, RAGDOCS_LOG_LEVEL, RAGDOCS_LOG_FILE,
RAGDOCS_EMBEDDER, RAGDOCS_COORDINATION_MODE, HF_ENDPOINT, HF_HUB_OFFLINE, HF_TOKEN
(see docs/configuration.md and docs/embeddings.md).

Examples:
  mcp-markdown-ragdocs --docs ~/notes
  mcp-markdown-ragdocs --docs ./docs --docs ~/notes
  mcp-markdown-ragdocs index --docs ./docs --rebuild
  mcp-markdown-ragdocs query "how do I rotate the API key" --top 3 --json --docs ./docs`;

const OPTIONS = {
  docs: { type: 'string', multiple: true },
  collection: { type: 'string' },
  'index-dir': { type: 'string' },
  config: { type: 'string' },
  'log-level': { type: 'string' },
  top: { type: 'string' },
  json: { type: 'boolean', default: false },
  rebuild: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  version: { type: 'boolean', short: 'v', default: false },
} as const;

/** Which command may take each command-specific flag. */
const FLAG_COMMANDS: Record<'top' | 'json' | 'rebuild' | 'force' | 'collection', readonly CliCommand[]> = {
  top: ['query'],
  collection: ['index', 'query', 'status'],
  json: ['query', 'status', 'models'],
  rebuild: ['index'],
  force: ['models'],
};

/** Parses `process.argv.slice(2)`. Every mistake is an INVALID_ARGUMENT naming it, with the usage line. */
export function parseCliArgs(argv: string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw invalid(rephraseParseError(errorMessage(err)));
  }
  const { values, positionals } = parsed;
  const [first, ...rest] = positionals;

  const flags: CliArgs['flags'] = {};
  if (values.docs !== undefined) {
    if (values.docs.some((d) => d.trim() === '')) throw invalid('--docs needs a non-empty path');
    flags.docs = values.docs;
  }
  for (const [name, key] of [['index-dir', 'indexDir'], ['config', 'config']] as const) {
    const value = values[name];
    if (value === undefined) continue;
    if (value.trim() === '') throw invalid(`--${name} needs a non-empty path`);
    flags[key] = value;
  }
  const logLevel = values['log-level'];
  if (logLevel !== undefined) {
    if (!LOG_LEVELS.some((l) => l === logLevel.toLowerCase())) {
      throw invalid(`--log-level "${logLevel}" is not a level; use one of ${LOG_LEVELS.join(', ')}`);
    }
    flags.logLevel = logLevel.toLowerCase();
  }

  // -h / -v win over everything else so `query --help` shows help instead of complaining.
  if (values.help) return { command: 'help', json: false, rebuild: false, flags };
  if (values.version) return { command: 'version', json: false, rebuild: false, flags };

  const command = first === undefined ? 'serve' : COMMANDS.find((c) => c === first);
  if (command === undefined) throw invalid(`unknown command "${first ?? ''}"; commands are ${COMMANDS.join(', ')}`);

  for (const flag of ['top', 'json', 'rebuild', 'force', 'collection'] as const) {
    const given = flag === 'top' || flag === 'collection' ? values[flag] !== undefined : values[flag];
    if (given && !FLAG_COMMANDS[flag].includes(command)) {
      throw invalid(`--${flag} only applies to ${FLAG_COMMANDS[flag].join(' and ')}, not to ${command}`);
    }
  }

  const args: CliArgs = { command, json: values.json, rebuild: values.rebuild, flags };
  if (values.collection !== undefined) {
    const name = values.collection.trim().toLowerCase();
    if (name === '') throw invalid('--collection needs a name');
    args.collection = name;
  }
  if (command === 'query') {
    // Unquoted words (`query rotate api key`) are joined rather than rejected: the intent is clear.
    const text = rest.join(' ').trim();
    if (text === '') throw invalid('query needs the text to search for, e.g. query "how to configure logging"');
    args.queryText = text;
    if (values.top !== undefined) args.top = parseTop(values.top);
  } else if (command === 'models') {
    const [action, extra] = rest;
    if (action !== 'pull' && action !== 'status') throw invalid(`models needs "pull" or "status"${action === undefined ? '' : `, not "${action}"`}`);
    if (extra !== undefined) throw invalid(`unexpected argument "${extra}" after models ${action}`);
    if (values.force && action !== 'pull') throw invalid('--force only applies to models pull');
    args.modelsAction = action;
    args.force = values.force;
  } else if (rest.length > 0 && command !== 'help') {
    throw invalid(`unexpected argument "${rest[0] ?? ''}" after ${command}`);
  }
  return args;
}

/** node's unknown-option text talks about positionals; say what is wrong and what was meant. */
function rephraseParseError(message: string): string {
  const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
  if (unknown === undefined) return message.replace(/\n+/g, ' ');
  const known = Object.keys(OPTIONS).map((name) => `--${name}`);
  const closest = known
    .map((flag) => ({ flag, distance: editDistance(unknown.replace(/^-+/, ''), flag.slice(2)) }))
    .sort((a, b) => a.distance - b.distance)[0];
  const tip = closest !== undefined && closest.distance <= 2 ? ` (did you mean ${closest.flag}?)` : '';
  return `unknown option "${unknown}"${tip}`;
}

function parseTop(value: string): number {
  const top = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(top) || top < 1 || top > 100) {
    throw invalid(`--top "${value}" must be a whole number from 1 to 100`);
  }
  return top;
}

const HELP_TIP = 'Run "mcp-markdown-ragdocs help" for every command and option.';

function invalid(problem: string): AppError {
  return new AppError('INVALID_ARGUMENT', `${problem}\n${USAGE_LINE}\n${HELP_TIP}`, { hint: HELP_TIP });
}
