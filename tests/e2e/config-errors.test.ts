import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../helpers/paths.js';
import { BIN, spawnServer } from '../helpers/spawn-server.js';
import { waitFor } from '../helpers/wait.js';

describe('configuration errors', () => {
  const tmp = makeTempDir();
  const docs = join(tmp.dir, 'docs');
  mkdirSync(docs, { recursive: true });
  writeFileSync(join(docs, 'page.md'), '# Page\n\nAbout narwhals.\n');
  const badToml = join(tmp.dir, 'bad.toml');
  writeFileSync(badToml, '[search]\nrrf_k = 60\nweight_keyword = = 1\n');
  const unknownKey = join(tmp.dir, 'unknown.toml');
  writeFileSync(unknownKey, '[search]\nrrf_kk = 60\n');

  after(() => tmp.cleanup());

  for (const [name, file, pattern] of [
    ['invalid TOML', badToml, /bad\.toml.*line 3/s],
    ['an unknown key', unknownKey, /search\.rrf_kk.*did you mean.*rrf_k/is],
  ] as const) {
    test(`serve with ${name}: keeps serving with defaults and reports the problem`, async () => {
      const server = await spawnServer({ docs, indexDir: join(tmp.dir, `index-${name.length}`), args: ['--config', file] });
      try {
        const status = await waitFor('ready', async () => {
          const res = await server.callTool('index_status');
          const s = res.structuredContent;
          return s.state !== 'loading' && s.state !== 'indexing' ? s : null;
        }, 10_000);
        assert.equal(status.state, 'degraded');
        assert.match(status.last_error, pattern);
        const q = await server.callTool('query_documents', { query: 'narwhals' });
        assert.equal(q.structuredContent.results[0]?.path, 'page.md');
        assert.match(server.stderr(), pattern);
      } finally {
        await server.stop();
      }
    });

    test(`index with ${name}: exits 2 with the file, the place and the fix`, () => {
      const res = spawnSync(process.execPath, [BIN(), 'index', '--docs', docs, '--index-dir', join(tmp.dir, 'idx'), '--config', file], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      assert.equal(res.status, 2);
      assert.equal(res.stdout, '');
      assert.match(res.stderr, pattern);
    });
  }
});
