/**
 * Known-answer evaluation of one corpus: indexes a folder of Markdown with the real application,
 * runs a known-answer questions file through `app.service.query` and prints MRR@10 / Recall@5 /
 * nDCG@10 per kind (and per split), with the same code and settings as the regression tests
 * (tests/integration/vault-fixture.test.ts, known-answer.test.ts).
 *
 * Usage (after `npm run build`; `npm run eval:vault -- …` runs the same):
 *   node dist/bench/eval/vault.js                                   # the vault fixture, no embedder
 *   node dist/bench/eval/vault.js --embedder test --split heldout
 *   node dist/bench/eval/vault.js --docs tests/fixtures/known-answer/docs --questions tests/fixtures/known-answer/queries.jsonl
 *
 * Options:
 *   --docs DIR         the Markdown folder (default tests/fixtures/vault/docs)
 *   --questions FILE   the questions file (default tests/fixtures/vault/questions.jsonl)
 *   --embedder NAME    none (default: keyword + graph) or test (the 64-dimension hashing stand-in
 *                      the tests use; it checks the fused path, its figures say nothing about models)
 *   --split NAME       dev, heldout or all (default: all queries, then one table per split)
 * The report goes to stdout, progress to stderr. Exit code 2 on bad arguments or a failed run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApplication } from '../../src/app/application.js';
import { loadConfig } from '../../src/config/load.js';
import { errorMessage } from '../../src/core/errors.js';
import { createHashingEmbedder } from '../../src/embed/hashing-embedder.js';
import { evaluateKnownAnswers, formatKnownAnswerReport, formatReport, readKnownAnswerQueries, serviceRanking } from './known-answer.js';
import { repoRoot } from '../../tests/helpers/paths.js';

const USAGE = 'usage: vault [--docs DIR --questions FILE] [--embedder none|test] [--split dev|heldout|all]';

function parseVaultArgs(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      docs: { type: 'string' },
      questions: { type: 'string' },
      embedder: { type: 'string', default: 'none' },
      split: { type: 'string', default: 'all' },
    },
  });
  if (values.embedder !== 'none' && values.embedder !== 'test') throw new Error(`--embedder ${JSON.stringify(values.embedder)}: expected none or test\n${USAGE}`);
  if (!['dev', 'heldout', 'all'].includes(values.split)) throw new Error(`--split ${JSON.stringify(values.split)}: expected dev, heldout or all\n${USAGE}`);
  if ((values.docs === undefined) !== (values.questions === undefined)) throw new Error(`--docs and --questions go together\n${USAGE}`);
  const fixture = join(repoRoot(), 'tests', 'fixtures', 'vault');
  return {
    docs: resolve(values.docs ?? join(fixture, 'docs')),
    questions: resolve(values.questions ?? join(fixture, 'questions.jsonl')),
    embedder: values.embedder,
    split: values.split,
  };
}

/** Indexes, evaluates and returns the report. */
export async function runVaultEval(argv: string[], progress: (text: string) => void): Promise<string> {
  const args = parseVaultArgs(argv);
  const all = readKnownAnswerQueries(args.questions);
  const queries = args.split === 'all' ? all : all.filter((q) => q.split === args.split);
  if (queries.length === 0) throw new Error(`${args.questions} has no questions in split ${JSON.stringify(args.split)}`);
  const work = mkdtempSync(join(tmpdir(), 'ragdocs-eval-vault-'));
  // The settings of tests/helpers/app.ts testConfig: flags only, no environment, embedder chosen here.
  const config = loadConfig({
    cwd: args.docs,
    env: { RAGDOCS_EMBEDDER: 'none' },
    homeDir: homedir(),
    ignoreConfigFile: true,
    flags: { docs: args.docs, indexDir: join(work, 'index') },
  });
  const app = createApplication({
    config,
    logger: pino({ level: 'silent' }),
    watch: false,
    embedder: args.embedder === 'test' ? createHashingEmbedder(64) : undefined,
    rebuild: true,
  });
  try {
    progress(`indexing ${args.docs} …\n`);
    await app.start();
    if (!(await app.manager.waitForIdle(10 * 60_000))) throw new Error(`indexing ${args.docs} did not finish within 10 minutes`);
    progress(`${queries.length} questions …\n`);
    const result = await evaluateKnownAnswers(serviceRanking(app), queries);
    const heading = `${relative(process.cwd(), args.questions) || args.questions}, embedder ${args.embedder === 'test' ? 'test (64 dims), fused' : 'none'}`;
    const report = args.split === 'all' ? formatKnownAnswerReport(heading, result) : formatReport(`${heading}, split ${args.split}`, result.means);
    return `${report}\n`;
  } finally {
    await app.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runVaultEval(process.argv.slice(2), (t) => process.stderr.write(t)).then(
    (report) => process.stdout.write(report),
    (err: unknown) => {
      process.stderr.write(`eval failed: ${errorMessage(err)}\n`);
      process.exitCode = 2;
    },
  );
}
