// The BM25 statistics of a large bank, kept beside it (`lexical-stats.bin` in the bank's folder) so
// that opening the bank again does not read and featurise every stored proof before the first query
// (43 s for a million proofs). Only a bank past the lexical postings limit uses it: there BM25
// re-scores the vector candidates, and statistics are all it needs. The file says which rows it
// covers (their count and the id of the last one); rows stored since are folded in as usual.
//
// Layout: magic "OPRVLEX\0", u32 version, u32 feature version, u32 buckets, u32 rows, u32
// documents, u32 entries, f64 total length, 16 bytes id of the last covered row, u32 CRC-32 of the
// entries; then the entries, (u32 bucket, u32 document frequency) each. Written to a temporary name,
// fsynced, then renamed over the old file: a crash leaves the old file or the new one.
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from './bank-format';
import { FEATURE_VERSION } from './lean-features';
import type { LexicalStatistics } from './lexical';

export const LEXICAL_STATS_FILE = 'lexical-stats.bin';
const MAGIC = Buffer.from('OPRVLEX\0', 'latin1');
const VERSION = 1;
const HEADER_BYTES = 8 + 4 * 6 + 8 + 16 + 4;

export interface SavedStatistics {
  statistics: LexicalStatistics;
  /** Id of the last row the statistics cover (row `statistics.rows - 1`). */
  lastId: string;
}

/** Save the statistics of a bank's first `statistics.rows` rows, the last of which has id `lastId`. */
export function saveLexicalStatistics(dir: string, saved: SavedStatistics): void {
  const { statistics, lastId } = saved;
  const entries = Buffer.alloc(statistics.df.size * 8);
  let at = 0;
  for (const [bucket, count] of statistics.df) {
    entries.writeUInt32LE(bucket, at);
    entries.writeUInt32LE(count, at + 4);
    at += 8;
  }
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  let o = 8;
  for (const value of [VERSION, FEATURE_VERSION, statistics.buckets, statistics.rows, statistics.documents, statistics.df.size]) {
    header.writeUInt32LE(value, o);
    o += 4;
  }
  header.writeDoubleLE(statistics.totalLength, o);
  header.write(lastId.padEnd(16, ' ').slice(0, 16), o + 8, 'latin1');
  header.writeUInt32LE(crc32(entries), o + 24);
  const file = path.join(dir, LEXICAL_STATS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, header);
    fs.writeSync(fd, entries);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/**
 * The saved statistics, when the file is there, whole, and of this version, feature version and
 * bucket count; otherwise undefined, with the reason (a missing file has none).
 */
export function loadLexicalStatistics(dir: string, buckets: number): { saved?: SavedStatistics; problem?: string } {
  const file = path.join(dir, LEXICAL_STATS_FILE);
  if (!fs.existsSync(file)) return {};
  const bytes = fs.readFileSync(file);
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) return { problem: 'not a statistics file' };
  const [version, featureVersion, savedBuckets, rows, documents, entries] = [0, 1, 2, 3, 4, 5].map((i) => bytes.readUInt32LE(8 + 4 * i));
  if (version !== VERSION || featureVersion !== FEATURE_VERSION || savedBuckets !== buckets) return { problem: 'written for other features' };
  if (bytes.length !== HEADER_BYTES + entries! * 8) return { problem: 'cut short' };
  const body = bytes.subarray(HEADER_BYTES);
  if (crc32(body) !== bytes.readUInt32LE(HEADER_BYTES - 4)) return { problem: 'damaged (checksum)' };
  const df = new Map<number, number>();
  for (let at = 0; at < body.length; at += 8) df.set(body.readUInt32LE(at), body.readUInt32LE(at + 4));
  const totalLength = bytes.readDoubleLE(32);
  const lastId = bytes.toString('latin1', 40, 56).trimEnd();
  return { saved: { statistics: { buckets, rows: rows!, documents: documents!, totalLength, df }, lastId } };
}
