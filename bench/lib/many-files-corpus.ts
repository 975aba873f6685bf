/**
 * A folder of many small Markdown notes (issue 12 item 6, "100,000 small files"), shared by
 * `bench/many-files.ts` and the scaled-down `tests/e2e/many-files.test.ts`: one short note per
 * file (an H1 and one or two paragraphs of the synthetic language, 200–900 bytes), with relative
 * links and [[wikilinks]] to nearby notes, tags in front matter on some, and one unique token
 * each, in nested folders of 100 files (`area-A/topic-T/`, plus a third level on some).
 * The same seed always gives the same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { makeParagraph, type BlockContext, type LinkTargets } from '../corpus/markdown-blocks.js';
import { createVocabulary } from '../corpus/vocabulary.js';
import { createRandom } from './random.js';

export interface ManyFiles {
  files: number;
  /** Folders below `dir`, at every level. */
  folders: number;
  bytes: number;
  /** The path and unique token of every 1,000th file (for queries that have one right answer). */
  probes: { path: string; token: string }[];
}

const PER_FOLDER = 100;

/** The relative path of note `i` (`/`-separated). */
export function manyFilesPath(i: number): string {
  const folder = Math.floor(i / PER_FOLDER);
  const deep = folder % 7 === 3 ? `/sub-${folder % 3}` : '';
  return `area-${folder % 20}/topic-${Math.floor(folder / 20)}${deep}/note-${i}.md`;
}

/** The unique token of note `i`: `zq` + letters (the vocabulary never starts a word with `zq`). */
export function manyFilesToken(i: number): string {
  let out = '';
  for (let k = 0, v = i; k < 5; k++, v = Math.floor(v / 26)) out = String.fromCharCode(97 + (v % 26)) + out;
  return `zq${out}m`;
}

export function writeManyFiles(dir: string, count: number, seed = 1): ManyFiles {
  const random = createRandom(seed);
  const vocab = createVocabulary();
  const made = new Set<string>();
  let bytes = 0;
  const probes: ManyFiles['probes'] = [];
  for (let i = 0; i < count; i++) {
    const path = manyFilesPath(i);
    const near = (): number => Math.max(0, Math.min(count - 1, i + random.int(-50, 50)));
    const links: LinkTargets = {
      inline: () => {
        const j = near();
        return j === i ? null : { href: posix.relative(posix.dirname(path), manyFilesPath(j)), text: `note ${j}` };
      },
      wiki: () => {
        const j = near();
        return j === i ? null : { target: `note-${j}` };
      },
    };
    const ctx: BlockContext = { random, vocab, links };
    const title = `${vocab.drawTopical(random)} ${vocab.drawTopical(random)} ${i}`;
    const front = random.chance(0.3) ? `---\ntags: [${vocab.drawTopical(random)}, ${vocab.drawTopical(random)}]\n---\n` : '';
    const paragraphs = [makeParagraph(ctx, 500), ...(random.chance(0.5) ? [makeParagraph(ctx, 300)] : [])];
    const token = manyFilesToken(i);
    const text = `${front}# ${title}\n\n${paragraphs.join('\n\n')} The ${token} marker identifies this note.\n`;
    const folder = posix.dirname(path);
    if (!made.has(folder)) {
      mkdirSync(join(dir, ...folder.split('/')), { recursive: true });
      for (let f = folder; f !== '.' && !made.has(f); f = posix.dirname(f)) made.add(f);
    }
    writeFileSync(join(dir, ...path.split('/')), text);
    bytes += Buffer.byteLength(text);
    if (i % 1000 === 0) probes.push({ path, token });
  }
  return { files: count, folders: made.size, bytes, probes };
}
