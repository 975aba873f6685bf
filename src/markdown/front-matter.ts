import { parse as parseYaml } from 'yaml';
import { errorMessage } from '../core/errors.js';

/** What a document's YAML front matter contributes. */
export interface FrontMatterInfo {
  /** The parsed mapping; `{}` when absent or invalid. */
  data: Record<string, unknown>;
  title: string | undefined;
  /** Lower-cased, without `#`, deduplicated, in order of appearance. */
  tags: string[];
  aliases: string[];
  warnings: string[];
}

/** A leading YAML block and where the Markdown body starts. */
export interface FrontMatterSplit {
  /** The lines between the `---` fences, or undefined when there is no front matter. */
  source: string | undefined;
  /** 0-based index of the first body line (0 when there is no front matter). */
  bodyLine: number;
}

const FENCE = /^---[ \t]*$/;

/**
 * Finds front matter: `---` on the first line and a closing `---` line. Without the
 * closing fence it is not front matter (the first line is then a thematic break).
 */
export function splitFrontMatter(lines: readonly string[]): FrontMatterSplit {
  if (!FENCE.test(lines[0] ?? '')) return { source: undefined, bodyLine: 0 };
  for (let i = 1; i < lines.length; i++) {
    if (FENCE.test(lines[i] ?? '')) return { source: lines.slice(1, i).join('\n'), bodyLine: i + 1 };
  }
  return { source: undefined, bodyLine: 0 };
}

const EMPTY: FrontMatterInfo = { data: {}, title: undefined, tags: [], aliases: [], warnings: [] };

/** Parses the YAML between the `---` fences. Never throws: problems become warnings. */
export function readFrontMatter(source: string | undefined): FrontMatterInfo {
  if (source === undefined || source.trim() === '') return { ...EMPTY, warnings: [] };
  let value: unknown;
  try {
    // The default YAML 1.2 core schema keeps dates as strings, so the data stays JSON-safe.
    value = parseYaml(source);
  } catch (err) {
    const firstLine = errorMessage(err).split('\n')[0] ?? '';
    return { ...EMPTY, warnings: [`invalid YAML front matter ignored: ${firstLine}`] };
  }
  if (value === null || value === undefined) return { ...EMPTY, warnings: [] };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return { ...EMPTY, warnings: ['front matter ignored: it is not a YAML mapping of keys to values'] };
  }
  const data = value as Record<string, unknown>;
  return {
    data,
    title: readTitle(data['title']),
    tags: normalizeTags(collectStrings(data['tags'] ?? data['tag'], true)),
    aliases: dedupe(collectStrings(data['aliases'] ?? data['alias'], false)),
    warnings: [],
  };
}

function readTitle(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const title = String(value).trim();
  return title === '' ? undefined : title;
}

/** Strings of a scalar or list; `split` also splits each on commas and whitespace (tag lists). */
function collectStrings(value: unknown, split: boolean): string[] {
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string' && typeof item !== 'number') continue;
    const text = String(item);
    const parts = split ? text.split(/[\s,]+/) : [text];
    for (const part of parts) {
      const trimmed = part.trim();
      if (trimmed !== '') out.push(trimmed);
    }
  }
  return out;
}

/** Lower-case, drop leading `#`, deduplicate. Shared by front matter and inline tags. */
export function normalizeTags(raw: readonly string[]): string[] {
  return dedupe(raw.map((t) => t.replace(/^#+/, '').toLowerCase()).filter((t) => t !== ''));
}

function dedupe(values: readonly string[]): string[] {
  return [...new Set(values)];
}
