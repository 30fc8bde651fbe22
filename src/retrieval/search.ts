// Exact top-k by inner product over L2-normalised vectors (so the score is the cosine), kept in one
// growable Float32Array. Two kernels give the same answer: a typed-array loop, and an
// onnxruntime Gemm+TopK graph that uses SIMD and both cores. bench/retrieval.ts measures both;
// `VectorIndex.search` uses the loop for small stores and ORT above ORT_MIN_ROWS, where it is faster.
import * as ort from 'onnxruntime-node';
import { DataType, encodeModel } from './onnx-writer';

export interface ScoredRow {
  row: number;
  score: number;
}

/** Rows with this many vectors or more are searched with onnxruntime (measured crossover, see docs/retrieval.md). */
export const ORT_MIN_ROWS = 1_000;

/**
 * Exact top-k of `query` against rows [0, count) of `vectors` (row-major, `dim` wide), best first.
 * `excluded(row)` is asked only for rows that would enter the top-k.
 */
export function topKByLoop(
  vectors: Float32Array,
  dim: number,
  count: number,
  query: Float32Array,
  k: number,
  excluded?: (row: number) => boolean,
): ScoredRow[] {
  if (k <= 0 || count <= 0) return [];
  const scores = new Float64Array(k).fill(-Infinity);
  const rows = new Int32Array(k).fill(-1);
  let filled = 0;
  let threshold = -Infinity;
  const tail = dim & ~3;
  for (let r = 0, base = 0; r < count; r++, base += dim) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let j = 0;
    for (; j < tail; j += 4) {
      s0 += vectors[base + j]! * query[j]!;
      s1 += vectors[base + j + 1]! * query[j + 1]!;
      s2 += vectors[base + j + 2]! * query[j + 2]!;
      s3 += vectors[base + j + 3]! * query[j + 3]!;
    }
    for (; j < dim; j++) s0 += vectors[base + j]! * query[j]!;
    const s = s0 + s1 + s2 + s3;
    if (filled === k && s <= threshold) continue;
    if (excluded && excluded(r)) continue;
    // Insertion into the sorted (descending) top-k; ties keep the earlier row first.
    let i = filled < k ? filled++ : k - 1;
    while (i > 0 && scores[i - 1]! < s) {
      scores[i] = scores[i - 1]!;
      rows[i] = rows[i - 1]!;
      i--;
    }
    scores[i] = s;
    rows[i] = r;
    if (filled === k) threshold = scores[k - 1]!;
  }
  const out: ScoredRow[] = [];
  for (let i = 0; i < filled; i++) out.push({ row: rows[i]!, score: scores[i]! });
  return out;
}

/** Bytes of the Gemm(transB)+TopK graph: scores = q · dbᵀ, then the k largest per query row. */
export function searchGraphBytes(dim: number): Uint8Array {
  return encodeModel({
    graphName: 'exact_top_k',
    nodes: [
      { op: 'Gemm', inputs: ['query', 'db'], outputs: ['scores'], attributes: { transB: 1 } },
      { op: 'TopK', inputs: ['scores', 'k'], outputs: ['values', 'indices'], attributes: { axis: -1, largest: 1, sorted: 1 } },
    ],
    initializers: [],
    inputs: [
      { name: 'query', dataType: DataType.FLOAT, shape: ['batch', dim] },
      { name: 'db', dataType: DataType.FLOAT, shape: ['rows', dim] },
      { name: 'k', dataType: DataType.INT64, shape: [1] },
    ],
    outputs: [
      { name: 'values', dataType: DataType.FLOAT, shape: ['batch', 'k'] },
      { name: 'indices', dataType: DataType.INT64, shape: ['batch', 'k'] },
    ],
  });
}

