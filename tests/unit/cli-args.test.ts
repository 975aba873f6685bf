import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCliArgs, USAGE, USAGE_LINE } from '../../src/cli/args.js';
import { isAppError } from '../../src/core/errors.js';
import { ENV_VARIABLES } from '../../src/config/env.js';

/** Asserts INVALID_ARGUMENT whose message matches `pattern` and carries the usage line. */
function assertInvalid(argv: string[], pattern: RegExp): void {
  assert.throws(
    () => parseCliArgs(argv),
    (err: unknown) => {
      assert.ok(isAppError(err), `expected an AppError for ${argv.join(' ')}`);
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.match(err.message, pattern);
      assert.ok(err.message.includes(USAGE_LINE), 'message includes the usage line');
      return true;
    },
  );
}

describe('parseCliArgs', () => {
  test('no arguments: serve with nothing set', () => {
    assert.deepEqual(parseCliArgs([]), { command: 'serve', json: false, rebuild: false, flags: {} });
  });

  test('common flags, in either form, before or after the command', () => {
    const args = parseCliArgs(['--docs', './d', 'serve', '--index-dir=/i', '--config', 'c.toml', '--log-level', 'DEBUG']);
    assert.deepEqual(args, {
      command: 'serve',
      json: false,
      rebuild: false,
      flags: { docs: ['./d'], indexDir: '/i', config: 'c.toml', logLevel: 'debug' },
    });
  });

  test('--docs several times: one folder each, in order; --collection for index, query and status only', () => {
    assert.deepEqual(parseCliArgs(['--docs', './a', '--docs=./b']).flags.docs, ['./a', './b']);
    assert.equal(parseCliArgs(['query', 'x', '--collection', 'Notes']).collection, 'notes');
    assert.equal(parseCliArgs(['status', '--collection=api-docs']).collection, 'api-docs');
    assert.throws(() => parseCliArgs(['serve', '--collection', 'notes']), /--collection only applies to index and query and status, not to serve/);
    assert.throws(() => parseCliArgs(['--docs', '']), /--docs needs a non-empty path/);
  });

  test('query with text, --top and --json', () => {
    assert.deepEqual(parseCliArgs(['query', 'how to log', '--top', '7', '--json']), {
      command: 'query',
      queryText: 'how to log',
      top: 7,
      json: true,
      rebuild: false,
      flags: {},
    });
    assert.equal(parseCliArgs(['query', 'rotate', 'api', 'key']).queryText, 'rotate api key', 'unquoted words are joined');
    assert.equal(parseCliArgs(['query', '--', '--not-a-flag']).queryText, '--not-a-flag');
    assert.equal(parseCliArgs(['query', 'x', '--top', '100']).top, 100);
    assert.equal(parseCliArgs(['query', 'x']).top, undefined);
  });

  test('index --rebuild, status --json', () => {
    assert.equal(parseCliArgs(['index', '--rebuild']).rebuild, true);
    assert.equal(parseCliArgs(['index']).rebuild, false);
    assert.deepEqual(parseCliArgs(['status', '--json']), { command: 'status', json: true, rebuild: false, flags: {} });
  });

  test('help and version, as commands and as -h/-v (which win over anything else)', () => {
    assert.equal(parseCliArgs(['help']).command, 'help');
    assert.equal(parseCliArgs(['-h']).command, 'help');
    assert.equal(parseCliArgs(['query', '--help']).command, 'help');
    assert.equal(parseCliArgs(['version']).command, 'version');
    assert.equal(parseCliArgs(['-v']).command, 'version');
    assert.equal(parseCliArgs(['--version', 'index']).command, 'version');
  });

  test('errors name the problem and include the usage line', () => {
    assertInvalid(['--bogus'], /unknown option "--bogus"/);
    assertInvalid(['--jsn', 'status'], /unknown option "--jsn" \(did you mean --json\?\)/);
    assertInvalid(['--docs'], /--docs/);
    assertInvalid(['--docs', ''], /--docs needs a non-empty path/);
    assertInvalid(['frobnicate'], /unknown command "frobnicate"/);
    assertInvalid(['query'], /query needs the text/);
    assertInvalid(['query', '   '], /query needs the text/);
    assertInvalid(['query', 'x', '--top', '0'], /--top "0" must be a whole number from 1 to 100/);
    assertInvalid(['query', 'x', '--top', '101'], /--top "101"/);
    assertInvalid(['query', 'x', '--top', '2.5'], /--top "2.5"/);
    assertInvalid(['query', 'x', '--top', 'ten'], /--top "ten"/);
    assertInvalid(['status', '--top', '3'], /--top only applies to query/);
    assertInvalid(['serve', '--json'], /--json only applies to query and status/);
    assertInvalid(['query', 'x', '--rebuild'], /--rebuild only applies to index/);
    assertInvalid(['status', 'extra'], /unexpected argument "extra" after status/);
    assertInvalid(['--log-level', 'loud'], /--log-level "loud" is not a level/);
  });

  test('USAGE describes every command, flag and environment variable', () => {
    for (const word of ['serve', 'index', 'query "TEXT"', 'status', 'help', 'version']) assert.ok(USAGE.includes(word), word);
    for (const flag of ['--docs DIR', '--index-dir DIR', '--config FILE', '--log-level LEVEL', '--top N', '--json', '--rebuild', '-h, --help', '-v, --version']) {
      assert.ok(USAGE.includes(flag), flag);
    }
    for (const name of Object.keys(ENV_VARIABLES)) assert.ok(USAGE.includes(name), name);
    assert.ok(USAGE.startsWith(USAGE_LINE));
  });
});
