import { spawn } from 'node:child_process';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

/** The environment without npm_* variables: under `npm test` they would steer the inner npm. */
export function cleanNpmEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to its end, killed after `timeoutMs` (then code is null). */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs: number }): Promise<RunResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? cleanNpmEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - start });
    });
  });
}

/** Null when `npm ping` answers within the bound, else why not. */
export async function registryUnreachable(timeoutMs = 20_000): Promise<string | null> {
  const r = await run('npm', ['ping'], { timeoutMs });
  if (r.code === 0) return null;
  return r.code === null ? `npm ping gave no answer in ${timeoutMs / 1000} s` : `npm ping failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}`;
}

/** `npm pack` of this checkout into `dest`; returns the tarball's path. */
export async function packCheckout(dest: string, timeoutMs = 120_000): Promise<string> {
  const r = await run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: repoRoot(), timeoutMs });
  if (r.code !== 0) throw new Error(`npm pack failed (${r.code}): ${r.stderr.slice(-2000)}`);
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as { filename: string }[];
  if (!info) throw new Error(`npm pack printed no file: ${r.stdout}`);
  return join(dest, info.filename);
}

/**
 * `npm install -g --prefix PREFIX TARBALL`, as a user installs the package (no allowScripts of
 * ours applies there). `cache` gives a fresh npm cache for a cold install.
 */
export function installTarball(tarball: string, prefix: string, opts: { cache?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<RunResult> {
  const args = ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', ...(opts.cache ? ['--cache', opts.cache] : []), tarball];
  return run('npm', args, { env: cleanNpmEnv(opts.env), timeoutMs: opts.timeoutMs ?? 480_000 });
}

/** Disk use of a tree in bytes (allocated blocks, like `du`), symlinks not followed. */
export async function diskUsage(path: string): Promise<number> {
  const st = await lstat(path);
  let total = st.blocks * 512;
  if (st.isDirectory()) {
    for (const name of await readdir(path)) total += await diskUsage(join(path, name));
  }
  return total;
}

/** The installed package's folder under a global prefix (POSIX layout). */
export function installedPackageDir(prefix: string): string {
  return join(prefix, 'lib', 'node_modules', 'mcp-markdown-ragdocs');
}
