/**
 * The docs folder side of the soak (issue 12 item 4): a seeded churn of creates, edits, editors'
 * atomic saves, renames, deletes and bursts of 200 files, with a model of what is on disk (each
 * file's current unique token) so every file can be checked against every instance afterwards.
 * Every file is one short paragraph, so one content version is one chunk to embed.
 */
import { mkdirSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Random } from './random.js';

export interface ChurnCounts {
  creates: number;
  edits: number;
  atomicSaves: number;
  renames: number;
  deletes: number;
  bursts: number;
  burstDeletes: number;
  /** Content versions written (creates, edits, saves, burst files): each needed one embedding. */
  contentsWritten: number;
}

export class SoakFolder {
  /** Relative path → the unique token its current content holds. */
  readonly files = new Map<string, string>();
  readonly counts: ChurnCounts = { creates: 0, edits: 0, atomicSaves: 0, renames: 0, deletes: 0, bursts: 0, burstDeletes: 0, contentsWritten: 0 };
  private serial = 0;
  private bursts: string[] = [];

  constructor(readonly root: string, private readonly random: Random, private readonly maxFiles: number) {
    mkdirSync(root, { recursive: true });
  }

  /** Plain letters and digits, one token for every tokenizer: unique to one content version. */
  private nextToken(): string {
    return `soak${++this.serial}v${this.random.int(100, 999)}q`;
  }

  private content(path: string, token: string): string {
    return `# ${path}\n\nThis page carries ${token} and a few common words about the soak folder.\n`;
  }

  private write(path: string, token = this.nextToken()): void {
    const full = join(this.root, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, this.content(path, token));
    this.files.set(path, token);
    this.counts.contentsWritten++;
  }

  private newPath(): string {
    const dir = this.random.pick(['', 'guides/', 'notes/', 'deep/a/b/']);
    return `${dir}page-${this.serial + 1}-${this.random.int(0, 9999)}.md`;
  }

  private anyFile(): string | undefined {
    if (this.files.size === 0) return undefined;
    // Sampling a Map by index: cheap enough at a few thousand files.
    const i = this.random.int(0, this.files.size - 1);
    let k = 0;
    for (const path of this.files.keys()) if (k++ === i) return path;
    return undefined;
  }

  seed(count: number): void {
    for (let i = 0; i < count; i++) this.write(`seed/seed-${i}.md`);
  }

  /** One random change; returns its name. */
  step(): string {
    const full = this.files.size >= this.maxFiles;
    const r = this.random.next();
    const path = this.anyFile();
    if (r < 0.015 && !full) return this.burst();
    if (r < 0.025 && this.bursts.length > 0) return this.burstDelete();
    if (path === undefined || (r < 0.3 && !full)) {
      this.write(this.newPath());
      this.counts.creates++;
      return 'create';
    }
    if (r < 0.5) {
      this.write(path);
      this.counts.edits++;
      return 'edit';
    }
    if (r < 0.68) return this.atomicSave(path);
    if (r < 0.82) {
      const to = this.newPath();
      mkdirSync(dirname(join(this.root, to)), { recursive: true });
      renameSync(join(this.root, path), join(this.root, to));
      this.files.set(to, this.files.get(path) as string);
      this.files.delete(path);
      this.counts.renames++;
      return 'rename';
    }
    unlinkSync(join(this.root, path));
    this.files.delete(path);
    this.counts.deletes++;
    return 'delete';
  }

  /** Editors' saves: a temp file renamed over the file (VS Code, JetBrains), or vim's backup-then-write. */
  private atomicSave(path: string): string {
    const full = join(this.root, path);
    const token = this.nextToken();
    if (this.random.chance(0.5)) {
      const tmp = `${full}.tmp-${this.serial}`;
      writeFileSync(tmp, this.content(path, token));
      renameSync(tmp, full);
    } else {
      renameSync(full, `${full}~`);
      writeFileSync(full, this.content(path, token));
      unlinkSync(`${full}~`);
    }
    this.files.set(path, token);
    this.counts.contentsWritten++;
    this.counts.atomicSaves++;
    return 'atomic-save';
  }

  private burst(): string {
    const dir = `burst-${this.serial + 1}`;
    for (let i = 0; i < 200; i++) this.write(`${dir}/b-${i}.md`);
    this.bursts.push(dir);
    this.counts.bursts++;
    return 'burst';
  }

  private burstDelete(): string {
    const dir = this.bursts.splice(this.random.int(0, this.bursts.length - 1), 1)[0] as string;
    rmSync(join(this.root, dir), { recursive: true, force: true });
    for (const path of [...this.files.keys()]) if (path.startsWith(`${dir}/`)) this.files.delete(path);
    this.counts.burstDeletes++;
    return 'burst-delete';
  }

  /** Markdown files actually on disk (the model is checked against this before the final check). */
  onDisk(): string[] {
    return (readdirSync(this.root, { recursive: true }) as string[])
      .map((p) => p.split('\\').join('/'))
      .filter((p) => p.endsWith('.md'))
      .sort();
  }
}
