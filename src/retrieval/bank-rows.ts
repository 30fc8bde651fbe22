// The bank's row table (where each record is in the log, its name hash, file and id, and which rows
// are removed), kept beside the bank (`rows.bin`) so that opening it again reads only the records
// appended since instead of parsing the whole log (4.5 s for a million proofs). The log stays the
// truth: the table says how far into the log it goes and the id of its last row, and is used only
// when the log still holds that record there. A damaged or foreign table is ignored (and said).
//
// Layout, little-endian: magic "OPRVROW\0", u32 version, u32 rows, f64 log end, u32 files, u32
// removed rows, 16 bytes id of the last row, u32 CRC-32 of the body. Body: f64 offset per row, u32
// length per row, u32 name hash per row, i32 file id per row, two u32 per row (the id's 16 hex
// digits as two numbers; zeros for a removed row), u32 per removed row, then per file a byte (1: it
// had workspace records), a u32 byte length and its name in UTF-8. Written to a temporary name,
// fsynced, then renamed.
import fs from 'node:fs';
import path from 'node:path';
import { crc32, writeReplacing } from './bank-format';

export const ROWS_FILE = 'rows.bin';
const MAGIC = Buffer.from('OPRVROW\0', 'latin1');
const VERSION = 2;
const HEADER_BYTES = 8 + 4 + 4 + 8 + 4 + 4 + 16 + 4;
const ID_BYTES = 16;
const ROW_BYTES = 8 + 4 + 4 + 4 + 8;

export interface RowTable {
  /** Log offset and framed length of each row's record. */
  offsets: Float64Array;
  lengths: Uint32Array;
  nameHashes: Uint32Array;
  fileIds: Int32Array;
  /** Each row's id as two numbers (IdIndex.halves); zeros for a removed row. */
  idHalves: Uint32Array;
  deleted: Uint32Array;
  /** File names by file id, and whether each had workspace records. */
  files: { name: string; workspace: boolean }[];
  /** Log offset just past the last frame the table has taken in (records and removals). */
  logEnd: number;
  /** Id of the last row's record (removed or not): checked against the log before the table is used. */
  lastId: string;
}

const bytesOf = (a: Float64Array | Uint32Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Save a bank's row table. */
export function saveRowTable(dir: string, table: RowTable): void {
  const rows = table.offsets.length;
  if ([table.lengths, table.nameHashes, table.fileIds].some((a) => a.length !== rows) || table.idHalves.length !== 2 * rows) throw new Error('saveRowTable: columns of different lengths');
  const fileNames = table.files.map((f) => Buffer.from(f.name, 'utf8'));
  const fileBytes = Buffer.alloc(fileNames.reduce((sum, b) => sum + 5 + b.length, 0));
  let at = 0;
  table.files.forEach((f, i) => {
    at = fileBytes.writeUInt8(f.workspace ? 1 : 0, at);
    at = fileBytes.writeUInt32LE(fileNames[i]!.length, at);
    at += fileNames[i]!.copy(fileBytes, at);
  });
  const body = Buffer.concat([bytesOf(table.offsets), bytesOf(table.lengths), bytesOf(table.nameHashes), bytesOf(table.fileIds), bytesOf(table.idHalves), bytesOf(table.deleted), fileBytes]);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  let h = header.writeUInt32LE(VERSION, 8);
  h = header.writeUInt32LE(rows, h);
  h = header.writeDoubleLE(table.logEnd, h);
  h = header.writeUInt32LE(table.files.length, h);
  h = header.writeUInt32LE(table.deleted.length, h);
  h += header.write(table.lastId.padEnd(ID_BYTES, ' ').slice(0, ID_BYTES), h, ID_BYTES, 'latin1');
  header.writeUInt32LE(crc32(body), h);
  const file = path.join(dir, ROWS_FILE);
  writeReplacing(file, [header, body]);
}

/** The saved row table when the file is there, whole and of this version; otherwise the reason (none for a missing file). */
export function loadRowTable(dir: string): { table?: RowTable; problem?: string } {
  const file = path.join(dir, ROWS_FILE);
  if (!fs.existsSync(file)) return {};
  const bytes = fs.readFileSync(file);
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) return { problem: 'is not a row table' };
  if (bytes.readUInt32LE(8) !== VERSION) return { problem: `is of another version (${bytes.readUInt32LE(8)})` };
  const rows = bytes.readUInt32LE(12);
  const logEnd = bytes.readDoubleLE(16);
  const fileCount = bytes.readUInt32LE(24);
  const deletedCount = bytes.readUInt32LE(28);
  const lastId = bytes.toString('latin1', 32, 32 + ID_BYTES).trimEnd();
  const body = bytes.subarray(HEADER_BYTES);
  if (crc32(body) !== bytes.readUInt32LE(HEADER_BYTES - 4)) return { problem: 'is damaged (checksum)' };
  if (body.length < rows * ROW_BYTES + deletedCount * 4) return { problem: 'is cut short' };
  let at = 0;
  // Copied out into aligned arrays (the file's body starts at an odd offset for f64).
  const column = <T>(Kind: { new (b: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, n: number): T => {
    const start = body.byteOffset + at;
    at += n * Kind.BYTES_PER_ELEMENT;
    return new Kind(body.buffer.slice(start, start + n * Kind.BYTES_PER_ELEMENT) as ArrayBuffer);
  };
  const offsets = column(Float64Array, rows);
  const lengths = column(Uint32Array, rows);
  const nameHashes = column(Uint32Array, rows);
  const fileIds = column(Int32Array, rows);
  const idHalves = column(Uint32Array, 2 * rows);
  const deleted = column(Uint32Array, deletedCount);
  const files: RowTable['files'] = [];
  for (let i = 0; i < fileCount; i++) {
    if (at + 5 > body.length) return { problem: 'is cut short' };
    const workspace = body.readUInt8(at) === 1;
    const length = body.readUInt32LE(at + 1);
    at += 5;
    if (at + length > body.length) return { problem: 'is cut short' };
    files.push({ name: body.toString('utf8', at, at + length), workspace });
    at += length;
  }
  if (at !== body.length) return { problem: 'has bytes past its end' };
  if (fileIds.some((f) => f >= fileCount) || deleted.some((d) => d >= rows)) return { problem: 'refers to rows or files it does not have' };
  return { table: { offsets, lengths, nameHashes, fileIds, idHalves, deleted, files, logEnd, lastId } };
}
