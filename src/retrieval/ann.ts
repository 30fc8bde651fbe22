// Approximate nearest neighbours for banks too large to scan: an inverted-file index (IVF) with int8
// codes. Vectors are split into `lists` clusters by spherical k-means; a query scores the centroids,
// opens the `probes` nearest lists, ranks their rows by the int8 dot product and hands the best
// `candidates` to an exact re-ranking with the full-precision vectors (read from the bank).
//
// File (one, written to a temporary name, fsynced, then renamed over the old one, so a crash leaves
// either the old index or the new one): header "OPRVIVF\0", u32 version, dim, lists, rows, then
// centroids (lists × dim f32), list offsets ((lists + 1) × u32), row ids (rows × u32, list order),
// scales (rows × f32), codes (rows × dim i8, list order). Opening reads everything but the codes;
// the codes of a probed list are read from the file when it is searched, straight into the
// kernels' scratch block, and scored there (dot-kernels.ts: WebAssembly SIMD where available).
import fs from 'node:fs';
import path from 'node:path';
import { DotKernels } from './dot-kernels';
import { OrtTopK, type ScoredRow } from './search';
import { mulberry32 } from './trainer';

const MAGIC = Buffer.from('OPRVIVF\0', 'latin1');
const VERSION = 1;
const HEADER_BYTES = 32;

export interface IvfBuildOptions {
  /** Clusters; default about 4·√rows. */
  lists?: number;
  /** k-means rounds on the training sample. */
  iterations?: number;
  /** Vectors k-means is trained on. */
  sampleSize?: number;
  seed?: number;
}

/** Source of the vectors to index: rows [from, to) packed row-major. */
export type VectorSource = (from: number, to: number) => Float32Array;

/** int8 code of a unit vector: round(v / scale) with scale = max |v_j| / 127. */
export function quantizeRow(v: Float32Array, offset: number, dim: number, out: Int8Array, outOffset: number): number {
  let max = 0;
  for (let j = 0; j < dim; j++) max = Math.max(max, Math.abs(v[offset + j]!));
  const scale = max > 0 ? max / 127 : 1;
  for (let j = 0; j < dim; j++) out[outOffset + j] = Math.round(v[offset + j]! / scale);
  return scale;
}

/** Rows scored against every centroid in one call: the scores (rows × lists f32) are 80 MB at 5,000 lists. */
const CENTROID_SLICE_ROWS = 4096;

async function nearestCentroids(engine: OrtTopK, centroids: Float32Array, lists: number, batch: Float32Array): Promise<Int32Array> {
  const dim = centroids.length / lists;
  const rows = batch.length / dim;
  const out = new Int32Array(rows);
  for (let from = 0; from < rows; from += CENTROID_SLICE_ROWS) {
    const to = Math.min(rows, from + CENTROID_SLICE_ROWS);
    const found = await engine.search(centroids, lists, batch.subarray(from * dim, to * dim), 1);
    found.forEach((best, i) => (out[from + i] = best[0]!.row));
  }
  return out;
}

/** Spherical k-means centroids (lists × dim) of a sample of the rows. */
async function trainCentroids(source: VectorSource, rows: number, dim: number, lists: number, options: Required<IvfBuildOptions>, engine: OrtTopK): Promise<Float32Array> {
  const random = mulberry32(options.seed);
  const take = Math.min(rows, Math.max(lists * 8, options.sampleSize));
  // An evenly spaced sample (rows are often grouped by source; spacing spreads the sample over them).
  const sample = new Float32Array(take * dim);
  for (let i = 0; i < take; i++) sample.set(source(Math.floor((i * rows) / take), Math.floor((i * rows) / take) + 1), i * dim);
  const centroids = new Float32Array(lists * dim);
  for (let c = 0; c < lists; c++) {
    const pick = Math.floor(random() * take);
    centroids.set(sample.subarray(pick * dim, (pick + 1) * dim), c * dim);
  }
  for (let it = 0; it < options.iterations; it++) {
    const assigned = await nearestCentroids(engine, centroids, lists, sample);
    const sums = new Float64Array(lists * dim);
    const counts = new Int32Array(lists);
    for (let i = 0; i < take; i++) {
      const c = assigned[i]!;
      counts[c]!++;
      for (let j = 0; j < dim; j++) sums[c * dim + j]! += sample[i * dim + j]!;
    }
    for (let c = 0; c < lists; c++) {
      if (counts[c] === 0) {
        // An empty cluster restarts at a random sample vector.
        const pick = Math.floor(random() * take);
        centroids.set(sample.subarray(pick * dim, (pick + 1) * dim), c * dim);
        continue;
      }
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += sums[c * dim + j]! ** 2;
      norm = Math.sqrt(norm) || 1;
      for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j]! / norm;
    }
  }
  return centroids;
}

/**
 * Build the index of `rows` vectors into `file` (crash-safe replace). Memory: the codes of all rows
 * (rows × dim bytes) plus a chunk of f32 vectors at a time.
 */
