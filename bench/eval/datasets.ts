/**
 * Evaluation datasets in one common shape, from two on-disk forms:
 *
 * (a) BEIR form: a folder with `corpus.jsonl` (`{"_id","title","text"}` a line) and a queries file
 *     (`queries.jsonl`, else `queries.test.jsonl`, `queries.dev.jsonl`, `queries.train.jsonl`, or
 *     `--queries FILE`). Each corpus line becomes `<workDir>/docs/<_id>.md` (`# title`, blank line,
 *     text) so the project's real indexing path can index it. Doc keys are the `_id`s.
 * (b) Markdown form: a folder of Markdown/text files and a queries file (default
 *     `<folder>/queries.jsonl`) whose relevance keys are paths relative to the folder. Doc keys
 *     are those `/`-separated relative paths. The folder is used in place unless sampling.
 *
 * `limitQueries` keeps the first N queries (file order); `sampleDocs` keeps N documents chosen
 * with a seeded generator, always including every relevant document of the kept queries.
 */
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { AppError } from '../../src/core/errors.js';
import { createRandom } from '../lib/random.js';
import { forEachLine, parseJsonLine, readQueriesFile, relevantKeys, type EvalQuery } from './queries-file.js';

export type { EvalQuery } from './queries-file.js';

/** A dataset ready to index and query. */
export interface EvalDataset {
  /** Folder name of the dataset (for reports). */
  name: string;
  form: 'beir' | 'markdown';
  /** Absolute folder of the documents to index. */
  docsDir: string;
  queriesFile: string;
  /** Queries with at least one relevant document in `docsDir`. */
  queries: EvalQuery[];
  /** Number of documents in `docsDir`. */
  documents: number;
  /** Doc key of a file (absolute, or relative to `docsDir`). */
  docKeyOf(path: string): string;
  /** What was dropped or changed while loading (queries without judgements, missing docs…). */
  notes: string[];
}

export interface LoadDatasetOptions {
  /** Dataset folder (either form). */
  dataset: string;
  /** Queries file; default depends on the form (see the module comment). */
  queries?: string;
  /** Scratch folder the harness owns; BEIR documents and samples are written below it. */
  workDir: string;
  limitQueries?: number;
  sampleDocs?: number;
  /** Seed for `sampleDocs`; default 1. */
  seed?: number;
}

const MARKDOWN_EXTENSIONS = new Set(['.md', '.markdown', '.txt']);
const BEIR_QUERY_FILES = ['queries.jsonl', 'queries.test.jsonl', 'queries.dev.jsonl', 'queries.train.jsonl'];

/** File name of a BEIR document; `_id`s are URI-encoded so any id is a safe, reversible name. */
export function beirDocFileName(id: string): string {
  return `${encodeURIComponent(id)}.md`;
}

/** The Markdown a BEIR record becomes: `# title`, blank line, text. */
export function beirRecordToMarkdown(title: string, text: string): string {
  const heading = title.replace(/\s+/g, ' ').trim();
  return heading === '' ? `${text}\n` : `# ${heading}\n\n${text}\n`;
}

/** Normalises a Markdown-form doc key: `/` separators, no leading `./`. */
export function normalizeDocPath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}

/** Loads either form; see the module comment. */
export async function loadDataset(options: LoadDatasetOptions): Promise<EvalDataset> {
  const dataset = resolve(options.dataset);
  if (!existsSync(dataset) || !statSync(dataset).isDirectory()) {
    throw new AppError('INVALID_ARGUMENT', `dataset folder ${dataset} does not exist`, {
      hint: 'pass --dataset DIR: a BEIR folder with corpus.jsonl, or a folder of Markdown files',
    });
  }
  const isBeir = existsSync(join(dataset, 'corpus.jsonl'));
  return isBeir ? loadBeir(dataset, options) : loadMarkdownFolder(dataset, options);
}

function pickQueriesFile(dataset: string, explicit: string | undefined, candidates: readonly string[]): string {
  if (explicit !== undefined) {
    const file = resolve(explicit);
    if (!existsSync(file)) throw new AppError('INVALID_ARGUMENT', `queries file ${file} does not exist`, { hint: 'check --queries' });
    return file;
  }
  for (const name of candidates) if (existsSync(join(dataset, name))) return join(dataset, name);
  throw new AppError('INVALID_ARGUMENT', `no queries file in ${dataset} (looked for ${candidates.join(', ')})`, {
    hint: 'pass --queries FILE',
  });
}

