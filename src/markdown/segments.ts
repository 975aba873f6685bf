/**
 * Plans where to cut a Markdown source into independently parsed segments.
 *
 * Why: micromark is linear per construct but quadratic in the number of container blocks
 * of one parse (every list or block quote re-splices the whole event array), so a 200 KB
 * file of short lists takes tens of seconds in one piece. Cutting only where a block is
 * certain to start at the top level (and no fence, HTML block or front matter is open)
 * gives the same tree as one parse; `parse-tree.ts` double-checks fences and comments.
 * This scanner only finds cut points; the structure itself always comes from micromark.
 */
import { isBlankLine } from './lines.js';

export interface SegmentLimits {
  /** A segment is cut at the first safe block start once it holds this many characters. */
  targetChars: number;
  /**
   * Past this size a segment is cut at a blank line even if the next block could continue a
   * container (deeply nested lists), and past twice this size at any line outside fences and
   * tables: approximate structure, but bounded time.
   */
  hardCapChars: number;
}

export const DEFAULT_SEGMENT_LIMITS: SegmentLimits = { targetChars: 4096, hardCapChars: 32768 };

export interface SegmentPlan {
  /** 0-based first line of each segment, ascending, always starting with 0. */
  starts: number[];
  /** True when a cut had to be forced (structure of that part may be approximate). */
  forced: boolean;
  /** Candidate link reference definitions: normalized label → 0-based lines. */
  definitions: Map<string, number[]>;
}