/** Exact top-k through onnxruntime; the stored vectors are handed over without a copy. */
export class OrtTopK {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly dim: number,
  ) {}

  static async create(dim: number, threads = 2): Promise<OrtTopK> {
    const session = await ort.InferenceSession.create(searchGraphBytes(dim), {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    return new OrtTopK(session, dim);
  }

  /** Top-k rows for each query (queries packed row-major), best first. */
  async search(vectors: Float32Array, count: number, queries: Float32Array, k: number): Promise<ScoredRow[][]> {
    const batch = queries.length / this.dim;
    const kk = Math.min(k, count);
    if (kk <= 0 || count <= 0) return Array.from({ length: batch }, () => []);
    const db = new ort.Tensor('float32', vectors.subarray(0, count * this.dim), [count, this.dim]);
    const query = new ort.Tensor('float32', queries, [batch, this.dim]);
    const result = await this.session.run({ query, db, k: new ort.Tensor('int64', BigInt64Array.of(BigInt(kk)), [1]) });
    const values = result.values!.data as Float32Array;
    const indices = result.indices!.data as BigInt64Array;
    const out: ScoredRow[][] = [];
    for (let b = 0; b < batch; b++) {
      const rows: ScoredRow[] = [];
      for (let i = 0; i < kk; i++) rows.push({ row: Number(indices[b * kk + i]!), score: values[b * kk + i]! });
      out.push(rows);
    }
    return out;
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** A growable row-major matrix of f32 vectors with exact search. */
export class VectorIndex {
  private data: Float32Array;
  private rows = 0;
  private ort: Promise<OrtTopK> | undefined;

  constructor(
    readonly dim: number,
    initialCapacity = 1024,
    /** 'auto' picks by size; the others force one kernel (benchmarks and tests). */
    readonly kernel: 'auto' | 'loop' | 'ort' = 'auto',
  ) {
    this.data = new Float32Array(Math.max(1, initialCapacity) * dim);
  }

  get count(): number {
    return this.rows;
  }

  /** The stored vectors, rows [0, count). A view: valid until the next append. */
  get vectors(): Float32Array {
    return this.data.subarray(0, this.rows * this.dim);
  }

  append(vector: Float32Array): number {
    if (vector.length !== this.dim) throw new Error(`vector has ${vector.length} dimensions, the index ${this.dim}`);
    this.reserve(this.rows + 1);
    this.data.set(vector, this.rows * this.dim);
    return this.rows++;
  }

  /** Append many rows packed row-major. */
  appendPacked(packed: Float32Array): void {
    const n = packed.length / this.dim;
    if (!Number.isInteger(n)) throw new Error('packed vectors are not a whole number of rows');
    this.reserve(this.rows + n);
    this.data.set(packed, this.rows * this.dim);
    this.rows += n;
  }

  /** Drop rows from `count` on (used when the record log lost its tail). */
  truncate(count: number): void {
    this.rows = Math.min(this.rows, Math.max(0, count));
  }

  reserve(rows: number): void {
    if (rows * this.dim <= this.data.length) return;
    let capacity = this.data.length / this.dim;
    while (capacity < rows) capacity = Math.ceil(capacity * 1.5) + 16;
    const next = new Float32Array(capacity * this.dim);
    next.set(this.data.subarray(0, this.rows * this.dim));
    this.data = next;
  }

  /**
   * Exact top-k, best first, skipping rows for which `excluded` is true. With ORT the graph returns
   * k + (number of excluded rows) candidates so the answer stays exact after filtering.
   */
  async search(query: Float32Array, k: number, excluded?: { test: (row: number) => boolean; count: number }): Promise<ScoredRow[]> {
    const useOrt = this.kernel === 'ort' || (this.kernel === 'auto' && this.rows >= ORT_MIN_ROWS);
    if (!useOrt) return topKByLoop(this.data, this.dim, this.rows, query, k, excluded?.test);
    this.ort ??= OrtTopK.create(this.dim);
    const engine = await this.ort;
    const want = Math.min(this.rows, k + (excluded?.count ?? 0));
    const [rows] = await engine.search(this.data, this.rows, query, want);
    const kept = excluded ? rows!.filter((r) => !excluded.test(r.row)) : rows!;
    return kept.slice(0, k);
  }

  async dispose(): Promise<void> {
    const engine = this.ort;
    this.ort = undefined;
    if (engine) await (await engine).dispose();
  }
}
