import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { errorMessage } from '../core/errors.js';
import { configError } from './problems.js';

/** Name of the config file looked up in the documents root when none is named explicitly. */
export const DEFAULT_CONFIG_FILE_NAME = '.ragdocs.toml';

/** A config file read and parsed as TOML, not yet validated. */
export interface ParsedConfigFile {
  path: string;
  /** The file's text, kept to point at line numbers in validation messages. */
  text: string;
  table: Record<string, unknown>;
}

/**
 * Which config file to load: `--config` > `RAGDOCS_CONFIG` > `.ragdocs.toml` in the candidate
 * documents root > none. A file named explicitly must exist; the implicit one is optional.
 */
export function locateConfigFile(options: {
  flagPath: string | undefined;
  envPath: string | undefined;
  candidateRoot: string;
}): string | null {
  const explicit =
    options.flagPath !== undefined
      ? { path: options.flagPath, origin: '--config' }
      : options.envPath !== undefined
        ? { path: options.envPath, origin: 'RAGDOCS_CONFIG' }
        : undefined;
  if (explicit !== undefined) {
    const kind = statKind(explicit.path);
    if (kind === 'missing') {
      throw configError(
        'CONFIG_NOT_FOUND',
        `Config file ${explicit.path} (from ${explicit.origin}) does not exist.`,
        `Check the path, or drop ${explicit.origin} to run with the defaults (see config.example.toml).`,
      );
    }
    if (kind === 'directory') {
      throw configError(
        'CONFIG_INVALID',
        `Config file ${explicit.path} (from ${explicit.origin}) is a folder, not a file.`,
        `Point ${explicit.origin} at a TOML file, e.g. ${join(explicit.path, DEFAULT_CONFIG_FILE_NAME)}.`,
      );
    }
    return explicit.path;
  }
  const implicit = join(options.candidateRoot, DEFAULT_CONFIG_FILE_NAME);
  return statKind(implicit) === 'file' ? implicit : null;
}

/** Reads and parses a TOML file; a syntax error names the file, line and column. */
export function readConfigFile(path: string): ParsedConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
  } catch (err) {
    throw configError(
      'CONFIG_INVALID',
      `Cannot read config file ${path}: ${errorMessage(err)}`,
      'Check that the file is readable by this user.',
      err,
    );
  }
  try {
    return { path, text, table: parse(text) };
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = (err.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      const hint =
        'Fix the TOML syntax at that line (strings need quotes, lists use [ ], each key once per table); ' +
        'config.example.toml shows every key written correctly.';
      const excerpt = err.codeblock.trimEnd();
      const problem = `Invalid TOML in ${path} at line ${err.line}, column ${err.column}: ${reason}\n${excerpt}`;
      throw configError('CONFIG_INVALID', problem, hint, err);
    }
    throw err;
  }
}

function statKind(path: string): 'file' | 'directory' | 'missing' {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}
