// The on-disk proof bank of one workspace: an append-only record log plus a vector file.
//
// The files' formats are in bank-format.ts (records.log: framed JSON records with CRC-32;
// vectors.bin: a header, then one f32 row per record, in order). Beside them, rows.bin keeps the
// row table (bank-rows.ts) so that an opening reads only the records appended since; the log stays
// the truth, and the log is scanned a chunk at a time (a large bank's log outgrows one Buffer).
//
// A batch is appended vectors first, then records, in one write each. A process killed mid-write
// therefore leaves at most a torn last record (detected by its length or CRC, truncated and
// reported on the next open) and perhaps vector rows without records (cut back to the record count).
// A vector file written by another embedder (fingerprint or width differs) is rebuilt from the log.
// Removal is a tombstone record ({forget: [ids]}, no vector row): the rows stay but are never returned.
//
// Several processes may hold the same bank (a window and the CLI on one project). Every write, and
// every repair of a torn tail, happens under bank.lock; a writer first reads what others appended
// since it last looked (records and their vector rows), so it appends at the true end and never
// stores a proof twice. A search picks up others' complete records without taking the lock.
import { constants as bufferConstants } from 'node:buffer';
import fs from 'node:fs';
import path from 'node:path';
import type { VerifiedProof } from '../core/types';
import { acquireFileLock, makeOwnDir, withFileLock, type LockOptions } from '../state/file-lock';
import type { Embedder } from './embedder';
import { hashFeature } from './lean-features';
import { IvfIndex, buildIvf } from './ann';
import { contentHash } from './embedder';
import type { ScoredRow } from './search';
import { BankVectors } from './bank-vectors';
import { loadRowTable, ROWS_FILE, saveRowTable } from './bank-rows';
import { IdIndex } from './id-index';
import { BANK_VERSION, BankFormatError, dedupKey, encodeRecord, frames, LOCK_FILE, LOG_HEADER_BYTES, LOG_MAGIC, RECORD_HEADER_BYTES, RECORDS_FILE, vectorHeader, VEC_HEADER_BYTES, VECTORS_FILE, type BankRecord, type Frame } from './bank-format';
import { SerialQueue } from './serial';

export { BANK_VERSION, crc32, crc32Table, dedupKey, LOCK_FILE, normalizeProof, RECORDS_FILE, VECTORS_FILE, type BankRecord } from './bank-format';
export { BankFormatError };


export interface OpenReport {
  records: number;
  /** Records cut off the end of the log because they were torn or failed their checksum. */
  lostRecords: number;
  lostBytes: number;
  /** Vectors recomputed on open (a new embedder, or rows missing). */
  reembedded: number;
  /** What a person should be told, when anything was repaired. */
  message?: string;
}

export interface AddResult {
  added: number;
  duplicates: number;
}

export interface BankOptions {
  /** fsync both files after each batch (power-loss safety); default true. */
  durable?: boolean;
  log?: (message: string) => void;
  /** Called just before a batch's records are written (the crash test kills the process here). */
  beforeRecordWrite?: (records: number) => void;
  /** Waiting for another process's write (default: file-lock's). */
  lock?: LockOptions;
  /** From this many stored proofs on, search goes through the approximate index (default ANN_MIN_ROWS). */
  annMinRows?: number;
  /** Rows read from the log at opening, or added since, from which the row table is saved (default ROWS_SAVE_ROWS). */
  rowTableMinRows?: number;
  /** Bytes of the log read at a time when scanning it (default LOG_CHUNK_BYTES). */
  logChunkBytes?: number;
  /** Vector rows held in memory at most (default VECTORS_IN_MEMORY_MAX_ROWS); past it they stay in the file (bank-vectors.ts). */
  vectorsInMemoryMaxRows?: number;
}

/** Stored proofs from which search uses the approximate index (below it exact search is fast enough). */
export const ANN_MIN_ROWS = 50_000;
/** Vector rows (512 bytes each at the built-in model's width) a bank holds in memory at most: the rows no approximate index covers, up to this many. */
export const VECTORS_IN_MEMORY_MAX_ROWS = 1_000_000;
/** Rows read from the log (at opening) or added since the row table was saved that make it worth saving again. */
export const ROWS_SAVE_ROWS = 20_000;
/** The log is scanned this many bytes at a time (a log of millions of proofs is larger than a Buffer may be). */
export const LOG_CHUNK_BYTES = 64 * 1024 * 1024;
/** A frame longer than one Buffer can hold cannot be read (nor have been written): damage. */
const MAX_FRAME_BYTES = bufferConstants.MAX_LENGTH;
/** The approximate index is rebuilt (in the background) once it covers less than this share of the rows. */
const ANN_STALE_SHARE = 0.9;


