import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../../src/config/load.js';
import { listConfigKeys, sectionNames } from '../../src/config/schema.js';
import { isAppError } from '../../src/core/errors.js';
import { makeTempDir } from '../helpers/paths.js';

/**
 * Any TOML-ish text as the docs root's .ragdocs.toml gives a valid, frozen Config or one
 * CONFIG_INVALID error whose every problem names the key (or the TOML line) at fault.
 */

let tmp: { dir: string; cleanup: () => void };
let base: string;
let docs: string;

before(() => {
  tmp = makeTempDir('ragdocs-fuzz-config-');
  base = realpathSync(tmp.dir);
  docs = join(base, 'docs');
  mkdirSync(join(docs, 'sub'), { recursive: true });
});
after(() => tmp.cleanup());

const KEYS = listConfigKeys();
const SECTIONS = sectionNames();

const scalar = fc.oneof(
  fc.integer({ min: -10, max: 100_000 }).map(String),
  fc.double({ noNaN: false }).map((n) => (Number.isFinite(n) ? String(n) : n > 0 ? 'inf' : n < 0 ? '-inf' : 'nan')),
  fc.constantFrom('true', 'false', '0', '1', '1e400', '0x10', '1979-05-27T07:32:00Z', '"sub"', '"."', '".."', '"/nonexistent"', '"~/x"', '"none"', '"test"', '"rrf"', '"file_lock"', '"debug"', '"**/*.md"', '""', "'lit'", '"""multi\nline"""'),
  fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)),
);
const value: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 5, arbitrary: scalar },
    fc.array(tie('value'), { maxLength: 4 }).map((items) => `[${items.join(', ')}]`),
    fc.array(fc.tuple(fc.constantFrom('a', 'include', 'rrf_k', 'x y'), tie('value')), { maxLength: 3 }).map((kv) => `{ ${kv.map(([k, v]) => `${/\s/.test(k) ? JSON.stringify(k) : k} = ${v}`).join(', ')} }`),
  ),
})).value;

const key = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...KEYS).map((k) => k.slice(k.indexOf('.') + 1)) },
  { weight: 1, arbitrary: fc.constantFrom(...SECTIONS) },
  { weight: 1, arbitrary: fc.constantFrom('serch.rrf_k', 'search.wieght_graph', 'chunking.maxChars', 'a.b.c', '"quoted key"', 'x', '1') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

const line = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, value).map(([k, v]) => `${k} = ${v}`) },
  { weight: 2, arbitrary: fc.constantFrom(...SECTIONS, 'serch', 'search.sub', 'docs', 'x').map((s) => `[${s}]`) },
  { weight: 1, arbitrary: fc.constantFrom('', '# comment', '[[docs]]', '[', 'key =', '= 3', '"unterminated', 'a = 1 # c', '\0', '\uFEFF', '\r') },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
);

// Deep nesting is where recursive parsers overflow their stack.
const deep = fc.tuple(fc.constantFrom('[', '{ a = '), fc.integer({ min: 100, max: 20_000 })).map(([open, n]) => `search.rrf_k = ${open.repeat(n)}`);

const tomlText = fc.oneof(
  { weight: 8, arbitrary: fc.array(line, { maxLength: 25, size: 'max' }).map((lines) => lines.join('\n')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: deep },
);

/** Every problem line of the message: `unknown key "…"` or `<key> = <value> (line n): expected …`. */
function problemLines(message: string): string[] {
  return message.split('\n').filter((l) => l.startsWith('    - '));
}

describe('fuzz: config loader on any TOML', () => {
  test('a frozen Config, or CONFIG_INVALID naming the key or the line', () => {
    const outcomes = new Map<string, number>();
    const count = (outcome: string): void => void outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    const keyed = /^ {4}- (unknown key "[^"]*"|[^\s].* = .*: expected .+)/s;
    fc.assert(
      fc.property(tomlText, (toml) => {
        writeFileSync(join(docs, '.ragdocs.toml'), toml);
        let config;
        try {
          config = loadConfig({ cwd: docs, env: {}, homeDir: base, flags: { indexDir: join(base, 'index') } });
        } catch (err) {
          assert.ok(isAppError(err), `expected an AppError, got ${err instanceof Error ? err.stack : String(err)}`);
          assert.equal(err.code, 'CONFIG_INVALID', err.message);
          assert.ok((err.hint ?? '').length > 0, 'no hint');
          const m = err.message;
          if (/^Invalid TOML in /.test(m)) {
            assert.match(m, /^Invalid TOML in .*\.ragdocs\.toml at line \d+, column \d+: \S/);
            count('toml');
          } else if (/^Invalid configuration \(/.test(m)) {
            const problems = problemLines(m);
            assert.ok(problems.length > 0, m);
            for (const p of problems) assert.match(p, keyed, `a problem that names no key: ${p}`);
            count('schema');
          } else {
            assert.match(m, /docs\.root|index\.dir|--index-dir/, `an error that names no key: ${m}`);
          }
          return;
        }
        assert.ok(Object.isFrozen(config) && Object.isFrozen(config.docs) && Object.isFrozen(config.search));
        assert.ok(config.chunking.minChars < config.chunking.maxChars);
        assert.ok(config.docs.include.length > 0);
        count('valid');
      }),
      { seed: 1211, numRuns: 800 },
    );
    // A generator that only ever produced one outcome would prove little.
    for (const outcome of ['toml', 'schema', 'valid']) assert.ok((outcomes.get(outcome) ?? 0) > 0, `never ${outcome}: ${JSON.stringify([...outcomes])}`);
  });
});
