import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './packaging.js';
import { repoRoot } from './paths.js';

/**
 * The MCP Inspector's CLI client, from the pinned devDependency `@modelcontextprotocol/inspector-cli`
 * (the code `npx @modelcontextprotocol/inspector@1 --cli` runs; v2 needs Node 22.19, we support 20.19).
 */
export function inspectorBin(): string {
  const bin = join(repoRoot(), 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build', 'cli.js');
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm install (it is a devDependency)`);
  return bin;
}

/**
 * A working folder the Inspector CLI can start from. Its v1 CLI picks the package.json it reads its
 * own version from by testing `../package.json` against the *working directory* and then importing
 * it relative to its module (modelcontextprotocol/inspector#1503, closed unfixed for v1): the
 * standalone package works only where the working folder's parent holds a package.json.
 */
export async function inspectorCwd(parent: string): Promise<string> {
  await writeFile(join(parent, 'package.json'), '{ "private": true }\n');
  const cwd = join(parent, 'inspector-cwd');
  await mkdir(cwd, { recursive: true });
  return cwd;
}

export interface InspectorCall {
  /** The server's command line, as a client configuration gives it. */
  server: { command: string; args: string[] };
  /** `--method` and what follows it, e.g. `['tools/list']`. */
  method: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs?: number;
}

/** One Inspector CLI run (`--cli <command> <args> --method …`); its stdout parsed as JSON. */
export async function inspect(call: InspectorCall): Promise<Record<string, any>> {
  const [method, ...rest] = call.method;
  const args = [inspectorBin(), '--cli', call.server.command, ...call.server.args, '--method', method!, ...rest];
  const r = await run(process.execPath, args, { cwd: call.cwd, env: call.env, timeoutMs: call.timeoutMs ?? 60_000 });
  const shown = `mcp-inspector-cli ${args.slice(1).join(' ')}`;
  if (r.code !== 0) throw new Error(`${shown} ${r.code === null ? 'was killed after its timeout' : `exited ${r.code}`}:\n${r.stderr.slice(-3000)}\n${r.stdout.slice(-2000)}`);
  try {
    return JSON.parse(r.stdout) as Record<string, any>;
  } catch {
    throw new Error(`${shown} printed no JSON:\n${r.stdout.slice(0, 2000)}`);
  }
}

/** A client entry of the README: a JSON snippet's `command` and `args`, under `heading`. */
export interface ReadmeServer {
  command: string;
  args: string[];
}

/** The README's server entries under `### heading`, in order. */
export function readmeServers(heading: string): ReadmeServer[] {
  const text = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const section = text.split(/^### /m).find((s) => s.startsWith(`${heading}\n`));
  if (!section) throw new Error(`README.md has no "### ${heading}" section`);
  const servers: ReadmeServer[] = [];
  for (const m of section.matchAll(/```json\n([\s\S]*?)\n```/g)) {
    const doc = JSON.parse(m[1]!) as { mcpServers?: Record<string, ReadmeServer> };
    servers.push(...Object.values(doc.mcpServers ?? {}));
  }
  return servers;
}

/** The lines of the README's `sh` block that follows the paragraph starting with `lead`. */
export function readmeShellBlock(lead: string): string[] {
  const text = readFileSync(join(repoRoot(), 'README.md'), 'utf8');
  const at = text.indexOf(lead);
  if (at < 0) throw new Error(`README.md has no paragraph starting "${lead}"`);
  const m = /```sh\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (!m) throw new Error(`README.md has no sh block after "${lead}"`);
  return m[1]!.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter((l) => l !== '');
}
