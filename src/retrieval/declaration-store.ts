// The declarations store: statements without proofs (an imported Mathlib dump), kept beside the
// proof bank in its own file and never mixed with verified proofs. Searched by BM25 over the same
// Lean features as the bank's lexical stage (LexicalIndex), with this store's own statistics, on
// the text `premiseText` leaves of each `name : TYPE` line and of the query.
//
// declarations.jsonl = a header line {"oprover":"declarations","version":1}, then one
// DeclarationRecord per line. A batch is appended in one write under declarations.lock (then fsync),
// after taking in what other processes appended. A process killed mid-write leaves at most a partial
// last line: it is skipped with a warning on the next open and cut off under the lock before the
// next append, so no earlier record is ever lost. A damaged whole line elsewhere is skipped with a
// warning and left in the file.
import fs from 'node:fs';
import path from 'node:path';
import { withFileLock, makeOwnDir, type LockOptions } from '../state/file-lock';
import { declarationLine, premiseText, type DeclarationRecord } from './declarations';
import { LexicalIndex } from './lexical';
import { SerialQueue } from './serial';

export const DECLARATIONS_FILE = 'declarations.jsonl';
export const DECLARATIONS_LOCK = 'declarations.lock';
export const DECLARATIONS_VERSION = 1;
const HEADER_LINE = JSON.stringify({ oprover: 'declarations', version: DECLARATIONS_VERSION }) + '\n';
/** Lines folded into the index between two yields to the event loop, on open. */
const FOLD_SLICE = 5_000;

export interface DeclarationHit extends DeclarationRecord {
  /** BM25 score (higher is better; comparable within one query only). */
  score: number;
}

export interface DeclarationStoreOptions {
  /** fsync after each batch (default true). */
  durable?: boolean;
  log?: (message: string) => void;
  lock?: LockOptions;
}

export class DeclarationsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeclarationsFormatError';
  }
}

/** One folder's declarations. Opening reads nothing when there is no file; the first `add` creates it. */
export class DeclarationStore {
  private fd: number | undefined;
  /** File offset after the last whole line taken in. */
  private end = 0;
  private offsets: number[] = [];
  private lengths: number[] = [];
  private rowOfName = new Map<string, number>();
  private index = new LexicalIndex();
  private readonly queue = new SerialQueue();
  private closed = false;
  /** Damaged lines skipped and partial tails cut, with what a person should be told. */
  readonly report = { skippedLines: 0, lostBytes: 0, messages: [] as string[] };

  private constructor(
    readonly dir: string,
    private readonly options: DeclarationStoreOptions,
  ) {}

  get file(): string {
    return path.join(this.dir, DECLARATIONS_FILE);
  }

  /** Declarations held. */
  get size(): number {
    return this.offsets.length;
  }

  static async open(dir: string, options: DeclarationStoreOptions = {}): Promise<DeclarationStore> {
    const store = new DeclarationStore(dir, options);
    await store.attach();
    return store;
  }

  /**
   * Opens the file when it exists (another process may have created it since) and takes in its
   * lines. A file deleted or replaced since it was opened (the user dropped the declarations, or
   * imported into a fresh file) is let go and, when there is a new one, read from the start.
   */
  private async attach(): Promise<void> {
    if (this.fd !== undefined && !this.sameFile()) this.detach();
    if (this.fd !== undefined || !fs.existsSync(this.file)) return;
    this.fd = fs.openSync(this.file, 'r+');
    try {
      const partial = await this.takeIn(() => new Promise((resolve) => setImmediate(resolve)));
      if (partial > 0) this.locked(() => this.repairTail());
    } catch (error) {
      this.detach(); // a foreign or newer file: nothing of it is kept, and the descriptor is closed
      throw error;
    }
  }

  /** Whether the open descriptor is still the file at `file`. */
  private sameFile(): boolean {
    try {
      return fs.statSync(this.file).ino === fs.fstatSync(this.fd!).ino;
    } catch {
      return false;
    }
  }

  private detach(): void {
    fs.closeSync(this.fd!);
    this.fd = undefined;
    this.end = 0;
    this.offsets = [];
    this.lengths = [];
    this.rowOfName = new Map();
    this.index = new LexicalIndex();
  }

  private warn(message: string): void {
    this.report.messages.push(message);
    this.options.log?.(message);
  }

  private locked<T>(job: () => T): T {
    return withFileLock(path.join(this.dir, DECLARATIONS_LOCK), job, this.options.lock);
  }

  /** The bytes after `end`. */
  private unread(): Buffer {
    const size = fs.fstatSync(this.fd!).size;
    if (size < this.end) throw new DeclarationsFormatError(`${this.file} shrank while it was open (was it replaced?); run the import again`);
    const bytes = Buffer.alloc(size - this.end);
    let read = 0;
    while (read < bytes.length) {
      const n = fs.readSync(this.fd!, bytes, read, bytes.length - read, this.end + read);
      if (n === 0) break;
      read += n;
    }
    return bytes.subarray(0, read);
  }

  /**
   * Takes in the whole lines after `end` (yielding to the event loop every FOLD_SLICE lines when
   * `slices` is given); returns the length of a partial last line left unread, which may be another
   * process's write in progress (only `repairTail`, under the lock, judges it).
   */
  private takeIn(slices?: () => Promise<void>): number | Promise<number> {
    const bytes = this.unread();
    let at = 0;
    const step = (): boolean => {
      const newline = bytes.indexOf(10, at);
      if (newline === -1) return false;
      const offset = this.end + at;
      const line = bytes.subarray(at, newline).toString('utf8');
      at = newline + 1;
      if (offset === 0) this.checkHeader(line);
      else this.takeLine(line, offset, at - (offset - this.end));
      return true;
    };
    const finish = (): number => {
      this.end += at;
      return bytes.length - at;
    };
    if (!slices) {
      while (step());
      return finish();
    }
    return (async () => {
      for (let n = 1; step(); n++) if (n % FOLD_SLICE === 0) await slices();
      return finish();
    })();
  }