export async function buildIvf(file: string, source: VectorSource, rows: number, dim: number, buildOptions: IvfBuildOptions = {}): Promise<{ lists: number; ms: number }> {
  const started = performance.now();
  const lists = Math.max(1, Math.min(rows, buildOptions.lists ?? Math.round(4 * Math.sqrt(rows))));
  const options: Required<IvfBuildOptions> = { lists, iterations: buildOptions.iterations ?? 8, sampleSize: buildOptions.sampleSize ?? 65_536, seed: buildOptions.seed ?? 1 };
  const engine = await OrtTopK.create(dim);
  try {
    const centroids = await trainCentroids(source, rows, dim, lists, options, engine);
    const assignment = new Int32Array(rows);
    const codes = new Int8Array(rows * dim);
    const scales = new Float32Array(rows);
    const chunk = 8192;
    for (let from = 0; from < rows; from += chunk) {
      const to = Math.min(rows, from + chunk);
      const batch = source(from, to);
      assignment.set(await nearestCentroids(engine, centroids, lists, batch), from);
      for (let r = from; r < to; r++) scales[r] = quantizeRow(batch, (r - from) * dim, dim, codes, r * dim);
    }
    // Counting sort of the rows by list.
    const offsets = new Uint32Array(lists + 1);
    for (let r = 0; r < rows; r++) offsets[assignment[r]! + 1]!++;
    for (let c = 0; c < lists; c++) offsets[c + 1]! += offsets[c]!;
    const cursor = offsets.slice(0, lists);
    const order = new Uint32Array(rows);
    for (let r = 0; r < rows; r++) order[cursor[assignment[r]!]!++] = r;

    const tmp = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w');
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      MAGIC.copy(header, 0);
      header.writeUInt32LE(VERSION, 8);
      header.writeUInt32LE(dim, 12);
      header.writeUInt32LE(lists, 16);
      header.writeUInt32LE(rows, 20);
      fs.writeSync(fd, header);
      fs.writeSync(fd, new Uint8Array(centroids.buffer, centroids.byteOffset, centroids.byteLength));
      fs.writeSync(fd, new Uint8Array(offsets.buffer));
      fs.writeSync(fd, new Uint8Array(order.buffer));
      const orderedScales = Float32Array.from(order, (r) => scales[r]!);
      fs.writeSync(fd, new Uint8Array(orderedScales.buffer));
      const block = Buffer.alloc(4096 * dim);
      for (let i = 0; i < rows; i += 4096) {
        const n = Math.min(4096, rows - i);
        for (let k = 0; k < n; k++) block.set(new Uint8Array(codes.buffer, order[i + k]! * dim, dim), k * dim);
        fs.writeSync(fd, block, 0, n * dim);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    try {
      const dirFd = fs.openSync(path.dirname(file), 'r');
      fs.fsyncSync(dirFd);
      fs.closeSync(dirFd);
    } catch {
      // Some platforms cannot fsync a folder; the rename is still atomic.
    }
    return { lists, ms: performance.now() - started };
  } finally {
    await engine.dispose();
  }
}

/** The `probes` highest-scoring lists, best first (ties: lower list first). */
export function nearestLists(scores: ArrayLike<number>, probes: number): Int32Array {
  const best = new Float64Array(probes).fill(-Infinity);
  const bestList = new Int32Array(probes).fill(-1);
  let filled = 0;
  for (let c = 0; c < scores.length; c++) {
    const s = scores[c]!;
    if (filled === probes && s <= best[probes - 1]!) continue;
    let i = filled < probes ? filled++ : probes - 1;
    while (i > 0 && best[i - 1]! < s) {
      best[i] = best[i - 1]!;
      bestList[i] = bestList[i - 1]!;
      i--;
    }
    best[i] = s;
    bestList[i] = c;
  }
  return bestList.subarray(0, filled);
}

/** Read exactly `into.length` bytes at `position`. */
function readFully(fd: number, into: Uint8Array, position: number): void {
  let read = 0;
  while (read < into.length) {
    const n = fs.readSync(fd, into, read, into.length - read, position + read);
    if (n === 0) throw new Error('approximate index: file shorter than its header says');
    read += n;
  }
}

/** Lists a query opens by default: what bench/retrieval.ts measures (recall@10 ≥ 0.95 there at 100K and above). */
export const DEFAULT_PROBES = 48;

export interface IvfSearchOptions {
  /** Lists opened per query (default DEFAULT_PROBES). */
  probes?: number;
  /** Rows handed to exact re-ranking (default 4·k, at least 64). */
  candidates?: number;
  /** Rows to leave out. */
  excluded?: (row: number) => boolean;
}

/** An opened IVF index: centroids, row ids and scales in memory, codes read from the file per probed list. */
export class IvfIndex {
  private constructor(
    private readonly fd: number,
    readonly dim: number,
    readonly lists: number,
    readonly rows: number,
    private readonly centroids: Float32Array,
    private readonly offsets: Uint32Array,
    private readonly rowIds: Uint32Array,
    private readonly scales: Float32Array,
    private readonly codesAt: number,
    /** Use the typed-array kernels even where WebAssembly SIMD is available (tests, benchmarks). */
    private readonly forceLoop = false,
  ) {
    this.queryCode = new Int8Array(dim);
  }

  /** Open an index file; undefined when it is missing, damaged or for another width or size (rebuild it then). */
  static open(file: string, expect: { dim: number; rows?: number }, options: { forceLoop?: boolean } = {}): IvfIndex | undefined {
    if (!fs.existsSync(file)) return undefined;
    const fd = fs.openSync(file, 'r');
    try {
      const header = Buffer.alloc(HEADER_BYTES);
      fs.readSync(fd, header, 0, HEADER_BYTES, 0);
      if (!header.subarray(0, 8).equals(MAGIC) || header.readUInt32LE(8) !== VERSION) throw new Error('not an index');
      const dim = header.readUInt32LE(12);
      const lists = header.readUInt32LE(16);
      const rows = header.readUInt32LE(20);
      if (dim !== expect.dim || (expect.rows !== undefined && rows !== expect.rows)) throw new Error('stale');
      const read = (bytes: number, at: number): Buffer => {
        const b = Buffer.alloc(bytes);
        if (fs.readSync(fd, b, 0, bytes, at) !== bytes) throw new Error('short');
        return b;
      };
      let at = HEADER_BYTES;
      const centroidBytes = read(lists * dim * 4, at);
      at += lists * dim * 4;
      const offsetBytes = read((lists + 1) * 4, at);
      at += (lists + 1) * 4;
      const rowBytes = read(rows * 4, at);
      at += rows * 4;
      const scaleBytes = read(rows * 4, at);
      at += rows * 4;
      if (fs.fstatSync(fd).size !== at + rows * dim) throw new Error('short');
      const f32 = (b: Buffer) => new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      const u32 = (b: Buffer) => new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      return new IvfIndex(fd, dim, lists, rows, f32(centroidBytes), u32(offsetBytes), u32(rowBytes), f32(scaleBytes), at, options.forceLoop);
    } catch {
      fs.closeSync(fd);
      return undefined;
    }
  }

  /** Kernel state for queries (created on the first one; holds the centroids and a block for the largest list). */
  private kernels: DotKernels | undefined;
  private readonly queryCode: Int8Array;

  /** Approximate candidates (row ids with their int8 scores), best first. */
  candidates(query: Float32Array, options: IvfSearchOptions & { want: number }): ScoredRow[] {
    const { dim } = this;
    const kernels = (this.kernels ??= this.makeKernels());
    // int8 query (one scale for the whole query does not change the order).
    quantizeRow(query, 0, dim, this.queryCode, 0);
    kernels.setQuery(this.queryCode, query);
    const lists = nearestLists(kernels.dotFixed(), Math.min(this.lists, options.probes ?? DEFAULT_PROBES));
    const want = options.want;
    const topScore = new Float64Array(want);
    const topRow = new Int32Array(want);
    let filled = 0;
    let threshold = -Infinity;
    for (const list of lists) {
      const from = this.offsets[list]!;
      const count = this.offsets[list + 1]! - from;
      if (count === 0) continue;
      const block = kernels.codeBlock(count);
      readFully(this.fd, block, this.codesAt + from * dim);
      const scores = kernels.dotCodes(count);
      for (let i = 0; i < count; i++) {
        const score = scores[i]! * this.scales[from + i]!;
        if (filled === want && score <= threshold) continue;
        const row = this.rowIds[from + i]!;
        if (options.excluded?.(row)) continue;
        // Insertion into the sorted (descending) candidates; ties keep the earlier one first.
        let k = filled < want ? filled++ : want - 1;
        while (k > 0 && topScore[k - 1]! < score) {
          topScore[k] = topScore[k - 1]!;
          topRow[k] = topRow[k - 1]!;
          k--;
        }
        topScore[k] = score;
        topRow[k] = row;
        if (filled === want) threshold = topScore[want - 1]!;
      }
    }
    const top: ScoredRow[] = [];
    for (let i = 0; i < filled; i++) top.push({ row: topRow[i]!, score: topScore[i]! });
    return top;
  }

  private makeKernels(): DotKernels {
    let largest = 0;
    for (let c = 0; c < this.lists; c++) largest = Math.max(largest, this.offsets[c + 1]! - this.offsets[c]!);
    return new DotKernels(this.dim, this.centroids, { codeRows: largest, forceLoop: this.forceLoop });
  }

  /** Top-k: IVF candidates re-ranked exactly with `exact(row)` (the full-precision vector of a row). */
  search(query: Float32Array, k: number, exact: (row: number) => Float32Array, options: IvfSearchOptions = {}): ScoredRow[] {
    const found = this.candidates(query, { ...options, want: Math.max(k, options.candidates ?? Math.max(64, 4 * k)) });
    const rescored = found.map(({ row }) => {
      const v = exact(row);
      let s = 0;
      for (let j = 0; j < this.dim; j++) s += v[j]! * query[j]!;
      return { row, score: s };
    });
    rescored.sort((a, b) => b.score - a.score || a.row - b.row);
    return rescored.slice(0, k);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