/** One workspace's bank. Create with `ProofBank.open`; all writes go through one queue. */
export class ProofBank {
  private readonly offsets: number[] = [];
  private readonly lengths: number[] = [];
  private readonly nameHashes: number[] = [];
  private readonly fileIds: number[] = [];
  private readonly fileIdOf = new Map<string, number>();
  /** Files that have (or had) workspace records: what a re-index may have to clear. */
  private readonly workspaceFileSet = new Set<string>();
  /** Live records by id (dedup and removal); removed rows are in `deleted`. */
  private readonly rowOfId = new IdIndex();
  private readonly deleted = new Set<number>();
  private logEnd = LOG_HEADER_BYTES;
  /** Rows the saved row table covers (or covered when this process last saved or read it). */
  private rowsSavedAt = 0;
  /** Whether the index holds a vector for every tracked record (false while the bank opens). */
  private vectorsLoaded = false;
  private readonly queue = new SerialQueue();
  private closed = false;
  /** The approximate index over rows [0, ann.rows) and a rebuild under way, if any. */
  private ann: IvfIndex | undefined;
  private annBuild: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly embedder: Embedder,
    private readonly logFd: number,
    private readonly vecFd: number,
    private readonly vectors: BankVectors,
    private readonly options: BankOptions,
    public report: OpenReport,
  ) {}

  get size(): number {
    return this.offsets.length;
  }

  /** Open (or create) the bank in `dir`, repairing a torn tail and stale vectors. */
  static async open(dir: string, embedder: Embedder, options: BankOptions = {}): Promise<ProofBank> {
    makeOwnDir(dir);
    const logPath = path.join(dir, RECORDS_FILE);
    const vecPath = path.join(dir, VECTORS_FILE);
    const logFd = fs.openSync(logPath, fs.existsSync(logPath) ? 'r+' : 'w+');
    let vecFd: number | undefined;
    try {
      vecFd = fs.openSync(vecPath, fs.existsSync(vecPath) ? 'r+' : 'w+');
      const bank = new ProofBank(dir, embedder, logFd, vecFd, new BankVectors(vecFd, embedder.dim, vecPath, options.vectorsInMemoryMaxRows ?? VECTORS_IN_MEMORY_MAX_ROWS), options, { records: 0, lostRecords: 0, lostBytes: 0, reembedded: 0 });
      await bank.load();
      return bank;
    } catch (error) {
      fs.closeSync(logFd);
      if (vecFd !== undefined) fs.closeSync(vecFd);
      throw error;
    }
  }

  private async load(): Promise<void> {
    if (fs.fstatSync(this.logFd).size < LOG_HEADER_BYTES) {
      // New (or a header torn at creation): start clean, unless another process just did.
      this.locked(() => {
        if (fs.fstatSync(this.logFd).size >= LOG_HEADER_BYTES) return;
        const header = Buffer.alloc(LOG_HEADER_BYTES);
        LOG_MAGIC.copy(header, 0);
        header.writeUInt32LE(BANK_VERSION, 8);
        fs.ftruncateSync(this.logFd, 0);
        fs.writeSync(this.logFd, header, 0, header.length, 0);
      });
    }
    const head = Buffer.alloc(LOG_HEADER_BYTES);
    fs.readSync(this.logFd, head, 0, LOG_HEADER_BYTES, 0);
    if (!head.subarray(0, 8).equals(LOG_MAGIC)) throw new BankFormatError(`${path.join(this.dir, RECORDS_FILE)} is not a proof bank log`);
    const version = head.readUInt32LE(8);
    if (version > BANK_VERSION) throw new BankFormatError(`${path.join(this.dir, RECORDS_FILE)} was written by a newer version (format ${version}); update the extension`);
    // The row table saved beside the log, when it still fits it: only the frames after it are read.
    const start = this.restoreRows();
    const restored = this.size;
    const scan = this.logFrames(start);
    let step = scan.next();
    for (; !step.done; step = scan.next()) {
      this.apply(step.value);
      // A large bank takes seconds to scan: let the extension host breathe between chunks.
      if (this.size % 20_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    this.logEnd = step.value.end;
    // What looks torn may be another process's write in progress: judge it under the lock.
    if (step.value.bad) this.locked(() => this.readTail(true));
    this.rowsSavedAt = restored;
    if (this.size - restored >= this.rowTableMinRows) this.saveRows();
    this.report.records = this.liveCount;
    await this.loadVectors();
  }

  /**
   * Takes in the row table saved beside the log (bank-rows.ts) when the log still holds its last
   * record where the table says; returns the log offset from which frames are still to be read.
   */
  private restoreRows(): number {
    const { table, problem } = loadRowTable(this.dir);
    const refuse = (why: string): number => {
      this.options.log?.(`proof bank: ${ROWS_FILE} ${why}; reading every record`);
      return LOG_HEADER_BYTES;
    };
    if (!table) return problem ? refuse(problem) : LOG_HEADER_BYTES;
    const rows = table.offsets.length;
    if (rows === 0 || table.logEnd < LOG_HEADER_BYTES || table.logEnd > fs.fstatSync(this.logFd).size) return refuse('does not fit the log');
    const at = table.offsets[rows - 1]!;
    const frame = Buffer.alloc(table.lengths[rows - 1]!);
    fs.readSync(this.logFd, frame, 0, frame.length, at);
    const last = frames(frame, at, at).next();
    if (last.done || last.value.kind !== 'record' || last.value.record.id !== table.lastId || last.value.end > table.logEnd) return refuse('belongs to another log');
    for (let row = 0; row < rows; row++) {
      this.offsets.push(table.offsets[row]!);
      this.lengths.push(table.lengths[row]!);
      this.nameHashes.push(table.nameHashes[row]!);
      this.fileIds.push(table.fileIds[row]!);
    }
    table.files.forEach((file, id) => {
      this.fileIdOf.set(file.name, id);
      if (file.workspace) this.workspaceFileSet.add(file.name);
    });
    for (const row of table.deleted) this.deleted.add(row);
    for (let row = 0; row < rows; row++) if (!this.deleted.has(row)) this.rowOfId.setHalves(table.idHalves[2 * row]!, table.idHalves[2 * row + 1]!, row);
    this.options.log?.(`proof bank: ${rows} records taken from ${ROWS_FILE}`);
    return table.logEnd;
  }

  /** Rows read or added since the row table was saved that make it worth saving again. */
  private get rowTableMinRows(): number {
    return this.options.rowTableMinRows ?? ROWS_SAVE_ROWS;
  }

  /** Keep the row table for the next opening (a failure only costs time then). */
  private saveRows(): void {
    if (this.size === 0) return;
    try {
      const idHalves = new Uint32Array(2 * this.size);
      const hexOnly = this.rowOfId.forEachHalves((hi, lo, row) => {
        idHalves[2 * row] = hi;
        idHalves[2 * row + 1] = lo;
      });
      if (!hexOnly) throw new Error('a record id is not 16 hex digits');
      const files = new Array<{ name: string; workspace: boolean }>(this.fileIdOf.size);
      for (const [name, id] of this.fileIdOf) files[id] = { name, workspace: this.workspaceFileSet.has(name) };
      saveRowTable(this.dir, {
        offsets: Float64Array.from(this.offsets),
        lengths: Uint32Array.from(this.lengths),
        nameHashes: Uint32Array.from(this.nameHashes),
        fileIds: Int32Array.from(this.fileIds),
        idHalves,
        deleted: Uint32Array.from(this.deleted),
        files,
        logEnd: this.logEnd,
        lastId: this.read(this.size - 1).id,
      });
      this.rowsSavedAt = this.size;
    } catch (e) {
      this.options.log?.(`proof bank: ${ROWS_FILE} not saved (${(e as Error).message}); the next opening reads every record`);
    }
  }

  /** Runs a write (or a repair) holding the bank's lock. */
  private locked<T>(write: () => T): T {
    return withFileLock(path.join(this.dir, LOCK_FILE), write, this.options.lock);
  }

  /**
   * The log's frames from offset `from` to its current end, read a chunk at a time (a large bank's
   * log outgrows what one Buffer can hold). Returns where the whole frames end, and whether what
   * follows is torn or damaged (as `frames` does for one buffer).
   */
  private *logFrames(from: number): Generator<Frame, { end: number; bad: boolean; claimed: number }> {
    const size = fs.fstatSync(this.logFd).size;
    const chunk = this.options.logChunkBytes ?? LOG_CHUNK_BYTES;
    let at = from;
    let want = chunk;
    for (;;) {
      const bytes = Buffer.alloc(Math.max(0, Math.min(want, size - at)));
      let read = 0;
      while (read < bytes.length) {
        const n = fs.readSync(this.logFd, bytes, read, bytes.length - read, at + read);
        if (n === 0) break;
        read += n;
      }
      const scan = frames(bytes.subarray(0, read), at, at);
      let step = scan.next();
      for (; !step.done; step = scan.next()) yield step.value;
      const chunkEnd = at + read;
      // At the file's end, or damaged inside this chunk: that is the answer.
      if (chunkEnd >= size || read < bytes.length || (step.value.bad && step.value.end + step.value.claimed <= chunkEnd)) return step.value;
      if (!step.value.bad) {
        // The chunk ended on a frame's end: go on with the next.
        at = chunkEnd;
        want = chunk;
        continue;
      }
      // A frame runs on past the chunk: read on from its start, taking at least the whole frame
      // (a length past what any Buffer can hold is damage, not a frame to read).
      if (Number.isFinite(step.value.claimed) && step.value.claimed > MAX_FRAME_BYTES) return step.value;
      at = step.value.end;
      want = Math.max(chunk, Number.isFinite(step.value.claimed) ? step.value.claimed : 0);
    }
  }

  private apply(frame: Frame): void {
    if (frame.kind === 'forget') this.applyForget(frame.ids);
    else this.track(frame.record, frame.at, frame.length);
  }

  /**
   * Takes in the whole records appended after `logEnd` (by another process). With `repair` (only under
   * the lock, when no write can be in progress) a torn or damaged tail is cut off and reported;
   * without, it is left for its writer. Records are taken only as far as their vector rows exist.
   */
  private readTail(repair: boolean): void {
    const size = fs.fstatSync(this.logFd).size;
    if (size < this.logEnd) throw new BankFormatError(`${path.join(this.dir, RECORDS_FILE)} shrank while it was open (was it replaced?); reopen the memory bank`);
    if (size === this.logEnd) return;
    const vectorRows = this.vectorsLoaded ? this.vectorRowsOnDisk() : Infinity;
    const scan = this.logFrames(this.logEnd);
    let step = scan.next();
    try {
      for (; !step.done; step = scan.next()) {
        if (step.value.kind === 'record' && this.size >= vectorRows) {
          if (repair) throw new BankFormatError(`another process stored proofs in ${this.dir} without their vectors (a different embedder?); use the same oprover embedder settings everywhere, then reopen the memory bank`);
          return; // its vectors are still being written: take it on a later look
        }
        this.apply(step.value);
        this.logEnd = step.value.end;
      }
    } finally {
      if (this.vectorsLoaded) this.vectors.load(this.size);
    }
    this.logEnd = step.value.end;
    if (!step.value.bad || !repair) return;
    const lostBytes = size - this.logEnd;
    // An append-only log tears only at its end; a damaged record elsewhere cannot be framed, so
    // everything from it on is dropped (and said so).
    const tornTail = lostBytes <= step.value.claimed;
    this.report.lostRecords += 1;
    this.report.lostBytes += lostBytes;
    this.report.message = tornTail
      ? `proof bank: lost 1 partial record (${lostBytes} bytes at the end of ${RECORDS_FILE}); the other ${this.size} records are intact`
      : `proof bank: damaged record at byte ${this.logEnd} of ${RECORDS_FILE}; dropped the ${lostBytes} bytes from there on, kept ${this.size} records`;
    (this.options.log ?? (() => {}))(this.report.message);
    fs.ftruncateSync(this.logFd, this.logEnd);
    if (this.options.durable !== false) fs.fsyncSync(this.logFd);
  }

  /** Whole vector rows in the vector file; throws when another process rewrote it for another embedder. */
  private vectorRowsOnDisk(): number {
    const header = Buffer.alloc(VEC_HEADER_BYTES);
    fs.readSync(this.vecFd, header, 0, VEC_HEADER_BYTES, 0);
    if (!header.equals(vectorHeader(this.embedder.dim, this.embedder.fingerprint))) {
      throw new BankFormatError(`another process rebuilt the vectors of ${this.dir} for a different embedder; use the same oprover embedder settings everywhere, then reopen the memory bank`);
    }
    return Math.floor((fs.fstatSync(this.vecFd).size - VEC_HEADER_BYTES) / (this.embedder.dim * 4));
  }

  private async loadVectors(): Promise<void> {
    const rowBytes = this.embedder.dim * 4;
    const expected = vectorHeader(this.embedder.dim, this.embedder.fingerprint);
    const inspect = () => {
      const size = fs.fstatSync(this.vecFd).size;
      let compatible = false;
      if (size >= VEC_HEADER_BYTES) {
        const header = Buffer.alloc(VEC_HEADER_BYTES);
        fs.readSync(this.vecFd, header, 0, VEC_HEADER_BYTES, 0);
        compatible = header.equals(expected);
      }
      return { size, compatible, rows: compatible ? Math.floor((size - VEC_HEADER_BYTES) / rowBytes) : 0 };
    };
    let file = inspect();
    if (file.compatible && file.size === VEC_HEADER_BYTES + this.size * rowBytes) {
      this.openIndexAtStart();
      this.vectors.reserve(this.size);
      this.vectors.load(this.size);
      this.vectorsLoaded = true;
      return;
    }
    // Something to repair. Extra rows may be another process's write in progress, so it is judged
    // under the lock, after taking in whatever that process finished meanwhile.
    const release = acquireFileLock(path.join(this.dir, LOCK_FILE), this.options.lock);
    try {
      this.readTail(true);
      file = inspect();
      if (!file.compatible) {
        fs.ftruncateSync(this.vecFd, 0);
        fs.writeSync(this.vecFd, expected, 0, VEC_HEADER_BYTES, 0);
        file = { size: VEC_HEADER_BYTES, compatible: true, rows: 0 };
      }
      const rows = Math.min(file.rows, this.size);
      // Rows for records that never made it, or half a row: cut back.
      if (file.size !== VEC_HEADER_BYTES + rows * rowBytes) fs.ftruncateSync(this.vecFd, VEC_HEADER_BYTES + rows * rowBytes);
      this.vectors.reserve(this.size);
      this.vectors.load(rows);
      if (rows < this.size) {
        // Vectors missing (new embedder, or written before a crash): embed them from the log.
        const missing = this.size - rows;
        (this.options.log ?? (() => {}))(`proof bank: embedding ${missing} stored proofs${file.rows === 0 && rows === 0 && this.size > 0 ? ' for a new embedder' : ''}`);
        for (let from = rows; from < this.size; from += 512) {
          const batch: string[] = [];
          for (let r = from; r < Math.min(this.size, from + 512); r++) batch.push(embeddingText(this.read(r)));
          const vectors = await this.embedder.embed(batch);
          this.vectors.append(vectors);
        }
        this.report.reembedded = missing;
        if (this.options.durable !== false) fs.fsyncSync(this.vecFd);
      }
      this.vectorsLoaded = true;
    } finally {
      release();
    }
  }

  private track(record: BankRecord, offset: number, length: number): void {
    this.offsets.push(offset);
    this.lengths.push(length);
    this.nameHashes.push(record.name ? hashFeature(record.name) : 0);
    const file = record.source?.file;
    let fileId = -1;
    if (file !== undefined) {
      fileId = this.fileIdOf.get(file) ?? this.fileIdOf.size;
      this.fileIdOf.set(file, fileId);
      if (record.source.kind === 'workspace') this.workspaceFileSet.add(file);
    }
    this.fileIds.push(fileId);
    this.rowOfId.set(record.id, this.offsets.length - 1);
  }

  private applyForget(ids: readonly string[]): number {
    let removed = 0;
    for (const id of ids) {
      const row = this.rowOfId.get(id);
      if (row === undefined) continue;
      this.rowOfId.delete(id);
      this.deleted.add(row);
      removed++;
    }
    return removed;
  }

  /** Records stored and not removed. */
  get liveCount(): number {
    return this.size - this.deleted.size;
  }

  /** Remove records by id (a tombstone is appended); returns how many were live. */
  forget(ids: readonly string[]): Promise<number> {
    return this.queue.run(async () => this.forgetNow(ids));
  }

  private forgetNow(ids: readonly string[]): number {
    return this.locked(() => {
      this.readTail(true);
      const live = ids.filter((id) => this.rowOfId.has(id));
      if (live.length === 0) return 0;
      this.writeLog(encodeRecord({ forget: live, addedAt: Date.now() }));
      return this.applyForget(live);
    });
  }

  /**
   * Make the workspace records of `file` exactly `proofs` (after a save): unchanged theorems stay,
   * new ones are added, the ones that changed or went away are removed.
   */
  replaceFile(file: string, proofs: readonly VerifiedProof[]): Promise<AddResult & { removed: number }> {
    return this.queue.run(async () => {
      const keep = new Set(proofs.map((p) => dedupKey(p.statement, p.proof).slice(0, 16)));
      const fileId = this.fileIdOf.get(file);
      const stale: string[] = [];
      if (fileId !== undefined) {
        for (let r = 0; r < this.size; r++) {
          if (this.fileIds[r] !== fileId || this.deleted.has(r)) continue;
          const record = this.read(r);
          if (record.source.kind === 'workspace' && !keep.has(record.id)) stale.push(record.id);
        }
      }
      const removed = this.forgetNow(stale);
      const fresh = this.fresh(proofs);
      const added = fresh.length > 0 ? this.appendBatch(fresh, await this.embedder.embed(fresh.map(embeddingText))) : 0;
      return { added, duplicates: proofs.length - added, removed };
    });
  }

  /** The files the bank holds workspace records of (some may have none left). */
  workspaceFiles(): string[] {
    return [...this.workspaceFileSet];
  }

  /** Whether an equal proof (after normalisation) is stored. */
  has(proof: Pick<VerifiedProof, 'statement' | 'proof'>): boolean {
    return this.rowOfId.has(dedupKey(proof.statement, proof.proof).slice(0, 16));
  }

  /** Store proofs not already present, embedding them with the bank's embedder. */
  add(proofs: readonly VerifiedProof[]): Promise<AddResult> {
    return this.queue.run(async () => {
      // An embedder that works off this thread starts on the whole batch while the dedup keys are
      // worked out here; the duplicates' vectors are then dropped.
      const early = this.embedder.embedsOffThread && proofs.length > 1 ? this.embedder.embed(proofs.map(embeddingText)) : undefined;
      early?.catch(() => undefined); // awaited below; a failure is not left unhandled if the keys throw first
      const keep: number[] = [];
      const fresh = this.fresh(proofs, keep);
      if (fresh.length === 0) {
        await early?.catch(() => undefined);
        return { added: 0, duplicates: proofs.length };
      }
      const vectors = early ? pickRows(await early, keep, this.embedder.dim) : await this.embedder.embed(fresh.map(embeddingText));
      const added = this.appendBatch(fresh, vectors);
      return { added, duplicates: proofs.length - added };
    });
  }

  /** Store proofs with vectors computed elsewhere (same embedder), e.g. by a benchmark's synthetic data. */
  addWithVectors(proofs: readonly VerifiedProof[], vectors: Float32Array): Promise<AddResult> {
    return this.queue.run(async () => {
      if (vectors.length !== proofs.length * this.embedder.dim) throw new Error('addWithVectors: one vector per proof is needed');
      const keep: number[] = [];
      const fresh = this.fresh(proofs, keep);
      const picked = pickRows(vectors, keep, this.embedder.dim);
      const added = fresh.length > 0 ? this.appendBatch(fresh, picked) : 0;
      return { added, duplicates: proofs.length - added };
    });
  }

  private fresh(proofs: readonly VerifiedProof[], indices?: number[]): BankRecord[] {
    const out: BankRecord[] = [];
    const seen = new Set<string>();
    proofs.forEach((p, i) => {
      const id = dedupKey(p.statement, p.proof).slice(0, 16);
      if (this.rowOfId.has(id) || seen.has(id)) return;
      seen.add(id);
      indices?.push(i);
      const record: BankRecord = { id, statement: p.statement, proof: p.proof, source: { ...p.source }, addedAt: Date.now() };
      if (p.name) record.name = p.name;
      out.push(record);
    });
    return out;
  }

  /** Appends under the lock, after what other processes appended; returns how many were new. */
  private appendBatch(all: BankRecord[], allVectors: Float32Array): number {
    if (this.closed) throw new Error('proof bank is closed');
    return this.locked(() => {
      this.readTail(true);
      // Another process may have stored some of them meanwhile.
      const dim = this.embedder.dim;
      const keep = all.flatMap((r, i) => (this.rowOfId.has(r.id) ? [] : [i]));
      if (keep.length === 0) return 0;
      const records = keep.length === all.length ? all : keep.map((i) => all[i]!);
      let vectors = allVectors;
      if (keep.length < all.length) {
        vectors = new Float32Array(keep.length * dim);
        keep.forEach((i, j) => vectors.set(allVectors.subarray(i * dim, (i + 1) * dim), j * dim));
      }
      this.writeBatch(records, vectors);
      return records.length;
    });
  }

  private writeBatch(records: BankRecord[], vectors: Float32Array): void {
    this.vectors.write(vectors);
    const encoded = records.map(encodeRecord);
    this.options.beforeRecordWrite?.(records.length);
    if (this.options.durable !== false) fs.fdatasyncSync(this.vecFd);
    let at = this.logEnd;
    this.writeLog(Buffer.concat(encoded));
    records.forEach((r, i) => {
      this.track(r, at, encoded[i]!.length);
      at += encoded[i]!.length;
    });
    this.vectors.keep(vectors);
  }

  /** Append bytes to the log in one write (then fsync when durable). */
  private writeLog(blob: Buffer): void {
    if (this.closed) throw new Error('proof bank is closed');
    let written = 0;
    while (written < blob.length) written += fs.writeSync(this.logFd, blob, written, blob.length - written, this.logEnd + written);
    if (this.options.durable !== false) fs.fdatasyncSync(this.logFd);
    this.logEnd += blob.length;
  }

  /** The stored record at `row` (read from disk). */
  read(row: number): BankRecord {
    const length = this.lengths[row]!;
    const buffer = Buffer.alloc(length);
    fs.readSync(this.logFd, buffer, 0, length, this.offsets[row]!);
    return JSON.parse(buffer.subarray(RECORD_HEADER_BYTES).toString('utf8')) as BankRecord;
  }

  /** Exact top-k rows for a query vector, leaving out a declaration name and/or a whole file. */
  async search(query: Float32Array, k: number, exclude: { name?: string; file?: string } = {}): Promise<ScoredRow[]> {
    await this.queue.idle();
    if (!this.closed) this.readTail(false); // proofs another process stored since

    const filter = this.exclusion(exclude);
    const ann = this.approximate();
    if (ann) return this.searchApproximate(ann, query, k, filter?.test);
    return this.vectors.search(query, k, filter);
  }

  /** The approximate index's file: named after the embedder, so another model's index is never used. */
  private annFile(): string {
    return path.join(this.dir, `vectors-${contentHash([this.embedder.fingerprint]).slice(0, 12)}.ivf`);
  }

  /** The approximate index when the bank is large enough, starting a background rebuild when it is stale. */
  private approximate(): IvfIndex | undefined {
    if (this.size < (this.options.annMinRows ?? ANN_MIN_ROWS)) return undefined;
    if (this.ann && this.ann.rows > this.size) {
      this.ann.close(); // rows were cut (a torn tail repaired): the index no longer matches
      this.ann = undefined;
    }
    if ((!this.ann || this.ann.rows < this.size * ANN_STALE_SHARE) && !this.annBuild && !this.closed) {
      this.annBuild = this.refreshApproximate()
        .catch((error) => this.options.log?.(`proof bank: approximate index not rebuilt (${(error as Error).message}); searching exactly`))
        .finally(() => (this.annBuild = undefined));
    }
    return this.ann;
  }

  /** Open the index file when it is current enough, else rebuild it (written whole, then renamed). */
  private async refreshApproximate(): Promise<void> {
    const file = this.annFile();
    let index = IvfIndex.open(file, { dim: this.embedder.dim });
    if (!index || index.rows > this.size || index.rows < this.size * ANN_STALE_SHARE) {
      index?.close();
      const rows = this.size;
      const dim = this.embedder.dim;
      await buildIvf(file, this.vectors.source, rows, dim);
      index = IvfIndex.open(file, { dim, rows });
    }
    if (this.closed) {
      index?.close();
      return;
    }
    this.ann?.close();
    this.ann = index;
    // The index covers its rows now: their exact vectors are read from the file when re-ranking.
    if (index) await this.vectors.release(index.rows);
  }

  /**
   * A large bank whose approximate index on disk is current enough opens it at once and leaves the
   * vectors of the rows it covers in the file (they are not read into memory at all).
   */
  private openIndexAtStart(): void {
    if (this.size < (this.options.annMinRows ?? ANN_MIN_ROWS)) return;
    const index = IvfIndex.open(this.annFile(), { dim: this.embedder.dim });
    if (!index) return;
    if (index.rows > this.size || index.rows < this.size * ANN_STALE_SHARE) {
      index.close();
      return;
    }
    this.ann = index;
    this.vectors.startOnDisk(index.rows);
  }

  /** Wait for a background rebuild of the approximate index (tests, benchmarks). */
  async approximateReady(): Promise<boolean> {
    this.approximate();
    await this.annBuild;
    return this.approximate() !== undefined;
  }

  /** IVF candidates re-ranked with the exact vectors, plus an exact scan of rows added since the index was built. */
  private searchApproximate(ann: IvfIndex, query: Float32Array, k: number, excluded?: (row: number) => boolean): ScoredRow[] {
    const found = ann.search(query, k, (row) => this.vectors.row(row), { excluded });
    const tail = this.vectors.tail(ann.rows, query, k, excluded);
    return [...found, ...tail].sort((a, b) => b.score - a.score || a.row - b.row).slice(0, k);
  }

  /** Whether a row has been removed. */
  isDeleted(row: number): boolean {
    return this.deleted.has(row);
  }

  /**
   * The rows a search must skip (removed ones, a declaration name, a whole file), with an upper bound
   * on how many there are (so the ORT kernel fetches enough); undefined when there are none.
   */
  exclusion(exclude: { name?: string; file?: string }): { test: (row: number) => boolean; count: number } | undefined {
    const nameHash = exclude.name ? hashFeature(exclude.name) : undefined;
    const fileId = exclude.file !== undefined ? this.fileIdOf.get(exclude.file) : undefined;
    if (nameHash === undefined && fileId === undefined && this.deleted.size === 0) return undefined;
    // Hash matches are confirmed against the record itself, so a collision never hides a proof.
    const test = (row: number): boolean =>
      this.deleted.has(row) ||
      (fileId !== undefined && this.fileIds[row] === fileId) ||
      (nameHash !== undefined && this.nameHashes[row] === nameHash && this.read(row).name === exclude.name);
    // The count walks every row: only the exact ORT kernel needs it, so it is computed when first read.
    let count: number | undefined;
    const countRows = (): number => {
      let n = this.deleted.size;
      if (nameHash !== undefined || fileId !== undefined) {
        for (let r = 0; r < this.size; r++) if ((fileId !== undefined && this.fileIds[r] === fileId) || this.nameHashes[r] === nameHash) n++;
      }
      return n;
    };
    return {
      test,
      get count() {
        return (count ??= countRows());
      },
    };
  }

  /** Vector rows held in memory: every row of a small bank, those its approximate index does not cover in a large one. */
  get vectorRowsInMemory(): number {
    return this.vectors.residentRows;
  }

  async close(): Promise<void> {
    await this.queue.idle();
    if (this.closed) return;
    if (this.size - this.rowsSavedAt >= this.rowTableMinRows) this.saveRows();
    this.closed = true;
    await this.annBuild;
    this.ann?.close();
    this.ann = undefined;
    fs.closeSync(this.logFd);
    fs.closeSync(this.vecFd);
    await this.vectors.dispose();
  }
}

/** Rows `rows` of packed vectors, in that order. */
function pickRows(vectors: Float32Array, rows: readonly number[], dim: number): Float32Array {
  if (rows.length * dim === vectors.length) return vectors;
  const out = new Float32Array(rows.length * dim);
  rows.forEach((i, j) => out.set(vectors.subarray(i * dim, (i + 1) * dim), j * dim));
  return out;
}

/** What is embedded for a stored proof: its full declaration (the statement is its first part). */
export function embeddingText(p: Pick<VerifiedProof, 'statement' | 'proof'>): string {
  return p.proof.includes(p.statement.trim().slice(0, 40)) ? p.proof : `${p.statement}\n${p.proof}`;
}
