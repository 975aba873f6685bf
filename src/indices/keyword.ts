/**
 * Keyword index: the only module that imports lunr. lunr is the text pipeline (its English
 * stop-word filter and Porter stemmer, behind our tokenizer with its identifier handling,
 * keyword-tokenize.ts); storage, incremental segments and scoring are ours (segment-*.ts):
 * compact immutable segments opened as typed-array views, BM25F scored over their postings.
 *
 * What is baked into a segment's bytes is only what the tokenizer produced; k1, b and the field
 * boosts apply when scoring, so changing them needs no rebuild.
 */
import lunr from 'lunr';
import { buildSegment, type BuiltSegment, type SegmentDocInput } from './segment-build.js';
import { SEGMENT_VERSION } from './segment-layout.js';
import { TEXT_VERSION } from './text-blob.js';
import { SegmentIndex } from './segment-index.js';
import type { ScoringSettings } from './segment-search.js';
import { resolvePolicy, resolveSettings } from './keyword-settings.js';
import { TOKENIZER_VERSION, createQueryUnitAnalyzer, createTokenizer, type QueryUnit, type Tokenizer, type WordAnalyzer } from './keyword-tokenize.js';

export interface KeywordIndexParams {
  /** BM25 term-frequency saturation; default 1.2. */
  k1?: number;
  /** BM25 length normalisation, 0..1; default 0.75. */
  b?: number;
  /** Field boosts; defaults title 6, headings 2, body 1. */
  titleBoost?: number;
  headingBoost?: number;
  bodyBoost?: number;
  /** Segments of one size tier merge when this many accumulate; default 8 (≥ 2). */
  mergeFactor?: number;
  /** Live copies of the smallest tier: tier t ends at minSegmentDocs·mergeFactor^(t+1); default 16. */
  minSegmentDocs?: number;
  /** A segment is rewritten alone once masked copies exceed this share of it; default 0.5. */
  maxDeadRatio?: number;
}

/**
 * Weight of the `ids` field (whole compound identifiers) in BM25F. Above 0, an exact identifier
 * outranks the same words written apart; measured on SciFact, larger values (1, 3) cost nDCG
 * because hyphenated words (`IL-6`, `long-term`) then outweigh their spelled-out forms.
 */
const IDS_BOOST = 0.5;

const MAX_QUERY_TERMS = 64;
/** Queries are cut here before tokenizing; 64 unique terms come long before. */
const MAX_QUERY_CHARS = 20_000;

/** Everything that changes the bytes segments are built from: a mismatch on load rebuilds. */
export const KEYWORD_SETTINGS_KEY = JSON.stringify({ lunr: lunr.version, tokenizer: TOKENIZER_VERSION, segment: SEGMENT_VERSION, text: TEXT_VERSION });

/** lunr's English stop-word filter + Porter stemmer (the tokenizer memoises per word). */
const analyzeWord: WordAnalyzer = (word) => {
  const kept = lunr.stopWordFilter(new lunr.Token(word, {}));
  return kept ? lunr.stemmer(kept).toString() : undefined;
};

export function createKeywordTokenizer(): Tokenizer {
  return createTokenizer(analyzeWord);
}

/** BM25 parameters and field boosts (FIELDS order), validated. */
export function scoringSettings(params: KeywordIndexParams): ScoringSettings {
  const s = resolveSettings(params);
  return { k1: s.k1, b: s.b, boosts: [s.titleBoost, s.headingBoost, s.bodyBoost, IDS_BOOST] };
}

/** An empty live view with these params' scoring and merge policy. */
export function createSegmentIndex(params: KeywordIndexParams): SegmentIndex {
  return new SegmentIndex(scoringSettings(params), resolvePolicy(params));
}

/** Query text → unique analysed terms (never throws; no query syntax exists). */
export function createQueryAnalyzer(tokenize: Tokenizer = createKeywordTokenizer()): (query: string) => string[] {
  return (query) => {
    if (typeof query !== 'string') return [];
    return tokenize(query.slice(0, MAX_QUERY_CHARS), { mode: 'query', maxTerms: MAX_QUERY_TERMS });
  };
}

/** Query text → units (a concept each: a word with its raw form, an identifier's whole, its parts); never throws. */
export function createQueryUnitsAnalyzer(): (query: string) => QueryUnit[] {
  const units = createQueryUnitAnalyzer(analyzeWord);
  return (query) => (typeof query === 'string' ? units(query.slice(0, MAX_QUERY_CHARS)) : []);
}

/**
 * Which of a query's units occur in a piece of text, analysed as documents are (wholes of
 * compound identifiers included): bit u set for unit u < 32.
 */
export function createUnitMatcher(tokenize: Tokenizer = createKeywordTokenizer()): (units: readonly { terms: readonly string[] }[], text: string) => number {
  return (units, text) => {
    const compounds: string[] = [];
    const terms = new Set(tokenize(text, { mode: 'index', compounds }));
    for (const whole of compounds) terms.add(whole);
    let mask = 0;
    units.forEach((unit, u) => {
      if (u < 32 && unit.terms.some((t) => terms.has(t))) mask = (mask | (2 ** u)) >>> 0;
    });
    return mask;
  };
}

/**
 * A segment builder (for the build worker or the main thread): the same documents always give
 * the same bytes. The tokenizer's per-word memo lives as long as the builder.
 */
export function createSegmentBuilder(): (docs: readonly SegmentDocInput[]) => BuiltSegment {
  const tokenize = createKeywordTokenizer();
  return (docs) => buildSegment(docs, tokenize, KEYWORD_SETTINGS_KEY);
}

export type { BuiltSegment, SegmentDocInput } from './segment-build.js';
export type { QueryUnit } from './keyword-tokenize.js';
