/** The source split into lines, with each line's offset, so ranges map back to exact text. */
export interface SourceLines {
  /** Lines without their terminators (`\r\n`, `\r` or `\n`, as markdown-it counts them). */
  lines: string[];
  /** `starts[i]` is the offset of line `i` (0-based) in the text; `starts[lines.length]` is the text length. */
  starts: number[];
}

const LINE_ENDING = /\r\n|\r|\n/g;

/** Splits text into lines the same way markdown-it numbers them (CR, LF and CRLF all end a line). */
export function splitSourceLines(text: string): SourceLines {
  const lines: string[] = [];
  const starts: number[] = [0];
  let from = 0;
  for (const m of text.matchAll(LINE_ENDING)) {
    lines.push(text.slice(from, m.index));
    from = m.index + m[0].length;
    starts.push(from);
  }
  lines.push(text.slice(from));
  // One start per line, plus the end sentinel.
  starts.push(text.length);
  return { lines, starts };
}

/** Whitespace-only lines never begin or end a chunk. */
export function isBlankLine(line: string): boolean {
  return line.trim() === '';
}

/** Character counts of 1-based inclusive line ranges, in O(1) after an O(n) setup. */
export interface LineMeasure {
  /** Characters of lines `start..end` (1-based inclusive) joined with `\n`; 0 when empty. */
  chars(start: number, end: number): number;
  /** The range with leading and trailing blank lines removed, or null when all blank. */
  trim(start: number, end: number): { start: number; end: number } | null;
}

export function createLineMeasure(lines: readonly string[]): LineMeasure {
  const prefix = new Array<number>(lines.length + 1);
  prefix[0] = 0;
  for (let i = 0; i < lines.length; i++) prefix[i + 1] = (prefix[i] ?? 0) + (lines[i]?.length ?? 0) + 1;
  const chars = (start: number, end: number): number =>
    end < start ? 0 : (prefix[end] ?? 0) - (prefix[start - 1] ?? 0) - 1;
  const trim = (start: number, end: number): { start: number; end: number } | null => {
    let s = start;
    let e = end;
    while (s <= e && isBlankLine(lines[s - 1] ?? '')) s++;
    while (e >= s && isBlankLine(lines[e - 1] ?? '')) e--;
    return s <= e ? { start: s, end: e } : null;
  };
  return { chars, trim };
}
