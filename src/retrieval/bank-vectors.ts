// The rows of a bank's vector file (`vectors.bin`: a header, then one f32 row per record) and the
// part of them kept in memory. A small bank keeps every row in memory for exact search. A large one
// keeps only the rows its approximate index does not cover (those stored since the index was
// built): the index finds candidates from its own int8 codes, and the candidates' exact rows are
// read from the file for re-ranking, so memory does not grow by 512 bytes for every stored proof.
import fs from 'node:fs';
import type { VectorSource } from './ann';
import { BankFormatError, VEC_HEADER_BYTES } from './bank-format';
import { topKByLoop, VectorIndex, type ScoredRow } from './search';


/** Bytes read from the file by one call. */
const READ_STEP_BYTES = 1 << 30;
/** Rows read per step when searching rows that are not in memory. */
const DISK_SCAN_ROWS = 16_384;

export class BankVectors {
  /** Rows [firstResident, count), in memory. */
  private resident: VectorIndex;
  private firstResidentRow = 0;
  private rows = 0;
  private readonly rowBytes: number;
  private readonly scratch: Float32Array;

  constructor(
    private readonly fd: number,
    readonly dim: number,
    /** The file's path, for messages. */
    private readonly file: string,
    /** Rows held in memory at most: past it every row stays in the file (read in steps). */
    private readonly maxResidentRows = Infinity,
  ) {
    this.resident = new VectorIndex(dim);
    this.rowBytes = dim * 4;
    this.scratch = new Float32Array(dim);
  }

  /** Rows stored (in memory or not). */
  get count(): number {
    return this.rows;
  }

  /** The first row kept in memory; rows before it are read from the file when needed. */
  get firstResident(): number {
    return this.firstResidentRow;
  }

  /** Rows held in memory. */
  get residentRows(): number {
    return this.rows - this.firstResidentRow;
  }

  /** Room for `rows` rows in memory (when they will be loaded). */
  reserve(rows: number): void {
    const resident = Math.max(0, rows - this.firstResidentRow);
    if (resident <= this.maxResidentRows) this.resident.reserve(resident);
  }

  /** On opening: rows [0, rows) exist in the file and stay there (an approximate index covers them). */
  startOnDisk(rows: number): void {
    if (this.rows !== 0) throw new Error('BankVectors.startOnDisk: rows are already loaded');
    this.rows = rows;
    this.firstResidentRow = rows;
  }

  /** Reads rows [count, to) of the file into memory. */
  load(to: number): void {
    if (to <= this.rows) return;
    if (to - this.firstResidentRow > this.maxResidentRows) return this.leaveInFile(to);
    const buffer = this.readRows(this.rows, to);
    this.resident.appendPacked(new Float32Array(buffer.buffer, buffer.byteOffset, buffer.byteLength / 4));
    this.rows = to;
  }

  /** Writes rows after the last one (not synced) and keeps them. */
  append(vectors: Float32Array): void {
    this.write(vectors);
    this.keep(vectors);
  }

  /**
   * Writes rows after the last one (not synced) without counting them yet: a batch's records are
   * written after its vectors, and the rows count once the records are stored (`keep`).
   */
  write(vectors: Float32Array): void {
    const bytes = Buffer.from(vectors.buffer, vectors.byteOffset, vectors.byteLength);
    const at = VEC_HEADER_BYTES + this.rows * this.rowBytes;
    let written = 0;
    while (written < bytes.length) written += fs.writeSync(this.fd, bytes, written, bytes.length - written, at + written);
  }

  /** Counts rows just written (`write`) and keeps them in memory. */
  keep(vectors: Float32Array): void {
    this.resident.appendPacked(vectors);
    this.rows += vectors.length / this.dim;
    if (this.residentRows > this.maxResidentRows) this.leaveInFile(this.rows);
  }

  /**
   * More rows than memory may hold: rows [0, to) all stay in the file from now on (they are all
   * written there). Exact search reads them in steps until an approximate index covers them.
   */
  private leaveInFile(to: number): void {
    const old = this.resident;
    this.resident = new VectorIndex(this.dim);
    this.rows = to;
    this.firstResidentRow = to;
    void old.dispose();
  }

