/**
 * Every client snippet in the README (and docs/configuration.md) is valid JSON with the key its
 * client reads (`mcpServers` for Claude Desktop, Cursor and Claude Code's .mcp.json; `servers`
 * with `"type": "stdio"` for VS Code), and starts the server with a command line our own CLI
 * parser accepts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCliArgs } from '../../src/cli/args.js';
import { repoRoot } from '../helpers/paths.js';

interface Block {
  file: string;
  lang: string;
  body: string;
  /** The nearest heading above the block. */
  heading: string;
  line: number;
}

function codeBlocks(file: string): Block[] {
  const lines = readFileSync(join(repoRoot(), file), 'utf8').split('\n');
  const blocks: Block[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h) heading = h[1]!.trim();
    const open = /^```(\w*)\s*$/.exec(line);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    blocks.push({ file, lang: open[1] ?? '', body: body.join('\n'), heading, line: start + 1 });
  }
  return blocks;
}

const BIN_NAME = 'mcp-markdown-ragdocs';

/** The server's own argv from a client's command + args, or a reason it does not start our server. */
function serverArgv(command: string, args: string[]): string[] {
  if (command === BIN_NAME) return args;
  if (command === 'node') {
    assert.match(args[0] ?? '', /\/bin\/mcp-markdown-ragdocs\.js$/, 'node must run bin/mcp-markdown-ragdocs.js');
    return args.slice(1);
  }
  if (command === 'npx') {
    const rest = args.filter((a) => a !== '-y' && a !== '--yes');
    assert.equal(rest[0], BIN_NAME, 'npx must name the package');
    return rest.slice(1);
  }
  throw new assert.AssertionError({ message: `unexpected command "${command}"` });
}

function checkServerEntry(where: string, entry: unknown, needsType: boolean): void {
  assert.equal(typeof entry, 'object', `${where}: a server entry must be an object`);
  const e = entry as { command?: unknown; args?: unknown; type?: unknown };
  if (needsType) assert.equal(e.type, 'stdio', `${where}: VS Code needs "type": "stdio"`);
  else if (e.type !== undefined) assert.equal(e.type, 'stdio', where);
  assert.equal(typeof e.command, 'string', `${where}: command`);
  assert.ok(Array.isArray(e.args) && e.args.every((a) => typeof a === 'string'), `${where}: args must be strings`);
  const argv = serverArgv(e.command as string, e.args as string[]);
  const parsed = parseCliArgs(argv);
  assert.equal(parsed.command, 'serve', `${where}: a client must start the serve command`);
  assert.ok(parsed.flags.docs, `${where}: name the documents folder with --docs`);
  assert.ok(parsed.flags.docs.every((d) => !d.startsWith('~')), `${where}: clients start the command without a shell, so ~ is not expanded`);
}

const FILES = ['README.md', 'docs/configuration.md'];
const jsonBlocks = FILES.flatMap(codeBlocks).filter((b) => b.lang === 'json');
const clientBlocks = jsonBlocks.filter((b) => /"(mcpServers|servers)"/.test(b.body));

test('the README has a snippet for every client it names', () => {
  const headings = new Set(clientBlocks.filter((b) => b.file === 'README.md').map((b) => b.heading));
  for (const client of ['Claude Desktop', 'Cursor', 'Claude Code', 'VS Code']) assert.ok(headings.has(client), `no JSON snippet under "### ${client}"`);
  assert.ok(clientBlocks.some((b) => b.file === 'docs/configuration.md'), 'docs/configuration.md lost its client example');
});

test('every JSON snippet parses', () => {
  assert.ok(jsonBlocks.length >= 5);
  for (const b of jsonBlocks) assert.doesNotThrow(() => JSON.parse(b.body), `${b.file}:${b.line} is not valid JSON`);
});

test('each client snippet uses its client key and a command line the CLI accepts', () => {
  for (const b of clientBlocks) {
    const where = `${b.file}:${b.line} (${b.heading})`;
    const doc = JSON.parse(b.body) as Record<string, unknown>;
    const vscode = b.heading === 'VS Code';
    const key = vscode ? 'servers' : 'mcpServers';
    assert.deepEqual(Object.keys(doc), [key], `${where}: the top-level key must be "${key}"`);
    const servers = doc[key] as Record<string, unknown>;
    assert.ok(Object.keys(servers).length > 0, `${where}: no server`);
    for (const [name, entry] of Object.entries(servers)) checkServerEntry(`${where} ${name}`, entry, vscode);
  }
});

test('the claude mcp add line and the shell commands start the server with accepted arguments', () => {
  const sh = FILES.flatMap(codeBlocks).filter((b) => b.lang === 'sh').flatMap((b) => b.body.split('\n').map((l) => ({ b, l: l.replace(/\s+#.*$/, '').trim() })));
  const add = sh.filter(({ l }) => l.startsWith('claude mcp add'));
  assert.ok(add.length > 0, 'no `claude mcp add` line in the README');
  for (const { b, l } of add) {
    const [options, server] = l.split(' -- ');
    assert.ok(server, `${b.file}:${b.line}: \`claude mcp add\` needs \`--\` before the server command`);
    assert.match(options ?? '', /--transport stdio \S+$/, 'options, then the server name, before --');
    const [command, ...args] = server.split(/\s+/);
    checkServerEntry(`${b.file}:${b.line}`, { command, args }, false);
  }
  for (const { b, l } of sh.filter(({ l }) => l.startsWith(`${BIN_NAME} `))) {
    assert.doesNotThrow(() => parseCliArgs(l.split(/\s+/).slice(1)), `${b.file}:${b.line}: ${l}`);
  }
});

test('the README says how to install from a tarball and marks npx as for once published', () => {
  const readme = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  assert.match(readme, /npm pack/);
  assert.match(readme, /npm install -g \.\/mcp-markdown-ragdocs-[\d.]+\.tgz/);
  assert.match(readme, /npx[^\n]*once the package is published|once the package is published[^\n]*npx/i);
});
