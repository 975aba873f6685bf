/**
 * Deterministic generator of a realistic Markdown corpus for tests and benchmarks: nested
 * folders, front matter (title, tags), an H1 and nested ##–#### sections of 300–1,500 characters
 * (so each section is about one chunk), Zipf-distributed pseudo-English, inline code, code fences,
 * lists, tables, quotes, relative Markdown links and [[wikilinks]] between files, and one unique
 * token per file (so a benchmark can ask for a file by its token and know the right answer).
 *
 * Usage (after `npm run build`):
 *   node dist/bench/generate-corpus.js --out DIR --chunks 10000 [--seed 1] [--force]
 * Without building: node --import tsx bench/generate-corpus.ts --out DIR --chunks 1000
 * `--force` empties DIR first (otherwise DIR must be empty or absent). The CLI also writes
 * `DIR/.corpus.json` ({ seed, files, approxChunks, uniqueTokens: {path: token} }); hidden files are
 * excluded from indexing by the default config. The same seed always gives the same bytes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createRandom, type Random } from './lib/random.js';
import { makeBlock, makeHeadingText, makeParagraph, type BlockContext, type LinkTargets } from './corpus/markdown-blocks.js';
import { createVocabulary } from './corpus/vocabulary.js';

export interface GenerateCorpusOptions {
  /** Folder to write into; created if missing, must be empty. */
  outDir: string;
  /** Approximate number of chunks (≈ sections) wanted. */
  targetChunks: number;
  /** Default 1. */
  seed?: number;
}

export interface GeneratedCorpus {
  files: number;
  /** Number of sections written; each is 300–1,500 characters, so about one chunk at default settings. */
  approxChunks: number;
  /** Path (relative to `outDir`, `/`-separated) → a token that occurs in that file only. */
  uniqueTokens: Map<string, string>;
  /** Total bytes written. */
  bytes: number;
}

const FOLDERS = ['guides', 'guides/setup', 'reference/api', 'reference/cli', 'concepts', 'howto', 'notes', 'ops/runbooks', 'design/decisions'];
const MIN_SECTION = 300;
const MAX_SECTION = 1500;

interface FilePlan {
  path: string;
  stem: string;
  title: string;
  sections: number;
  token: string;
}

/** Fixed-width base-26 letters, so tokens of different files can never coincide. */
function letters(n: number, width: number): string {
  let out = '';
  for (let i = 0, v = n; i < width; i++, v = Math.floor(v / 26)) out = String.fromCharCode(97 + (v % 26)) + out;
  return out;
}

function planFiles(random: Random, targetChunks: number, topical: () => string): FilePlan[] {
  const plans: FilePlan[] = [];
  let total = 0;
  while (total < targetChunks) {
    const roll = random.next();
    let sections = roll < 0.8 ? random.int(2, 10) : roll < 0.95 ? random.int(11, 25) : random.int(26, 60);
    sections = Math.min(sections, targetChunks - total);
    const words = [topical(), topical(), topical()];
    const stem = `${words[0]}-${words[1]}-${plans.length}`;
    const randomTail = Array.from({ length: 3 }, () => String.fromCharCode(97 + random.int(0, 25))).join('');
    plans.push({
      path: `${random.pick(FOLDERS)}/${stem}.md`,
      stem,
      title: `${(words[0] ?? '').charAt(0).toUpperCase()}${(words[0] ?? '').slice(1)} ${words[1]} ${words[2]}`,
      sections,
      token: `zq${letters(plans.length, 4)}${randomTail}`,
    });
    total += sections;
  }
  return plans;
}

/** Links to files near this one in plan order (a clustered, realistic link graph) plus a few far ones. */
function linkTargets(random: Random, plans: readonly FilePlan[], self: number): LinkTargets {
  const other = (): FilePlan | null => {
    if (plans.length < 2) return null;
    const near = random.chance(0.8);
    let index = near ? self + random.int(-15, 15) : random.int(0, plans.length - 1);
    index = Math.max(0, Math.min(plans.length - 1, index));
    return index === self ? null : (plans[index] ?? null);
  };
  const from = plans[self]?.path ?? '';
  return {
    inline: () => {
      const target = other();
      return target ? { href: posix.relative(posix.dirname(from), target.path), text: target.title } : null;
    },
    wiki: () => {
      const target = other();
      if (!target) return null;
      return random.chance(0.25) ? { target: target.stem, alias: target.title.toLowerCase() } : { target: target.stem };
    },
  };
}

