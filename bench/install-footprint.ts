/**
 * Install footprint of the packed package: size of the installed tree and the time of a cold
 * `npm install -g --prefix TMP` of the tarball (fresh npm cache, so every package comes from the
 * registry). Compares this checkout's tarball with the same tarball whose package.json still
 * lists @huggingface/transformers under dependencies (the layout before issue 11), each by
 * default and with ONNXRUNTIME_NODE_INSTALL=skip. Prints figures; asserts nothing.
 *
 *   npm run build && node dist/bench/install-footprint.js
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diskUsage, installedPackageDir, installTarball, packCheckout, run } from '../tests/helpers/packaging.js';

/** The tarball with transformers moved back to `dependencies`. */
async function requiredVariant(tarball: string, dir: string): Promise<string> {
  const x = join(dir, 'x');
  await run('mkdir', ['-p', x], { timeoutMs: 10_000 });
  await run('tar', ['-xzf', tarball, '-C', x], { timeoutMs: 60_000 });
  const pj = join(x, 'package', 'package.json');
  const pkg = JSON.parse(await readFile(pj, 'utf8')) as Record<string, Record<string, string> | undefined>;
  const spec = pkg['optionalDependencies']?.['@huggingface/transformers'];
  if (spec === undefined) throw new Error('the tarball has no optional @huggingface/transformers');
  delete pkg['optionalDependencies']!['@huggingface/transformers'];
  pkg['dependencies'] = { ...pkg['dependencies'], '@huggingface/transformers': spec };
  await writeFile(pj, JSON.stringify(pkg, null, 2));
  const out = join(dir, 'required.tgz');
  await run('tar', ['-czf', out, '-C', x, 'package'], { timeoutMs: 60_000 });
  return out;
}

async function measure(label: string, tarball: string, env: Record<string, string>, root: string): Promise<void> {
  const dir = await mkdtemp(join(root, 'case-'));
  const prefix = join(dir, 'prefix');
  const r = await installTarball(tarball, prefix, { cache: join(dir, 'cache'), env });
  const pkg = installedPackageDir(prefix);
  const ok = r.code === 0 && existsSync(pkg);
  const mib = ok ? ((await diskUsage(join(pkg, 'node_modules'))) / 2 ** 20).toFixed(0) : '-';
  const transformers = ok && existsSync(join(pkg, 'node_modules', '@huggingface', 'transformers'));
  const why = ok ? '' : ` (${(r.stderr.match(/Error: [^\n]*/) ?? ['exit ' + r.code])[0]})`;
  console.log(`| ${label} | ${ok ? 'ok' : 'FAILED' + why} | ${(r.ms / 1000).toFixed(1)} | ${mib} | ${ok ? (transformers ? 'yes' : 'no') : '-'} |`);
  await rm(dir, { recursive: true, force: true });
}

const root = await mkdtemp(join(tmpdir(), 'ragdocs-footprint-'));
try {
  const tarball = await packCheckout(root);
  const required = await requiredVariant(tarball, root);
  console.log('| tarball, install | result | cold install s | node_modules MiB | transformers |');
  console.log('|---|---|---:|---:|---|');
  await measure('before (transformers required), default', required, {}, root);
  await measure('before, ONNXRUNTIME_NODE_INSTALL=skip', required, { ONNXRUNTIME_NODE_INSTALL: 'skip' }, root);
  await measure('after (transformers optional), default', tarball, {}, root);
  await measure('after, ONNXRUNTIME_NODE_INSTALL=skip', tarball, { ONNXRUNTIME_NODE_INSTALL: 'skip' }, root);
} finally {
  await rm(root, { recursive: true, force: true });
}
