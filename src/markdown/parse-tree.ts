import type { Root, RootContent } from 'mdast';
import { fromMarkdown, type Options } from 'mdast-util-from-markdown';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { gfmTableFromMarkdown } from 'mdast-util-gfm-table';
import { frontmatter } from 'micromark-extension-frontmatter';
import { gfmTable } from 'micromark-extension-gfm-table';
import type { SourceLines } from './lines.js';
import {
  DEFAULT_SEGMENT_LIMITS,
  htmlTerminator,
  isFenceClose,
  matchFenceOpen,
  normalizeLabel,
  planSegments,
  type SegmentLimits,
  type SegmentPlan,
} from './segments.js';

/** One independently parsed part of the source: lines `firstLine..endLine-1` (0-based). */
export interface TreeSegment {
  firstLine: number;
  endLine: number;
  /** mdast of the segment; its line numbers are relative (line 1 = `firstLine`). */
  root: Root;
}

export interface ParsedTree {
  /** Parsed lazily, in order, so only one segment's tree is in memory at a time. Iterate once. */
  segments: Iterable<TreeSegment>;
  warnings: string[];
}

const REFERENCE_LABEL = /\[([^[\]\n]{1,999})\]/g;

/**
 * Parses Markdown (CommonMark + GFM tables + YAML front matter) segment by segment; see
 * segments.ts for why. Link reference definitions are document-wide, so each segment gets
 * the definitions it mentions from other segments appended after its own text (nodes past
 * the segment's last line are ignored by readers).
 */
export function parseTree(text: string, source: SourceLines, limits: SegmentLimits = DEFAULT_SEGMENT_LIMITS): ParsedTree {
  const plan = planSegments(source.lines, limits);
  const warnings = plan.forced
    ? ['very large or deeply nested Markdown: parts were parsed separately, structure may be approximate']
    : [];
  return { segments: parseSegments(text, source, plan), warnings };
}

function* parseSegments(text: string, source: SourceLines, plan: SegmentPlan): Generator<TreeSegment> {
  const { lines, starts: offsets } = source;
  const options = createParserOptions(false);
  const firstOptions = createParserOptions(true);
  const parseRange = (first: number, end: number): Root => {
    const slice = text.slice(offsets[first] ?? 0, offsets[end] ?? text.length);
    const appendix = definitionsAppendix(slice, first, end, plan.definitions, lines);
    // Front matter only exists at the very start; elsewhere `---` is a rule or an underline.
    return fromMarkdown(slice + appendix, first === 0 ? firstOptions : options);
  };

  let index = 0;
  while (index < plan.starts.length) {
    const first = plan.starts[index] ?? 0;
    let next = index + 1;
    let end = plan.starts[next] ?? lines.length;
    let root = parseRange(first, end);
    // The plan is conservative, but if a fence or HTML block is still open at the cut, the
    // cut was wrong: extend the segment past the line that closes it and parse again.
    let closing = openConstructEnd(root, first, end, lines);
    while (closing !== null && end < lines.length) {
      while (next < plan.starts.length && (plan.starts[next] ?? 0) <= closing) next++;
      end = plan.starts[next] ?? lines.length;
      root = parseRange(first, end);
      closing = openConstructEnd(root, first, end, lines);
    }
    yield { firstLine: first, endLine: end, root };
    index = next;
  }
}

function createParserOptions(withFrontMatter: boolean): Options {
  return {
    extensions: withFrontMatter ? [frontmatter(['yaml']), gfmTable()] : [gfmTable()],
    mdastExtensions: withFrontMatter ? [frontmatterFromMarkdown(['yaml']), gfmTableFromMarkdown()] : [gfmTableFromMarkdown()],
  };
}

/** Source lines of definitions defined outside `first..end-1` whose label the slice mentions. */
function definitionsAppendix(
  slice: string,
  first: number,
  end: number,
  definitions: ReadonlyMap<string, readonly number[]>,
  lines: readonly string[],
): string {
  if (definitions.size === 0) return '';
  const needed = new Set<number>();
  REFERENCE_LABEL.lastIndex = 0;
  for (let m = REFERENCE_LABEL.exec(slice); m !== null; m = REFERENCE_LABEL.exec(slice)) {
    for (const line of definitions.get(normalizeLabel(m[1] ?? '')) ?? []) {
      if (line < first || line >= end) needed.add(line);
    }
  }
  if (needed.size === 0) return '';
  return `\n\n${[...needed].map((i) => lines[i] ?? '').join('\n')}\n`;
}

/**
 * If the segment's last top-level block is a fence or raw-HTML block left open at the cut,
 * the 0-based line where it really closes (or the last line when never); otherwise null.
 */
function openConstructEnd(root: Root, first: number, end: number, lines: readonly string[]): number | null {
  const last = lastRealChild(root, end - first);
  if (last === undefined || last.position === undefined) return null;
  const startIndex = first + last.position.start.line - 1;
  const endIndex = first + last.position.end.line - 1;
  const opening = lines[startIndex] ?? '';
  if (last.type === 'code') {
    const fence = / {0,3}(`{3,}|~{3,})/.exec(opening) !== null ? matchFenceOpen(opening) : null;
    if (fence === null) return null;
    const closed = endIndex > startIndex && endIndex < end && isFenceClose(lines[endIndex] ?? '', fence);
    if (closed) return null;
    return findLine(lines, end, (line) => isFenceClose(line, fence));
  }
  if (last.type === 'html') {
    const terminator = htmlTerminator(opening);
    if (terminator === null || terminator === 'blank') return null;
    if (last.value.toLowerCase().includes(terminator) && endIndex < end) return null;
    return findLine(lines, end, (line) => line.toLowerCase().includes(terminator));
  }
  return null;
}

function lastRealChild(root: Root, lineCount: number): RootContent | undefined {
  for (let i = root.children.length - 1; i >= 0; i--) {
    const child = root.children[i];
    if (child?.position !== undefined && child.position.start.line <= lineCount) return child;
  }
  return undefined;
}

function findLine(lines: readonly string[], from: number, test: (line: string) => boolean): number {
  for (let i = from; i < lines.length; i++) if (test(lines[i] ?? '')) return i;
  return lines.length - 1;
}
