import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadConfig, type LoadConfigInput } from '../../src/config/load.js';
import { sha256 } from '../../src/core/hash.js';
import { isAppError } from '../../src/core/errors.js';
import { makeTempDir } from '../helpers/paths.js';

let tmp: { dir: string; cleanup: () => void };
let docs: string;
let home: string;

beforeEach(() => {
  tmp = makeTempDir('ragdocs-config-');
  // realpath: macOS /var → /private/var would otherwise make every comparison fail.
  const base = realpathSync(tmp.dir);
  docs = join(base, 'docs');
  home = join(base, 'home');
  mkdirSync(docs);
  mkdirSync(home);
});
afterEach(() => tmp.cleanup());

function load(overrides: Partial<LoadConfigInput> = {}) {
  return loadConfig({ cwd: docs, env: {}, platform: 'linux', homeDir: home, flags: {}, ...overrides });
}

describe('loadConfig defaults', () => {
  test('zero configuration: defaults, cwd as root, index dir in the cache', () => {
    const config = load();
    assert.equal(config.docs.root, docs);
    assert.deepEqual(config.docs.include, ['**/*']);
    assert.deepEqual(config.docs.exclude, ['.git/**', 'node_modules/**', '**/.*/**', '**/.*']);
    assert.deepEqual(config.docs.extensions, ['.md', '.markdown', '.txt']);
    assert.equal(config.docs.maxFileBytes, 10 * 1024 * 1024);
    assert.deepEqual(config.index, {
      dir: join(home, '.cache', 'mcp-markdown-ragdocs', `docs-${sha256(docs).slice(0, 16)}`),
      coordinationMode: 'file_lock',
      lockTimeoutSeconds: 5,
      debounceMs: 200,
      batchSize: 200,
    });
    assert.deepEqual(config.chunking, { minChars: 200, maxChars: 1500 });
    assert.deepEqual(config.search, {
      fusion: 'evidence',
      rrfK: 60,
      weightKeyword: 1,
      weightSemantic: 1,
      weightGraph: 0.3,
      maxPerDocument: 3,
      defaultTopN: 5,
      bm25K1: 1.2,
      bm25B: 0.75,
      titleBoost: 6,
      headingBoost: 2,
      dedupThreshold: 0.92,
    });
    assert.equal(config.embedder.provider, 'transformers');
    assert.equal(config.embedder.model, 'Xenova/bge-small-en-v1.5');
    assert.equal(config.embedder.pooling, 'cls');
    assert.equal(config.embedder.queryPrefix, 'Represent this sentence for searching relevant passages: ');
    assert.equal(config.embedder.hubUrl, 'https://huggingface.co');
    assert.equal(config.embedder.offline, false);
    assert.equal(config.embedder.autoDownload, true);
    assert.equal(config.embedder.dimension, null);
    assert.match(config.embedder.modelCacheDir, /mcp-markdown-ragdocs[\\/]models$/);
    assert.deepEqual(config.logging, { level: 'info', file: null });
    assert.equal(config.configFile, null);
  });

  test('the result is deeply frozen', () => {
    const config = load();
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.docs));
    assert.ok(Object.isFrozen(config.docs.exclude));
    assert.ok(Object.isFrozen(config.search));
    assert.throws(() => (config.docs.exclude as string[]).push('x'), TypeError);
  });

  test('cache folder per platform', () => {
    const key = `docs-${sha256(docs).slice(0, 16)}`;
    assert.equal(load({ env: { XDG_CACHE_HOME: '/xdg' } }).index.dir, join('/xdg', 'mcp-markdown-ragdocs', key));
    // A relative XDG_CACHE_HOME is invalid per the spec and ignored.
    assert.equal(load({ env: { XDG_CACHE_HOME: 'rel' } }).index.dir, join(home, '.cache', 'mcp-markdown-ragdocs', key));
    assert.equal(
      load({ platform: 'darwin', env: { XDG_CACHE_HOME: '/xdg' } }).index.dir,
      join(home, 'Library', 'Caches', 'mcp-markdown-ragdocs', key),
    );
    assert.equal(load({ platform: 'win32', env: { LOCALAPPDATA: '/local' } }).index.dir, join('/local', 'mcp-markdown-ragdocs', key));
  });

  test('index dir default is keyed by the real path: two symlinks to one folder share it', () => {
    const linkA = join(tmp.dir, 'link-a');
    const linkB = join(tmp.dir, 'link-b');
    symlinkSync(docs, linkA, 'dir');
    symlinkSync(docs, linkB, 'dir');
    const a = load({ flags: { docs: linkA } });
    const b = load({ cwd: linkB });
    assert.equal(a.docs.root, docs);
    assert.equal(b.docs.root, docs);
    assert.equal(a.index.dir, b.index.dir);
    assert.ok(basename(a.index.dir).startsWith('docs-'));
    const other = join(tmp.dir, 'other', 'docs');
    mkdirSync(other, { recursive: true });
    assert.notEqual(load({ flags: { docs: other } }).index.dir, a.index.dir, 'same name, other folder');
  });
});

