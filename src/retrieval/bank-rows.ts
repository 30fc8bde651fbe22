// The bank's row table (where each record is in the log, its name hash, file and id, and which rows
// are removed), kept beside the bank (`rows.bin`) so that opening it again reads only the records
// appended since instead of parsing the whole log (4.5 s for a million proofs). The log stays the
// truth: the table says how far into the log it goes and the id of its last row, and is used only
// when the log still holds that record there. A damaged or foreign table is ignored (and said).
//
// Layout, little-endian: magic "OPRVROW\0", u32 version, u32 rows, f64 log end, u32 files, u32
// removed rows, 16 bytes id of the last row, u32 CRC-32 of the body. Body: f64 offset per row, u32
// length per row, u32 name hash per row, i32 file id per row, 16 bytes id per row (spaces for a
// removed row), u32 per removed row, then per file a byte (1: it had workspace records), a u32
// byte length and its name in UTF-8. Written to a temporary name, fsynced, then renamed.
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from './bank-format';

export const ROWS_FILE = 'rows.bin';
const MAGIC = Buffer.from('OPRVROW\0', 'latin1');
const VERSION = 1;
const HEADER_BYTES = 8 + 4 + 4 + 8 + 4 + 4 + 16 + 4;
const ID_BYTES = 16;
const NO_ID = ' '.repeat(ID_BYTES);

export interface RowTable {
  /** Log offset and framed length of each row's record. */
  offsets: number[];
  lengths: number[];
  nameHashes: number[];
  fileIds: number[];
  /** File names by file id, and whether each had workspace records. */
  files: { name: string; workspace: boolean }[];
  /** Each row's record id; '' for a removed row. */
  ids: string[];
  deleted: number[];
  /** Log offset just past the last frame the table has taken in (records and removals). */
  logEnd: number;
  /** Id of the last row's record (removed or not): checked against the log before the table is used. */
  lastId: string;
}

/** Save a bank's row table. Throws when an id is not the bank's 16-character form. */
export function saveRowTable(dir: string, table: RowTable): void {
  const rows = table.offsets.length;
  const fileNames = table.files.map((f) => Buffer.from(f.name, 'utf8'));
  const filesBytes = fileNames.reduce((sum, b) => sum + 5 + b.length, 0);
  const body = Buffer.alloc(rows * (8 + 4 + 4 + 4 + ID_BYTES) + table.deleted.length * 4 + filesBytes);
  let at = 0;
  for (const o of table.offsets) at = body.writeDoubleLE(o, at);
  for (const l of table.lengths) at = body.writeUInt32LE(l, at);
  for (const h of table.nameHashes) at = body.writeUInt32LE(h >>> 0, at);
  for (const f of table.fileIds) at = body.writeInt32LE(f, at);
  for (const id of table.ids) {
    if (id !== '' && id.length !== ID_BYTES) throw new Error(`a record id of ${id.length} characters`);
    at += body.write(id || NO_ID, at, ID_BYTES, 'latin1');
  }
  for (const d of table.deleted) at = body.writeUInt32LE(d, at);
  table.files.forEach((f, i) => {
    at = body.writeUInt8(f.workspace ? 1 : 0, at);
    at = body.writeUInt32LE(fileNames[i]!.length, at);
    at += fileNames[i]!.copy(body, at);
  });
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
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, header);
    fs.writeSync(fd, body);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
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
  const fixed = rows * (8 + 4 + 4 + 4 + ID_BYTES) + deletedCount * 4;
  if (body.length < fixed) return { problem: 'is cut short' };
  let at = 0;
  const read = <T>(n: number, size: number, get: (offset: number) => T): T[] => {
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++, at += size) out[i] = get(at);
    return out;
  };
  const offsets = read(rows, 8, (o) => body.readDoubleLE(o));
  const lengths = read(rows, 4, (o) => body.readUInt32LE(o));
  const nameHashes = read(rows, 4, (o) => body.readUInt32LE(o));
  const fileIds = read(rows, 4, (o) => body.readInt32LE(o));
  const ids = read(rows, ID_BYTES, (o) => body.toString('latin1', o, o + ID_BYTES).trimEnd());
  const deleted = read(deletedCount, 4, (o) => body.readUInt32LE(o));
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
  return { table: { offsets, lengths, nameHashes, fileIds, files, ids, deleted, logEnd, lastId } };
}
