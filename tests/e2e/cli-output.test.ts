import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';
import { closedPort, waitStatus } from '../helpers/server-probes.js';
import { BIN, spawnServer } from '../helpers/spawn-server.js';

/** How often `needle` occurs in `text`. */
const count = (text: string, needle: string): number => text.split(needle).length - 1;

/** util-linux `script` gives the child a pseudo-terminal without any dependency; absent on some systems. */
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe('terminal output of the one-shot commands (issue 11)', async () => {
  const tmp = makeTempDir();
  after(() => tmp.cleanup());
  const port = await closedPort();
  // A model that is not in the (empty) cache and a hub that refuses connections: the first-run case.
  const env = { XDG_CACHE_HOME: join(tmp.dir, 'cache'), HF_ENDPOINT: `http://127.0.0.1:${port}`, RAGDOCS_EMBEDDER: 'transformers', HF_HUB_OFFLINE: '', RAGDOCS_CONFIG: '', RAGDOCS_LOG_FILE: '' };
  const docs = join(tmp.dir, 'docs');
  cpSync(fixturePath('corpus'), docs, { recursive: true });
  const common = ['--docs', docs, '--index-dir', join(tmp.dir, 'index')];

  test('status on a folder never indexed says so and exits 1 with the command that indexes it', async () => {
    const res = await runCli(['status', ...common], env);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stdout, /has not been indexed yet/);
    assert.match(res.stdout, new RegExp(`run \`mcp-markdown-ragdocs index --docs ${docs} --index-dir`));
    const json = await runCli(['status', '--json', ...common], env);
    assert.equal(json.code, 1);
    const s = JSON.parse(json.stdout);
    assert.equal(s.state, 'degraded');
    assert.match(s.last_error, /not been indexed yet.*mcp-markdown-ragdocs index/);
  });

  test('index without a TTY: JSON log lines, each warning once, no retry announced, no bar', async () => {
    const res = await runCli(['index', ...common], env, 60_000);
    assert.equal(res.code, 0, res.stderr);
    const lines = res.stderr.trim().split('\n');
    const summary = lines.findIndex((l) => l.startsWith('indexed 6 documents'));
    assert.ok(summary > 0, res.stderr);
    for (const l of lines.slice(0, summary)) assert.doesNotThrow(() => JSON.parse(l), `a log line is JSON: ${l}`);
    assert.equal(count(res.stderr, 'could not be downloaded'), 1, `the download failure is said once:\n${res.stderr}`);
    assert.doesNotMatch(res.stderr, /retrying in/);
    assert.doesNotMatch(res.stderr, /█|\r/);
    assert.match(lines.slice(summary).join('\n'), /^semantic search is off; results come from keywords and links$/m);
  });

  test('status follows the rules of index_status: a missing model is degraded, with the fix, said once', async () => {
    const res = await runCli(['status', ...common], env);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^degraded: 6 documents, 9 chunks, generation 1$/m);
    assert.equal(count(res.stdout, 'semantic search is off; results come from keywords and links'), 1);
    assert.equal(count(res.stdout, 'models pull'), 1, res.stdout);
    const s = JSON.parse((await runCli(['status', '--json', ...common], env)).stdout);
    assert.equal(s.state, 'degraded');
    assert.equal(s.embedder_state, 'unavailable');
    assert.match(s.embedder_fix, /models pull/);
  });

  test('on a terminal: short human log lines and a bar that ends at 100 % with files/s', { skip: !hasScript && 'util-linux `script` is not installed' }, () => {
    const quoted = [process.execPath, BIN(), 'index', '--rebuild', ...common].map((a) => `'${a}'`).join(' ');
    const res = spawnSync('script', ['-qfec', quoted, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
    assert.equal(res.status, 0, res.stdout);
    const out = res.stdout; // the pseudo-terminal merges stdout and stderr
    assert.doesNotMatch(out, /\{"level"/, 'no JSON on a terminal');
    assert.match(out, /\d\d:\d\d:\d\d\] .*WARN.*could not be downloaded/);
    assert.equal(count(out, 'could not be downloaded'), 1, out);
    assert.doesNotMatch(out, /retrying in/);
    const frames = out.split(/\r|\n/).filter((l) => l.includes('indexing █') || l.includes('indexing ░') || /indexing [█░]/.test(l));
    assert.ok(frames.length > 0, out);
    assert.match(frames.at(-1) ?? '', /100% · 6\/6 files/);
    for (const f of frames) assert.match(f, / \d+\/6 files/, 'the total is fixed from the first frame');
  });

  test('index_status in a real server says each fact once and that semantic search is off', async () => {
    const server = await spawnServer({ docs, indexDir: join(tmp.dir, 'index'), env });
    try {
      await waitStatus(server, 'the embedder to give up', (st) => st.embedder_state === 'unavailable' && st.state !== 'indexing', 15_000);
      const r = await server.callTool('index_status');
      const text = r.content.map((c: { text?: string }) => c.text ?? '').join('\n');
      assert.equal(count(text, 'semantic search is off; results come from keywords and links'), 1, text);
      assert.equal(count(text, 'could not be downloaded'), 1, text);
      assert.equal(count(text, 'models pull'), 1, text);
      assert.ok(text.length < 1200, `short: ${text.length} characters`);
      // structuredContent keeps every field, repetitions included, for programs.
      assert.match(r.structuredContent.embedder_fix, /models pull/);
      assert.match(r.structuredContent.last_error, /could not be downloaded/);
      assert.match(r.structuredContent.embedder_problem, /could not be downloaded/);
    } finally {
      await server.stop();
    }
  });
});
