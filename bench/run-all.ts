/**
 * Every benchmark in one go (`npm run bench`): the perf benchmark in this process, then the
 * coordination benchmark (`node dist/bench/coordination.js`), then the retrieval-quality eval on
 * ../shared/eval/scifact when that folder exists. Output of each goes to stdout as it comes.
 *
 *   npm run bench [-- --sizes 1000,10000,50000] [--runs 5] [--limit-queries N] [--skip-perf]
 *       [--skip-coordination] [--skip-eval] [--dataset DIR]
 * Perf flags (--sizes, --runs, --queries, --work) are passed to perf; --limit-queries to the eval.
 * Exit code 1 when any part failed (after running the others).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { repoRoot } from '../tests/helpers/paths.js';
import { runPerf } from './perf.js';

function runNode(script: string, args: string[]): Promise<number> {
  return new Promise((resolveExit) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', () => resolveExit(1));
    child.on('exit', (code) => resolveExit(code ?? 1));
  });
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' }, runs: { type: 'string' }, queries: { type: 'string' }, work: { type: 'string' },
      'limit-queries': { type: 'string' }, dataset: { type: 'string' },
      'skip-perf': { type: 'boolean', default: false }, 'skip-coordination': { type: 'boolean', default: false },
      'skip-eval': { type: 'boolean', default: false },
    },
  });
  const out = (s: string): void => void process.stdout.write(s);
  // This file runs from dist/bench/; sibling scripts are compiled next to it.
  const here = dirname(fileURLToPath(import.meta.url));
  let failed = 0;

  if (!values['skip-perf']) {
    out('\n## perf\n\n');
    const perfArgs = (['sizes', 'runs', 'queries', 'work'] as const).flatMap((k) => (values[k] !== undefined ? [`--${k}`, values[k] as string] : []));
    try {
      await runPerf(perfArgs, { stdout: out, stderr: (s) => process.stderr.write(s) });
    } catch (err) {
      failed++;
      process.stderr.write(`perf failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    }
  }

  if (!values['skip-coordination']) {
    out('\n## coordination\n\n');
    if ((await runNode(join(here, 'coordination.js'), [])) !== 0) failed++;
  }

  if (!values['skip-eval']) {
    const dataset = resolve(values.dataset ?? join(repoRoot(), '..', 'shared', 'eval', 'scifact'));
    out(`\n## retrieval quality (${dataset})\n\n`);
    if (!existsSync(dataset)) {
      out(`skipped: ${dataset} does not exist (pass --dataset DIR)\n`);
    } else {
      const evalArgs = ['--dataset', dataset, ...(values['limit-queries'] !== undefined ? ['--limit-queries', values['limit-queries']] : [])];
      if ((await runNode(join(here, 'eval', 'run.js'), evalArgs)) !== 0) failed++;
    }
  }
  return failed === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
