import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Application } from '../../src/app/application.js';
import { isAppError } from '../../src/core/errors.js';
import { startApp, testConfig } from '../helpers/app.js';
import { makeTempDir } from '../helpers/paths.js';

/**
 * The query path of a real application over a small corpus: any query string up to 100 KB and
 * any path glob gives results or an AppError with a hint, each call within a bounded time.
 */

const CALL_BUDGET_MS = 2_000;
let tmp: { dir: string; cleanup: () => void };
let app: Application;

before(async () => {
  tmp = makeTempDir('ragdocs-fuzz-query-');
  const base = realpathSync(tmp.dir);
  const docs = join(base, 'docs');
  mkdirSync(join(docs, 'guides', 'deep'), { recursive: true });
  writeFileSync(join(docs, 'README.md'), '# Readme\n\nStart with [[Setup]] and the lock_timeout_seconds option. #intro\n');
  writeFileSync(join(docs, 'guides', 'setup.md'), '# Setup\n\nInstall, then configure the file watcher.\n\n```sh\nnpm install\n```\n');
  writeFileSync(join(docs, 'guides', 'deep', 'locks.md'), '---\ntags: [ops]\n---\n# Stale locks\n\nHow are stale index locks recovered? See [setup](../setup.md).\n');
  writeFileSync(join(docs, 'ünïcode naïve.md'), '# Ünïcode\n\nÜber café 🧪 naïve résumé.\n');
  app = await startApp(testConfig(docs, join(base, 'index')));
});
after(async () => {
  await app.stop();
  tmp.cleanup();
});

const WORDS = ['lock', 'stale', 'setup', 'watcher', 'lock_timeout_seconds', 'über', 'AND', 'OR', 'NOT', '*', '+', '-', '~', '^', ':', 'title:', '"', '\\', '\0', '🧪', '\uD800'];

const query = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...WORDS), { maxLength: 12, size: 'max' }).map((w) => w.join(' ')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 200, size: 'max' }) },
  // Long ones: a word or any text repeated up to 100 KB.
  { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom(...WORDS).map((w) => `${w} `), fc.string({ minLength: 1, maxLength: 20 })), fc.integer({ min: 100, max: 100_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)).slice(0, n)) },
);

const GLOB_PARTS = ['**', '*', '?', '/', 'guides', 'deep', '*.md', '.md', '{', '}', ',', '[', ']', '!', '(', ')', '|', '@(', '+(', '\\', '^', '$', 'ü', '..', '.'];
const pathGlob = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(...GLOB_PARTS), { minLength: 1, maxLength: 16, size: 'max' }).map((p) => p.join('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }) },
  // Star runs and nested braces are what makes glob → regex translations backtrack.
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('*a', '**/', '*(a|a)', '{a,{b,', '+(x)*'), fc.integer({ min: 1, max: 5_000 })).map(([s, n]) => s.repeat(n)) },
);

describe('fuzz: query path', () => {
  test(`any query up to 100 KB and any path_glob: results or an AppError with a hint, under ${CALL_BUDGET_MS} ms a call`, async () => {
    let slowest = 0;
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(query, fc.option(pathGlob, { freq: 3 }), async (q, glob) => {
        const started = performance.now();
        let outcome: string;
        try {
          const answer = await app.service.query({ query: q, topN: 10, ...(glob === null ? {} : { pathGlob: glob }) });
          assert.ok(Array.isArray(answer.results) && answer.results.length <= 10);
          outcome = answer.results.length > 0 ? 'results' : 'none';
        } catch (err) {
          assert.ok(isAppError(err), `expected an AppError, got ${err instanceof Error ? err.stack : String(err)}`);
          assert.ok((err.hint ?? '').length > 0, `${err.code} without a hint: ${err.message}`);
          outcome = err.code;
        }
        const elapsed = performance.now() - started;
        slowest = Math.max(slowest, elapsed);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        assert.ok(elapsed < CALL_BUDGET_MS, `took ${Math.round(elapsed)} ms (query ${q.length} chars, glob ${JSON.stringify(glob?.slice(0, 60))})`);
      }),
      { seed: 1212, numRuns: 250 },
    );
    assert.ok((outcomes.get('results') ?? 0) > 0, `no query found anything: ${JSON.stringify([...outcomes])}`);
    assert.ok(slowest < CALL_BUDGET_MS);
  });
});