/** Drops queries without a relevant document present, then applies `limitQueries`. */
function selectQueries(all: EvalQuery[], present: (key: string) => boolean, limit: number | undefined, notes: string[]): EvalQuery[] {
  const kept: EvalQuery[] = [];
  let missingJudged = 0;
  for (const q of all) {
    const rel = relevantKeys(q);
    const found = rel.filter(present);
    missingJudged += rel.length - found.length;
    if (found.length > 0) kept.push(q);
  }
  if (kept.length < all.length) notes.push(`${all.length - kept.length} queries dropped: no relevant document in the corpus`);
  if (missingJudged > 0) notes.push(`${missingJudged} relevance judgements name documents missing from the corpus`);
  if (limit !== undefined && limit < kept.length) {
    notes.push(`first ${limit} of ${kept.length} queries kept (--limit-queries)`);
    return kept.slice(0, limit);
  }
  return kept;
}

/** All keys when not sampling; else every relevant key plus a seeded random fill up to `sample`. */
function sampleKeys(allKeys: readonly string[], queries: readonly EvalQuery[], sample: number | undefined, seed: number, notes: string[]): Set<string> {
  if (sample === undefined || sample >= allKeys.length) return new Set(allKeys);
  const exists = new Set(allKeys);
  const keep = new Set(queries.flatMap(relevantKeys).filter((k) => exists.has(k)));
  for (const key of createRandom(seed).shuffle(allKeys)) {
    if (keep.size >= sample) break;
    keep.add(key);
  }
  notes.push(`${keep.size} of ${allKeys.length} documents sampled (seed ${seed}; all relevant documents kept)`);
  return keep;
}

async function loadBeir(dataset: string, options: LoadDatasetOptions): Promise<EvalDataset> {
  const corpusFile = join(dataset, 'corpus.jsonl');
  const queriesFile = pickQueriesFile(dataset, options.queries, BEIR_QUERY_FILES);
  const notes: string[] = [];
  const ids: string[] = [];
  await forEachLine(corpusFile, (line, n) => {
    const id = parseJsonLine(line, corpusFile, n)._id;
    if (typeof id !== 'string' && typeof id !== 'number') throw new AppError('INVALID_ARGUMENT', `${corpusFile}:${n} has no "_id"`);
    ids.push(String(id));
  });
  const idSet = new Set(ids);
  const queries = selectQueries(await readQueriesFile(queriesFile), (k) => idSet.has(k), options.limitQueries, notes);
  const keep = sampleKeys(ids, queries, options.sampleDocs, options.seed ?? 1, notes);

  const docsDir = resolve(options.workDir, 'docs');
  await rm(docsDir, { recursive: true, force: true });
  await mkdir(docsDir, { recursive: true });
  await forEachLine(corpusFile, async (line, n) => {
    const row = parseJsonLine(line, corpusFile, n);
    const id = String(row._id);
    if (!keep.has(id)) return;
    const title = typeof row.title === 'string' ? row.title : '';
    const text = typeof row.text === 'string' ? row.text : '';
    await writeFile(join(docsDir, beirDocFileName(id)), beirRecordToMarkdown(title, text));
  });
  return {
    name: basename(dataset),
    form: 'beir',
    docsDir,
    queriesFile,
    queries,
    documents: keep.size,
    docKeyOf: (path) => decodeURIComponent(basename(path, extname(path))),
    notes,
  };
}

/** Relative `/`-separated paths of the Markdown/text files below `root` (hidden entries and node_modules skipped). */
export async function listMarkdownFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && MARKDOWN_EXTENSIONS.has(extname(entry.name).toLowerCase())) {
        out.push(relative(root, full).split(sep).join('/'));
      }
    }
  };
  await walk(root);
  return out.sort();
}

async function loadMarkdownFolder(dataset: string, options: LoadDatasetOptions): Promise<EvalDataset> {
  const queriesFile = pickQueriesFile(dataset, options.queries, ['queries.jsonl']);
  const notes: string[] = [];
  const files = await listMarkdownFiles(dataset);
  const fileSet = new Set(files);
  const queries = selectQueries(await readQueriesFile(queriesFile, normalizeDocPath), (k) => fileSet.has(k), options.limitQueries, notes);
  const keep = sampleKeys(files, queries, options.sampleDocs, options.seed ?? 1, notes);

  let docsDir = dataset;
  if (keep.size < files.length) {
    docsDir = resolve(options.workDir, 'docs');
    await rm(docsDir, { recursive: true, force: true });
    for (const file of keep) {
      await mkdir(dirname(join(docsDir, file)), { recursive: true });
      await copyFile(join(dataset, file), join(docsDir, file));
    }
  }
  const root = docsDir;
  return {
    name: basename(dataset),
    form: 'markdown',
    docsDir,
    queriesFile,
    queries,
    documents: keep.size,
    docKeyOf: (path) => normalizeDocPath(isAbsolute(path) ? relative(root, path) : path),
    notes,
  };
}