describe('loadConfig precedence', () => {
  test('config file lookup: --config > RAGDOCS_CONFIG > .ragdocs.toml in the docs root', () => {
    writeFileSync(join(docs, '.ragdocs.toml'), '[search]\nrrf_k = 10\n');
    const envFile = join(tmp.dir, 'env.toml');
    const flagFile = join(tmp.dir, 'flag.toml');
    writeFileSync(envFile, '[search]\nrrf_k = 20\n');
    writeFileSync(flagFile, '[search]\nrrf_k = 30\n');
    assert.equal(load().search.rrfK, 10);
    assert.equal(load().configFile, join(docs, '.ragdocs.toml'));
    assert.equal(load({ cwd: home, flags: { docs } }).search.rrfK, 10, 'found in the --docs root');
    assert.equal(load({ cwd: home, env: { RAGDOCS_DOCS: docs } }).search.rrfK, 10, 'found in the RAGDOCS_DOCS root');
    assert.equal(load({ env: { RAGDOCS_CONFIG: envFile } }).search.rrfK, 20);
    assert.equal(load({ env: { RAGDOCS_CONFIG: envFile }, flags: { config: flagFile } }).search.rrfK, 30);
  });

  test('docs root: --docs > docs.root > RAGDOCS_DOCS > cwd', () => {
    const fromFile = join(tmp.dir, 'from-file');
    const fromEnv = join(tmp.dir, 'from-env');
    const fromFlag = join(tmp.dir, 'from-flag');
    for (const d of [fromFile, fromEnv, fromFlag]) mkdirSync(d);
    const cfg = join(tmp.dir, 'cfg.toml');
    writeFileSync(cfg, '[docs]\nroot = "from-file"\n');
    assert.equal(load({ env: { RAGDOCS_DOCS: fromEnv } }).docs.root, fromEnv);
    assert.equal(load({ env: { RAGDOCS_DOCS: fromEnv }, flags: { config: cfg } }).docs.root, fromFile);
    assert.equal(load({ env: { RAGDOCS_DOCS: fromEnv }, flags: { config: cfg, docs: fromFlag } }).docs.root, fromFlag);
    assert.equal(load({ env: { RAGDOCS_DOCS: '' } }).docs.root, docs, 'empty variable counts as unset');
  });

  test('index dir: --index-dir > RAGDOCS_INDEX_DIR > index.dir', () => {
    const cfg = join(tmp.dir, 'cfg.toml');
    writeFileSync(cfg, '[index]\ndir = "file-index"\n');
    const base = realpathSync(tmp.dir);
    assert.equal(load({ flags: { config: cfg } }).index.dir, join(base, 'file-index'));
    const env = { RAGDOCS_INDEX_DIR: 'env-index' };
    assert.equal(load({ env, flags: { config: cfg } }).index.dir, join(docs, 'env-index'));
    assert.equal(load({ env, flags: { config: cfg, indexDir: '/abs/flag-index' } }).index.dir, '/abs/flag-index');
  });

  test('env overrides beat the file; --log-level beats the env', () => {
    writeFileSync(
      join(docs, '.ragdocs.toml'),
      '[logging]\nlevel = "warn"\nfile = "file.log"\n[embedder]\nprovider = "none"\n[index]\ncoordination_mode = "file_lock"\n',
    );
    const env = {
      RAGDOCS_LOG_LEVEL: 'DEBUG',
      RAGDOCS_LOG_FILE: 'logs/env.log',
      RAGDOCS_EMBEDDER: 'test',
      RAGDOCS_COORDINATION_MODE: 'none',
    };
    const config = load({ cwd: home, env, flags: { docs } });
    assert.equal(config.logging.level, 'debug');
    assert.equal(config.logging.file, join(home, 'logs', 'env.log'), 'env paths resolve against cwd');
    assert.equal(config.embedder.provider, 'test');
    assert.equal(config.index.coordinationMode, 'none');
    assert.equal(load({ env, flags: { logLevel: 'error' } }).logging.level, 'error');
    assert.equal(load().logging.level, 'warn');
    assert.equal(load().logging.file, join(docs, 'file.log'));
  });
});

