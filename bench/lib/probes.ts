/**
 * Queries with a known answer for black-box benchmarks of a docs folder: probe tokens (a word
 * found in one file only, so the right answer is that file first) and 2–4 word phrases from
 * the text. A generated corpus brings its own tokens in `.corpus.json` (`uniqueTokens`, from
 * bench/generate-corpus.ts); a copied corpus lists `probes` whose answer is any of several
 * identical files (bench/scifact-copies.ts); any other folder gets tokens drawn here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tokenizeForBm25 } from '../eval/bm25-tokenize.js';
import { createRandom } from './random.js';

/** A query whose right answer is any of `paths` ranked first (`/`-separated, relative to the docs root). */
export interface Probe {
  token: string;
  paths: string[];
}

/** Plain lower-case words, so no tokenizer (lunr's, ours, the baseline's) can split or change them. */
const PLAIN_WORD = /^[a-z]{7,20}$/;

/**
 * Up to `count` words that occur in exactly one of `texts` (path → text), also after Porter
 * stemming (so no other file holds another form of the word), one per file, seeded order.
 */
export function drawUniqueWordProbes(texts: ReadonlyMap<string, string>, count: number, seed = 7): Probe[] {
  const filesOfStem = new Map<string, number>();
  const wordsOf = new Map<string, Map<string, string>>();
  const stems = new Map<string, string | undefined>();
  const stemOf = (raw: string): string | undefined => {
    if (!stems.has(raw)) stems.set(raw, tokenizeForBm25(raw)[0]);
    return stems.get(raw);
  };
  for (const [path, text] of texts) {
    const words = new Map<string, string>();
    for (const raw of text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) {
      if (raw === '') continue;
      const stem = stemOf(raw);
      if (stem === undefined || words.has(stem)) continue;
      words.set(stem, raw);
      filesOfStem.set(stem, (filesOfStem.get(stem) ?? 0) + 1);
    }
    wordsOf.set(path, words);
  }
  const random = createRandom(seed);
  const probes: Probe[] = [];
  for (const path of random.shuffle([...texts.keys()])) {
    if (probes.length >= count) break;
    const candidates = [...(wordsOf.get(path) ?? new Map<string, string>())].filter(([stem, word]) => filesOfStem.get(stem) === 1 && PLAIN_WORD.test(word));
    if (candidates.length > 0) probes.push({ token: random.pick(candidates)[1], paths: [path] });
  }
  return probes;
}

/** `count` runs of 2–4 words picked from random places of `texts`. */
export function drawPhrases(texts: readonly string[], count: number, seed = 11): string[] {
  const random = createRandom(seed);
  const phrases: string[] = [];
  for (let guard = 0; phrases.length < count && guard < count * 20 && texts.length > 0; guard++) {
    const words = random.pick(texts).match(/[A-Za-z][A-Za-z'-]{2,}/g) ?? [];
    const length = random.int(2, 4);
    if (words.length < length) continue;
    const start = random.int(0, words.length - length);
    phrases.push(words.slice(start, start + length).join(' '));
  }
  return phrases;
}

/** The probes `.corpus.json` in `dir` names, or null when it names none. */
export function readCorpusProbes(dir: string): Probe[] | null {
  const file = join(dir, '.corpus.json');
  if (!existsSync(file)) return null;
  const meta = JSON.parse(readFileSync(file, 'utf8')) as { uniqueTokens?: Record<string, string>; probes?: Probe[] };
  if (Array.isArray(meta.probes) && meta.probes.length > 0) return meta.probes;
  if (meta.uniqueTokens !== undefined) return Object.entries(meta.uniqueTokens).map(([path, token]) => ({ token, paths: [path] }));
  return null;
}
