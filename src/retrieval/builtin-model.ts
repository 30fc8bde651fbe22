// The built-in embedder's ONNX model: a table of one vector per feature bucket, fitted on a proof
// corpus, looked up and summed with the text's feature weights, then L2-normalised.
//
// Fitting: each bucket gets a seeded random unit vector, scaled by the bucket's inverse document
// frequency in the corpus (so rare names count more than `Nat` or `=`), and blended with the mean
// of the vectors of the buckets it co-occurs with (so names that occur in the same theorems end
// up near each other). Everything is deterministic for a given corpus, seed and size.
//
// Graph: ids [batch, n] int64, weights [batch, n] f32 → Gather(table f16) → Cast f32 → × weights
// → ReduceSum over n → ÷ max(‖·‖₂, ε) → embedding [batch, dim].
import { DataType, encodeModel, floatTensor, int64Tensor, type TensorInit } from './onnx-writer';
import { FEATURE_VERSION, featureCounts, hashedFeatures } from './lean-features';
import { mulberry32 } from './trainer';

export interface BuiltinModelOptions {
  buckets: number;
  dim: number;
  seed: number;
  /** Share of a bucket's vector taken from the buckets it co-occurs with (0 = plain random indexing). */
  smoothing: number;
  maxFeatures: number;
}

export const DEFAULT_BUILTIN_OPTIONS: BuiltinModelOptions = { buckets: 32768, dim: 128, seed: 20261122, smoothing: 0.2, maxFeatures: 256 };

/** The sidecar description stored next to the .onnx file. */
export interface BuiltinModelMeta {
  format: 'oprover-lean-hash';
  featureVersion: number;
  buckets: number;
  dim: number;
  maxFeatures: number;
  seed: number;
  smoothing: number;
  corpusDocuments: number;
  /** How the table was trained (scripts/train-embedder.ts): options, corpus commits, dev scores. */
  training?: Record<string, unknown>;
}

/** IEEE half precision from a float (round to nearest even), for a table half the size. */
export function toHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const bits = new Uint32Array(f32.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    let half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

export interface FittedTable {
  table: Float32Array;
  documentFrequency: Uint32Array;
  averageLength: number;
}

/** Fit the bucket table on a corpus of declarations (statement and proof text). */
export function fitTable(corpus: readonly string[], options: BuiltinModelOptions): FittedTable {
  const { buckets, dim } = options;
  const random = mulberry32(options.seed);
  // Random unit vectors (Gaussian by Box–Muller), one per bucket.
  const base = new Float32Array(buckets * dim);
  for (let b = 0; b < buckets; b++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      base[b * dim + j] = g;
      norm += g * g;
    }
    norm = Math.sqrt(norm);
    for (let j = 0; j < dim; j++) base[b * dim + j]! /= norm;
  }
  const documentFrequency = new Float64Array(buckets);
  const context = new Float32Array(buckets * dim);
  const contextMass = new Float64Array(buckets);
  const docVector = new Float32Array(dim);
  let totalLength = 0;
  for (const text of corpus) {
    for (const w of featureCounts(text, buckets).values()) totalLength += w;
    const f = hashedFeatures(text, options);
    docVector.fill(0);
    for (let i = 0; i < f.ids.length; i++) {
      const id = f.ids[i]!;
      documentFrequency[id]!++;
      for (let j = 0; j < dim; j++) docVector[j]! += f.weights[i]! * base[id * dim + j]!;
    }
    // Each bucket's context: the document's vector without the bucket itself.
    for (let i = 0; i < f.ids.length; i++) {
      const id = f.ids[i]!;
      for (let j = 0; j < dim; j++) context[id * dim + j]! += docVector[j]! - f.weights[i]! * base[id * dim + j]!;
      contextMass[id]! += 1;
    }
  }
  const n = corpus.length;
  const table = new Float32Array(buckets * dim);
  const row = new Float64Array(dim);
  for (let b = 0; b < buckets; b++) {
    const df = documentFrequency[b]!;
    const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
    let contextNorm = 0;
    for (let j = 0; j < dim; j++) contextNorm += context[b * dim + j]! ** 2;
    contextNorm = Math.sqrt(contextNorm);
    const share = contextMass[b]! > 0 && contextNorm > 0 ? options.smoothing : 0;
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      row[j] = (1 - share) * base[b * dim + j]! + (share > 0 ? (share * context[b * dim + j]!) / contextNorm : 0);
      norm += row[j]! ** 2;
    }
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < dim; j++) table[b * dim + j] = (idf * row[j]!) / norm;
  }
  return { table, documentFrequency: Uint32Array.from(documentFrequency), averageLength: corpus.length ? totalLength / corpus.length : 1 };
}

