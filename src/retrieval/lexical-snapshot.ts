// The bank's lexical index, kept beside it (`lexical-index.bin` in the bank's folder) so that
// opening the bank again does not read and featurise every stored proof before the first query
// (5.4 s for 100K proofs, 43 s for a million). Up to the postings limit the file holds the whole
// index: BM25's statistics, row lengths and postings, and the lemma prior's postings (marked with
// the prior they were made with). Past the limit BM25 only re-scores the vector candidates, so the
// file holds the statistics alone. It says which rows it covers (their count and the id of the
// last one); rows stored since are folded in as usual.
//
// Layout, little-endian: magic "OPRVLEX\0", u32 version, u32 feature version, u32 buckets, u32
// rows, u32 documents, u32 df entries, f64 total length, 16 bytes id of the last covered row, u32
// sections (1: BM25 postings, 2: lemma postings), u32 prior tag, u32 CRC-32 of the body. Body: the
// df entries (u32 bucket, u32 count); with BM25 postings, f64 length per row, u32 lists, and per
// list u32 bucket, u32 largest tf, f64 shortest row, u32 n, n × u32 packed (row·4096 + tf); with
// lemma postings, u32 lists, and per list u32 lemma id, u32 n, n × u32 row. Written to a temporary
// name, fsynced, then renamed over the old file: a crash leaves the old file or the new one.
import fs from 'node:fs';
import path from 'node:path';
import { crc32, writeReplacing } from './bank-format';
import { FEATURE_VERSION } from './lean-features';
import type { LexicalPostings, LexicalStatistics, PostingList } from './lexical';

export const LEXICAL_INDEX_FILE = 'lexical-index.bin';
/** The file of earlier versions (statistics only), removed when the new one is written. */
const OLD_FILE = 'lexical-stats.bin';
const MAGIC = Buffer.from('OPRVLEX\0', 'latin1');
const VERSION = 2;
const HEADER_BYTES = 8 + 4 * 6 + 8 + 16 + 4 * 3;
const HAS_POSTINGS = 1;
const HAS_LEMMAS = 2;

export interface SavedLexicalIndex {
  statistics: LexicalStatistics;
  /** Id of the last row covered (row `statistics.rows - 1`). */
  lastId: string;
  /** BM25's postings: only for an index within its postings limit. */
  postings?: LexicalPostings;
  /** The lemma prior's postings, and the tag of the prior (`LemmaPrior.tag`) they were made with. */
  lemmas?: { priorTag: number; postings: ReadonlyMap<number, readonly number[]> };
}

/** Appends little-endian values to a buffer of a known final size. */
class Writer {
  readonly bytes: Buffer;
  at = 0;
  constructor(size: number) {
    this.bytes = Buffer.alloc(size);
  }
  u32(v: number): void {
    this.at = this.bytes.writeUInt32LE(v, this.at);
  }
  f64(v: number): void {
    this.at = this.bytes.writeDoubleLE(v, this.at);
  }
}

/** Reads little-endian values; throws "cut short" past the end. */
class Reader {
  at = 0;
  constructor(readonly bytes: Buffer) {}
  private need(n: number): void {
    if (this.at + n > this.bytes.length) throw new Error('cut short');
  }
  u32(): number {
    this.need(4);
    const v = this.bytes.readUInt32LE(this.at);
    this.at += 4;
    return v;
  }
  f64(): number {
    this.need(8);
    const v = this.bytes.readDoubleLE(this.at);
    this.at += 8;
    return v;
  }
  /** n u32 values as a plain array (postings grow after loading). */
  u32s(n: number): number[] {
    this.need(4 * n);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++, this.at += 4) out[i] = this.bytes.readUInt32LE(this.at);
    return out;
  }
}

function bodySize(saved: SavedLexicalIndex): number {
  let size = saved.statistics.df.size * 8;
  if (saved.postings) {
    size += saved.postings.lengths.length * 8 + 4;
    for (const list of saved.postings.lists.values()) size += 20 + list.packed.length * 4;
  }
  if (saved.lemmas) {
    size += 4;
    for (const rows of saved.lemmas.postings.values()) size += 8 + rows.length * 4;
  }
  return size;
}