  /** Row `row`: a view into memory, or read from the file into a buffer reused by the next call. */
  row(row: number): Float32Array {
    if (row >= this.firstResidentRow) {
      const at = (row - this.firstResidentRow) * this.dim;
      return this.resident.vectors.subarray(at, at + this.dim);
    }
    const bytes = new Uint8Array(this.scratch.buffer);
    if (fs.readSync(this.fd, bytes, 0, this.rowBytes, VEC_HEADER_BYTES + row * this.rowBytes) !== this.rowBytes) {
      throw new BankFormatError(`${this.file} ended before row ${row}; reopen the memory bank`);
    }
    return this.scratch;
  }

  /** Rows [from, to) as one packed array, from memory or the file (to build the approximate index). */
  readonly source: VectorSource = (from, to) => {
    if (from >= this.firstResidentRow) return this.resident.vectors.slice((from - this.firstResidentRow) * this.dim, (to - this.firstResidentRow) * this.dim);
    const out = new Float32Array((to - from) * this.dim);
    const split = Math.min(to, this.firstResidentRow);
    const disk = this.readRows(from, split);
    out.set(new Float32Array(disk.buffer, disk.byteOffset, disk.byteLength / 4));
    if (to > split) out.set(this.resident.vectors.subarray(0, (to - split) * this.dim), (split - from) * this.dim);
    return out;
  };

  /**
   * Stop keeping rows before `row` in memory (an approximate index now covers them). The rows after
   * it are copied into a new block, so the old one is freed.
   */
  async release(row: number): Promise<void> {
    const upTo = Math.min(row, this.rows);
    if (upTo <= this.firstResidentRow) return;
    const keep = this.resident.vectors.slice((upTo - this.firstResidentRow) * this.dim);
    const next = new VectorIndex(this.dim, Math.max(1024, keep.length / this.dim));
    next.appendPacked(keep);
    const old = this.resident;
    this.resident = next;
    this.firstResidentRow = upTo;
    await old.dispose();
  }

  /** Exact top-k over every row, best first, skipping excluded rows. */
  async search(query: Float32Array, k: number, excluded?: { test: (row: number) => boolean; count: number }): Promise<ScoredRow[]> {
    // All in memory: the resident index (onnxruntime from 1,000 rows on). Else some rows are only in
    // the file (the approximate index is being rebuilt), and they are scanned from it.
    if (this.firstResidentRow === 0) return this.resident.search(query, k, excluded);
    return this.tail(0, query, k, excluded?.test);
  }

  /** Exact top-k over rows [from, count): those in memory, and those before it read from the file in steps. */
  tail(from: number, query: Float32Array, k: number, excluded?: (row: number) => boolean): ScoredRow[] {
    const scan = (rows: Float32Array, first: number, count: number): ScoredRow[] =>
      topKByLoop(rows, this.dim, count, query, k, excluded && ((r) => excluded(r + first))).map((r) => ({ row: r.row + first, score: r.score }));
    const start = Math.max(from, this.firstResidentRow);
    let best = scan(this.resident.vectors.subarray((start - this.firstResidentRow) * this.dim), start, this.rows - start);
    for (let at = from; at < start; at += DISK_SCAN_ROWS) {
      const to = Math.min(start, at + DISK_SCAN_ROWS);
      best = [...best, ...scan(this.source(at, to), at, to - at)].sort((a, b) => b.score - a.score || a.row - b.row).slice(0, k);
    }
    return best;
  }

  async dispose(): Promise<void> {
    await this.resident.dispose();
  }

  private readRows(from: number, to: number): Buffer {
    const buffer = Buffer.alloc((to - from) * this.rowBytes);
    let read = 0;
    while (read < buffer.length) {
      // One read takes at most READ_STEP_BYTES (a read's length must fit in 31 bits).
      const n = fs.readSync(this.fd, buffer, read, Math.min(READ_STEP_BYTES, buffer.length - read), VEC_HEADER_BYTES + from * this.rowBytes + read);
      if (n === 0) throw new BankFormatError(`${this.file} ended early; reopen the memory bank`);
      read += n;
    }
    return buffer;
  }
}
