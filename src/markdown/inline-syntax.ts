/**
 * Obsidian-style syntax that is not CommonMark: `[[wikilinks]]` and `#tags`. Both are found
 * inside markdown-it text tokens only, so code, URLs of real links and HTML never match.
 */

export interface WikiLinkMatch {
  /** Offset of the match in the text value. */
  index: number;
  length: number;
  target: string;
  heading: string | undefined;
  alias: string | undefined;
  /** The inner text as written (`Page#Heading|alias`). */
  raw: string;
  embed: boolean;
}

const WIKI_LINK = /(!?)\[\[([^[\]\n]+?)\]\]/g;
// Letters, digits, `_`, `-`, `/` after a `#` that starts a word.
const TAG = /#([\p{L}\p{N}_\-/]+)/gu;
const TAG_NEEDS = /[\p{L}_]/u;
// A tag must start a word: `C#`, `page#anchor` and `https://x/#frag` are not tags.
const TAG_MAY_FOLLOW = /[\s([{,;:!?"'*_~>]/u;
const EMBEDDED_DOC = /\.(md|markdown|txt)$/i;
const HAS_EXTENSION = /\.[A-Za-z0-9]{1,8}$/;

/** `[[Page]]`, `[[Page|alias]]`, `[[Page#Heading]]`, `[[Page#Heading|alias]]` (and `![[embeds]]`). */
export function findWikiLinks(value: string): WikiLinkMatch[] {
  const out: WikiLinkMatch[] = [];
  for (const m of value.matchAll(WIKI_LINK)) {
    const raw = m[2] ?? '';
    const bar = raw.indexOf('|');
    const ref = bar >= 0 ? raw.slice(0, bar) : raw;
    const alias = bar >= 0 ? raw.slice(bar + 1).trim() : '';
    const hash = ref.indexOf('#');
    const target = (hash >= 0 ? ref.slice(0, hash) : ref).trim();
    const heading = hash >= 0 ? ref.slice(hash + 1).trim() : '';
    const embed = m[1] === '!';
    // `![[diagram.png]]` embeds an image: images are not links. `![[Note]]` transcludes a note.
    if (embed && HAS_EXTENSION.test(target) && !EMBEDDED_DOC.test(target)) continue;
    if (target === '' && heading === '') continue;
    out.push({
      index: m.index,
      length: m[0].length,
      target,
      heading: heading === '' ? undefined : heading,
      alias: alias === '' ? undefined : alias,
      raw,
      embed,
    });
  }
  return out;
}

/**
 * Inline `#tags` of a text value, lower-cased, without `#`. `before` is the source character
 * just before the value (undefined at the start of a line or block).
 */
export function findTags(value: string, before: string | undefined): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(TAG)) {
    const prev = m.index === 0 ? before : value[m.index - 1];
    if (prev !== undefined && !TAG_MAY_FOLLOW.test(prev)) continue;
    const tag = (m[1] ?? '').replace(/[/-]+$/, '');
    if (!TAG_NEEDS.test(tag)) continue;
    out.push(tag.toLowerCase());
  }
  return out;
}

/** The value with wikilinks blanked out (same length), so `[[Page#Heading]]` yields no tag. */
export function blankWikiLinks(value: string, links: readonly WikiLinkMatch[]): string {
  if (links.length === 0) return value;
  let out = '';
  let from = 0;
  for (const link of links) {
    out += value.slice(from, link.index) + ' '.repeat(link.length);
    from = link.index + link.length;
  }
  return out + value.slice(from);
}
