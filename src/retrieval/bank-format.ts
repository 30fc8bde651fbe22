// The proof bank's files (bank.ts): the record log's format (header, framed records with their
// CRC-32, tombstones), the dedup key, and the vector file's header. No I/O here beyond encoding and
// decoding bytes.
//
// records.log  = header (magic "OPRVLOG\0", u32 version, u32 reserved), then records, each
//                u32 payload length, u32 CRC-32 of the payload, payload (UTF-8 JSON of a BankRecord).
// vectors.bin  = header (magic "OPRVVEC\0", u32 version, u32 dim, u32 fingerprint length, the
//                embedder's fingerprint; 256 bytes in all), then one f32 row per record, in order.
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import type { ProofSource } from '../core/types';
import { normalizeStatement } from '../core/source';

/** Bytes before the first row of `vectors.bin`. */
export const VEC_HEADER_BYTES = 256;

/** A bank's files are not what this version reads or writes (the message says what to do). */
export class BankFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BankFormatError';
  }
}

export const BANK_VERSION = 1;
export const LOG_MAGIC = Buffer.from('OPRVLOG\0', 'latin1');
const VEC_MAGIC = Buffer.from('OPRVVEC\0', 'latin1');
export const LOG_HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 8;

export const RECORDS_FILE = 'records.log';
export const VECTORS_FILE = 'vectors.bin';
export const LOCK_FILE = 'bank.lock';

export interface BankRecord {
  /** Stable id: the first 16 hex digits of the dedup key. */
  id: string;
  name?: string;
  statement: string;
  /** The full declaration (statement and proof). */
  proof: string;
  source: ProofSource;
  /** Milliseconds since the epoch when it was stored. */
  addedAt: number;
}

/** A tombstone: the records with these ids are removed (a workspace theorem that changed or went away). */
export interface ForgetRecord {
  forget: string[];
  addedAt: number;
}

export type Frame = ({ kind: 'record'; record: BankRecord; at: number; length: number } | { kind: 'forget'; ids: string[] }) & { end: number };

/**
 * The whole records in `bytes` (which start at file offset `base`) from file offset `from` on; stops at
 * the first torn or damaged one. `end` is the file offset after the last whole record.
 */
export function* frames(bytes: Buffer, base: number, from: number): Generator<Frame, { end: number; bad: boolean; claimed: number }> {
  let at = from - base;
  while (at < bytes.length) {
    if (at + RECORD_HEADER_BYTES > bytes.length) return { end: base + at, bad: true, claimed: Infinity };
    const length = bytes.readUInt32LE(at);
    const crc = bytes.readUInt32LE(at + 4);
    const end = at + RECORD_HEADER_BYTES + length;
    const claimed = RECORD_HEADER_BYTES + length;
    if (end > bytes.length) return { end: base + at, bad: true, claimed };
    const payload = bytes.subarray(at + RECORD_HEADER_BYTES, end);
    let record: BankRecord | ForgetRecord | undefined;
    if (crc32(payload) === crc) {
      try {
        record = JSON.parse(payload.toString('utf8')) as BankRecord | ForgetRecord;
      } catch {
        record = undefined;
      }
    }
    if (!record) return { end: base + at, bad: true, claimed };
    if ('forget' in record) yield { kind: 'forget', ids: record.forget, end: base + end };
    else yield { kind: 'record', record, at: base + at, length: end - at, end: base + end };
    at = end;
  }
  return { end: base + at, bad: false, claimed: 0 };
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

// Node's own (native) CRC-32 where this Node has it (20.15+), else the table loop; same values.
const nativeCrc32 = (zlib as unknown as { crc32?: (data: Uint8Array) => number }).crc32;

export function crc32(bytes: Uint8Array): number {
  if (nativeCrc32) return nativeCrc32(bytes) >>> 0;
  return crc32Table(bytes);
}

export function crc32Table(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Whitespace and comments do not make a proof new. */
export function normalizeProof(proof: string): string {
  return normalizeStatement(proof);
}

/** The dedup key: SHA-256 of the normalised statement and proof, hex. */
export function dedupKey(statement: string, proof: string): string {
  return crypto.createHash('sha256').update(normalizeStatement(statement)).update('\u0000').update(normalizeProof(proof)).digest('hex');
}

export function encodeRecord(record: BankRecord | ForgetRecord): Buffer {
  const payload = Buffer.from(JSON.stringify(record), 'utf8');
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, RECORD_HEADER_BYTES);
  return out;
}

export function vectorHeader(dim: number, fingerprint: string): Buffer {
  const header = Buffer.alloc(VEC_HEADER_BYTES);
  VEC_MAGIC.copy(header, 0);
  header.writeUInt32LE(BANK_VERSION, 8);
  header.writeUInt32LE(dim, 12);
  const fp = Buffer.from(fingerprint, 'utf8').subarray(0, VEC_HEADER_BYTES - 20);
  header.writeUInt32LE(fp.length, 16);
  fp.copy(header, 20);
  return header;
}

/**
 * Write `parts` to `file` crash-safely: to a temporary name, fsynced, then renamed over the old
 * file, so a crash leaves the old file or the new one (the bank's side files: rows.bin,
 * lexical-index.bin).
 */
export function writeReplacing(file: string, parts: readonly Uint8Array[]): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const part of parts) fs.writeSync(fd, part);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
