import { AppError, type ErrorCode } from '../core/errors.js';
import { listConfigKeys, type SchemaIssue } from './schema.js';

/**
 * Phrasing of configuration problems. Everything wrong is collected first and reported in one
 * message, grouped by where it came from (the file, the environment, the command line), so a
 * user fixes all of it in one edit instead of one error per restart.
 */

/** One problem, tagged with where it came from: a file path, `environment` or `command line`. */
export interface ConfigProblem {
  source: string;
  text: string;
}

export const CONFIG_FIX_HINT =
  'Fix the settings named above (docs/configuration.md lists every key with its type and default; ' +
  'config.example.toml has them all), or remove them to use the defaults.';

/**
 * A configuration error whose message states the problem and the fix: the CLI prints only the
 * message, the MCP edge shows the hint, and both must tell the user what to do.
 */
export function configError(code: ErrorCode, problem: string, fix: string, cause?: unknown): AppError {
  return new AppError(code, `${problem}\n${fix}`, cause === undefined ? { hint: fix } : { hint: fix, cause });
}

/** One line per schema issue, in file order; `toml` (the file's text) lets each name its line. */
export function describeIssues(issues: readonly SchemaIssue[], toml: string): string[] {
  return issues
    .map((issue) => ({ line: findKeyLine(toml, issue.key), issue }))
    .sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER))
    .map(({ line, issue }) => describeIssue(issue, line));
}

function describeIssue(issue: SchemaIssue, line: number | undefined): string {
  const at = line === undefined ? '' : ` (line ${line})`;
  if (issue.kind === 'unknown') {
    const suggestion = suggestKey(issue.key, issue.known);
    const tip = suggestion === undefined ? '' : ` — did you mean "${suggestion}"?`;
    return `unknown key "${issue.key}"${at}${tip}`;
  }
  return `${issue.key} = ${formatValue(issue.value)}${at}: expected ${issue.expect}`;
}

/** The whole message: a header, the problems grouped by source, and what to do. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
  const lines = [`Invalid configuration (${count}):`];
  const sources = [...new Set(problems.map((p) => p.source))];
  for (const source of sources) {
    lines.push(`  ${source}:`);
    for (const p of problems) if (p.source === source) lines.push(`    - ${p.text}`);
  }
  lines.push(CONFIG_FIX_HINT);
  return lines.join('\n');
}

/**
 * The known key a misspelt one most likely meant: a close spelling in the same section, or
 * else the same key name in another section (`rrf_k` put under `[index]`).
 */
export function suggestKey(unknownKey: string, known: readonly string[]): string | undefined {
  const leaf = leafOf(unknownKey).toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(leaf, leafOf(candidate).toLowerCase());
    if (best === undefined || distance < best.distance) best = { key: candidate, distance };
  }
  const tolerance = Math.min(3, Math.max(1, Math.floor(leaf.length / 3)));
  if (best !== undefined && best.distance <= tolerance) return best.key;
  const normalized = leaf.replace(/[-\s]/g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
  return listConfigKeys().find((k) => leafOf(k) === normalized);
}

function leafOf(dottedKey: string): string {
  const dot = dottedKey.lastIndexOf('.');
  return dot < 0 ? dottedKey : dottedKey.slice(dot + 1);
}

/** Levenshtein distance (insertions, deletions, substitutions all cost 1). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** A value as the user would write it in TOML, shortened so a huge value cannot flood the log. */
export function formatValue(value: unknown): string {
  let text: string;
  if (typeof value === 'bigint') text = value.toString();
  else if (value === undefined) text = '(missing)';
  else if (typeof value === 'object' && value !== null && !Array.isArray(value)) text = '(a table)';
  else text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * Best-effort line of a dotted key in TOML text (1-based): `key =` under its `[section]`, or
 * `section.key =` at the top, or the `[section]` header itself for a section-level problem.
 * The parsed TOML keeps no positions, and a line number is what a user looks for first.
 */
export function findKeyLine(toml: string, dottedKey: string): number | undefined {
  const entry = /^collections\[#(\d+)\](?:\.([a-z_]+))?/.exec(dottedKey);
  if (entry !== null) return findEntryKeyLine(toml, Number(entry[1]), entry[2]);
  const [section = '', key] = dottedKey.replace(/\[.*$/, '').split('.', 2);
  const lines = toml.split(/\r?\n/);
  let table = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*\[\[/.test(line)) {
      // An array-of-tables entry: its keys belong to it, not to the section above.
      table = `[[${/^\s*\[\[\s*([^\]]*?)\s*\]\]/.exec(line)?.[1] ?? ''}]]`;
      continue;
    }
    const header = /^\s*\[\s*([^\][]+?)\s*\]/.exec(line);
    if (header !== null) {
      table = header[1] ?? '';
      const parts = splitKey(table);
      if (parts[0] === section && (parts[1] === key || (key === undefined && parts.length === 1))) return i + 1;
      continue;
    }
    const assigned = /^\s*([A-Za-z0-9_\-."' ]+?)\s*=/.exec(line);
    if (assigned === null) continue;
    const full = splitKey(table === '' ? (assigned[1] ?? '') : `${table}.${assigned[1] ?? ''}`);
    if (full[0] === section && (key === undefined || full[1] === key)) return i + 1;
  }
  return undefined;
}

/** The line of `key` in the `n`th `[[collections]]` entry (from 1), or of the entry's header. */
function findEntryKeyLine(toml: string, n: number, key: string | undefined): number | undefined {
  const lines = toml.split(/\r?\n/);
  let seen = 0;
  let header: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^\s*\[/.test(line)) {
      if (header !== undefined) break;
      if (/^\s*\[\[\s*collections\s*\]\]/.test(line) && ++seen === n) header = i + 1;
      continue;
    }
    if (header === undefined || key === undefined) continue;
    if (new RegExp(`^\\s*["']?${key}["']?\\s*=`).test(line)) return i + 1;
  }
  return header;
}

function splitKey(dotted: string): string[] {
  return dotted.split('.').map((part) => part.trim().replace(/^["']|["']$/g, ''));
}
