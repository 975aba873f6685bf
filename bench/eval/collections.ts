/**
 * Does merging the results of several collections on their scores work? The same corpus is
 * served once as one folder, and once split into two folders (two collections, each page in one
 * of them by a hash of its path, paths unchanged); the known-answer questions are run against
 * both, and against two naive ways of combining the split: one collection's results after the
 * other's (concatenation) and taking turns (round robin). Links between the two halves no longer
 * resolve, which costs the split some link-away answers whatever the merge; the merge on score is
 * judged against the single folder and against the naive merges, on the same split.
 *
 * Usage (after `npm run build`):
 *   node dist/bench/eval/collections.js                      # the vault fixture, no embedder
 *   node dist/bench/eval/collections.js --embedder test
 *   node dist/bench/eval/collections.js --docs tests/fixtures/known-answer/docs --questions tests/fixtures/known-answer/queries.jsonl
 * Prints MRR@10 / Recall@5 / nDCG@10 per kind for each arm. Exit code 2 on a failed run.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createCollectionSet, type CollectionSet } from '../../src/app/collection-set.js';
import { loadConfig } from '../../src/config/load.js';
import { errorMessage } from '../../src/core/errors.js';
import { sha256 } from '../../src/core/hash.js';
import type { SearchResult } from '../../src/core/types.js';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import { evaluateKnownAnswers, formatReport, readKnownAnswerQueries } from './known-answer.js';
import { repoRoot } from '../../tests/helpers/paths.js';

const TOP = 40;

function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(root, full) : [relative(root, full).split('\\').join('/')];
  });
}

/** First ten distinct document paths of a result list. */
function topPaths(results: readonly SearchResult[]): string[] {
  return [...new Set(results.map((r) => r.path))].slice(0, 10);
}

async function openSet(folders: string[], work: string, embedder: string): Promise<CollectionSet> {
  const config = loadConfig({ cwd: work, env: { RAGDOCS_EMBEDDER: 'none', XDG_CACHE_HOME: join(work, 'cache') }, homeDir: work, platform: 'linux', ignoreConfigFile: true, flags: { docs: folders } });
  const set = createCollectionSet({ config, logger: pino({ level: 'silent' }), watch: false, rebuild: true, ...(embedder === 'test' ? { embedder: createHashingEmbedder(64) } : {}) });
  await set.start();
  for (const c of set.collections) if (!(await c.app?.manager.waitForIdle(10 * 60_000))) throw new Error(`indexing ${c.root} did not finish`);
  return set;
}

export async function runCollectionsEval(argv: string[], progress: (t: string) => void): Promise<string> {
  const { values } = parseArgs({ args: argv, options: { docs: { type: 'string' }, questions: { type: 'string' }, embedder: { type: 'string', default: 'none' } } });
  const fixture = join(repoRoot(), 'tests', 'fixtures', 'vault');
  const docs = resolve(values.docs ?? join(fixture, 'docs'));
  const questionsFile = resolve(values.questions ?? join(fixture, 'questions.jsonl'));
  if (values.embedder !== 'none' && values.embedder !== 'test') throw new Error('--embedder: none or test');
  const queries = readKnownAnswerQueries(questionsFile);
  const work = mkdtempSync(join(tmpdir(), 'ragdocs-eval-collections-'));
  try {
    const whole = join(work, 'whole');
    const halves = [join(work, 'half-a'), join(work, 'half-b')];
    cpSync(docs, whole, { recursive: true });
    const files = filesUnder(docs);
    const counts = [0, 0];
    for (const f of files) {
      const side = parseInt(sha256(f).slice(0, 8), 16) % 2;
      counts[side] = (counts[side] ?? 0) + 1;
      const target = join(halves[side] as string, f);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(join(docs, f), target);
    }
    progress(`indexing ${files.length} files: whole, and split ${counts[0]} + ${counts[1]} …\n`);
    const one = await openSet([whole], work, values.embedder);
    const two = await openSet(halves, work, values.embedder);
    const [a, b] = two.collections.map((c) => c.app?.service);
    if (!a || !b) throw new Error('a half did not start');
    try {
      const arms: [string, (text: string) => Promise<string[]>][] = [
        ['one folder', async (text) => topPaths((await one.service.query({ query: text, topN: TOP })).results)],
        ['two collections, merged on score', async (text) => topPaths((await two.service.query({ query: text, topN: TOP })).results)],
        [
          'two collections, concatenated',
          async (text) => {
            const [ra, rb] = await Promise.all([a.query({ query: text, topN: TOP }), b.query({ query: text, topN: TOP })]);
            return [...new Set([...topPaths(ra.results), ...topPaths(rb.results)])].slice(0, 10);
          },
        ],
        [
          'two collections, round robin',
          async (text) => {
            const [ra, rb] = await Promise.all([a.query({ query: text, topN: TOP }), b.query({ query: text, topN: TOP })]);
            const pa = topPaths(ra.results);
            const pb = topPaths(rb.results);
            const mixed: string[] = [];
            for (let i = 0; i < 10; i++) mixed.push(...(pa[i] !== undefined ? [pa[i] as string] : []), ...(pb[i] !== undefined ? [pb[i] as string] : []));
            return [...new Set(mixed)].slice(0, 10);
          },
        ],
      ];
      const reports: string[] = [];
      for (const [name, rank] of arms) {
        progress(`${name} …\n`);
        const result = await evaluateKnownAnswers(rank, queries);
        reports.push(formatReport(`${name} (${relative(process.cwd(), questionsFile) || questionsFile}, embedder ${values.embedder})`, result.means));
      }
      return `${reports.join('\n\n')}\n`;
    } finally {
      await one.stop();
      await two.stop();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runCollectionsEval(process.argv.slice(2), (t) => process.stderr.write(t)).then(
    (report) => process.stdout.write(report),
    (err: unknown) => {
      process.stderr.write(`eval failed: ${errorMessage(err)}\n`);
      process.exitCode = 2;
    },
  );
}
