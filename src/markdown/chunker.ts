import { sha256 } from '../core/hash.js';
import type { Chunk, ChunkingOptions } from '../core/types.js';
import type { BlockInfo } from './extract.js';
import { createLineMeasure, isBlankLine, type LineMeasure } from './lines.js';

/** A heading's section: the 1-based lines where its indivisible units start, ascending. */
interface Section {
  headingPath: string[];
  starts: number[];
}

/** A contiguous line range (1-based, inclusive, untrimmed) that becomes one chunk. */
interface Piece {
  headingPath: string[];
  start: number;
  end: number;
}

// Blocks whose lines only make sense together: never cut inside them, whatever their size.
const ATOMIC = new Set(['code', 'table', 'html']);

/**
 * Chunks a Markdown body: one section per top-level heading (its heading path kept), long
 * sections cut between blocks (then between list items, then between lines of a paragraph),
 * tiny pieces merged into the next one. Every line from `bodyStartLine` to the end belongs to
 * exactly one chunk (before trimming blank lines at the edges), in order.
 */
export function chunkMarkdown(
  docPath: string,
  lines: readonly string[],
  blocks: readonly BlockInfo[],
  bodyStartLine: number,
  opts: ChunkingOptions,
): Chunk[] {
  const measure = createLineMeasure(lines);
  const sections: Section[] = [];
  const open: { depth: number; text: string }[] = [];
  let current: Section | undefined;
  let glueNext = false;
  for (const block of blocks) {
    if (block.heading !== undefined) {
      while (open.length > 0 && (open[open.length - 1]?.depth ?? 0) >= block.heading.depth) open.pop();
      open.push(block.heading);
      current = { headingPath: open.map((h) => h.text), starts: [block.startLine] };
      sections.push(current);
      // A heading alone says nothing: it always stays with the first unit of its body.
      glueNext = true;
      continue;
    }
    if (current === undefined) {
      current = { headingPath: [], starts: [] };
      sections.push(current);
    }
    const unitStarts = splitBlock(block, lines, measure, opts.maxChars, 0);
    if (glueNext) unitStarts.shift();
    glueNext = false;
    current.starts.push(...unitStarts);
  }
  return buildChunks(docPath, lines, measure, sections, bodyStartLine, opts);
}

/** Chunks plain text: blank-line separated paragraphs packed up to `maxChars`. */
export function chunkPlainText(docPath: string, lines: readonly string[], opts: ChunkingOptions): Chunk[] {
  const measure = createLineMeasure(lines);
  const starts: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (isBlankLine(lines[i] ?? '') || (i > 0 && !isBlankLine(lines[i - 1] ?? ''))) continue;
    let end = i;
    while (end + 1 < lines.length && !isBlankLine(lines[end + 1] ?? '')) end++;
    const paragraph: BlockInfo = { type: 'paragraph', startLine: i + 1, endLine: end + 1, children: undefined };
    starts.push(...splitBlock(paragraph, lines, measure, opts.maxChars, 0));
  }
  return buildChunks(docPath, lines, measure, [{ headingPath: [], starts }], 1, opts);
}

/** Start lines of the pieces a block may be cut into, so that each fits `maxChars` if it can. */
function splitBlock(block: BlockInfo, lines: readonly string[], measure: LineMeasure, maxChars: number, depth: number): number[] {
  if (ATOMIC.has(block.type) || measure.chars(block.startLine, block.endLine) <= maxChars) return [block.startLine];
  if (block.children !== undefined && block.children.length > 0) {
    const out: number[] = [];
    for (const child of block.children) {
      for (const start of splitBlock(child, lines, measure, maxChars, depth + 1)) {
        if (start > (out[out.length - 1] ?? 0) && start <= block.endLine) out.push(start);
      }
    }
    // The container's own marker line (`- `, `> `) starts its first piece.
    out[0] = block.startLine;
    return out;
  }
  // A leaf too long on its own (a huge paragraph): cut between its lines.
  const out = [block.startLine];
  let size = 0;
  for (let line = block.startLine; line <= block.endLine; line++) {
    const length = (lines[line - 1]?.length ?? 0) + 1;
    if (size > 0 && size + length > maxChars) {
      out.push(line);
      size = 0;
    }
    size += length;
  }
  return out;
}

function buildChunks(
  docPath: string,
  lines: readonly string[],
  measure: LineMeasure,
  sections: readonly Section[],
  bodyStartLine: number,
  opts: ChunkingOptions,
): Chunk[] {
  const size = (start: number, end: number): number => {
    const range = measure.trim(start, end);
    return range === null ? 0 : measure.chars(range.start, range.end);
  };

  // Unit i spans from its start to the line before unit i+1: no line is left out.
  const units: { section: number; start: number }[] = [];
  sections.forEach((section, index) => {
    for (const start of section.starts) {
      if (start > (units[units.length - 1]?.start ?? 0)) units.push({ section: index, start });
    }
  });
  const first = units[0];
  if (first === undefined) return [];
  first.start = Math.min(first.start, bodyStartLine);

  const pieces: Piece[] = [];
  let piece: Piece | undefined;
  units.forEach((unit, i) => {
    const end = (units[i + 1]?.start ?? lines.length + 1) - 1;
    const sameSection = piece !== undefined && units[i - 1]?.section === unit.section;
    if (piece !== undefined && sameSection && size(piece.start, end) <= opts.maxChars) {
      piece.end = end;
      return;
    }
    piece = { headingPath: sections[unit.section]?.headingPath ?? [], start: unit.start, end };
    pieces.push(piece);
  });

  const merged = mergeTinyPieces(pieces, size, opts);
  const chunks: Chunk[] = [];
  for (const p of merged) {
    const range = measure.trim(p.start, p.end);
    if (range === null) continue;
    const content = lines.slice(range.start - 1, range.end).join('\n');
    const ordinal = chunks.length;
    chunks.push({
      id: `${docPath}#${ordinal}`,
      docPath,
      ordinal,
      headingPath: p.headingPath,
      startLine: range.start,
      endLine: range.end,
      content,
      hash: sha256(`${p.headingPath.join('\n')}\n\n${content}`),
    });
  }
  return chunks;
}

/**
 * A piece under `minChars` absorbs the following pieces (keeping its own heading path) while
 * the result still fits `maxChars`; a tiny last piece joins the previous one if it fits.
 */
function mergeTinyPieces(
  pieces: readonly Piece[],
  size: (start: number, end: number) => number,
  opts: ChunkingOptions,
): Piece[] {
  const out: Piece[] = [];
  let current: Piece | undefined;
  for (const piece of pieces) {
    if (current !== undefined && size(current.start, current.end) < opts.minChars && size(current.start, piece.end) <= opts.maxChars) {
      current.end = piece.end;
      continue;
    }
    if (current !== undefined) out.push(current);
    current = { ...piece };
  }
  if (current === undefined) return out;
  const previous = out[out.length - 1];
  if (previous !== undefined && size(current.start, current.end) < opts.minChars && size(previous.start, current.end) <= opts.maxChars) {
    previous.end = current.end;
  } else {
    out.push(current);
  }
  return out;
}
