import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type LoadConfigInput } from '../../src/config/load.js';
import { isAppError } from '../../src/core/errors.js';
import { makeTempDir } from '../helpers/paths.js';

/** Collections in the configuration: several `--docs`, `[[collections]]`, and what is refused. */

let tmp: { dir: string; cleanup: () => void };
let base: string;
let home: string;

beforeEach(() => {
  tmp = makeTempDir('ragdocs-collections-config-');
  base = realpathSync(tmp.dir);
  home = join(base, 'home');
  for (const d of ['home', 'project/docs', 'web/docs', 'My Notes', 'vendor', 'cfg']) mkdirSync(join(base, d), { recursive: true });
});
afterEach(() => tmp.cleanup());

function load(overrides: Partial<LoadConfigInput> = {}) {
  return loadConfig({ cwd: base, env: {}, platform: 'linux', homeDir: home, flags: {}, ...overrides });
}

function writeConfig(toml: string): string {
  const path = join(base, 'cfg', 'ragdocs.toml');
  writeFileSync(path, toml);
  return path;
}

function configProblem(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(isAppError(err), String(err));
    assert.equal(err.code, 'CONFIG_INVALID');
    return err.message;
  }
  assert.fail('expected CONFIG_INVALID');
}

describe('collections from the command line', () => {
  test('one --docs: one collection named after the folder, the same as docs/index', () => {
    const config = load({ flags: { docs: join(base, 'My Notes') } });
    assert.equal(config.collections.length, 1);
    const [only] = config.collections;
    assert.equal(only?.name, 'my-notes');
    assert.equal(only?.description, '');
    assert.equal(only?.problem, null);
    assert.deepEqual(only?.docs, config.docs);
    assert.deepEqual(only?.index, config.index);
  });

  test('several --docs: one collection each, in order, each with its own index dir; same folder names get the parent in front', () => {
    const config = load({ flags: { docs: [join(base, 'project/docs'), join(base, 'web/docs'), join(base, 'vendor')] } });
    assert.deepEqual(config.collections.map((c) => c.name), ['project-docs', 'web-docs', 'vendor']);
    assert.deepEqual(config.collections.map((c) => c.docs.root), [join(base, 'project/docs'), join(base, 'web/docs'), join(base, 'vendor')]);
    assert.equal(new Set(config.collections.map((c) => c.index.dir)).size, 3);
    // The index dir of a folder is the one a single --docs on it uses: instances share it.
    const alone = load({ flags: { docs: join(base, 'web/docs') } });
    assert.equal(config.collections[1]?.index.dir, alone.index.dir);
    assert.equal(config.docs.root, join(base, 'project/docs'));
  });

  test('the same folder twice, through two spellings, is refused with both names', () => {
    const message = configProblem(() => load({ flags: { docs: [join(base, 'vendor'), join(base, 'cfg', '..', 'vendor')] } }));
    assert.match(message, /are the same folder/);
  });

  test('--index-dir with several folders is refused: each collection keeps its own index', () => {
    const message = configProblem(() => load({ flags: { docs: [join(base, 'vendor'), join(base, 'web/docs')], indexDir: join(base, 'idx') } }));
    assert.match(message, /--index-dir names one index folder, but 2 collections are configured/);
    assert.match(message, /index_dir in each \[\[collections\]\] entry/);
  });

  test('a missing folder among several degrades only itself; when all are missing it is an error', () => {
    const config = load({ flags: { docs: [join(base, 'vendor'), join(base, 'gone')] } });
    assert.equal(config.collections[0]?.problem, null);
    assert.match(config.collections[1]?.problem ?? '', /The documents root .*gone \(from --docs\) does not exist/);
    configProblem(() => load({ flags: { docs: [join(base, 'gone1'), join(base, 'gone2')] } }));
    // A single missing folder is an error, as it always was.
    assert.match(configProblem(() => load({ flags: { docs: join(base, 'gone') } })), /does not exist/);
  });
});

describe('[[collections]] in the config file', () => {
  test('name, path, description, include and exclude; exclude adds to docs.exclude, include replaces docs.include', () => {
    const file = writeConfig(`
[docs]
exclude = ["drafts/**"]

[[collections]]
name = "project"
path = "../project/docs"
description = "How the project is built and deployed"

[[collections]]
name = "vendor-api"
path = "../vendor"
description = "The vendor's API manual"
include = ["api/**"]
exclude = ["api/old/**"]
`);
    const config = load({ flags: { config: file } });
    assert.deepEqual(config.collections.map((c) => [c.name, c.description, c.docs.root]), [
      ['project', 'How the project is built and deployed', join(base, 'project/docs')],
      ['vendor-api', "The vendor's API manual", join(base, 'vendor')],
    ]);
    assert.deepEqual(config.collections[0]?.docs.include, ['**/*']);
    assert.deepEqual(config.collections[0]?.docs.exclude, ['drafts/**']);
    assert.deepEqual(config.collections[1]?.docs.include, ['api/**']);
    assert.deepEqual(config.collections[1]?.docs.exclude, ['drafts/**', 'api/old/**']);
  });

  test('index_dir per entry; one inside another collection\'s folder is excluded from it', () => {
    const file = writeConfig(`
[[collections]]
name = "a"
path = "../project"
[[collections]]
name = "b"
path = "../vendor"
index_dir = "../project/.b-index"
`);
    const config = load({ flags: { config: file } });
    assert.equal(config.collections[1]?.index.dir, join(base, 'project/.b-index'));
    assert.ok(config.collections[0]?.docs.exclude.includes('.b-index/**'), JSON.stringify(config.collections[0]?.docs.exclude));
  });

  test('--docs on the command line replaces the file\'s collections', () => {
    const file = writeConfig(`[[collections]]\nname = "a"\npath = "../project"\n`);
    const config = load({ flags: { config: file, docs: join(base, 'vendor') } });
    assert.deepEqual(config.collections.map((c) => c.name), ['vendor']);
  });

  test('problems name the entry and its line: a bad name, a missing path, an unknown key', () => {
    const file = writeConfig(`[[collections]]
name = "project"
path = "../project"

[[collections]]
name = "Bad Name"
pth = "../vendor"
`);
    const message = configProblem(() => load({ flags: { config: file } }));
    assert.match(message, /collections\[#2\]\.name = "Bad Name" \(line 6\): expected a name of 1 to 40 lower-case letters/);
    assert.match(message, /unknown key "collections\[#2\]\.pth" \(line 7\) — did you mean "collections\[#2\]\.path"\?/);
    assert.match(message, /collections\[#2\]\.path = \(missing\) \(line 5\)/);
  });

  test('docs.root beside [[collections]], two entries with one name, and one on the same folder are refused', () => {
    assert.match(
      configProblem(() => load({ flags: { config: writeConfig(`[docs]\nroot = "../vendor"\n[[collections]]\nname = "a"\npath = "../project"\n`) } })),
      /sets both docs.root and \[\[collections\]\]/,
    );
    assert.match(
      configProblem(() => load({ flags: { config: writeConfig(`[[collections]]\nname = "a"\npath = "../project"\n[[collections]]\nname = "a"\npath = "../vendor"\n`) } })),
      /Two collections are named "a"/,
    );
    assert.match(
      configProblem(() => load({ flags: { config: writeConfig(`[[collections]]\nname = "a"\npath = "../vendor"\n[[collections]]\nname = "b"\npath = "../vendor/"\n`) } })),
      /Collections "a" and "b" are the same folder/,
    );
  });
});
