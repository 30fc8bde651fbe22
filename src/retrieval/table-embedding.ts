// The built-in model's graph evaluated in plain JavaScript. Its ONNX graph is a table lookup:
// Gather(table f16, ids) → Cast f32 → × weights → ReduceSum over the features → ÷ max(‖·‖₂, ε).
// For that graph a session call costs more than the arithmetic (tensor set-up, padding to the
// batch's longest list), so when a model file is exactly this graph the embedder computes it here
// from the same table; any other graph runs in onnxruntime. The vectors agree with onnxruntime's
// to float rounding (the tests hold them to 1e-5); the model file, and so the fingerprint, is the same.
import { kernelInstance } from './dot-kernels';
import { DataType, decodeModel, type DecodedModel } from './onnx-writer';

/** The graph this file evaluates: [op, inputs, outputs] of each node, in order. */
const TABLE_GRAPH: [string, string[], string[]][] = [
  ['Gather', ['table', 'ids'], ['rows16']],
  ['Cast', ['rows16'], ['rows']],
  ['Unsqueeze', ['weights', 'axis2'], ['weights3']],
  ['Mul', ['rows', 'weights3'], ['weighted']],
  ['ReduceSum', ['weighted', 'axis1'], ['summed']],
  ['ReduceL2', ['summed'], ['norm']],
  ['Max', ['norm', 'epsilon'], ['safeNorm']],
  ['Div', ['summed', 'safeNorm'], ['embedding']],
];

/** f32 value of every f16 bit pattern (IEEE 754 binary16). */
const HALF_TO_FLOAT = (() => {
  const out = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) out[h] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) out[h] = mantissa ? NaN : sign * Infinity;
    else out[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return out;
})();

function equalList(a: readonly unknown[] | undefined, b: readonly unknown[]): boolean {
  return (a ?? []).length === b.length && b.every((x, i) => a![i] === x);
}

function attribute(node: NonNullable<NonNullable<DecodedModel['graph']>['node']>[number], name: string) {
  return node.attribute?.find((a) => a.name === name);
}

