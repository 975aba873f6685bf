import type { BlockAnchor, Heading } from '../core/types.js';
import { slugify } from './slug.js';

// Obsidian writes heading links without the characters links cannot hold (`Setup: Linux` is
// linked as `[[Page#Setup Linux]]`), so those compare as spaces.
const UNLINKABLE = /[#|^:%[\]\\]/g;

function loose(text: string): string {
  return text.toLowerCase().replace(UNLINKABLE, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * The index of the heading a link's `#heading` (or a `heading` argument) means, or -1. Matched
 * the way Obsidian and GitHub do: case-insensitively by the heading text, or by its anchor
 * slug; `Parent#Child` (Obsidian's nested form) means the last heading named.
 */
export function findHeading(headings: readonly Heading[], wanted: string): number {
  const asked = wanted.trim().replace(/^#+\s*/, '');
  const names = asked.includes('#') ? [asked, asked.slice(asked.lastIndexOf('#') + 1)] : [asked];
  for (const name of names) {
    const text = loose(name);
    if (text === '') continue;
    const slug = name.trim().toLowerCase();
    const slugged = slugify(name.trim());
    const at = headings.findIndex((h) => h.slug === slug || loose(h.text) === text || (slugged !== '' && h.slug === slugged));
    if (at >= 0) return at;
  }
  return -1;
}

/** The block a `#^id` names (ids compare case-insensitively; `^` optional), or undefined. */
export function findBlock(blocks: readonly BlockAnchor[], wanted: string): BlockAnchor | undefined {
  const id = wanted.trim().replace(/^#?\^/, '').toLowerCase();
  return id === '' ? undefined : blocks.find((b) => b.id.toLowerCase() === id);
}
