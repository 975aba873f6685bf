import { open, type FileHandle } from 'node:fs/promises';
import { AppError, errorMessage } from '../core/errors.js';
import { checkTextHeader, TEXT_HEADER_BYTES } from '../indices/text-blob.js';

/** How long a text blob the current index no longer names stays open (queries in flight may still read it). */
const RETIRE_MS = 30_000;

interface FileEntry {
  path: string;
  bytes: number;
  handle: FileHandle;
  retiredAt: number | null;
}

/**
 * Where the text blobs of an instance's index are: open files of published generations, read
 * with positional reads of just the records a query returns, or bytes not yet written (a batch
 * being published, or an index that cannot be persisted). Files are opened when a generation is
 * loaded and kept open while it is served, so garbage collection by another instance (which
 * unlinks, on POSIX) can never take a text from under a reader.
 */
export class TextStore {
  private readonly memory = new Map<string, Uint8Array>();
  private readonly files = new Map<string, FileEntry>();
  /** Blobs in memory the served index no longer names, since when. */
  private readonly retiredMemory = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  /** Bytes of a blob not (yet) on disk. */
  put(name: string, bytes: Uint8Array): void {
    if (!this.files.has(name)) this.memory.set(name, bytes);
  }

  has(name: string): boolean {
    return this.memory.has(name) || this.files.has(name);
  }

  /** The bytes of a blob held in memory, or null. */
  bytesOf(name: string): Uint8Array | null {
    return this.memory.get(name) ?? null;
  }

  /** Size of a blob in bytes, or null when unknown. */
  sizeOf(name: string): number | null {
    return this.memory.get(name)?.byteLength ?? this.files.get(name)?.bytes ?? null;
  }

  /** The file a published blob is read from, or null. */
  pathOf(name: string): string | null {
    return this.files.get(name)?.path ?? null;
  }

  /**
   * Opens the files of published blobs (already open ones are kept) and checks their headers;
   * a blob held in memory is dropped once its file is open. Throws INDEX_CORRUPT naming the file.
   */
  async openFiles(entries: readonly { name: string; path: string; bytes: number }[]): Promise<void> {
    await Promise.all(
      entries.map(async ({ name, path, bytes }) => {
        const known = this.files.get(name);
        if (known) {
          known.retiredAt = null;
          this.memory.delete(name);
          return;
        }
        let handle: FileHandle;
        try {
          handle = await open(path, 'r');
        } catch (err) {
          throw new AppError('INDEX_CORRUPT', `index file ${path} cannot be opened: ${errorMessage(err)}`, { cause: err });
        }
        try {
          const st = await handle.stat();
          if (st.size !== bytes) throw new TypeError(`it has ${st.size} bytes, the manifest says ${bytes}`);
          const header = Buffer.alloc(TEXT_HEADER_BYTES);
          await handle.read(header, 0, TEXT_HEADER_BYTES, 0);
          checkTextHeader(header);
        } catch (err) {
          await handle.close().catch(() => undefined);
          throw new AppError('INDEX_CORRUPT', `index file ${path} is damaged: ${errorMessage(err)}`, { cause: err });
        }
        if (this.closed || this.files.has(name)) {
          await handle.close();
          return;
        }
        this.files.set(name, { path, bytes, handle, retiredAt: null });
        this.memory.delete(name);
      }),
    );
  }

  /** Reads `length` bytes at `offset` of blob `name`. */
  async read(name: string, offset: number, length: number): Promise<Buffer> {
    const bytes = this.memory.get(name);
    if (bytes !== undefined) {
      if (offset + length > bytes.byteLength) throw new AppError('INDEX_CORRUPT', `a record lies outside text blob ${name}`);
      return Buffer.from(bytes.buffer, bytes.byteOffset + offset, length);
    }
    const file = this.files.get(name);
    if (file === undefined) throw new AppError('INDEX_CORRUPT', `text blob ${name} is not available`, { hint: 'rebuild the index (`mcp-markdown-ragdocs index --rebuild`)' });
    const out = Buffer.allocUnsafe(length);
    const { bytesRead } = await file.handle.read(out, 0, length, offset);
    if (bytesRead !== length) throw new AppError('INDEX_CORRUPT', `index file ${file.path} is shorter than its records`);
    return out;
  }

  /**
   * The blobs the served index names now: others are closed (or dropped from memory) after a
   * delay, since a query that started before the swap may still read them.
   */
  retain(current: ReadonlySet<string>): void {
    const now = Date.now();
    for (const [name, file] of this.files) {
      if (current.has(name)) file.retiredAt = null;
      else file.retiredAt ??= now;
    }
    for (const name of this.memory.keys()) if (!current.has(name) && !this.files.has(name)) this.retiredMemory.set(name, this.retiredMemory.get(name) ?? now);
    for (const name of current) this.retiredMemory.delete(name);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.sweep(Date.now());
    }, RETIRE_MS);
    this.timer.unref();
  }

  private sweep(now: number): void {
    let waiting = false;
    for (const [name, file] of this.files) {
      if (file.retiredAt === null) continue;
      if (now - file.retiredAt >= RETIRE_MS) {
        this.files.delete(name);
        void file.handle.close().catch(() => undefined);
      } else waiting = true;
    }
    for (const [name, since] of this.retiredMemory) {
      if (now - since >= RETIRE_MS) {
        this.retiredMemory.delete(name);
        this.memory.delete(name);
      } else waiting = true;
    }
    if (waiting) this.schedule();
  }

  /** Open files (for tests and status). */
  get openFileCount(): number {
    return this.files.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const files = [...this.files.values()];
    this.files.clear();
    this.memory.clear();
    await Promise.all(files.map((f) => f.handle.close().catch(() => undefined)));
  }
}
