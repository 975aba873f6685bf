import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { loadConfig } from '../../src/config/load.js';
import { ENV_VARIABLES } from '../../src/config/env.js';
import { defaultSettings, listConfigKeys } from '../../src/config/schema.js';
import { makeTempDir, repoRoot } from '../helpers/paths.js';

const examplePath = join(repoRoot(), 'config.example.toml');
const docsPath = join(repoRoot(), 'docs', 'configuration.md');

/** Dotted keys set in the example, active or commented out (`# root = "."`). */
function exampleKeys(): Set<string> {
  const keys = new Set<string>();
  let section = '';
  for (const line of readFileSync(examplePath, 'utf8').split('\n')) {
    // `[section]`, or an array-of-tables entry shown commented out (`# [[collections]]`).
    const header = /^\[([a-z_]+)\]\s*$/.exec(line) ?? /^(?:#\s*)?\[\[([a-z_]+)\]\]\s*$/.exec(line);
    if (header !== null) section = header[1] ?? '';
    const assignment = /^(?:#\s*)?([a-z0-9_]+)\s*=/.exec(line);
    if (assignment !== null && section !== '') keys.add(`${section}.${assignment[1] ?? ''}`);
  }
  return keys;
}

/** Rows of the key tables in docs/configuration.md: dotted key → default cell. */
function documentedKeys(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(docsPath, 'utf8').split('\n')) {
    const row = /^\|\s*`([a-z_]+\.[a-z0-9_]+)`\s*\|[^|]*\|([^|]*)\|/.exec(line);
    if (row !== null) rows.set(row[1] ?? '', (row[2] ?? '').trim());
  }
  return rows;
}

describe('config.example.toml and docs/configuration.md', () => {
  let tmp: { dir: string; cleanup: () => void };
  before(() => {
    tmp = makeTempDir('ragdocs-config-example-');
  });
  after(() => tmp.cleanup());

  test('loading the example equals the defaults', () => {
    const input = { cwd: tmp.dir, env: {}, homeDir: tmp.dir, platform: 'linux' as const };
    const fromExample = loadConfig({ ...input, flags: { config: examplePath } });
    const defaults = loadConfig({ ...input, flags: {} });
    assert.equal(fromExample.configFile, examplePath);
    assert.deepEqual({ ...fromExample, configFile: null }, defaults);
  });

  test('the example shows every key; only keys without a fixed default are commented out', () => {
    assert.deepEqual([...exampleKeys()].sort(), listConfigKeys().sort());
    const active = parse(readFileSync(examplePath, 'utf8'));
    const activeKeys = Object.entries(active).flatMap(([s, t]) => Object.keys(t as object).map((k) => `${s}.${k}`));
    const commented = listConfigKeys().filter((k) => !activeKeys.includes(k));
    const collectionKeys = ['collections.description', 'collections.exclude', 'collections.include', 'collections.index_dir', 'collections.name', 'collections.path'];
    assert.deepEqual(commented.sort(), ['docs.root', 'embedder.cache_dir', 'embedder.hub_url', 'embedder.model', 'embedder.query_prefix', 'index.dir', 'logging.file', ...collectionKeys].sort());
  });

  test('every key of the example is documented, and the documented defaults are the real ones', () => {
    const documented = documentedKeys();
    for (const key of exampleKeys()) assert.ok(documented.has(key), `${key} is missing from docs/configuration.md`);
    assert.deepEqual([...documented.keys()].sort(), listConfigKeys().sort(), 'no stale keys in the docs');
    const defaults = defaultSettings() as unknown as Record<string, Record<string, unknown> | undefined>;
    for (const [key, cell] of documented) {
      const literal = /^`(.*)`$/.exec(cell)?.[1];
      const [section = '', name = ''] = key.split('.');
      if (literal === undefined) {
        assert.equal(defaults[section]?.[name], undefined, `${key}: a key with a default documents it as \`value\``);
        continue;
      }
      assert.deepEqual(parse(`v = ${literal}`)['v'], defaults[section]?.[name], `default of ${key} in the docs`);
    }
  });

  test('every environment variable is documented', () => {
    const text = readFileSync(docsPath, 'utf8');
    for (const name of Object.keys(ENV_VARIABLES)) assert.ok(text.includes(`\`${name}\``), `${name} undocumented`);
  });
});
