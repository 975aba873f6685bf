import { AppError } from '../core/errors.js';
import type { Heading } from '../core/types.js';

/**
 * Cuts the part of a document a `get_document` call asked for: a section (by heading text or
 * slug, up to the next heading of the same or a higher level), a line range, or everything.
 */
export function sliceDocument(
  text: string,
  headings: readonly Heading[],
  params: { heading?: string; startLine?: number; endLine?: number },
): { content: string; startLine: number; endLine: number } {
  const lines = text.split(/\r?\n/);
  const total = lines.length;
  if (params.heading !== undefined) {
    const wanted = params.heading.trim().replace(/^#+\s*/, '').toLowerCase();
    const index = headings.findIndex((h) => h.text.toLowerCase() === wanted || h.slug === wanted);
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
