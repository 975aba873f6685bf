import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { AppError, isAppError } from '../../src/core/errors.js';
import { editDistance, findKeyLine, suggestKey } from '../../src/config/problems.js';
import { makeTempDir } from '../helpers/paths.js';

let tmp: { dir: string; cleanup: () => void };
let docs: string;

beforeEach(() => {
  tmp = makeTempDir('ragdocs-config-err-');
  docs = join(realpathSync(tmp.dir), 'docs');
  mkdirSync(docs);
});
afterEach(() => tmp.cleanup());

/** Loads with `toml` as the docs root's .ragdocs.toml and returns the error it must throw. */
function failWith(toml: string, env: Record<string, string> = {}, logLevel?: string): AppError {
  writeFileSync(join(docs, '.ragdocs.toml'), toml);
  try {
    loadConfig({ cwd: docs, env, homeDir: docs, flags: logLevel === undefined ? {} : { logLevel } });
  } catch (err) {
    assert.ok(isAppError(err), `expected an AppError, got ${String(err)}`);
    return err;
  }
  return assert.fail('expected loadConfig to throw');
}

describe('config errors', () => {
  test('invalid TOML names the file, line and column, and the fix', () => {
    const err = failWith('[search]\nrrf_k = 60\nweight_graph = \n');
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, /Invalid TOML in .*\.ragdocs\.toml at line 3, column \d+/);
    assert.ok(err.message.includes(join(docs, '.ragdocs.toml')));
    assert.ok(err.message.includes('weight_graph ='), 'shows the offending line');
    assert.match(err.hint ?? '', /config\.example\.toml/);
  });

  test('a key defined twice is a TOML error with its line', () => {
    const err = failWith('[docs]\nmax_file_mb = 1\nmax_file_mb = 2\n');
    assert.match(err.message, /at line 3/);
  });

  test('unknown key names the full dotted key, the file, and suggests the right one', () => {
    const err = failWith('[search]\nwieght_keyword = 2\n');
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.ok(err.message.includes(join(docs, '.ragdocs.toml')));
    assert.match(err.message, /unknown key "search\.wieght_keyword" \(line 2\) — did you mean "search\.weight_keyword"\?/);
  });

  test('unknown section, key in the wrong section, camelCase key, hopeless key', () => {
    const err = failWith('[serch]\nx = 1\n[index]\nrrf_k = 5\n[chunking]\nmaxChars = 900\n[logging]\nzzzzzz = 1\n');
    assert.match(err.message, /unknown key "serch" \(line 1\) — did you mean "search"\?/);
    assert.match(err.message, /unknown key "index\.rrf_k" \(line 4\) — did you mean "search\.rrf_k"\?/);
    assert.match(err.message, /unknown key "chunking\.maxChars" \(line 6\) — did you mean "chunking\.max_chars"\?/);
    assert.match(err.message, /unknown key "logging\.zzzzzz" \(line 8\)\n/);
  });

  test('type and range errors name the key, the value and what is expected', () => {
    const err = failWith(
      [
        '[search]',
        'rrf_k = 0',
        'default_top_n = "5"',
        'bm25_b = 1.5',
        '[index]',
        'batch_size = 2.5',
        'coordination_mode = "singleton"',
        '[docs]',
        'include = []',
        'exclude = ["ok", 3]',
        'max_file_mb = -1',
        '[embedder]',
        'dimension = 9000',
      ].join('\n'),
    );
    const m = err.message;
    assert.match(m, /search\.rrf_k = 0 \(line 2\): expected a number greater than 0/);
    assert.match(m, /search\.default_top_n = "5" \(line 3\): expected an integer from 1 to 100/);
    assert.match(m, /search\.bm25_b = 1\.5 \(line 4\): expected a number from 0 to 1/);
    assert.match(m, /index\.batch_size = 2\.5 \(line 6\): expected an integer from 1 to 100000/);
    assert.match(m, /index\.coordination_mode = "singleton" \(line 7\): expected one of "file_lock", "none"/);
    assert.match(m, /docs\.include = \[\] \(line 9\): expected a non-empty list/);
    assert.match(m, /docs\.exclude\[1\] = 3 \(line 10\): expected a list of glob strings/);
    assert.match(m, /docs\.max_file_mb = -1 \(line 11\): expected a number greater than 0/);
    assert.match(m, /embedder\.dimension = 9000 \(line 13\): expected an integer from 0 to 8192/);
    assert.match(m, /Invalid configuration \(9 problems\)/);
  });

  test('cross-key rules: min_chars < max_chars, not both search weights 0', () => {
    const err = failWith('[chunking]\nmin_chars = 1500\n[search]\nweight_keyword = 0\nweight_semantic = 0\n');
    assert.match(err.message, /chunking\.min_chars = 1500 \(line 2\): expected a value less than chunking\.max_chars \(1500\)/);
    assert.match(err.message, /search\.weight_keyword = 0 \(line 4\)/);
  });

  test('a section that is not a table', () => {
    const err = failWith('search = 3\n');
    assert.match(err.message, /search = 3 \(line 1\): expected a table \(a \[search\] section\)/);
  });

  test('all problems of file, environment and flags come in one message', () => {
    const err = failWith('[search]\nrrf_k = -1\nwieght_graph = 1\n', { RAGDOCS_EMBEDDER: 'olama', RAGDOCS_COORDINATION_MODE: 'singleton' }, 'loud');
    const m = err.message;
    assert.match(m, /Invalid configuration \(5 problems\)/);
    assert.match(m, /search\.rrf_k = -1/);
    assert.match(m, /search\.wieght_graph/);
    assert.match(m, /environment:\n/);
    assert.match(m, /RAGDOCS_EMBEDDER="olama": expected one of "transformers", "openai", "none", "test"/);
    assert.match(m, /RAGDOCS_COORDINATION_MODE="singleton": expected one of "file_lock", "none"/);
    assert.match(m, /--log-level "loud": expected one of "trace"/);
  });
});

describe('problem helpers', () => {
  test('editDistance', () => {
    assert.equal(editDistance('', ''), 0);
    assert.equal(editDistance('abc', ''), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('rrf_k', 'rrf_k'), 0);
  });

  test('suggestKey stays silent for distant keys', () => {
    assert.equal(suggestKey('search.x', ['search.rrf_k', 'search.bm25_b']), undefined);
    assert.equal(suggestKey('docs.extension', ['docs.extensions', 'docs.exclude']), 'docs.extensions');
    assert.equal(suggestKey('root', ['docs', 'index']), 'docs.root');
  });

  test('findKeyLine handles dotted keys, quoted keys and subtables', () => {
    const toml = 'search.rrf_k = 1\n[docs]\n"include" = []\n[docs.sub]\n';
    assert.equal(findKeyLine(toml, 'search.rrf_k'), 1);
    assert.equal(findKeyLine(toml, 'docs.include'), 3);
    assert.equal(findKeyLine(toml, 'docs.sub'), 4);
    assert.equal(findKeyLine(toml, 'docs'), 2);
    assert.equal(findKeyLine(toml, 'index.dir'), undefined);
  });
});
