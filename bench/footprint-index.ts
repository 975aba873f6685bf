/**
 * The `index` part of bench/footprint.ts: one first build of a docs folder by a checkout's CLI
 * (`bin/mcp-markdown-ragdocs.js index`, embedder none) into a fresh index dir, watched from
 * outside: the child's VmRSS every 50 ms (its worker threads are the same process; VmHWM, the
 * kernel's own peak, is read with every sample too), and the index dir's bytes every 150 ms
 * (stat sums in process, so a short-lived checkpoint between two samples can be missed).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface IndexRun {
  ms: number;
  /** max(VmRSS samples, last VmHWM), MiB. */
  peakRssMiB: number;
  rssSamples: number;
  /** Largest index dir seen while building, and after the exit, bytes. */
  maxDirBytes: number;
  finalDirBytes: number;
  dirSamples: number;
  /** Sum of the blob sizes `manifest.json` names, plus the manifest itself; null without a blob table. */
  manifestBytes: number | null;
  exitCode: number | null;
  stderrTail: string;
}

const RSS_EVERY_MS = 50;
const DIR_EVERY_MS = 150;

/** Bytes of the files below `dir`; files that vanish mid-walk (renames, GC) count as gone. */
export function treeBytes(dir: string): number {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) total += treeBytes(full);
    else {
      try {
        total += statSync(full).size;
      } catch {
        // gone between readdir and stat
      }
    }
  }
  return total;
}

/** VmRSS and VmHWM of `pid` in MiB (NaN when the process is gone). */
export function readMemoryMiB(pid: number): { rss: number; hwm: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? Number.NaN);
    return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
  } catch {
    return { rss: Number.NaN, hwm: Number.NaN };
  }
}

/** Blob bytes named by `<indexDir>/manifest.json` plus its own size, or null when it has no blob table. */
export function manifestReferencedBytes(indexDir: string): number | null {
  try {
    const path = join(indexDir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { blobs?: Record<string, { bytes?: number }> };
    if (manifest.blobs === undefined) return null;
    return statSync(path).size + Object.values(manifest.blobs).reduce((sum, b) => sum + (b.bytes ?? 0), 0);
  } catch {
    return null;
  }
}

/** Runs `index --docs docs --index-dir indexDir` with `bin`; `indexDir` must not exist yet. */
export async function measureIndexRun(bin: string, docs: string, indexDir: string): Promise<IndexRun> {
  const started = performance.now();
  const child = spawn(process.execPath, [bin, 'index', '--docs', docs, '--index-dir', indexDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, RAGDOCS_EMBEDDER: 'none', RAGDOCS_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
  let peakRss = 0;
  let rssSamples = 0;
  let maxDirBytes = 0;
  let dirSamples = 0;
  const sampleRss = (): void => {
    if (child.pid === undefined) return;
    const { rss, hwm } = readMemoryMiB(child.pid);
    if (Number.isFinite(rss)) rssSamples++;
    peakRss = Math.max(peakRss, Number.isFinite(rss) ? rss : 0, Number.isFinite(hwm) ? hwm : 0);
  };
  const sampleDir = (): void => {
    maxDirBytes = Math.max(maxDirBytes, treeBytes(indexDir));
    dirSamples++;
  };
  const rssTimer = setInterval(sampleRss, RSS_EVERY_MS);
  const dirTimer = setInterval(sampleDir, DIR_EVERY_MS);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
  const ms = performance.now() - started;
  clearInterval(rssTimer);
  clearInterval(dirTimer);
  const finalDirBytes = treeBytes(indexDir);
  return {
    ms,
    peakRssMiB: peakRss,
    rssSamples,
    maxDirBytes: Math.max(maxDirBytes, finalDirBytes),
    finalDirBytes,
    dirSamples,
    manifestBytes: manifestReferencedBytes(indexDir),
    exitCode,
    stderrTail: stderr.trim().split('\n').slice(-10).join('\n'),
  };
}