/** The ONNX bytes of the embedder around a fitted table. */
export function builtinGraphBytes(table: Float32Array, options: Pick<BuiltinModelOptions, 'buckets' | 'dim'>): Uint8Array {
  const half = new Uint16Array(table.length);
  for (let i = 0; i < table.length; i++) half[i] = toHalf(table[i]!);
  const tableTensor: TensorInit = {
    name: 'table',
    dataType: DataType.FLOAT16,
    dims: [options.buckets, options.dim],
    raw: new Uint8Array(half.buffer),
  };
  return encodeModel({
    graphName: 'lean_hash_embedder',
    docString: 'Lean-aware hashed features → fitted bucket table → weighted sum → L2 normalisation',
    nodes: [
      { op: 'Gather', inputs: ['table', 'ids'], outputs: ['rows16'], attributes: { axis: 0 } },
      { op: 'Cast', inputs: ['rows16'], outputs: ['rows'], attributes: { to: DataType.FLOAT } },
      { op: 'Unsqueeze', inputs: ['weights', 'axis2'], outputs: ['weights3'] },
      { op: 'Mul', inputs: ['rows', 'weights3'], outputs: ['weighted'] },
      { op: 'ReduceSum', inputs: ['weighted', 'axis1'], outputs: ['summed'], attributes: { keepdims: 0 } },
      { op: 'ReduceL2', inputs: ['summed'], outputs: ['norm'], attributes: { axes: [1], keepdims: 1 } },
      { op: 'Max', inputs: ['norm', 'epsilon'], outputs: ['safeNorm'] },
      { op: 'Div', inputs: ['summed', 'safeNorm'], outputs: ['embedding'] },
    ],
    initializers: [tableTensor, int64Tensor('axis1', [1], [1]), int64Tensor('axis2', [1], [2]), floatTensor('epsilon', [], new Float32Array([1e-12]))],
    inputs: [
      { name: 'ids', dataType: DataType.INT64, shape: ['batch', 'features'] },
      { name: 'weights', dataType: DataType.FLOAT, shape: ['batch', 'features'] },
    ],
    outputs: [{ name: 'embedding', dataType: DataType.FLOAT, shape: ['batch', options.dim] }],
  });
}

/** Fit and encode: the model file and its sidecar description. */

/** What every built-in model's description says of its features and fitting. */
export function baseMeta(options: { buckets: number; dim: number; maxFeatures: number; seed: number; smoothing: number }, corpusDocuments: number): BuiltinModelMeta {
  return {
    format: 'oprover-lean-hash',
    featureVersion: FEATURE_VERSION,
    buckets: options.buckets,
    dim: options.dim,
    maxFeatures: options.maxFeatures,
    seed: options.seed,
    smoothing: options.smoothing,
    corpusDocuments,
  };
}

export function buildBuiltinModel(corpus: readonly string[], options: BuiltinModelOptions = DEFAULT_BUILTIN_OPTIONS): { onnx: Uint8Array; meta: BuiltinModelMeta } {
  const { table } = fitTable(corpus, options);
  return {
    onnx: builtinGraphBytes(table, options),
    meta: baseMeta(options, corpus.length),
  };
}
