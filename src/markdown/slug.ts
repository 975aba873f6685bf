// GitHub keeps letters, marks, numbers, connector punctuation (`_`), spaces and hyphens, and
// drops everything else (emoji, other punctuation), then turns each space into a hyphen.
const DROPPED = /[^\p{L}\p{M}\p{N}\p{Pc} -]/gu;

/** GitHub-style anchor slug of a heading text, without de-duplication. */
export function slugify(text: string): string {
  return text.toLowerCase().replace(DROPPED, '').replace(/ /g, '-');
}

/**
 * A slugger for one document: repeated headings get `-1`, `-2`… exactly like GitHub
 * (github-slugger), including the case where a suffixed slug collides with a real heading.
 */
export function createSlugger(): (text: string) => string {
  const occurrences = new Map<string, number>();
  return (text: string): string => {
    const original = slugify(text);
    let result = original;
    while (occurrences.has(result)) {
      const next = (occurrences.get(original) ?? 0) + 1;
      occurrences.set(original, next);
      result = `${original}-${next}`;
    }
    occurrences.set(result, 0);
    return result;
  };
}
