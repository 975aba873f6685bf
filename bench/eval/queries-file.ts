/**
 * Reading the evaluation query files: JSON Lines, one `{"id","text","relevant":{"<doc key>":grade}}`
 * a line. Doc keys are BEIR `_id`s or Markdown paths relative to the documents folder.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { AppError } from '../../src/core/errors.js';

/** One evaluation query with its graded relevance judgements. */
export interface EvalQuery {
  id: string;
  text: string;
  /** Document key → grade; only grades > 0 count as relevant. */
  relevant: Map<string, number>;
}

/** Calls `onLine` for every non-blank line of a (possibly large) text file, with its 1-based number. */
export async function forEachLine(file: string, onLine: (line: string, lineNumber: number) => void | Promise<void>): Promise<void> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (line.trim() !== '') await onLine(line, n);
  }
}

/** Parses one JSON line, naming the file and line when it is not valid JSON. */
export function parseJsonLine(line: string, file: string, lineNumber: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new AppError('INVALID_ARGUMENT', `${file}:${lineNumber} is not valid JSON (${(err as Error).message})`, {
      hint: 'each line must be one JSON object (JSON Lines)',
      cause: err,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AppError('INVALID_ARGUMENT', `${file}:${lineNumber} is not a JSON object`, { hint: 'each line must be one JSON object' });
  }
  return value as Record<string, unknown>;
}

/**
 * Reads a queries file. `normalizeKey` maps each relevance key to the dataset's doc key form
 * (e.g. `./a\\b.md` → `a/b.md`). Grades must be finite numbers.
 */
export async function readQueriesFile(file: string, normalizeKey: (key: string) => string = (k) => k): Promise<EvalQuery[]> {
  const queries: EvalQuery[] = [];
  const seen = new Set<string>();
  const fail = (lineNumber: number, what: string): never => {
    throw new AppError('INVALID_ARGUMENT', `${file}:${lineNumber}: ${what}`, {
      hint: 'expected {"id": "q1", "text": "query text", "relevant": {"doc key": 1}} on every line',
    });
  };
  await forEachLine(file, (line, lineNumber) => {
    const row = parseJsonLine(line, file, lineNumber);
    const id = typeof row.id === 'number' ? String(row.id) : row.id;
    if (typeof id !== 'string' || id === '') return fail(lineNumber, '"id" must be a non-empty string or number');
    if (seen.has(id)) return fail(lineNumber, `query id ${JSON.stringify(id)} appears twice`);
    seen.add(id);
    if (typeof row.text !== 'string') return fail(lineNumber, '"text" must be a string');
    const rel = row.relevant;
    if (typeof rel !== 'object' || rel === null || Array.isArray(rel)) return fail(lineNumber, '"relevant" must be an object');
    const relevant = new Map<string, number>();
    for (const [key, grade] of Object.entries(rel)) {
      if (typeof grade !== 'number' || !Number.isFinite(grade)) {
        return fail(lineNumber, `grade of ${JSON.stringify(key)} must be a number, got ${JSON.stringify(grade)}`);
      }
      relevant.set(normalizeKey(key), grade);
    }
    queries.push({ id, text: row.text, relevant });
  });
  return queries;
}

/** Relevant (grade > 0) keys of a query. */
export function relevantKeys(query: EvalQuery): string[] {
  return [...query.relevant].filter(([, grade]) => grade > 0).map(([key]) => key);
}