  /** Under the lock (no write can be in progress): take in others' lines, then cut a partial last line. */
  private repairTail(): void {
    const partial = this.takeIn() as number;
    if (partial === 0) return;
    if (this.end === 0) {
      // A header torn at creation: start the file again.
      fs.ftruncateSync(this.fd!, 0);
      return;
    }
    this.report.lostBytes += partial;
    this.warn(`declarations: skipped a partial last line (${partial} bytes at the end of ${DECLARATIONS_FILE}); the other ${this.size} declarations are intact`);
    fs.ftruncateSync(this.fd!, this.end);
    if (this.options.durable !== false) fs.fsyncSync(this.fd!);
  }

  private checkHeader(line: string): void {
    let header: unknown;
    try {
      header = JSON.parse(line);
    } catch {
      header = undefined;
    }
    const h = header as { oprover?: unknown; version?: unknown } | undefined;
    if (!h || h.oprover !== 'declarations' || typeof h.version !== 'number') throw new DeclarationsFormatError(`${this.file} is not an OProver declarations file; move it away and import the dump again`);
    if (h.version > DECLARATIONS_VERSION) throw new DeclarationsFormatError(`${this.file} was written by a newer version (format ${h.version}); update OProver`);
  }

  private takeLine(line: string, offset: number, length: number): void {
    let record: DeclarationRecord | undefined;
    try {
      const value = JSON.parse(line) as DeclarationRecord;
      if (typeof value?.name === 'string' && typeof value.signature === 'string') record = value;
    } catch {
      record = undefined;
    }
    if (!record) {
      this.report.skippedLines++;
      this.warn(`declarations: skipped a damaged line at byte ${offset} of ${DECLARATIONS_FILE}`);
      return;
    }
    if (this.rowOfName.has(record.name)) return; // another process stored it too
    this.rowOfName.set(record.name, this.offsets.length);
    this.offsets.push(offset);
    this.lengths.push(length);
    this.index.add(premiseText(declarationLine(record)));
  }

  /** Whether a declaration of this name is stored. */
  has(name: string): boolean {
    return this.rowOfName.has(name);
  }

  /** Store declarations whose name is new; returns how many were stored and how many were already there. */
  add(records: readonly DeclarationRecord[]): Promise<{ added: number; duplicates: number }> {
    return this.queue.run(async () => {
      if (this.closed) throw new Error('declarations store is closed');
      await this.attach();
      const fresh = this.fresh(records);
      if (fresh.length === 0) return { added: 0, duplicates: records.length };
      if (this.fd === undefined) makeOwnDir(this.dir);
      const added = this.locked(() => {
        if (this.fd === undefined) {
          this.fd = fs.openSync(this.file, fs.existsSync(this.file) ? 'r+' : 'w+');
        }
        // Lines others appended, and a torn tail cut, before this batch goes at the true end.
        this.repairTail();
        if (this.end === 0) {
          this.writeAt(Buffer.from(HEADER_LINE, 'utf8'), 0);
          this.end = Buffer.byteLength(HEADER_LINE);
        }
        const keep = fresh.filter((r) => !this.rowOfName.has(r.name));
        if (keep.length === 0) return 0;
        const lines = keep.map((r) => Buffer.from(JSON.stringify(r) + '\n', 'utf8'));
        const at = this.end;
        this.writeAt(Buffer.concat(lines), at);
        let offset = at;
        lines.forEach((line, i) => {
          this.rowOfName.set(keep[i]!.name, this.offsets.length);
          this.offsets.push(offset);
          this.lengths.push(line.length);
          this.index.add(premiseText(declarationLine(keep[i]!)));
          offset += line.length;
        });
        this.end = offset;
        return keep.length;
      });
      return { added, duplicates: records.length - added };
    });
  }

  private fresh(records: readonly DeclarationRecord[]): DeclarationRecord[] {
    const seen = new Set<string>();
    return records.filter((r) => {
      if (this.rowOfName.has(r.name) || seen.has(r.name)) return false;
      seen.add(r.name);
      return true;
    });
  }

  private writeAt(bytes: Buffer, at: number): void {
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.fd!, bytes, written, bytes.length - written, at + written);
    if (this.options.durable !== false) fs.fdatasyncSync(this.fd!);
  }

  /** The stored declaration at `row` (read from disk). */
  read(row: number): DeclarationRecord {
    const buffer = Buffer.alloc(this.lengths[row]!);
    fs.readSync(this.fd!, buffer, 0, buffer.length, this.offsets[row]!);
    return JSON.parse(buffer.toString('utf8')) as DeclarationRecord;
  }

  /** BM25 top-k declarations for a query text, leaving out `excludeName` (the target itself). */
  search(query: string, k: number, excludeName?: string): Promise<DeclarationHit[]> {
    // Through the queue, so a search never takes in lines while an add does.
    return this.queue.run(async () => {
      if (this.closed || k <= 0) return [];
      await this.attach();
      if (this.fd !== undefined) this.takeIn(); // what another process stored since
      if (this.size === 0) return [];
      const excluded = excludeName === undefined ? undefined : this.rowOfName.get(excludeName);
      return this.index.search(premiseText(query), k, excluded === undefined ? undefined : (row) => row === excluded).map(({ row, score }) => ({ ...this.read(row), score }));
    });
  }

  async close(): Promise<void> {
    await this.queue.idle();
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
