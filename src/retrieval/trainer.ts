// Contrastive training of the built-in embedder's bucket table, in plain TypeScript (no ML library).
// The model is the ONNX graph of builtin-model.ts: a text's hashed Lean features, weighted, pick rows
// of the table, which are summed and L2-normalised. The table (buckets × dim) is the learned
// projection of the hashed bag of features. Training pairs are (statement, what its proof uses:
// proof text and lemma names); each batch uses the other pairs' positives as negatives (InfoNCE,
// symmetric, fixed temperature), optimised with Adagrad on the rows a batch touches.
import { hashedFeatures, type FeatureOptions } from './lean-features';

export interface SparseText {
  ids: Int32Array;
  weights: Float32Array;
}

export function sparseText(text: string, options: FeatureOptions): SparseText {
  const f = hashedFeatures(text, options);
  return { ids: Int32Array.from(f.ids), weights: Float32Array.from(f.weights) };
}

/** The model's forward pass in JS: writes the unit vector into `out` and returns the norm before scaling. */
export function embedSparse(table: Float32Array, dim: number, text: SparseText, out: Float32Array): number {
  out.fill(0);
  for (let i = 0; i < text.ids.length; i++) {
    const base = text.ids[i]! * dim;
    const w = text.weights[i]!;
    for (let j = 0; j < dim; j++) out[j]! += w * table[base + j]!;
  }
  let norm = 0;
  for (let j = 0; j < dim; j++) norm += out[j]! * out[j]!;
  norm = Math.sqrt(norm);
  const scale = norm > 1e-12 ? 1 / norm : 0;
  for (let j = 0; j < dim; j++) out[j]! *= scale;
  return norm;
}

export interface TrainOptions {
  dim: number;
  epochs: number;
  batchSize: number;
  temperature: number;
  learningRate: number;
  seed: number;
  /**
   * Scale each row's step by the row's starting length over the mean one, so a row keeps its share
   * of the sum (frequent features start short: their IDF is low).
   */
  relativeSteps?: boolean;
  /** Rows that may change (1) and rows kept as they start (0); default: every row. */
  trainable?: Uint8Array;
}