/** Save a bank's lexical index (statistics, and the postings it gives) covering its first `statistics.rows` rows. */
export function saveLexicalIndex(dir: string, saved: SavedLexicalIndex): void {
  const { statistics, lastId, postings, lemmas } = saved;
  if (postings && postings.lengths.length !== statistics.rows) throw new Error('saveLexicalIndex: postings of other rows than the statistics');
  const body = new Writer(bodySize(saved));
  for (const [bucket, count] of statistics.df) {
    body.u32(bucket);
    body.u32(count);
  }
  if (postings) {
    for (const length of postings.lengths) body.f64(length);
    body.u32(postings.lists.size);
    for (const [bucket, list] of postings.lists) {
      body.u32(bucket);
      body.u32(list.maxTf);
      body.f64(list.minLength);
      body.u32(list.packed.length);
      for (const p of list.packed) body.u32(p);
    }
  }
  if (lemmas) {
    body.u32(lemmas.postings.size);
    for (const [id, rows] of lemmas.postings) {
      body.u32(id);
      body.u32(rows.length);
      for (const row of rows) body.u32(row);
    }
  }
  const header = new Writer(HEADER_BYTES);
  MAGIC.copy(header.bytes, 0);
  header.at = 8;
  for (const value of [VERSION, FEATURE_VERSION, statistics.buckets, statistics.rows, statistics.documents, statistics.df.size]) header.u32(value);
  header.f64(statistics.totalLength);
  header.bytes.write(lastId.padEnd(16, ' ').slice(0, 16), header.at, 'latin1');
  header.at += 16;
  header.u32((postings ? HAS_POSTINGS : 0) | (lemmas ? HAS_LEMMAS : 0));
  header.u32(lemmas?.priorTag ?? 0);
  header.u32(crc32(body.bytes));
  const file = path.join(dir, LEXICAL_INDEX_FILE);
  writeReplacing(file, [header.bytes, body.bytes]);
  fs.rmSync(path.join(dir, OLD_FILE), { force: true });
}

/**
 * The saved index, when the file is there, whole, and of this version, feature version and bucket
 * count; otherwise undefined, with the reason (a missing file has none).
 */
export function loadLexicalIndex(dir: string, buckets: number): { saved?: SavedLexicalIndex; problem?: string } {
  const file = path.join(dir, LEXICAL_INDEX_FILE);
  if (!fs.existsSync(file)) return fs.existsSync(path.join(dir, OLD_FILE)) ? { problem: `is missing (${OLD_FILE} is of an older version)` } : {};
  const bytes = fs.readFileSync(file);
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) return { problem: 'is not a lexical index file' };
  const header = new Reader(bytes);
  header.at = 8;
  const [version, featureVersion, savedBuckets, rows, documents, dfEntries] = [1, 2, 3, 4, 5, 6].map(() => header.u32()) as number[];
  if (version !== VERSION) return { problem: `is of another version (${version})` };
  if (featureVersion !== FEATURE_VERSION || savedBuckets !== buckets) return { problem: 'was written for other features' };
  const totalLength = header.f64();
  const lastId = bytes.toString('latin1', header.at, header.at + 16).trimEnd();
  header.at += 16;
  const sections = header.u32();
  const priorTag = header.u32();
  const crc = header.u32();
  const bodyBytes = bytes.subarray(HEADER_BYTES);
  if (crc32(bodyBytes) !== crc) return { problem: 'is damaged (checksum)' };
  try {
    const body = new Reader(bodyBytes);
    const df = new Map<number, number>();
    for (let i = 0; i < dfEntries!; i++) df.set(body.u32(), body.u32());
    const saved: SavedLexicalIndex = { statistics: { buckets, rows: rows!, documents: documents!, totalLength, df }, lastId };
    if (sections & HAS_POSTINGS) {
      const lengths = Array.from({ length: rows! }, () => body.f64());
      const lists = new Map<number, PostingList>();
      for (let n = body.u32(); n > 0; n--) {
        const bucket = body.u32();
        const maxTf = body.u32();
        const minLength = body.f64();
        lists.set(bucket, { maxTf, minLength, packed: body.u32s(body.u32()) });
      }
      saved.postings = { lengths, lists };
    }
    if (sections & HAS_LEMMAS) {
      const postings = new Map<number, number[]>();
      for (let n = body.u32(); n > 0; n--) {
        const id = body.u32();
        postings.set(id, body.u32s(body.u32()));
      }
      saved.lemmas = { priorTag, postings };
    }
    if (body.at !== bodyBytes.length) return { problem: 'has bytes past its end' };
    return { saved };
  } catch (e) {
    return { problem: `is ${(e as Error).message}` };
  }
}