const FENCE_OPEN = /^\s*(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^\s*(`{3,}|~{3,})[ \t]*$/;
const ATX_HEADING = /^#{1,6}(?:[ \t]|$)/;
const BULLET_ITEM = /^[-+*][ \t]+\S/;
const ORDERED_ITEM = /^(\d{1,9})([.)])[ \t]+\S/;
const HTML_START = /^ {0,3}</;
const DEFINITION = /^ {0,3}\[((?:[^\\[\]]|\\.){1,999})\]:/;
const FRONT_MATTER_FENCE = /^---[ \t]*$/;
// Lines after which a definition may start (it cannot interrupt a paragraph): setext
// underlines, thematic breaks and (usually) indented code, besides blank lines, headings
// and other definitions. A wrong guess only changes which references get resolved.
const ENDS_BLOCK = /^ {0,3}(?:=+|-+|(?:[-*_][ \t]*){3,})[ \t]*$|^(?: {4}|\t)/;

/** A fence opener, or null. Any indentation counts: erring towards "open" only costs cuts. */
export function matchFenceOpen(line: string): { char: string; length: number } | null {
  const m = FENCE_OPEN.exec(line);
  if (m === null || m[1] === undefined) return null;
  const char = m[1][0] ?? '`';
  if (char === '`' && (m[2] ?? '').includes('`')) return null;
  return { char, length: m[1].length };
}

/** Whether `line` closes a fence opened with `length` × `char`. */
export function isFenceClose(line: string, fence: { char: string; length: number }): boolean {
  const m = FENCE_CLOSE.exec(line);
  return m !== null && m[1] !== undefined && m[1][0] === fence.char && m[1].length >= fence.length;
}

// CommonMark HTML block kinds 6 (block-level tag names) and 7 (a lone complete tag).
const BLOCK_TAG = new RegExp(
  '^</?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|' +
    'fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|' +
    'menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|' +
    'track|ul)(?:[\\s>]|/>|$)',
);
const LONE_TAG = /^(?:<[a-z][a-z0-9-]*(?:\s+[^<>]*)?\/?>|<\/[a-z][a-z0-9-]*\s*>)\s*$/;

/**
 * What ends an HTML block starting on `line`: a string to find, 'blank' (a blank line), or
 * null when the line does not start an HTML block (`<span>text` is a paragraph).
 * `canInterrupt` is false when the previous line may be paragraph text.
 */
export function htmlTerminator(line: string, canInterrupt = true): string | null {
  const t = line.trimStart().toLowerCase();
  if (t.startsWith('<!--')) return '-->';
  if (t.startsWith('<?')) return '?>';
  if (t.startsWith('<![cdata[')) return ']]>';
  if (/^<![a-z]/.test(t)) return '>';
  const raw = /^<(script|pre|style|textarea)(?:[\s>]|$)/.exec(t);
  if (raw !== null) return `</${raw[1] ?? 'pre'}>`;
  // A lone tag cannot interrupt a paragraph: after one it is paragraph text.
  return BLOCK_TAG.test(t) || (canInterrupt && LONE_TAG.test(t)) ? 'blank' : null;
}

/** micromark's label normalization (case-folded, whitespace collapsed). */
export function normalizeLabel(label: string): string {
  return label.replace(/[\t\n\r ]+/g, ' ').trim().toLowerCase().toUpperCase();
}

/** Line index (0-based) of the closing front matter fence, or -1 when there is none. */
export function findFrontMatterEnd(lines: readonly string[]): number {
  if (!FRONT_MATTER_FENCE.test(lines[0] ?? '')) return -1;
  for (let i = 1; i < lines.length; i++) if (FRONT_MATTER_FENCE.test(lines[i] ?? '')) return i;
  return -1;
}

export function planSegments(lines: readonly string[], limits: SegmentLimits = DEFAULT_SEGMENT_LIMITS): SegmentPlan {
  const starts = [0];
  const definitions = new Map<string, number[]>();
  let forced = false;
  let segStart = 0;
  let segChars = 0;
  let fence: { char: string; length: number } | null = null;
  let html: string | null = null;
  let prevBlank = false;
  let prevOrderedDelim: string | null = null;
  let prevEndsBlock = true;
  let lastIndented = false;
  const first = findFrontMatterEnd(lines) + 1;
  for (let i = 0; i < first; i++) segChars += (lines[i]?.length ?? 0) + 1;

  for (let i = first; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const blank = isBlankLine(line);
    if (fence !== null) {
      if (isFenceClose(line, fence)) fence = null;
      segChars += line.length + 1;
      prevBlank = false;
      prevOrderedDelim = null;
      prevEndsBlock = fence === null;
      continue;
    }
    if (html !== null) {
      if (html === 'blank' ? blank : line.toLowerCase().includes(html)) html = null;
      segChars += line.length + 1;
      prevBlank = blank;
      prevOrderedDelim = null;
      prevEndsBlock = blank || html === null;
      continue;
    }

    const atColumnZero = !blank && !/^\s/.test(line);
    const ordered = atColumnZero ? ORDERED_ITEM.exec(line) : null;
    let known = false;
    if (ordered !== null && ordered[1] !== '1') {
      // Only item 1 may interrupt a paragraph; and micromark reads `3) x` after indented code
      // and a blank line as a paragraph, so only trust a run that began with item 1.
      known = prevOrderedDelim === ordered[2] || (prevBlank && !lastIndented);
    } else if (atColumnZero) {
      known = prevBlank || ordered !== null || ATX_HEADING.test(line) || matchFenceOpen(line) !== null || BULLET_ITEM.test(line);
    }
    if (i > segStart) {
      const noTable = !line.includes('|') && !(lines[i - 1] ?? '').includes('|');
      if (known && segChars >= limits.targetChars) {
        starts.push(i);
      } else if (segChars >= limits.hardCapChars && (prevBlank || (segChars >= 2 * limits.hardCapChars && noTable))) {
        starts.push(i);
        forced = true;
      }
      if (starts[starts.length - 1] === i) {
        segStart = i;
        segChars = 0;
      }
    }
    segChars += line.length + 1;

    // Definitions and lone HTML tags cannot interrupt a paragraph.
    const prevEndedBlock: boolean = prevEndsBlock;
    const definition: RegExpExecArray | null = prevEndedBlock ? DEFINITION.exec(line) : null;
    if (definition !== null && definition[1] !== undefined) {
      const label = normalizeLabel(definition[1]);
      // Keep every candidate: the first one may turn out to be paragraph text.
      if (label !== '') definitions.set(label, [...(definitions.get(label) ?? []), i]);
    }
    prevEndsBlock = blank || definition !== null || ATX_HEADING.test(line) || ENDS_BLOCK.test(line);
    const chained: boolean = ordered !== null && (ordered[1] === '1' || prevOrderedDelim === ordered[2]);
    prevOrderedDelim = chained ? (ordered?.[2] ?? null) : null;
    prevBlank = blank;
    if (!blank) {
      lastIndented = /^(?: {4}|\t)/.test(line);
      const opened = matchFenceOpen(line);
      if (opened !== null) fence = opened;
      else if (HTML_START.test(line)) {
        const end = htmlTerminator(line, prevEndedBlock);
        const rest = line.trimStart().slice(2).toLowerCase();
        html = end !== null && end !== 'blank' && rest.includes(end) ? null : end;
      }
    }
  }
  return { starts, forced, definitions };
}
