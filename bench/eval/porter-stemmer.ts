/**
 * The original Porter (1980) stemmer, written for the evaluation baseline so that it does not
 * share code with the project's keyword index (lunr ships its own). Expects a lower-case word.
 *
 * Notation from the paper: C = a run of consonants, V = a run of vowels; a stem's "measure" m
 * counts the VC pairs in [C](VC)^m[V]. `y` is a vowel after a consonant.
 */

const c = '[^aeiou]';
const v = '[aeiouy]';
const C = `${c}[^aeiouy]*`;
const V = `${v}[aeiou]*`;

const MEASURE_GT_0 = new RegExp(`^(${C})?${V}${C}`);
const MEASURE_EQ_1 = new RegExp(`^(${C})?${V}${C}(${V})?$`);
const MEASURE_GT_1 = new RegExp(`^(${C})?${V}${C}${V}${C}`);
const HAS_VOWEL = new RegExp(`^(${C})?${v}`);
/** Ends consonant-vowel-consonant, the last not w, x or y (`*o` in the paper). */
const ENDS_CVC = new RegExp(`^${C}${v}[^aeiouwxy]$`);

const STEP2: Record<string, string> = {
  ational: 'ate', tional: 'tion', enci: 'ence', anci: 'ance', izer: 'ize', bli: 'ble', alli: 'al',
  entli: 'ent', eli: 'e', ousli: 'ous', ization: 'ize', ation: 'ate', ator: 'ate', alism: 'al',
  iveness: 'ive', fulness: 'ful', ousness: 'ous', aliti: 'al', iviti: 'ive', biliti: 'ble', logi: 'log',
};
const STEP3: Record<string, string> = {
  icate: 'ic', ative: '', alize: 'al', iciti: 'ic', ical: 'ic', ful: '', ness: '',
};
const STEP4 = ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ou', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize'];

/** Matches the shortest stem followed by one of the suffixes (so the longest suffix wins). */
const suffixPattern = (suffixes: readonly string[]): RegExp => new RegExp(`^(.+?)(${suffixes.join('|')})$`);
const STEP2_RE = suffixPattern(Object.keys(STEP2));
const STEP3_RE = suffixPattern(Object.keys(STEP3));
const STEP4_RE = suffixPattern(STEP4);

function step1(word: string): string {
  let w = word;
  if (/^(.+?)(ss|i)es$/.test(w)) w = w.replace(/^(.+?)(ss|i)es$/, '$1$2');
  else if (/^(.+?)([^s])s$/.test(w)) w = w.replace(/^(.+?)([^s])s$/, '$1$2');

  const eed = /^(.+?)eed$/.exec(w);
  const edIng = /^(.+?)(ed|ing)$/.exec(w);
  if (eed) {
    if (MEASURE_GT_0.test(eed[1] ?? '')) w = w.slice(0, -1);
  } else if (edIng && HAS_VOWEL.test(edIng[1] ?? '')) {
    w = edIng[1] ?? w;
    if (/(at|bl|iz)$/.test(w)) w += 'e';
    else if (/([^aeiouylsz])\1$/.test(w)) w = w.slice(0, -1);
    else if (ENDS_CVC.test(w)) w += 'e';
  }

  const y = /^(.+?)y$/.exec(w);
  if (y && HAS_VOWEL.test(y[1] ?? '')) w = `${y[1] ?? ''}i`;
  return w;
}

function replaceSuffix(w: string, re: RegExp, map: Record<string, string>): string {
  const m = re.exec(w);
  if (!m) return w;
  const stem = m[1] ?? '';
  return MEASURE_GT_0.test(stem) ? stem + (map[m[2] ?? ''] ?? '') : w;
}

function step4(w: string): string {
  const m = STEP4_RE.exec(w);
  if (m) return MEASURE_GT_1.test(m[1] ?? '') ? (m[1] ?? w) : w;
  const ion = /^(.+?)(s|t)(ion)$/.exec(w);
  if (ion) {
    const stem = (ion[1] ?? '') + (ion[2] ?? '');
    if (MEASURE_GT_1.test(stem)) return stem;
  }
  return w;
}

function step5(word: string): string {
  let w = word;
  const e = /^(.+?)e$/.exec(w);
  if (e) {
    const stem = e[1] ?? '';
    if (MEASURE_GT_1.test(stem) || (MEASURE_EQ_1.test(stem) && !ENDS_CVC.test(stem))) w = stem;
  }
  if (/ll$/.test(w) && MEASURE_GT_1.test(w)) w = w.slice(0, -1);
  return w;
}

/** Porter stem of a lower-case word; words shorter than 3 letters are returned unchanged. */
export function stemPorter(word: string): string {
  if (word.length < 3) return word;
  // A leading y is a consonant; mark it so the vowel patterns do not treat it as one.
  let w = word.startsWith('y') ? `Y${word.slice(1)}` : word;
  w = step1(w);
  w = replaceSuffix(w, STEP2_RE, STEP2);
  w = replaceSuffix(w, STEP3_RE, STEP3);
  w = step4(w);
  w = step5(w);
  return w.startsWith('Y') ? `y${w.slice(1)}` : w;
}
