import { AppError } from '../core/errors.js';
import type { BlockAnchor, Heading } from '../core/types.js';
import { findBlock, findHeading } from '../markdown/index.js';

/** Block ids listed in the hint of a missing block. */
const HINT_BLOCKS = 10;

/**
 * Cuts the part of a document a `get_document` call asked for: a section (by heading text or
 * slug, up to the next heading of the same or a higher level), a `^block` (its paragraph or list
 * item), a line range, or everything.
 */
export function sliceDocument(
  text: string,
  headings: readonly Heading[],
  params: { heading?: string; block?: string; startLine?: number; endLine?: number },
  blockIds: readonly BlockAnchor[] = [],
): { content: string; startLine: number; endLine: number } {
  const lines = text.split(/\r?\n/);
  const total = lines.length;
  if (params.block !== undefined) {
    const block = findBlock(blockIds, params.block);
    if (!block) {
      const shown = blockIds.slice(0, HINT_BLOCKS).map((b) => `^${b.id}`);
      const more = blockIds.length > HINT_BLOCKS ? `, … (${blockIds.length - HINT_BLOCKS} more)` : '';
      throw new AppError('NOT_FOUND', `no block ^${params.block.trim().replace(/^#?\^/, '')} in this document`, {
        hint:
          blockIds.length > 0
            ? `Block ids here: ${shown.join(', ')}${more}. Pass one without the document name, e.g. "${blockIds[0]?.id ?? ''}".`
            : 'This document has no block ids (a paragraph or list item ending in " ^id"); omit `block`, or pass `heading` or a line range.',
      });
    }
    return range(lines, block.line, Math.min(block.endLine, total));
  }
  if (params.heading !== undefined) {
    const index = findHeading(headings, params.heading);
    const heading = headings[index];
    if (!heading) {
      throw new AppError('NOT_FOUND', `no heading ${JSON.stringify(params.heading)} in this document`, {
        hint: headings.length > 0 ? `Headings are: ${headings.slice(0, 20).map((h) => JSON.stringify(h.text)).join(', ')}` : 'This document has no headings; omit `heading`.',
      });
    }
    const next = headings.slice(index + 1).find((h) => h.depth <= heading.depth);
    const end = next ? next.line - 1 : total;
    return range(lines, heading.line, end);
  }
  if (params.startLine !== undefined || params.endLine !== undefined) {
    const start = params.startLine ?? 1;
    const end = Math.min(params.endLine ?? total, total);
    if (start > total) {
      throw new AppError('INVALID_ARGUMENT', `start_line ${start} is past the end of the document (${total} lines)`, {
        hint: `Use a start_line between 1 and ${total}.`,
      });
    }
    return range(lines, start, end);
  }
  return { content: text, startLine: 1, endLine: total };
}

function range(lines: string[], start: number, end: number): { content: string; startLine: number; endLine: number } {
  let last = end;
  while (last > start && (lines[last - 1] ?? '').trim() === '') last--;
  return { content: lines.slice(start - 1, last).join('\n'), startLine: start, endLine: last };
}
