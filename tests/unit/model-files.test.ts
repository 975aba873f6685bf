import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { AppError } from '../../src/core/errors.js';
import { looksLikeHtml, parseSha256 } from '../../src/embed/hub-fetch.js';
import {
  modelDir,
  modelFileList,
  modelFileUrl,
  ONNX_DTYPE_SUFFIXES,
  revisionDirName,
} from '../../src/embed/model-files.js';
import { EMBEDDER_DTYPES } from '../../src/config/schema.js';
import { defaultModelCacheDir, userCacheDir } from '../../src/config/paths.js';

const isConfigInvalid = (err: unknown): boolean => err instanceof AppError && err.code === 'CONFIG_INVALID';

describe('model files', () => {
  test('each dtype needs the config, the tokenizer and its own ONNX file', () => {
    assert.deepEqual(modelFileList('q8'), ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_quantized.onnx']);
    assert.equal(modelFileList('fp32')[3], 'onnx/model.onnx');
    assert.equal(modelFileList('q4f16')[3], 'onnx/model_q4f16.onnx');
    assert.throws(() => modelFileList('q3'), isConfigInvalid);
    assert.throws(() => modelFileList('toString'), isConfigInvalid);
  });

  test('every dtype the config accepts has an ONNX file', () => {
    assert.deepEqual(Object.keys(ONNX_DTYPE_SUFFIXES).sort(), [...EMBEDDER_DTYPES].sort());
  });

  test('model folders are org/name/revision under the cache, and ids cannot escape it', () => {
    assert.equal(modelDir('/c', 'Xenova/bge-small-en-v1.5', 'main'), join('/c', 'Xenova', 'bge-small-en-v1.5', 'main'));
    assert.equal(modelDir('/c', 'gpt2', 'main'), join('/c', '_', 'gpt2', 'main'));
    for (const bad of ['', '../x', 'a/../b', 'a/b/c', '/abs', 'a\\b', 'a/..', '.hidden/x', 'a/b..c', 'a--b/c', 'https://x/y', 'a/b ']) {
      assert.throws(() => modelDir('/c', bad, 'main'), isConfigInvalid, bad);
    }
  });

  test('revisions become one safe folder name, distinct for distinct revisions', () => {
    assert.equal(revisionDirName('v1.0'), 'v1.0');
    const pr = revisionDirName('refs/pr/1');
    assert.match(pr, /^refs_pr_1-[0-9a-f]{8}$/);
    assert.notEqual(pr, revisionDirName('refs_pr_1'));
    for (const odd of ['..', '.', 'a/../../b', '-x']) assert.match(revisionDirName(odd), /^[A-Za-z0-9_][A-Za-z0-9._-]*$/, odd);
    assert.throws(() => revisionDirName(''), isConfigInvalid);
  });

  test('hub URLs keep the file path and encode the revision as one segment', () => {
    assert.equal(
      modelFileUrl('https://huggingface.co/', 'Xenova/bge-small-en-v1.5', 'refs/pr/1', 'onnx/model_quantized.onnx'),
      'https://huggingface.co/Xenova/bge-small-en-v1.5/resolve/refs%2Fpr%2F1/onnx/model_quantized.onnx',
    );
  });

  test('the default cache follows the platform conventions', () => {
    assert.equal(defaultModelCacheDir(userCacheDir('linux', {}, '/home/u')), join('/home/u', '.cache', 'mcp-markdown-ragdocs', 'models'));
    assert.equal(defaultModelCacheDir(userCacheDir('linux', { XDG_CACHE_HOME: '/xdg' }, '/home/u')), join('/xdg', 'mcp-markdown-ragdocs', 'models'));
    assert.equal(defaultModelCacheDir(userCacheDir('darwin', {}, '/Users/u')), join('/Users/u', 'Library', 'Caches', 'mcp-markdown-ragdocs', 'models'));
    assert.equal(defaultModelCacheDir(userCacheDir('win32', { LOCALAPPDATA: 'C:\\L' }, 'C:\\U')), join('C:\\L', 'mcp-markdown-ragdocs', 'models'));
  });

  test('only 64-hex ETags count as sha256; HTML is recognised after whitespace and a BOM', () => {
    const sha = 'a'.repeat(64);
    assert.equal(parseSha256(`"${sha}"`), sha);
    assert.equal(parseSha256(`W/"${sha.toUpperCase()}"`), sha);
    assert.equal(parseSha256('"0123456789abcdef0123456789abcdef01234567"'), null);
    assert.equal(parseSha256(null), null);
    assert.equal(looksLikeHtml(Buffer.from('\ufeff \n<!DocType html>')), true);
    assert.equal(looksLikeHtml(Buffer.from('<HTML><body>')), true);
    assert.equal(looksLikeHtml(Buffer.from('{"html": "<html>"}')), false);
  });
});
