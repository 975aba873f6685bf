import assert from 'node:assert/strict';
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../../src/core/errors.js';
import { normalizeDocPath } from '../../src/core/paths.js';
import { readDocumentFile, readDocumentFileSync, type ReadDocument } from '../../src/indexing/read-file.js';
import { makeTempDir } from '../helpers/paths.js';

/**
 * No input reaches outside the documents root: any string is either refused or read from a
 * file whose real path is inside the root, with symlinks in the root that point outside it.
 */

const SECRET = 'outside the root: must never be read';
/** `path.relative(root, x)` names a place under the root (a segment called `.. ` is a name, not a climb). */
function isUnder(rel: string): boolean {
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

let tmp: { dir: string; cleanup: () => void };
let root: string;

before(() => {
  tmp = makeTempDir('ragdocs-fuzz-paths-');
  const base = realpathSync(tmp.dir);
  root = join(base, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'secret.md'), SECRET);
  writeFileSync(join(base, 'secret.md'), SECRET);
  writeFileSync(join(root, 'a.md'), '# A\n');
  writeFileSync(join(root, 'sub', 'b.md'), '# B\n');
  symlinkSync(join(base, 'outside'), join(root, 'link-out'));
  symlinkSync('../outside/secret.md', join(root, 'link-file.md'));
  symlinkSync('../../secret.md', join(root, 'sub', 'up.md'));
  symlinkSync('/etc', join(root, 'link-abs'));
  symlinkSync('sub', join(root, 'link-in'));
  symlinkSync('loop', join(root, 'loop'));
});
after(() => tmp.cleanup());

const SEGMENTS = ['..', '..', '.', '', 'sub', 'a.md', 'b.md', 'up.md', 'link-out', 'link-file.md', 'link-abs', 'link-in', 'loop', 'secret.md', 'outside', 'root', 'passwd', '\0', 'C:', 'c:', '~', '%2e%2e', ' .. ', '..\\..', '...', '\u2025', '．．'];

const docPathInput = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '', '/', '\\', '//', '\\\\', 'C:\\', 'c:/', ' ', './'),
        fc.array(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SEGMENTS) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) }), { maxLength: 8, size: 'max' }),
        fc.array(fc.constantFrom('/', '\\', '//'), { minLength: 8, maxLength: 8 }),
      )
      .map(([prefix, segments, seps]) => prefix + segments.map((s, i) => (i === 0 ? s : (seps[i] ?? '/') + s)).join('')),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);

/** The read succeeded: the file it read must really be inside the root, and not the secret. */
function assertInside(docPath: string, read: ReadDocument): void {
  const real = realpathSync(join(root, ...docPath.split('/')));
  const rel = relative(root, real);
  assert.ok(rel !== '' && isUnder(rel), `${JSON.stringify(docPath)} read ${real}, outside ${root}`);
  assert.notEqual(read.text, SECRET);
}

/** What the reads came to, so a run that never reads or never meets an escape fails. */
const outcomes = new Map<string, number>();

async function readOrRefuse(docPath: string): Promise<void> {
  let read: ReadDocument | undefined;
  try {
    read = await readDocumentFile(root, docPath, 1024 * 1024);
    outcomes.set('read', (outcomes.get('read') ?? 0) + 1);
  } catch (err) {
    assert.ok(isAppError(err), `${JSON.stringify(docPath)}: expected an AppError, got ${String(err)}`);
    outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1);
  }
  let readSync: ReadDocument | undefined;
  try {
    readSync = readDocumentFileSync(root, docPath, 1024 * 1024);
  } catch (err) {
    assert.ok(isAppError(err), `${JSON.stringify(docPath)} (sync): expected an AppError, got ${String(err)}`);
  }
  assert.equal(readSync?.text, read?.text, 'the sync and async readers disagree');
  if (read !== undefined) assertInside(docPath, read);
}

describe('fuzz: path resolution never leaves the documents root', () => {
  test('normalizeDocPath: refused, or a relative path without "..", "." or empty segments that stays under the root', () => {
    fc.assert(
      fc.property(docPathInput, (input) => {
        const normalized = normalizeDocPath(input);
        if (normalized === null) return;
        const segments = normalized.split('/');
        assert.ok(!segments.some((s) => s === '..' || s === '.' || s === ''), JSON.stringify(normalized));
        assert.ok(!normalized.includes('\\') && !normalized.includes('\0') && !isAbsolute(normalized), JSON.stringify(normalized));
        const rel = relative(root, join(root, normalized));
        assert.ok(isUnder(rel), `${JSON.stringify(input)} → ${rel}`);
      }),
      { seed: 1208, numRuns: 2000 },
    );
  });

  test('normalizeDocPath then readDocumentFile: refused with an AppError, or a file whose real path is inside the root', async () => {
    await fc.assert(
      fc.asyncProperty(docPathInput, async (input) => {
        const normalized = normalizeDocPath(input);
        if (normalized !== null) await readOrRefuse(normalized);
      }),
      { seed: 1209, numRuns: 600 },
    );
  });

  test('readDocumentFile alone, on raw input (a caller that forgot to normalize): still never outside the root', async () => {
    await fc.assert(
      fc.asyncProperty(docPathInput, async (input) => readOrRefuse(input)),
      { seed: 1210, numRuns: 600 },
    );
    for (const outcome of ['read', 'NOT_FOUND', 'PATH_OUTSIDE_ROOT', 'FILE_UNREADABLE']) {
      assert.ok((outcomes.get(outcome) ?? 0) > 0, `no input ended in ${outcome}: ${JSON.stringify([...outcomes])}`);
    }
  });

  test('the fixture has escapes to catch: the symlinks really point outside', () => {
    for (const escape of ['link-file.md', 'link-out/secret.md', 'sub/up.md', 'link-abs']) {
      assert.ok(!isUnder(relative(root, realpathSync(join(root, escape)))), escape);
    }
  });
});
