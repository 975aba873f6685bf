import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { fixturePath, makeTempDir } from '../helpers/paths.js';
import { BIN } from '../helpers/spawn-server.js';

function run(args: string[]) {
  return spawnSync(process.execPath, [BIN(), ...args], { encoding: 'utf8', timeout: 30_000 });
}

describe('command line', () => {
  const tmp = makeTempDir();
  const docs = join(tmp.dir, 'docs');
  const indexDir = join(tmp.dir, 'index');
  cpSync(fixturePath('corpus'), docs, { recursive: true });
  const common = ['--docs', docs, '--index-dir', indexDir];
  after(() => tmp.cleanup());

  test('index builds the persisted index and exits 0', () => {
    const res = run(['index', ...common]);
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, '', 'index prints its summary to stderr, never stdout');
    assert.match(res.stderr, /indexed 6 documents/);
  });

  test('status --json prints the index_status object', () => {
    const res = run(['status', '--json', ...common]);
    assert.equal(res.status, 0, res.stderr);
    const s = JSON.parse(res.stdout);
    for (const key of ['state', 'documents', 'chunks', 'generation', 'pending_files', 'embedder', 'index_dir', 'instance_id',
      'embeddings_computed', 'embeddings_reused', 'last_error']) {
      assert.ok(key in s, `status lacks ${key}`);
    }
    assert.equal(s.documents, 6);
    // No model in this machine's cache is guaranteed: the CLI judges that as index_status does.
    if (s.embedder_state === 'unavailable') assert.equal(s.state, 'degraded');
    else assert.equal(s.state, 'ready');
    assert.ok(s.generation >= 1);
    assert.equal(s.lock_holder, null);
  });

  test('query --json prints results with the contract fields', () => {
    const res = run(['query', 'rollback database snapshot', '--top', '3', '--json', ...common]);
    assert.equal(res.status, 0, res.stderr);
    const { results } = JSON.parse(res.stdout);
    assert.ok(results.length > 0 && results.length <= 3);
    assert.equal(results[0].path, 'guides/deployment.md');
    for (const key of ['path', 'heading_path', 'start_line', 'end_line', 'score', 'content', 'matched_by']) assert.ok(key in results[0]);
  });

  test('query prints readable text by default', () => {
    const res = run(['query', 'canary', ...common]);
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^1\. guides\/deployment\.md › Deployment › Canary stage \(lines \d+-\d+, score/m);
  });

  test('bad arguments exit 2 with the usage line', () => {
    const res = run(['query', '--top', '0', 'x', ...common]);
    assert.equal(res.status, 2);
    assert.match(res.stderr, /Usage: mcp-markdown-ragdocs/);
  });

  test('help and version print to stdout', () => {
    assert.match(run(['--help']).stdout, /Usage: mcp-markdown-ragdocs/);
    assert.match(run(['--version']).stdout, /^\d+\.\d+\.\d+/);
  });
});