function renderFile(ctx: BlockContext, plan: FilePlan, tags: string[]): string {
  const { random } = ctx;
  const parts: string[] = [`---\ntitle: "${plan.title}"\ntags: [${tags.join(', ')}]\n---`];
  const tokenSection = random.int(0, plan.sections - 1);
  let depth = 1;
  for (let s = 0; s < plan.sections; s++) {
    const heading = s === 0 ? `# ${plan.title}` : `${'#'.repeat(depth)} ${makeHeadingText(ctx)}`;
    const target = random.int(MIN_SECTION, MAX_SECTION - 100);
    let body = heading;
    if (s === tokenSection) body += `\n\nThe ${plan.token} marker identifies this page.`;
    while (body.length < target) {
      const budget = MAX_SECTION - body.length - 2;
      const block = body.length < MIN_SECTION ? makeParagraph(ctx, Math.max(80, budget)) : makeBlock(ctx, budget);
      body += `\n\n${block}`;
    }
    parts.push(body);
    depth = s === 0 ? 2 : Math.max(2, Math.min(4, depth + random.pick([-1, 0, 0, 1])));
  }
  return `${parts.join('\n\n')}\n`;
}

/** Writes the corpus; see the module comment. Same options → byte-identical files. */
export async function generateCorpus(options: GenerateCorpusOptions): Promise<GeneratedCorpus> {
  const outDir = resolve(options.outDir);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) {
    throw new Error(`output folder ${outDir} is not empty: choose an empty folder (or pass --force to the CLI to empty it)`);
  }
  const target = Math.max(1, Math.floor(options.targetChunks));
  const random = createRandom(options.seed ?? 1);
  const vocab = createVocabulary();
  const plans = planFiles(random, target, () => vocab.drawTopical(random));
  const uniqueTokens = new Map<string, string>();
  let bytes = 0;
  let chunks = 0;
  for (const [index, plan] of plans.entries()) {
    const ctx: BlockContext = { random, vocab, links: linkTargets(random, plans, index) };
    const tags = [...new Set(Array.from({ length: random.int(1, 3) }, () => vocab.drawTopical(random)))];
    const text = renderFile(ctx, plan, tags);
    const file = join(outDir, plan.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    bytes += Buffer.byteLength(text);
    chunks += plan.sections;
    uniqueTokens.set(plan.path, plan.token);
  }
  return { files: plans.length, approxChunks: chunks, uniqueTokens, bytes };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { out: { type: 'string' }, chunks: { type: 'string' }, seed: { type: 'string', default: '1' }, force: { type: 'boolean', default: false } },
  });
  const chunks = Number(values.chunks);
  const seed = Number(values.seed);
  if (values.out === undefined || !Number.isInteger(chunks) || chunks < 1 || !Number.isInteger(seed)) {
    throw new Error('usage: generate-corpus --out DIR --chunks N [--seed 1] [--force]');
  }
  if (values.force) await rm(resolve(values.out), { recursive: true, force: true });
  const started = performance.now();
  const result = await generateCorpus({ outDir: values.out, targetChunks: chunks, seed });
  await writeFile(
    join(resolve(values.out), '.corpus.json'),
    JSON.stringify({ seed, targetChunks: chunks, files: result.files, approxChunks: result.approxChunks, bytes: result.bytes, uniqueTokens: Object.fromEntries(result.uniqueTokens) }, null, 1),
  );
  process.stdout.write(
    `wrote ${result.files} files, ~${result.approxChunks} chunks, ${(result.bytes / 1e6).toFixed(1)} MB to ${resolve(values.out)} ` +
      `(seed ${seed}) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`generate-corpus: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
