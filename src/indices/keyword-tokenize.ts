/**
 * Text → index terms for the keyword index. Pure; the word analyzer (stemmer + stop words)
 * is injected by keyword.ts so that only the adapter imports lunr.
 *
 * Terms produced for a piece of text:
 *  - plain words (`indexing`): the analyzed form (`index`); stop words are dropped.
 *  - compound identifiers (`getUserById`, `max_file_bytes`, `dotted.name`, `kebab-case`,
 *    `src/core/types.ts`, `ERR_TLS_CERT`): the whole token lower-cased and unanalyzed
 *    (`getuserbyid`), never dropped, plus the analyzed parts (`get`, `user`, `id`). When
 *    indexing with `compounds`, wholes go there instead (keyword.ts keeps them in their own field).
 *  - CJK / Thai runs (no spaces between words): character unigrams and bigrams when
 *    indexing, bigrams (or the single character) when querying.
 * In query mode a plain word also yields its raw lower-cased form, so `getuserbyid` typed
 * as one word still finds the identifier `getUserById`.
 */

/** Stems a lower-cased word; returns undefined for a stop word. */
export type WordAnalyzer = (word: string) => string | undefined;

export interface TokenizeOptions {
  mode: 'index' | 'query';
  /** Stop after this many unique terms (queries); default unlimited. */
  maxTerms?: number;
  /**
   * Index mode only: whole compound identifiers go here instead of into the returned terms, so
   * a caller can keep them in a field of their own (they then neither lengthen the text field
   * nor count twice against their parts).
   */
  compounds?: string[];
}

/** Bump when the produced terms change, so persisted indexes get rebuilt. */
export const TOKENIZER_VERSION = 2;

/** Longest whole identifier or part kept; longer runs are blobs (base64, hashes), not words. */
const MAX_TERM_LENGTH = 64;

const NO_SPACE_SCRIPTS =
  '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\p{Script=Thai}\\u30FC\\u3005';
// `v` flag for set subtraction: word characters that are not from a no-space script.
// Built with the constructor because the compile target predates the `v` flag syntax.
const TOKEN_PATTERN =
  `([${NO_SPACE_SCRIPTS}]+)` +
  `|([[\\p{L}\\p{N}\\p{M}_]--[${NO_SPACE_SCRIPTS}]]+` +
  `(?:[.\\-\\/\\\\:@]+[[\\p{L}\\p{N}\\p{M}_]--[${NO_SPACE_SCRIPTS}]]+)*)`;