function int64Initializer(model: DecodedModel, name: string): number[] | undefined {
  const t = model.graph?.initializer?.find((i) => i.name === name);
  if (!t || t.dataType !== DataType.INT64 || !t.rawData || t.rawData.length % 8 !== 0) return undefined;
  const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  return Array.from({ length: t.rawData.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
}

/**
 * The weighted sum in WebAssembly SIMD: the table copied into the instance's memory once, then per
 * text the ids and weights copied in and one call (f32 products and sums, as onnxruntime).
 */
class SimdWeightedSum {
  private capacity = 0;
  private accAt = 0;
  private constructor(
    private readonly instance: WebAssembly.Instance,
    private readonly memory: WebAssembly.Memory,
    private readonly dim: number,
    /** Where the ids go: after the table. */
    private readonly idsAt: number,
  ) {}

  /** Undefined where SIMD is missing, the width is not a multiple of 16, or the table holds an infinity or NaN. */
  static create(table: Uint16Array, dim: number): SimdWeightedSum | undefined {
    if (dim % 16 !== 0 || table.some((h) => (h & 0x7c00) === 0x7c00)) return undefined;
    const instance = kernelInstance();
    if (!instance) return undefined;
    const memory = instance.exports.memory as WebAssembly.Memory;
    const kernel = new SimdWeightedSum(instance, memory, dim, Math.ceil(table.byteLength / 16) * 16);
    kernel.reserve(256);
    new Uint16Array(memory.buffer, 0, table.length).set(table);
    return kernel;
  }

  /** Room for `features` ids and weights (then the sums). */
  private reserve(features: number): void {
    if (features <= this.capacity) return;
    this.capacity = Math.max(features, this.capacity * 2);
    this.accAt = this.idsAt + Math.ceil((this.capacity * 8) / 16) * 16;
    const needed = this.accAt + this.dim * 4;
    const have = this.memory.buffer.byteLength;
    if (needed > have) this.memory.grow(Math.ceil((needed - have) / 65536));
  }

  sum(ids: readonly number[], weights: readonly number[]): Float32Array {
    const n = ids.length;
    this.reserve(n);
    const buffer = this.memory.buffer;
    new Int32Array(buffer, this.idsAt, n).set(ids);
    new Float32Array(buffer, this.idsAt + this.capacity * 4, n).set(weights);
    (this.instance.exports.weighted_sum_f16 as (...a: number[]) => void)(this.idsAt, this.idsAt + this.capacity * 4, n, 0, this.dim, this.accAt);
    return new Float32Array(buffer, this.accAt, this.dim);
  }
}

/** A bucket table (f16, `buckets` × `dim`) with the graph's ε. */
export class TableLookup {
  private constructor(
    table: Uint16Array,
    readonly buckets: number,
    readonly dim: number,
    private readonly epsilon: number,
    forceLoop = false,
  ) {
    this.acc = new Float64Array(dim);
    this.simd = forceLoop ? undefined : SimdWeightedSum.create(table, dim);
    // The table lives in one place: the SIMD instance's memory, or here for the loop.
    this.table = this.simd ? new Uint16Array(0) : table;
  }

  /** Scratch sums of one embedding (loop). */
  private readonly acc: Float64Array;
  private readonly table: Uint16Array;
  private readonly simd: SimdWeightedSum | undefined;

  /** Whether the weighted sum runs in WebAssembly SIMD (else in a typed-array loop). */
  get usesSimd(): boolean {
    return this.simd !== undefined;
  }

  /** The lookup when `onnx` is exactly the table graph (same nodes, wiring, axes and initializers), else undefined. */
  static fromOnnx(onnx: Uint8Array, options: { forceLoop?: boolean } = {}): TableLookup | undefined {
    let model: DecodedModel;
    try {
      model = decodeModel(onnx);
    } catch {
      return undefined;
    }
    const graph = model.graph;
    const nodes = graph?.node ?? [];
    if (nodes.length !== TABLE_GRAPH.length) return undefined;
    const wired = TABLE_GRAPH.every(([op, inputs, outputs], i) => {
      const n = nodes[i]!;
      return n.opType === op && !n.domain && equalList(n.input, inputs) && equalList(n.output, outputs);
    });
    if (!wired) return undefined;
    const [gather, cast, , , reduceSum, reduceL2] = nodes;
    if ((attribute(gather!, 'axis')?.i ?? 0) !== 0) return undefined;
    if (attribute(cast!, 'to')?.i !== DataType.FLOAT) return undefined;
    if ((attribute(reduceSum!, 'keepdims')?.i ?? 1) !== 0 || !equalList(int64Initializer(model, 'axis1'), [1])) return undefined;
    if (!equalList(attribute(reduceL2!, 'axes')?.ints, [1]) || (attribute(reduceL2!, 'keepdims')?.i ?? 1) !== 1) return undefined;
    if (!equalList(int64Initializer(model, 'axis2'), [2])) return undefined;
    if (!equalList(graph?.input?.map((v) => v.name), ['ids', 'weights']) || !equalList(graph?.output?.map((v) => v.name), ['embedding'])) return undefined;
    const table = graph?.initializer?.find((t) => t.name === 'table');
    const epsilon = graph?.initializer?.find((t) => t.name === 'epsilon');
    if (!table?.rawData || table.dataType !== DataType.FLOAT16 || table.dims?.length !== 2) return undefined;
    const [buckets, dim] = table.dims as [number, number];
    if (table.rawData.length !== buckets * dim * 2) return undefined;
    if (!epsilon?.rawData || epsilon.dataType !== DataType.FLOAT || epsilon.rawData.length !== 4 || (epsilon.dims?.length ?? 0) !== 0) return undefined;
    // Copied out of the decoded message: aligned, and independent of the file's bytes.
    const half = new Uint16Array(buckets * dim);
    new Uint8Array(half.buffer).set(table.rawData);
    const eps = new DataView(epsilon.rawData.buffer, epsilon.rawData.byteOffset, 4).getFloat32(0, true);
    return new TableLookup(half, buckets, dim, eps, options.forceLoop);
  }

  /**
   * The embedding of one feature list into `out` at `offset`: Σ weightᵢ · table[idᵢ] (weights rounded
   * to f32 as the graph's input is; in WebAssembly SIMD with f32 sums as onnxruntime, else in a loop
   * with f64 sums), then divided by max(‖·‖₂, ε). Ids outside the table are an error, as in onnxruntime.
   */
  embedInto(ids: readonly number[], weights: readonly number[], out: Float32Array, offset: number): void {
    const { dim, table, buckets } = this;
    for (const id of ids) if (!(id >= 0 && id < buckets)) throw new Error(`feature id ${id} is outside the table (${buckets} rows)`);
    let acc: Float32Array | Float64Array;
    if (this.simd) {
      acc = this.simd.sum(ids, weights);
    } else {
      acc = this.acc;
      const half = HALF_TO_FLOAT;
      acc.fill(0);
      for (let i = 0; i < ids.length; i++) {
        const w = Math.fround(weights[i]!);
        for (let j = 0, at = ids[i]! * dim; j < dim; j++, at++) acc[j] = acc[j]! + half[table[at]!]! * w;
      }
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += acc[j]! * acc[j]!;
    const divisor = Math.max(Math.sqrt(norm), this.epsilon);
    for (let j = 0; j < dim; j++) out[offset + j] = acc[j]! / divisor;
  }
}
