/**
 * The passage around a line of Markdown: the text a link sits in, for judging what the link is
 * about. Pure.
 */

const ITEM = /^\s*(?:[-*+]\s|\d+[.)]\s|\|)/;

/**
 * The lines of the passage holding line `at` (0-based) of `lines`: a list item or table row is
 * its own passage (one line plus its indented continuation); otherwise the paragraph, up to the
 * blank lines (or list items) around it.
 */
export function passageAround(lines: readonly string[], at: number): string {
  if (at < 0 || at >= lines.length) return '';
  const blank = (i: number): boolean => (lines[i] as string).trim() === '';
  const item = (i: number): boolean => ITEM.test(lines[i] as string);
  let start = at;
  let end = at;
  if (item(at)) {
    while (end + 1 < lines.length && !blank(end + 1) && !item(end + 1) && /^\s/.test(lines[end + 1] as string)) end++;
  } else {
    while (start > 0 && !blank(start - 1) && !item(start - 1)) start--;
    while (end + 1 < lines.length && !blank(end + 1) && !item(end + 1)) end++;
  }
  return lines.slice(start, end + 1).join('\n');
}
