/**
 * A folder of Markdown pages written the way a notes vault or a project's docs/ is (front matter
 * tags, wikilinks, subfolders), with the test's own record of what each file holds and of every
 * chunk content it ever held, so an end-to-end test under churn knows what the servers should
 * answer and how many embeddings that churn called for.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseDocument } from '../../src/markdown/index.js';

/** The chunking defaults (chunking.min_chars / max_chars): the servers under test use them. */
const CHUNKING = { minChars: 200, maxChars: 1500 };

export interface VaultPage {
  title: string;
  /** What the page is about, in the words of its folder. */
  topic: string;
  revision: number;
  /** A word no other file holds, or null. */
  token: string | null;
  /** Link targets as written in [[…]], resolved by the server within this folder. */
  links: string[];
}

export class Vault {
  readonly pages = new Map<string, VaultPage>();
  /** What each file holds on disk (a moved file keeps the text rendered for its old path). */
  private readonly texts = new Map<string, string>();
  /** sha256 of every chunk (heading path + content) any version of any file had: what needed embedding once. */
  readonly chunkHashes = new Set<string>();
  private saves = 0;

  constructor(
    readonly root: string,
    /** Words of the tag every page carries (the collection's name in the test). */
    readonly tag: string,
  ) {
    mkdirSync(root, { recursive: true });
  }

  /** Writes `page` at `path`, directly or as an editor's atomic save (temp file beside it, then one rename over it). */
  write(path: string, page: VaultPage, atomic = false): void {
    const file = join(this.root, path);
    mkdirSync(dirname(file), { recursive: true });
    const text = this.render(path, page);
    this.pages.set(path, page);
    this.texts.set(path, text);
    this.record(path, text);
    if (!atomic) return writeFileSync(file, text);
    const temp = `${file}.tmp-${this.saves++}`;
    writeFileSync(temp, text);
    renameSync(temp, file);
  }

  rename(from: string, to: string): void {
    const page = this.pages.get(from);
    const text = this.texts.get(from);
    if (page === undefined || text === undefined) throw new Error(`no page ${from}`);
    mkdirSync(dirname(join(this.root, to)), { recursive: true });
    renameSync(join(this.root, from), join(this.root, to));
    this.pages.delete(from);
    this.texts.delete(from);
    this.pages.set(to, page);
    this.texts.set(to, text);
    this.record(to, text);
  }

  /** Renames a whole folder (relative, not the root), as a file manager does; returns where each page went. */
  moveFolder(from: string, to: string): Map<string, string> {
    renameSync(join(this.root, from), join(this.root, to));
    const moved = new Map<string, string>();
    for (const path of [...this.pages.keys()]) {
      if (!path.startsWith(`${from}/`)) continue;
      const next = `${to}${path.slice(from.length)}`;
      moved.set(path, next);
      this.pages.set(next, this.pages.get(path) as VaultPage);
      this.texts.set(next, this.texts.get(path) as string);
      this.pages.delete(path);
      this.texts.delete(path);
    }
    return moved;
  }

  remove(path: string): void {
    rmSync(join(this.root, path));
    this.pages.delete(path);
    this.texts.delete(path);
  }

  /** Markdown files on disk, relative and sorted. */
  filesOnDisk(): string[] {
    return (readdirSync(this.root, { recursive: true }) as string[])
      .map((f) => f.split('\\').join('/'))
      .filter((f) => f.endsWith('.md'))
      .sort();
  }

  /** Distinct chunk contents the folder holds now. */
  liveChunkHashes(): Set<string> {
    const live = new Set<string>();
    for (const [path, text] of this.texts) for (const c of parseDocument(path, text, CHUNKING).chunks) live.add(c.hash);
    return live;
  }

  render(path: string, page: VaultPage): string {
    const folder = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : 'top';
    const [first, ...others] = page.links;
    const related = [first === undefined ? '' : `See [[${first}]]`, ...others.map((l) => `[[${l}|${l.replace(/^.*\//, '')} page]]`)].filter((s) => s !== '');
    return [
      '---',
      `tags: [${this.tag}, ${folder.replace(/\//g, '-')}]`,
      '---',
      `# ${page.title}`,
      '',
      `${page.topic} This is revision ${page.revision} of the ${page.title.toLowerCase()} page, kept with the other pages of this folder.`,
      '',
      page.token === null ? 'Nothing unusual needs remembering on this page.' : `Remember the ${page.token} setting before going further.`,
      '',
      '## Related',
      '',
      `${related.join(', ')}.`,
      '',
    ].join('\n');
  }

  private record(path: string, text: string): void {
    for (const c of parseDocument(path, text, CHUNKING).chunks) this.chunkHashes.add(c.hash);
  }
}
