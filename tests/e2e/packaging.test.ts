/**
 * The package as a user gets it: `npm pack`, `npm install -g --prefix TMP` of the tarball (no
 * allowScripts of ours applies there, only npm's defaults), then the installed command driven
 * over stdio by the SDK client. Needs the npm registry and nothing else; skipped, saying why,
 * only when the registry does not answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { cleanNpmEnv, diskUsage, installedPackageDir, installTarball, packCheckout, registryUnreachable } from '../helpers/packaging.js';

const TOOLS = ['get_document', 'index_status', 'list_documents', 'query_documents', 'query_documents_compressed'];

const unreachable = await registryUnreachable();
if (unreachable !== null) console.log(`# packaging test skipped: the npm registry is unreachable (${unreachable})`);

test('the packed tarball installs with npm install -g and serves MCP over stdio', { skip: unreachable ?? false, timeout: 600_000 }, async (t) => {
  const tmp = await mkdtemp(join(tmpdir(), 'ragdocs-pack-'));
  let transport: StdioClientTransport | null = null;
  t.after(async () => {
    const pid = transport?.pid ?? null;
    await transport?.close().catch(() => undefined);
    if (pid !== null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await rm(tmp, { recursive: true, force: true });
  });
  const tarball = await packCheckout(tmp);
  const prefix = join(tmp, 'prefix');
  const install = await installTarball(tarball, prefix);
  const output = `${install.stdout}\n${install.stderr}`;
  assert.equal(install.code, 0, `npm install -g of the tarball failed (${install.code}):\n${output.slice(-4000)}`);

  const pkg = installedPackageDir(prefix);
  const hasTransformers = existsSync(join(pkg, 'node_modules', '@huggingface', 'transformers'));
  const bytes = await diskUsage(pkg);
  console.log(`# installed in ${(install.ms / 1000).toFixed(1)} s, ${(bytes / 2 ** 20).toFixed(0)} MiB; transformers runtime ${hasTransformers ? 'installed' : 'left out by npm'}`);
  for (const addon of ['fs-ext/build/Release/fs_ext.node', 'hnswlib-node/build/Release/addon.node']) {
    assert.ok(existsSync(join(pkg, 'node_modules', addon)), `${addon} was not built by the install:\n${output.slice(-4000)}`);
  }

  const docs = join(tmp, 'docs');
  await mkdir(join(docs, 'guides'), { recursive: true });
  await writeFile(join(docs, 'setup.md'), '# Setup\n\nSet `frobnicate_level` in the config to tune the widget.\n\nSee [[guides/usage]].\n');
  await writeFile(join(docs, 'guides', 'usage.md'), '# Usage\n\nRun the tool with a folder of notes.\n');

  const bin = join(prefix, 'bin', 'mcp-markdown-ragdocs');
  transport = new StdioClientTransport({
    command: bin,
    args: ['--docs', docs, '--index-dir', join(tmp, 'index')],
    // The default provider, offline: it must degrade to keyword + graph search, never fail.
    env: cleanNpmEnv({ HF_HUB_OFFLINE: '1', XDG_CACHE_HOME: join(tmp, 'cache'), RAGDOCS_LOG_LEVEL: 'warn' }),
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const client = new Client({ name: 'ragdocs-packaging', version: '0.0.0' });
  await client.connect(transport, { timeout: 20_000 });

  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((x) => x.name).sort(), TOOLS, `tools/list:\n${stderr}`);

  // A fresh folder: wait (bounded) until the first index holds both files.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = (await client.callTool({ name: 'index_status', arguments: {} })) as { structuredContent?: { documents: number; pending_files: number } };
    if ((s.structuredContent?.documents ?? 0) >= 2 && s.structuredContent?.pending_files === 0) break;
    assert.ok(Date.now() < deadline, `the index did not reach 2 documents in 60 s: ${JSON.stringify(s.structuredContent)}\n${stderr}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  const result = (await client.callTool({ name: 'query_documents', arguments: { query: 'frobnicate_level', top_n: 3 } }, undefined, { timeout: 30_000 })) as {
    isError?: boolean;
    structuredContent?: { results: { path: string; matched_by: string[] }[] };
  };
  assert.ok(!result.isError, `query_documents failed: ${JSON.stringify(result)}\n${stderr}`);
  assert.equal(result.structuredContent?.results[0]?.path, 'setup.md', JSON.stringify(result.structuredContent));
  assert.ok(result.structuredContent?.results[0]?.matched_by.includes('keyword'));

  const status = (await client.callTool({ name: 'index_status', arguments: {} })) as { structuredContent?: { embedder_fix: string | null } };
  const fix = status.structuredContent?.embedder_fix ?? '';
  // Offline the model is never there; without the runtime the fix must say how to get it.
  assert.match(fix, hasTransformers ? /models pull/ : /ONNXRUNTIME_NODE_INSTALL=skip/, `embedder_fix: ${fix}`);
});