export interface TrainPair {
  query: SparseText;
  positive: SparseText;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded Fisher–Yates shuffle of 0..n-1. */
export function shuffled(n: number, random: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/**
 * Train `table` in place. Calls `onEpoch(epoch, meanLoss)` after each epoch (1-based); returns the
 * mean loss of every epoch. Deterministic for the same table, pairs and options.
 */
export function trainContrastive(table: Float32Array, pairs: readonly TrainPair[], options: TrainOptions, onEpoch?: (epoch: number, loss: number) => void): number[] {
  const { dim, batchSize } = options;
  const random = mulberry32(options.seed);
  const accumulator = new Float32Array(table.length);
  const gradient = new Float32Array(table.length);
  const touched = new Uint8Array(table.length / dim);
  const touchedRows: number[] = [];
  const q = new Float32Array(batchSize * dim);
  const d = new Float32Array(batchSize * dim);
  const qNorm = new Float64Array(batchSize);
  const dNorm = new Float64Array(batchSize);
  const s = new Float64Array(batchSize * batchSize);
  const g = new Float64Array(batchSize * batchSize);
  const gq = new Float64Array(dim);
  const row = new Float32Array(dim);
  const losses: number[] = [];
  const rowScale = new Float32Array(table.length / dim).fill(1);
  if (options.relativeSteps) {
    let total = 0;
    for (let r = 0; r < rowScale.length; r++) {
      let n = 0;
      for (let j = 0; j < dim; j++) n += table[r * dim + j]! ** 2;
      rowScale[r] = Math.sqrt(n);
      total += rowScale[r]!;
    }
    const average = total / rowScale.length || 1;
    for (let r = 0; r < rowScale.length; r++) rowScale[r]! /= average;
  }
  const invT = 1 / options.temperature;

  const backward = (text: SparseText, vec: Float32Array, offset: number, norm: number, grad: Float64Array): void => {
    // Through the normalisation: ∂L/∂u = (g − v (v·g)) / ‖u‖, then into each feature's row.
    if (norm <= 1e-12) return;
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += vec[offset + j]! * grad[j]!;
    for (let i = 0; i < text.ids.length; i++) {
      const id = text.ids[i]!;
      if (!touched[id]) {
        touched[id] = 1;
        touchedRows.push(id);
      }
      const w = text.weights[i]! / norm;
      const base = id * dim;
      for (let j = 0; j < dim; j++) gradient[base + j]! += w * (grad[j]! - vec[offset + j]! * dot);
    }
  };

  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    const order = shuffled(pairs.length, random);
    let lossSum = 0;
    let batches = 0;
    for (let from = 0; from + 1 < order.length; from += batchSize) {
      const b = Math.min(batchSize, order.length - from);
      for (let i = 0; i < b; i++) {
        const pair = pairs[order[from + i]!]!;
        qNorm[i] = embedSparse(table, dim, pair.query, row);
        q.set(row, i * dim);
        dNorm[i] = embedSparse(table, dim, pair.positive, row);
        d.set(row, i * dim);
      }
      // Similarities, then the symmetric InfoNCE loss and its gradient with respect to them.
      for (let i = 0; i < b; i++) {
        for (let k = 0; k < b; k++) {
          let dot = 0;
          for (let j = 0; j < dim; j++) dot += q[i * dim + j]! * d[k * dim + j]!;
          s[i * b + k] = dot * invT;
        }
      }
      g.fill(0);
      let loss = 0;
      for (let i = 0; i < b; i++) {
        let max = -Infinity;
        for (let k = 0; k < b; k++) max = Math.max(max, s[i * b + k]!);
        let sum = 0;
        for (let k = 0; k < b; k++) sum += Math.exp(s[i * b + k]! - max);
        loss += -(s[i * b + i]! - max - Math.log(sum));
        for (let k = 0; k < b; k++) g[i * b + k]! += (Math.exp(s[i * b + k]! - max) / sum - (i === k ? 1 : 0)) / (2 * b);
      }
      for (let k = 0; k < b; k++) {
        let max = -Infinity;
        for (let i = 0; i < b; i++) max = Math.max(max, s[i * b + k]!);
        let sum = 0;
        for (let i = 0; i < b; i++) sum += Math.exp(s[i * b + k]! - max);
        loss += -(s[k * b + k]! - max - Math.log(sum));
        for (let i = 0; i < b; i++) g[i * b + k]! += (Math.exp(s[i * b + k]! - max) / sum - (i === k ? 1 : 0)) / (2 * b);
      }
      lossSum += loss / (2 * b);
      batches++;
      // ∂L/∂q_i = Σ_k g_ik d_k / T and ∂L/∂d_k = Σ_i g_ik q_i / T, pushed into the table rows.
      for (let i = 0; i < b; i++) {
        gq.fill(0);
        for (let k = 0; k < b; k++) {
          const c = g[i * b + k]! * invT;
          if (c === 0) continue;
          for (let j = 0; j < dim; j++) gq[j]! += c * d[k * dim + j]!;
        }
        backward(pairs[order[from + i]!]!.query, q, i * dim, qNorm[i]!, gq);
      }
      for (let k = 0; k < b; k++) {
        gq.fill(0);
        for (let i = 0; i < b; i++) {
          const c = g[i * b + k]! * invT;
          if (c === 0) continue;
          for (let j = 0; j < dim; j++) gq[j]! += c * q[i * dim + j]!;
        }
        backward(pairs[order[from + k]!]!.positive, d, k * dim, dNorm[k]!, gq);
      }
      // Adagrad on the touched rows only.
      for (const id of touchedRows) {
        const base = id * dim;
        if (options.trainable && !options.trainable[id]) {
          gradient.fill(0, base, base + dim);
          touched[id] = 0;
          continue;
        }
        const rate = options.learningRate * rowScale[id]!;
        for (let j = 0; j < dim; j++) {
          const gj = gradient[base + j]!;
          accumulator[base + j]! += gj * gj;
          table[base + j]! -= (rate * gj) / (Math.sqrt(accumulator[base + j]!) + 1e-8);
          gradient[base + j] = 0;
        }
        touched[id] = 0;
      }
      touchedRows.length = 0;
    }
    const mean = lossSum / Math.max(1, batches);
    losses.push(mean);
    onEpoch?.(epoch, mean);
  }
  return losses;
}
