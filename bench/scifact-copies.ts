/**
 * A real corpus copied several times, for benchmarks that need more than one real dataset's
 * worth of text: each `{"_id","title","text"}` line of a BEIR `corpus.jsonl` becomes
 * `copy<k>/<_id>.md` (the form bench/eval/datasets.ts indexes: `# title`, blank line, text) in
 * `--copies` folders, plus `.corpus.json` with probe tokens. The copies are identical, so a
 * probe's right answer is any of its copies ranked first (`probes[].paths`).
 *
 *   npm run build && node dist/bench/scifact-copies.js --source /work/shared/eval/scifact \
 *       --out /work/corpora/scifact-x4 [--copies 4] [--probes 500] [--force]
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { beirDocFileName, beirRecordToMarkdown } from './eval/datasets.js';
import { forEachLine, parseJsonLine } from './eval/queries-file.js';
import { drawUniqueWordProbes } from './lib/probes.js';

export interface CopiesResult {
  documents: number;
  files: number;
  bytes: number;
  probes: number;
}

/** Writes the copies and `.corpus.json` into `outDir` (created; must be empty or absent). */
export async function writeBeirCopies(opts: { source: string; outDir: string; copies: number; probes: number }): Promise<CopiesResult> {
  const outDir = resolve(opts.outDir);
  if (existsSync(outDir) && readdirSync(outDir).length > 0) throw new Error(`output folder ${outDir} is not empty: choose an empty folder or pass --force`);
  const corpusFile = join(resolve(opts.source), 'corpus.jsonl');
  const texts = new Map<string, string>();
  await forEachLine(corpusFile, (line, n) => {
    const row = parseJsonLine(line, corpusFile, n);
    const title = typeof row.title === 'string' ? row.title : '';
    const text = typeof row.text === 'string' ? row.text : '';
    texts.set(beirDocFileName(String(row._id)), beirRecordToMarkdown(title, text));
  });
  const folders = Array.from({ length: opts.copies }, (_, i) => `copy${i + 1}`);
  let bytes = 0;
  for (const folder of folders) {
    await mkdir(join(outDir, folder), { recursive: true });
    for (const [name, markdown] of texts) {
      await writeFile(join(outDir, folder, name), markdown);
      bytes += Buffer.byteLength(markdown);
    }
  }
  // Unique within one copy means found in exactly the copies of one document.
  const probes = drawUniqueWordProbes(texts, opts.probes).map((p) => ({ token: p.token, paths: folders.flatMap((f) => p.paths.map((name) => `${f}/${name}`)) }));
  await writeFile(
    join(outDir, '.corpus.json'),
    JSON.stringify({ source: corpusFile, copies: opts.copies, documents: texts.size, files: texts.size * opts.copies, bytes, probes }, null, 1),
  );
  return { documents: texts.size, files: texts.size * opts.copies, bytes, probes: probes.length };
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { source: { type: 'string' }, out: { type: 'string' }, copies: { type: 'string', default: '4' }, probes: { type: 'string', default: '500' }, force: { type: 'boolean', default: false } },
  });
  const copies = Number(values.copies);
  const probes = Number(values.probes);
  if (values.source === undefined || values.out === undefined || !Number.isInteger(copies) || copies < 1 || !Number.isInteger(probes) || probes < 1) {
    throw new Error('usage: scifact-copies --source BEIR_DIR --out DIR [--copies 4] [--probes 500] [--force]');
  }
  if (values.force) await rm(resolve(values.out), { recursive: true, force: true });
  const r = await writeBeirCopies({ source: values.source, outDir: values.out, copies, probes });
  process.stdout.write(`wrote ${r.files} files (${r.documents} documents × ${copies}), ${(r.bytes / 1024 / 1024).toFixed(1)} MiB, ${r.probes} probe tokens to ${resolve(values.out)}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`scifact-copies: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
