import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { generateCorpus, type GeneratedCorpus } from '../../bench/generate-corpus.js';
import { makeTempDir } from '../helpers/paths.js';

function listFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

function digest(root: string): string {
  const hash = createHash('sha256');
  for (const file of listFiles(root)) hash.update(file).update('\0').update(readFileSync(join(root, file))).update('\0');
  return hash.digest('hex');
}

/** Sections of a file: split at ATX headings outside code fences, front matter removed. */
function sections(text: string): string[] {
  const body = text.replace(/^---\n[\s\S]*?\n---\n/, '');
  const out: string[] = [];
  let current: string[] = [];
  let inFence = false;
  for (const line of body.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    if (!inFence && /^#{1,6} /.test(line) && current.some((l) => l.trim() !== '')) {
      out.push(current.join('\n').trim());
      current = [];
    }
    current.push(line);
  }
  if (current.some((l) => l.trim() !== '')) out.push(current.join('\n').trim());
  return out;
}

describe('generateCorpus', () => {
  let tmp: { dir: string; cleanup: () => void };
  let first: GeneratedCorpus;
  before(async () => {
    tmp = makeTempDir('ragdocs-gen-');
    first = await generateCorpus({ outDir: join(tmp.dir, 'a'), targetChunks: 300, seed: 42 });
  });
  after(() => tmp.cleanup());

  test('the same seed gives byte-identical output, another seed does not', async () => {
    const again = await generateCorpus({ outDir: join(tmp.dir, 'b'), targetChunks: 300, seed: 42 });
    const other = await generateCorpus({ outDir: join(tmp.dir, 'c'), targetChunks: 300, seed: 43 });
    assert.equal(digest(join(tmp.dir, 'b')), digest(join(tmp.dir, 'a')));
    assert.deepEqual([...again.uniqueTokens], [...first.uniqueTokens]);
    assert.notEqual(digest(join(tmp.dir, 'c')), digest(join(tmp.dir, 'a')));
    assert.notDeepEqual([...other.uniqueTokens.values()], [...first.uniqueTokens.values()]);
  });

  test('has about the requested number of sections, each 300–1,500 characters', () => {
    const files = listFiles(join(tmp.dir, 'a'));
    assert.equal(files.length, first.files);
    const all = files.flatMap((f) => sections(readFileSync(join(tmp.dir, 'a', f), 'utf8')));
    assert.equal(all.length, first.approxChunks);
    assert.ok(Math.abs(first.approxChunks - 300) <= 30, `approxChunks ${first.approxChunks}`);
    const outOfRange = all.filter((s) => s.length < 250 || s.length > 1600);
    assert.ok(outOfRange.length <= all.length * 0.02, `${outOfRange.length} sections out of range`);
  });

  test('each unique token occurs in its own file only', () => {
    const root = join(tmp.dir, 'a');
    const texts = new Map(listFiles(root).map((f) => [f, readFileSync(join(root, f), 'utf8')]));
    assert.equal(first.uniqueTokens.size, first.files);
    for (const [path, token] of first.uniqueTokens) {
      const holders = [...texts].filter(([, text]) => text.includes(token)).map(([p]) => p);
      assert.deepEqual(holders, [path], token);
    }
  });

  test('writes front matter, nested headings, code, links and wikilinks', () => {
    const root = join(tmp.dir, 'a');
    const all = listFiles(root).map((f) => readFileSync(join(root, f), 'utf8')).join('\n');
    assert.match(all, /^---\ntitle: ".+"\ntags: \[.+\]\n---\n\n# /m);
    assert.match(all, /^### /m);
    assert.match(all, /^```(ts|bash|json|python|yaml)$/m);
    assert.match(all, /\]\((\.\.\/)*[\w/-]+\.md\)/);
    assert.match(all, /\[\[[\w-]+(\|[^\]]+)?\]\]/);
    assert.match(all, /^\| .+ \|$/m);
  });

  test('refuses a folder that is not empty', async () => {
    await assert.rejects(generateCorpus({ outDir: join(tmp.dir, 'a'), targetChunks: 10 }), /not empty/);
  });
});
