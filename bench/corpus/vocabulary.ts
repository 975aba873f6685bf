/**
 * Word supply for the synthetic corpus: common English words first, then documentation
 * vocabulary, then pronounceable made-up words, drawn with a Zipf-like law (rank r has weight
 * 1/r^s) so term statistics resemble real text: a few very frequent words, a long tail of rare ones.
 */
import { createRandom, type Random } from '../lib/random.js';

const FUNCTION_WORDS = (
  'the of and to a in is that for it as with on be by this are or from at an which not can when ' +
  'if you all will each more one also into only but so other there their then than these some may ' +
  'has have was its any after before same used both new most such over first where how what while ' +
  'does most should must every between without about under through again once two three many few'
).split(' ');

const DOMAIN_WORDS = (
  'index query server client config cache worker thread process file folder document section chunk ' +
  'heading link graph vector keyword search result score rank token parser schema option default ' +
  'value setting request response error warning message log level timeout retry batch queue lock ' +
  'release version build deploy release install upgrade module package import export function ' +
  'method class interface type field record table column row key path name title tag note page ' +
  'draft review owner team project service endpoint route handler event stream buffer memory disk ' +
  'network socket port host address user account session permission role policy rule filter sort ' +
  'limit offset cursor page size count total average median latency throughput metric trace span ' +
  'snapshot backup restore migrate database storage segment shard replica cluster node leader ' +
  'follower manifest generation checksum hash signature certificate secret credential environment ' +
  'variable argument flag command script task job schedule pipeline stage step artifact image ' +
  'container volume mount network proxy gateway router balancer health probe alert dashboard ' +
  'report summary overview guide tutorial example sample template pattern convention style format ' +
  'encoding unicode markdown fence block list item paragraph quote embed model dimension distance ' +
  'cosine neighbour candidate fusion weight boost field stem analyzer stop phrase fuzzy prefix ' +
  'wildcard range facet highlight snippet preview excerpt context window prompt answer question ' +
  'support issue ticket bug fix patch feature change commit branch merge conflict tag label ' +
  'milestone roadmap plan goal risk decision tradeoff constraint requirement design architecture'
).split(' ');

const ONSETS = ['b', 'br', 'c', 'ch', 'cl', 'd', 'dr', 'f', 'fl', 'g', 'gr', 'h', 'j', 'k', 'l', 'm', 'n', 'p', 'pl', 'pr', 'r', 's', 'sh', 'st', 't', 'tr', 'v', 'w'];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'io', 'ou'];
const CODAS = ['', '', 'n', 'r', 'l', 's', 't', 'nd', 'st', 'x', 'm'];

/** A pronounceable made-up word of 2–3 syllables (never starting with `zq`: reserved for unique tokens). */
function makePseudoWord(random: Random): string {
  const syllables = random.int(2, 3);
  let word = '';
  for (let i = 0; i < syllables; i++) word += random.pick(ONSETS) + random.pick(NUCLEI) + (i === syllables - 1 ? random.pick(CODAS) : '');
  return word;
}

export interface Vocabulary {
  /** All words, most frequent first. */
  readonly words: readonly string[];
  /** One word drawn with the Zipf-like law. */
  draw(random: Random): string;
  /** A word from the documentation vocabulary (for headings, identifiers, file names). */
  drawTopical(random: Random): string;
}

/**
 * The vocabulary is fixed (its own seed), so corpora with different seeds share one language;
 * `pseudoWords` sets the length of the rare tail.
 */
export function createVocabulary(options: { pseudoWords?: number; exponent?: number } = {}): Vocabulary {
  const random = createRandom(0x5eed);
  const seen = new Set<string>([...FUNCTION_WORDS, ...DOMAIN_WORDS]);
  const pseudo: string[] = [];
  const wanted = options.pseudoWords ?? 4000;
  while (pseudo.length < wanted) {
    const word = makePseudoWord(random);
    if (!seen.has(word)) {
      seen.add(word);
      pseudo.push(word);
    }
  }
  // Interleave domain words into the upper ranks so they are frequent but below function words.
  const words = [...new Set([...FUNCTION_WORDS, ...DOMAIN_WORDS])].concat(pseudo);
  const s = options.exponent ?? 1.05;
  const cumulative = new Float64Array(words.length);
  let total = 0;
  for (let r = 0; r < words.length; r++) {
    total += 1 / Math.pow(r + 1, s);
    cumulative[r] = total;
  }
  const domain = [...new Set(DOMAIN_WORDS)];
  return {
    words,
    draw(rng) {
      const x = rng.next() * total;
      let lo = 0;
      let hi = words.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((cumulative[mid] ?? 0) < x) lo = mid + 1;
        else hi = mid;
      }
      return words[lo] ?? 'the';
    },
    drawTopical: (rng) => rng.pick(domain),
  };
}
