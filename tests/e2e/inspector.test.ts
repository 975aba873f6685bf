/**
 * The MCP Inspector's CLI against a real vault (tests/fixtures/vault: 121 pages with wikilinks,
 * headings, aliases and the same file name in several folders), with the server started exactly as
 * the README's Claude Desktop snippets start it: `node /path/to/checkout/bin/mcp-markdown-ragdocs.js
 * --docs …` from this checkout, and `mcp-markdown-ragdocs --docs …` after the README's `npm pack` +
 * `npm install -g` of the tarball. The commands are read from the README, so a README edit that
 * breaks them breaks this test. Each Inspector call spawns its own server, as a client does.
 *
 * No model download is attempted (RAGDOCS_EMBEDDER=none, HF_HUB_OFFLINE, a temp HOME and cache).
 * The tarball half needs the npm registry and is skipped, saying why, only when it does not answer.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync } from 'node:fs';
import { basename, delimiter, join, relative } from 'node:path';
import { inspect, inspectorCwd, readmeServers, readmeShellBlock, type ReadmeServer } from '../helpers/inspector.js';
import { cleanNpmEnv, installTarball, packCheckout, registryUnreachable, run } from '../helpers/packaging.js';
import { fixturePath, makeTempDir, repoRoot } from '../helpers/paths.js';

const TOOLS = ['get_document', 'index_status', 'list_documents', 'query_documents', 'query_documents_compressed'];
const BIN_NAME = 'mcp-markdown-ragdocs';

function vaultPaths(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return vaultPaths(full, root);
    return /\.(md|txt)$/.test(e.name) ? [relative(root, full).split('\\').join('/')] : [];
  });
}

/** A README entry with its placeholders replaced: the checkout's real path, the vault for `--docs`. */
function localise(entry: ReadmeServer, vault: string): ReadmeServer {
  const args = entry.args.map((a) => a.replace(/^\/path\/to\/mcp-markdown-ragdocs\//, `${repoRoot()}/`));
  const docs = args.indexOf('--docs');
  assert.ok(docs >= 0 && args[docs + 1], `README entry without --docs DIR: ${JSON.stringify(entry)}`);
  args[docs + 1] = vault;
  return { command: entry.command, args };
}

/** The same command line with `index` as its command: the README's `mcp-markdown-ragdocs index`. */
function indexCommand(server: ReadmeServer): ReadmeServer {
  const at = server.command === 'node' ? 1 : 0;
  return { command: server.command, args: [...server.args.slice(0, at), 'index', ...server.args.slice(at)] };
}

/**
 * Indexes the vault with the CLI, then drives three Inspector calls against the server entry:
 * tools/list, one query whose answer the vault's known-answer set gives, resources/list.
 */
async function serveVaultToInspector(server: ReadmeServer, opts: { vault: string; cwd: string; env: Record<string, string> }): Promise<void> {
  const { vault, cwd, env } = opts;
  const index = indexCommand(server);
  const indexed = await run(index.command, index.args, { cwd, env, timeoutMs: 120_000 });
  assert.equal(indexed.code, 0, `${index.command} ${index.args.join(' ')} failed (${indexed.code}):\n${indexed.stderr.slice(-3000)}`);

  const listed = await inspect({ server, method: ['tools/list'], cwd, env });
  assert.deepEqual((listed['tools'] as { name: string }[]).map((t) => t.name).sort(), TOOLS);

  // questions.jsonl e03: "tombstone" is answered by the sync protocol page, then the glossary.
  const called = await inspect({
    server,
    method: ['tools/call', '--tool-name', 'query_documents', '--tool-arg', 'query=tombstone', '--tool-arg', 'top_n=3'],
    cwd,
    env,
  });
  assert.ok(!called['isError'], `query_documents failed: ${JSON.stringify(called).slice(0, 2000)}`);
  const results = called['structuredContent']?.results as { path: string; matched_by: string[] }[];
  assert.equal(results[0]?.path, 'Architecture/Sync Protocol.md', JSON.stringify(results));
  assert.ok(results[0]?.matched_by.includes('keyword'));
  const links = (called['content'] as { type: string; uri?: string }[]).filter((c) => c.type === 'resource_link');
  assert.ok(
    links.some((l) => decodeURIComponent(l.uri ?? '') === 'ragdocs://doc/Architecture/Sync Protocol.md'),
    `no resource_link to the top result: ${JSON.stringify(links)}`,
  );

  const resources = (await inspect({ server, method: ['resources/list'], cwd, env }))['resources'] as { uri: string }[];
  const uris = resources.map((r) => decodeURIComponent(r.uri.replace(/^ragdocs:\/\/doc\//, ''))).sort();
  assert.deepEqual(uris, vaultPaths(vault).sort(), 'resources/list must hold every page of the vault');
  // The vault's collision: one file name at the top and in a folder, both listed on their own.
  for (const p of ['Tag.md', 'Architecture/Tag.md']) assert.ok(uris.includes(p), `${p} missing from resources/list`);
}

describe('the MCP Inspector CLI against a real vault, started as the README says', () => {
  const tmp = makeTempDir('ragdocs-inspector-');
  const vault = join(tmp.dir, 'vault');
  let cwd = '';
  /** Isolated HOME and cache per half, so the two never share an index or touch the user's. */
  const envFor = (name: string, extra: Record<string, string> = {}): Record<string, string> =>
    cleanNpmEnv({
      HOME: join(tmp.dir, name, 'home'),
      XDG_CACHE_HOME: join(tmp.dir, name, 'cache'),
      XDG_CONFIG_HOME: join(tmp.dir, name, 'config'),
      RAGDOCS_EMBEDDER: 'none',
      HF_HUB_OFFLINE: '1',
      RAGDOCS_LOG_LEVEL: 'warn',
      ...extra,
    });

  before(async () => {
    cpSync(fixturePath('vault', 'docs'), vault, { recursive: true });
    cwd = await inspectorCwd(tmp.dir);
  });
  after(() => tmp.cleanup());

  test('from a checkout: node /path/to/checkout/bin/mcp-markdown-ragdocs.js --docs …', { timeout: 240_000 }, async () => {
    const entry = readmeServers('Claude Desktop').find((s) => s.command === 'node');
    assert.ok(entry, 'the README lost its "From a checkout" Claude Desktop snippet');
    const server = localise(entry, vault);
    assert.equal(server.args[0], join(repoRoot(), 'bin', 'mcp-markdown-ragdocs.js'), `README checkout command: ${JSON.stringify(entry)}`);
    await serveVaultToInspector(server, { vault, cwd, env: envFor('checkout') });
  });

  test('from the packed tarball: npm pack, npm install -g, mcp-markdown-ragdocs --docs …', { timeout: 600_000 }, async (t) => {
    const unreachable = await registryUnreachable();
    if (unreachable !== null) {
      console.log(`# inspector tarball test skipped: the npm registry is unreachable (${unreachable})`);
      t.skip(`the npm registry is unreachable (${unreachable})`);
      return;
    }
    const tarball = await packCheckout(tmp.dir);
    // The README's install lines, with `--prefix TMP` added so the test never touches npm's real global folder.
    const lines = readmeShellBlock('**From a tarball**');
    assert.ok(lines.includes('npm pack'), `README tarball recipe: ${lines.join(' | ')}`);
    assert.ok(lines.includes(`npm install -g ./${basename(tarball)}`), `the README must install the file npm pack writes (${basename(tarball)}): ${lines.join(' | ')}`);
    const prefix = join(tmp.dir, 'prefix');
    const install = await installTarball(tarball, prefix);
    assert.equal(install.code, 0, `npm install -g of the tarball failed (${install.code}):\n${install.stderr.slice(-4000)}`);
    console.log(`# tarball installed in ${(install.ms / 1000).toFixed(1)} s`);

    const entry = readmeServers('Claude Desktop').find((s) => s.command === BIN_NAME);
    assert.ok(entry, 'the README lost its tarball-install Claude Desktop snippet');
    // The bare command, found on PATH, as a client finds the globally installed one.
    const env = envFor('tarball', { PATH: `${join(prefix, 'bin')}${delimiter}${process.env['PATH'] ?? ''}` });
    await serveVaultToInspector(localise(entry, vault), { vault, cwd, env });
  });
});
