/**
 * Obsidian block ids: a paragraph or list item whose text ends with ` ^abc-123` can be linked
 * as `[[Page#^abc-123]]`; a line holding only `^id` names the block just before it (a table, a
 * quote, a list). Ids are letters, digits and dashes.
 */

const AT_END = /(?:^|[ \t])\^([A-Za-z0-9-]+)[ \t]*$/;
const ALONE = /^[ \t>]*\^([A-Za-z0-9-]+)[ \t]*$/;
const MARKERS = /(^|[ \t])\^([A-Za-z0-9-]+)[ \t]*$/gm;

/** The id a source line ends with (` ^id`), if any. */
export function blockIdAtEnd(line: string): string | undefined {
  return AT_END.exec(line)?.[1];
}

/** The id when the line holds nothing but `^id` (inside a quote too), else undefined. */
export function blockIdAlone(line: string): string | undefined {
  return ALONE.exec(line)?.[1];
}

/**
 * The text with the markers of these ids removed from line ends, for the keyword index: `^abc123`
 * is an address, not a word anyone searches for. Other `^x` endings (code, math) are kept.
 */
export function blankBlockMarkers(text: string, ids: ReadonlySet<string>): string {
  if (ids.size === 0 || !text.includes('^')) return text;
  return text.replace(MARKERS, (marker: string, before: string, id: string) => (ids.has(id) ? before : marker));
}

/** A link fragment as written after `#`: `^abc` is a block id, anything else a heading. */
export function splitFragment(fragment: string): { heading?: string; block?: string } {
  if (fragment === '') return {};
  if (fragment.startsWith('^') && fragment.length > 1) return { block: fragment.slice(1) };
  return { heading: fragment };
}
