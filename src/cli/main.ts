import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { parseCliArgs, USAGE, type CliArgs } from './args.js';
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/types.js';
import { AppError, errorMessage, isAppError } from '../core/errors.js';
import { chooseLogFormat, createLogger, type Logger } from '../app/logger.js';
import type { LoggingConfig } from '../config/types.js';

/** Package version, read once from package.json next to dist/. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Entry point used by bin/. The only place (with config/) that reads argv and the environment.
 * Exit codes: 0 success, 1 runtime failure, 2 bad arguments or configuration.
 */
export async function runCli(argv: string[]): Promise<void> {
  let args: CliArgs | undefined;
  let config: Config;
  try {
    args = parseCliArgs(argv);
    if (args.command === 'help') return void process.stdout.write(USAGE + '\n');
    if (args.command === 'version') return void process.stdout.write(packageVersion() + '\n');
    config = loadConfig({ cwd: process.cwd(), env: process.env, homeDir: homedir(), flags: args.flags });
  } catch (err) {
    // A server that refuses to start only shows the client "disconnected"; one that serves with
    // defaults and reports the problem in index_status (and on stderr) is easier to diagnose.
    const fallback = args?.command === 'serve' ? serveFallbackConfig(args.flags, err) : null;
    if (fallback) {
      const { logger } = openCliLogger(fallback.logging);
      logger.error({ code: isAppError(err) ? err.code : undefined }, `${errorMessage(err)} -- serving with defaults instead`);
      try {
        const { runServe } = await import('./serve.js');
        await runServe(fallback, logger, packageVersion(), `configuration ignored: ${errorMessage(err)}`);
      } catch (serveErr) {
        reportFatal(logger, serveErr, fallback.logging);
        process.exitCode = 1;
      }
      return;
    }
    process.stderr.write(`mcp-markdown-ragdocs: ${errorMessage(err)}\n`);
    if (isAppError(err) && err.hint && !errorMessage(err).includes(err.hint)) process.stderr.write(`hint: ${err.hint}\n`);
    process.exitCode = 2;
    return;
  }
  const { logger, logged } = openCliLogger(config.logging);
  try {
    await dispatch(args, config, logger, logged);
  } catch (err) {
    reportFatal(logger, err, config.logging);
    // A command that cannot apply to this configuration is a usage error, like a bad flag.
    process.exitCode = isAppError(err) && (err.code === 'INVALID_ARGUMENT' || err.code === 'CONFIG_INVALID' || err.code === 'CONFIG_NOT_FOUND') ? 2 : 1;
  }
}

/** Commands are imported on use: `serve` must answer `initialize` before the heavy modules load. */
async function dispatch(args: CliArgs, config: Config, logger: Logger, logged: ReadonlySet<string>): Promise<void> {
  if (args.command === 'serve') {
    const { runServe } = await import('./serve.js');
    return runServe(config, logger, packageVersion());
  }
  if (args.command === 'models') {
    const { runModels } = await import('./models.js');
    return runModels(config, logger, args.modelsAction ?? 'status', { force: args.force ?? false, json: args.json });
  }
  const { runIndex, runQuery, runStatus } = await import('./commands.js');
  const only = chooseCollection(args.collection, config);
  const indexCommandOf = (name: string): string => indexCommandFor(args.flags, config, name);
  switch (args.command) {
    case 'index':
      return runIndex(config, logger, args.rebuild, logged, indexCommandOf, only);
    case 'query':
      return runQuery(config, logger, args.queryText ?? '', args.top ?? config.search.defaultTopN, args.json, logged, indexCommandOf, only);
    case 'status':
      return runStatus(config, logger, args.json, indexCommandOf, only);
    default:
      return;
  }
}

/** `--collection NAME` checked against the configuration (a usage error lists the names). */
function chooseCollection(name: string | undefined, config: Config): string | undefined {
  if (name === undefined) return undefined;
  if (config.collections.some((c) => c.name === name)) return name;
  const names = config.collections.map((c) => `"${c.name}"`).join(', ');
  throw new AppError('INVALID_ARGUMENT', `--collection "${name}" is not configured; the collections are ${names}`, {
    hint: 'Omit --collection to use every collection, or pass one of the names above.',
  });
}

/**
 * The `index` command that brings one collection up to date, with the flags that chose its index:
 * the config file's collection by name, or its folder.
 */
function indexCommandFor(flags: CliArgs['flags'], config: Config, collection: string): string {
  const quote = (p: string): string => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);
  const c = config.collections.find((x) => x.name === collection) ?? config.collections[0];
  const parts = ['mcp-markdown-ragdocs index'];
  if (config.configFile !== null) parts.push(`--config ${quote(config.configFile)}`);
  const fromFile = config.collections.length > 1 && (flags.docs === undefined || flags.docs.length === 0);
  if (fromFile) parts.push(`--collection ${collection}`);
  else parts.push(`--docs ${quote(c?.docs.root ?? config.docs.root)}`);
  if (flags.indexDir !== undefined) parts.push(`--index-dir ${quote(c?.index.dir ?? config.index.dir)}`);
  return parts.join(' ');
}

/** Config without the file, for `serve` when the file is invalid; null if that fails too. */
function serveFallbackConfig(flags: CliArgs['flags'], err: unknown): Config | null {
  if (!isAppError(err) || (err.code !== 'CONFIG_INVALID' && err.code !== 'CONFIG_NOT_FOUND')) return null;
  try {
    return loadConfig({ cwd: process.cwd(), env: process.env, homeDir: homedir(), flags: { ...flags, config: undefined }, ignoreConfigFile: true });
  } catch {
    return null;
  }
}

/**
 * Human log lines on a terminal, JSON otherwise; remembers the warnings and errors it logged so a
 * command's closing summary does not say them a second time.
 */
function openCliLogger(logging: LoggingConfig): { logger: Logger; logged: ReadonlySet<string> } {
  const logged = new Set<string>();
  const logger = createLogger(logging, {}, {
    format: chooseLogFormat(logging, process.stderr.isTTY === true),
    // Only what reaches the terminal counts as said: lines in a log file are not in front of the user.
    ...(logging.file === null ? { onProblem: (msg: string) => logged.add(msg) } : {}),
  });
  return { logger, logged };
}

/**
 * Said once: an expected failure as a sentence with its hint (and in the log file, if there is
 * one); an unexpected one logged with its stack (and a sentence too when the log goes to a file).
 */
function reportFatal(logger: Logger, err: unknown, logging: LoggingConfig): void {
  const toFile = logging.file !== null;
  if (isAppError(err)) {
    if (toFile) logger.error({ code: err.code }, err.message);
    process.stderr.write(`mcp-markdown-ragdocs: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
  } else {
    logger.error({ err }, 'unexpected failure');
    if (toFile) process.stderr.write(`mcp-markdown-ragdocs: unexpected failure: ${errorMessage(err)}\n`);
  }
}