const TOKEN_REGEX = new RegExp(TOKEN_PATTERN, 'gv');
const INNER_APOSTROPHE = /(\p{L})['\u2019](?=\p{L})/gu;
const LATIN_DIACRITICS = /[\u0300-\u036f]/g;
const NON_ASCII = /[^\u0000-\u007f]/;
const PLAIN_LOWER_WORD = /^[a-z0-9]+$/;
const PART_SEPARATORS = /[.\-/\\:@_]+/;

/** Folds Latin diacritics and compatibility forms (full-width, ligatures): `Café` ≡ `Cafe`. */
function foldText(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  return text.normalize('NFKD').replace(LATIN_DIACRITICS, '').normalize('NFC');
}

/** `getUserByID2Fast` → [`get`, `User`, `By`, `ID2`, `Fast`]. */
function splitCamelCase(word: string): string[] {
  return word
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .split(' ')
    .filter((part) => part.length > 0);
}

function identifierParts(token: string): string[] {
  const parts: string[] = [];
  for (const piece of token.split(PART_SEPARATORS)) {
    if (piece.length > 0) parts.push(...splitCamelCase(piece));
  }
  return parts;
}

/** Text → terms; see the module comment. Never throws on any string input. */
export type Tokenizer = (text: string, options: TokenizeOptions) => string[];

interface WordTerms {
  /** The whole compound identifier, lower-cased (undefined for a plain word). */
  whole: string | undefined;
  /** Analyzed parts (or the analyzed plain word). */
  terms: string[];
  /** Extra raw lower-cased form emitted for queries (plain words whose stem differs). */
  raw: string | undefined;
}

const MAX_WORD_CACHE = 100_000;

/**
 * Builds a tokenizer around `analyze`, memoising per distinct word (documents repeat words a
 * lot, and camel-case splitting is the expensive part). The cache is per tokenizer instance.
 */
export function createTokenizer(analyze: WordAnalyzer): Tokenizer {
  const cache = new Map<string, WordTerms>();
  const wordTerms = (token: string): WordTerms => {
    let entry = cache.get(token);
    if (entry === undefined) {
      entry = analyzeWord(token, analyze);
      if (cache.size >= MAX_WORD_CACHE) cache.clear();
      cache.set(token, entry);
    }
    return entry;
  };

  return (text, options) => {
    const query = options.mode === 'query';
    const maxTerms = options.maxTerms ?? Number.POSITIVE_INFINITY;
    const compounds = query ? undefined : options.compounds;
    const terms: string[] = [];
    const seen = new Set<string>();
    // Returns false once the term budget is spent.
    const emit = (term: string): boolean => {
      if (query) {
        if (seen.has(term)) return true;
        seen.add(term);
      }
      terms.push(term);
      return (query ? seen.size : terms.length) < maxTerms;
    };

    const prepared = foldText(text).replace(INNER_APOSTROPHE, '$1');
    // matchAll works on a copy of the regex, so the shared constant's lastIndex never changes.
    scan: for (const match of prepared.matchAll(TOKEN_REGEX)) {
      if (match[1] !== undefined) {
        if (!emitRun(match[1], query, emit)) break;
        continue;
      }
      const word = wordTerms(match[2] ?? '');
      if (word.whole !== undefined) {
        if (compounds !== undefined) compounds.push(word.whole);
        else if (!emit(word.whole)) break;
      }
      for (const term of word.terms) if (!emit(term)) break scan;
      if (query && word.raw !== undefined && !emit(word.raw)) break;
    }
    return terms;
  };
}

/** One concept of a query: its alternative index terms (a stem and its raw form), matched once. */
export interface QueryUnit {
  terms: string[];
  /** `identifier`: a whole compound (`virtualpage.define`); `part`: one of its parts; `word`: a plain word or a CJK bigram. */
  kind: 'word' | 'identifier' | 'part';
  /**
   * Identifier and part units: the token is unmistakably code (CODE_LIKE, a `--flag`, or written
   * in backticks), not a hyphenated word such as `long-term` or `IL-6`.
   */
  code?: boolean;
}

/**
 * snake_case, dotted.names (two letters or more on each side: not `e.g`, not `1.5`), camelCase and
 * PascalCase (`onPageSaved`, `HttpRequest`: two lower-case letters before a capital followed by a
 * lower-case one, so not `mRNA` or `siRNA`), or an HTTP header (`X-Permission`, `Content-Type`).
 */
const CODE_LIKE = /_|\p{L}{2}\.\p{L}{2}|\p{Ll}{2}\p{Lu}\p{Ll}|^\p{Lu}[\p{Ll}\p{N}]*(?:-\p{Lu}[\p{Ll}\p{N}]*)+$/u;

/** Most units a query keeps (the keyword search tracks them in a 32-bit mask per chunk). */
export const MAX_QUERY_UNITS = 32;

/**
 * Query text → units, in query order, unique by their first term: a plain word gives one unit
 * (its analyzed form, plus the raw lower-cased form as an alternative when they differ), a
 * compound identifier gives its whole (never dropped) and then each analyzed part, a CJK run its
 * bigrams. The flat term list of `mode: 'query'` is these units' terms.
 */
export function createQueryUnitAnalyzer(analyze: WordAnalyzer): (text: string) => QueryUnit[] {
  const cache = new Map<string, WordTerms>();
  return (text) => {
    const units: QueryUnit[] = [];
    const seen = new Set<string>();
    const add = (terms: string[], kind: QueryUnit['kind'], code = false): boolean => {
      const fresh = terms.filter((t) => !seen.has(t));
      if (fresh.length > 0 && !seen.has(terms[0] as string)) {
        for (const t of fresh) seen.add(t);
        units.push(code ? { terms: fresh, kind, code } : { terms: fresh, kind });
      }
      return units.length < MAX_QUERY_UNITS;
    };
    const prepared = foldText(text).replace(INNER_APOSTROPHE, '$1');
    scan: for (const match of prepared.matchAll(TOKEN_REGEX)) {
      if (match[1] !== undefined) {
        const chars = Array.from(match[1]);
        if (chars.length === 1 && !add([match[1]], 'word')) break;
        for (let i = 0; i + 1 < chars.length; i++) if (!add([`${chars[i]}${chars[i + 1]}`], 'word')) break scan;
        continue;
      }
      const token = match[2] ?? '';
      let word = cache.get(token);
      if (word === undefined) {
        word = analyzeWord(token, analyze);
        if (cache.size >= MAX_WORD_CACHE) cache.clear();
        cache.set(token, word);
      }
      if (word.whole !== undefined) {
        const before = prepared.slice(Math.max(0, (match.index ?? 0) - 2), match.index ?? 0);
        const code = CODE_LIKE.test(token) || before === '--' || before.endsWith('`');
        if (!add([word.whole], 'identifier', code)) break;
        for (const part of word.terms) if (!add([part], 'part', code)) break scan;
      } else {
        const terms = word.raw !== undefined ? [...word.terms, word.raw] : word.terms;
        if (terms.length > 0 && !add(terms, 'word')) break;
      }
    }
    return units;
  };
}

function emitRun(run: string, query: boolean, emit: (term: string) => boolean): boolean {
  const chars = Array.from(run);
  if (chars.length === 1) return emit(run);
  for (let i = 0; i < chars.length; i++) {
    if (!query && !emit(chars[i] ?? '')) return false;
    if (i + 1 < chars.length && !emit(`${chars[i]}${chars[i + 1]}`)) return false;
  }
  return true;
}

function analyzeWord(token: string, analyze: WordAnalyzer): WordTerms {
  const lower = token.toLowerCase();
  const keep = (term: string | undefined): term is string =>
    term !== undefined && term.length > 0 && term.length <= MAX_TERM_LENGTH;
  const parts = PLAIN_LOWER_WORD.test(token) ? [token] : identifierParts(token);
  if (parts.length <= 1) {
    const analyzed = analyze(lower);
    if (!keep(analyzed)) return { whole: undefined, terms: [], raw: undefined };
    return { whole: undefined, terms: [analyzed], raw: analyzed !== lower && keep(lower) ? lower : undefined };
  }
  const terms = parts.map((part) => analyze(part.toLowerCase())).filter(keep);
  return { whole: keep(lower) ? lower : undefined, terms, raw: undefined };
}