describe('loadConfig paths', () => {
  test('relative paths in the file resolve against its folder; ~ is the home folder', () => {
    const base = realpathSync(tmp.dir);
    const confDir = join(base, 'conf');
    mkdirSync(join(confDir, 'notes'), { recursive: true });
    writeFileSync(join(confDir, 'ragdocs.toml'), '[docs]\nroot = "notes"\n[index]\ndir = "../idx"\n[logging]\nfile = "~/ragdocs.log"\n');
    const config = load({ cwd: base, flags: { config: 'conf/ragdocs.toml' } });
    assert.equal(config.configFile, join(confDir, 'ragdocs.toml'));
    assert.equal(config.docs.root, join(confDir, 'notes'));
    assert.equal(config.index.dir, join(base, 'idx'));
    assert.equal(config.logging.file, join(home, 'ragdocs.log'));
  });

  test('relative flags resolve against cwd', () => {
    mkdirSync(join(docs, 'sub'));
    assert.equal(load({ flags: { docs: 'sub' } }).docs.root, join(docs, 'sub'));
    assert.equal(load({ cwd: home, flags: { docs: '~/../docs' } }).docs.root, docs);
    assert.throws(
      () => load({ cwd: home, flags: { config: 'missing.toml' } }),
      (err: unknown) =>
        isAppError(err) && err.code === 'CONFIG_NOT_FOUND' && err.message.includes(join(home, 'missing.toml')) &&
        err.message.includes('--config'),
    );
    assert.throws(
      () => load({ env: { RAGDOCS_CONFIG: 'gone.toml' } }),
      (err: unknown) => isAppError(err) && err.code === 'CONFIG_NOT_FOUND' && err.message.includes('RAGDOCS_CONFIG'),
    );
  });

  test('an index dir inside the root is excluded from indexing, also through a symlinked root', () => {
    const inside = load({ flags: { indexDir: 'sub/[idx]' } });
    assert.equal(inside.index.dir, join(docs, 'sub', '[idx]'));
    assert.deepEqual(inside.docs.exclude.slice(-2), ['sub/\\[idx\\]', 'sub/\\[idx\\]/**']);
    const link = join(tmp.dir, 'link');
    symlinkSync(docs, link, 'dir');
    const viaLink = load({ flags: { docs: link, indexDir: join(link, 'idx') } });
    assert.equal(viaLink.index.dir, join(docs, 'idx'));
    assert.deepEqual(viaLink.docs.exclude.slice(-2), ['idx', 'idx/**']);
    assert.equal(load({ flags: { indexDir: home } }).docs.exclude.length, 4, 'outside the root: nothing added');
    assert.throws(
      () => load({ flags: { indexDir: '.' } }),
      (err: unknown) => isAppError(err) && err.code === 'CONFIG_INVALID' && err.message.includes('documents root itself'),
    );
  });

  test('a missing or non-folder docs root is CONFIG_INVALID naming the path and its origin', () => {
    const missing = join(tmp.dir, 'nope');
    assert.throws(
      () => load({ flags: { docs: missing } }),
      (err: unknown) =>
        isAppError(err) && err.code === 'CONFIG_INVALID' && err.message.includes(missing) &&
        err.message.includes('--docs') && (err.hint ?? '').includes('--docs DIR'),
    );
    const file = join(docs, 'a.md');
    writeFileSync(file, '# a');
    assert.throws(
      () => load({ env: { RAGDOCS_DOCS: file } }),
      (err: unknown) => isAppError(err) && err.code === 'CONFIG_INVALID' && err.message.includes('not a folder') &&
        err.message.includes('RAGDOCS_DOCS'),
    );
  });

  test('extensions are normalised; max_file_mb accepts fractions', () => {
    writeFileSync(join(docs, '.ragdocs.toml'), '[docs]\nextensions = ["MD", ".md", "Txt"]\nmax_file_mb = 0.5\n');
    const config = load();
    assert.deepEqual(config.docs.extensions, ['.md', '.txt']);
    assert.equal(config.docs.maxFileBytes, 512 * 1024);
  });

  test('embedder: provider defaults, auto pooling and prefixes, HF_ENDPOINT and HF_HUB_OFFLINE', () => {
    writeFileSync(join(docs, '.ragdocs.toml'), '[embedder]\nprovider = "openai"\nbase_url = "http://localhost:11434/v1/"\ndimension = 256\n');
    const openai = load().embedder;
    assert.equal(openai.model, 'text-embedding-3-small');
    assert.equal(openai.baseUrl, 'http://localhost:11434/v1', 'trailing slash dropped');
    assert.equal(openai.dimension, 256);
    assert.equal(openai.queryPrefix, '', 'the bge instruction is only for bge models');
    assert.equal(openai.pooling, 'mean');
    writeFileSync(join(docs, '.ragdocs.toml'), '[embedder]\nmodel = "Xenova/all-MiniLM-L6-v2"\ncache_dir = "models"\n');
    const minilm = load({ env: { HF_ENDPOINT: 'https://hf-mirror.example/', HF_HUB_OFFLINE: '1' } }).embedder;
    assert.equal(minilm.pooling, 'mean');
    assert.equal(minilm.queryPrefix, '');
    assert.equal(minilm.hubUrl, 'https://hf-mirror.example');
    assert.equal(minilm.offline, true);
    assert.equal(minilm.modelCacheDir, join(docs, 'models'), 'relative to the config file');
    writeFileSync(join(docs, '.ragdocs.toml'), '[embedder]\nquery_prefix = ""\noffline = true\n');
    const plain = load({ env: { HF_HUB_OFFLINE: '0' } }).embedder;
    assert.equal(plain.queryPrefix, '', 'an explicit empty prefix is kept');
    assert.equal(plain.offline, false, 'HF_HUB_OFFLINE=0 turns downloads back on');
    assert.throws(() => load({ env: { HF_ENDPOINT: 'not a url' } }), /HF_ENDPOINT="not a url": expected an http\(s\) URL/);
    writeFileSync(join(docs, '.ragdocs.toml'), '[embedder]\nhub_url = "ftp://x"\n');
    assert.throws(() => load(), /embedder\.hub_url = "ftp:\/\/x" \(line 2\): expected an http\(s\) URL/);
  });
});
