// Dot-product kernels for the approximate index: many rows against one query, int8 codes (the
// probed lists) and f32 rows (the centroids). Two implementations give the same numbers:
// - WebAssembly SIMD (a tiny module assembled below, 16 int8 lanes / 4 f32 lanes per instruction),
//   used wherever the runtime supports it (Node 16.4+, VS Code's Electron);
// - plain typed-array loops, the fallback and the reference the tests compare against.
// The int8 sums are exact integers in both. The f32 sums are accumulated in 4 interleaved lanes
// (lane i takes dimensions i, i+4, …) in both, so they agree to the last bit as well.
//
// Opcodes and encodings: the WebAssembly core specification (binary format, §5) and its fixed-width
// SIMD proposal (opcodes 0xFD-prefixed).

/** Assemble the kernel module (no toolchain: the bytes are written here). */
function kernelModuleBytes(): Uint8Array<ArrayBuffer> {
  const u32 = (n: number): number[] => {
    const out: number[] = [];
    do {
      let b = n & 0x7f;
      n >>>= 7;
      if (n !== 0) b |= 0x80;
      out.push(b);
    } while (n !== 0);
    return out;
  };
  const str = (s: string): number[] => [...u32(s.length), ...Buffer.from(s, 'latin1')];
  const section = (id: number, body: number[]): number[] => [id, ...u32(body.length), ...body];
  const vec = (items: number[][]): number[] => [...u32(items.length), ...items.flat()];
  const I32 = 0x7f;
  const V128 = 0x7b;
  const get = (i: number) => [0x20, i];
  const set = (i: number) => [0x21, i];
  const tee = (i: number) => [0x22, i];
  const i32c = (n: number) => [0x41, ...sleb(n)];
  const simd = (op: number, ...imm: number[]) => [0xfd, ...u32(op), ...imm];
  const load = (offset: number) => simd(0x00, 0, ...u32(offset)); // v128.load, align hint 1
  const zero = simd(0x0c, ...new Array<number>(16).fill(0)); // v128.const 0
  const I32_ADD = 0x6a;
  const I32_SHL = 0x74;
  const I32_LT_U = 0x49;
  const I32_GE_U = 0x4f;
  const F32_ADD = 0x92;
  const BLOCK = [0x02, 0x40];
  const LOOP = [0x03, 0x40];
  const END = 0x0b;
  const BR_IF = 0x0d;
  function sleb(n: number): number[] {
    const out: number[] = [];
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
        out.push(b);
        return out;
      }
      out.push(b | 0x80);
    }
  }
  // Both functions: (query, rows, count, dim, out) → (); params 0..4, then locals.
  const [Q, ROWS, COUNT, DIM, OUT] = [0, 1, 2, 3, 4];
  const [END_AT, J, ACC, C] = [5, 6, 7, 8];
  const rowLoop = (inner: number[], store: number[], rowBytes: number[]) => [
    ...get(OUT), ...get(COUNT), ...i32c(2), I32_SHL, I32_ADD, ...set(END_AT),
    ...BLOCK,
    ...get(OUT), ...get(END_AT), I32_GE_U, BR_IF, 0,
    ...LOOP,
    ...zero, ...set(ACC),
    ...i32c(0), ...set(J),
    ...LOOP, ...inner, BR_IF, 0, END,
    ...store,
    ...get(ROWS), ...rowBytes, I32_ADD, ...set(ROWS),
    ...get(OUT), ...i32c(4), I32_ADD, ...tee(OUT), ...get(END_AT), I32_LT_U, BR_IF, 0,
    END,
    END,
  ];
  // int8 rows · an int16 copy of the int8 query: per 16 dimensions, sign-extend the code's low and
  // high halves to int16 and take i32x4.dot_i16x8_s with the matching query halves.
  const EXT_LO = 0x87;
  const EXT_HI = 0x88;
  const DOT = 0xba;
  const I32X4_ADD = 0xae;
  const int8Inner = [
    ...get(ROWS), ...get(J), I32_ADD, ...load(0), ...set(C),
    ...get(ACC),
    ...get(C), ...simd(EXT_LO), ...get(Q), ...get(J), ...i32c(1), I32_SHL, I32_ADD, ...load(0), ...simd(DOT), ...simd(I32X4_ADD),
    ...get(C), ...simd(EXT_HI), ...get(Q), ...get(J), ...i32c(1), I32_SHL, I32_ADD, ...load(16), ...simd(DOT), ...simd(I32X4_ADD),
    ...set(ACC),
    ...get(J), ...i32c(16), I32_ADD, ...tee(J), ...get(DIM), I32_LT_U,
  ];
  const lane = (op: number, l: number) => [...get(ACC), ...simd(op, l)];
  const int8Store = [...get(OUT), ...lane(0x1b, 0), ...lane(0x1b, 1), I32_ADD, ...lane(0x1b, 2), ...lane(0x1b, 3), I32_ADD, I32_ADD, 0x36, 2, 0];
  // f32 rows · f32 query, 4 lanes; the lanes are summed as (l0 + l1) + (l2 + l3).
  const F32X4_ADD = 0xe4;
  const F32X4_MUL = 0xe6;
  const f32Inner = [
    ...get(ACC),
    ...get(ROWS), ...get(J), ...i32c(2), I32_SHL, I32_ADD, ...load(0),
    ...get(Q), ...get(J), ...i32c(2), I32_SHL, I32_ADD, ...load(0),
    ...simd(F32X4_MUL), ...simd(F32X4_ADD), ...set(ACC),
    ...get(J), ...i32c(4), I32_ADD, ...tee(J), ...get(DIM), I32_LT_U,
  ];
  const f32Store = [...get(OUT), ...lane(0x1f, 0), ...lane(0x1f, 1), F32_ADD, ...lane(0x1f, 2), ...lane(0x1f, 3), F32_ADD, F32_ADD, 0x38, 2, 0];
  const body = (code: number[], locals = vec([[...u32(2), I32], [...u32(2), V128]])) => {
    const b = [...locals, ...code, END];
    return [...u32(b.length), ...b];
  };
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), 0]])),
    ...section(3, vec([[0], [0]])),
    ...section(5, vec([[0x00, 1]])),
    ...section(7, vec([[...str('memory'), 0x02, 0], [...str('dot_i8'), 0x00, 0], [...str('dot_f32'), 0x00, 1]])),
    ...section(10, vec([
      body(rowLoop(int8Inner, int8Store, get(DIM))),
      body(rowLoop(f32Inner, f32Store, [...get(DIM), ...i32c(2), I32_SHL])),
    ])),
  ];
  return new Uint8Array(bytes);
}

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel module, or null where WebAssembly SIMD is not available (or switched off for tests). */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = kernelModuleBytes();
      compiled = process.env.OPROVER_NO_SIMD !== '1' && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

/** A fresh instance of the kernel module (its own memory), or null where WebAssembly SIMD is not available. */
export function kernelInstance(): WebAssembly.Instance | null {
  const module = kernelModule();
  return module ? new WebAssembly.Instance(module, {}) : null;
}

/** Reference kernel: out[r] = Σ_j codes[r·dim + j] · q[j] (exact integers). */
export function dotInt8Loop(q: Int8Array | Int16Array, codes: Int8Array, count: number, dim: number, out: Int32Array): void {
  for (let r = 0, base = 0; r < count; r++, base += dim) {
    let s0 = 0;
    let s1 = 0;
    let j = 0;
    for (; j + 1 < dim; j += 2) {
      s0 += codes[base + j]! * q[j]!;
      s1 += codes[base + j + 1]! * q[j + 1]!;
    }
    if (j < dim) s0 += codes[base + j]! * q[j]!;
    out[r] = s0 + s1;
  }
}

/** Reference kernel: out[r] = row r · q in f32 lanes (lane i sums dimensions ≡ i mod 4; a remainder goes to lane 0). */
export function dotF32Loop(q: Float32Array, rows: Float32Array, count: number, dim: number, out: Float32Array): void {
  const f = Math.fround;
  const whole = dim & ~3;
  for (let r = 0, base = 0; r < count; r++, base += dim) {
    let l0 = 0;
    let l1 = 0;
    let l2 = 0;
    let l3 = 0;
    for (let j = whole; j < dim; j++) l0 = f(l0 + f(rows[base + j]! * q[j]!));
    for (let j = 0; j < whole; j += 4) {
      l0 = f(l0 + f(rows[base + j]! * q[j]!));
      l1 = f(l1 + f(rows[base + j + 1]! * q[j + 1]!));
      l2 = f(l2 + f(rows[base + j + 2]! * q[j + 2]!));
      l3 = f(l3 + f(rows[base + j + 3]! * q[j + 3]!));
    }
    out[r] = f(f(l0 + l1) + f(l2 + l3));
  }
}

interface Region {
  at: number;
  bytes: number;
}

/**
 * One query's worth of kernel state: the int8/f32 query, a fixed block of f32 rows (the centroids)
 * and a scratch block for int8 codes, all in one WebAssembly memory (or plain arrays in the
 * fallback), so a query allocates nothing. Not shared between concurrent users (searches are synchronous).
 */
export class DotKernels {
  readonly simd: boolean;
  private readonly instance: WebAssembly.Instance | undefined;
  private memory: WebAssembly.Memory | undefined;
  private readonly q16: Region;
  private readonly qf: Region;
  private readonly fixed: Region;
  private codes: Region;
  private out: Region;
  // Fallback storage.
  private plainQ = new Int16Array(0);
  private plainQf = new Float32Array(0);
  private plainFixed = new Float32Array(0);
  private plainCodes = new Int8Array(0);
  private plainOut = new ArrayBuffer(0);

  private readonly fixedCount: number;

  /**
   * @param fixedRows f32 rows kept for `dotFixed` (dim wide), e.g. the centroids.
   * @param options.codeRows code rows to make room for at once (the largest list), so no query grows the memory.
   * @param options.forceLoop use the typed-array loops even where SIMD is available (tests, benchmarks).
   */
  constructor(
    readonly dim: number,
    fixedRows: Float32Array,
    options: { codeRows?: number; forceLoop?: boolean } = {},
  ) {
    this.fixedCount = Math.floor(fixedRows.length / dim);
    const module = !options.forceLoop && dim % 16 === 0 ? kernelModule() : null;
    this.simd = module !== null;
    const align = (n: number) => Math.ceil(n / 16) * 16;
    this.q16 = { at: 0, bytes: align(dim * 2) };
    this.qf = { at: this.q16.bytes, bytes: align(dim * 4) };
    this.fixed = { at: this.qf.at + this.qf.bytes, bytes: align(fixedRows.byteLength) };
    this.codes = { at: this.fixed.at + this.fixed.bytes, bytes: 0 };
    this.out = { at: this.codes.at, bytes: 0 };
    if (module) {
      this.instance = new WebAssembly.Instance(module, {});
      this.memory = this.instance.exports.memory as WebAssembly.Memory;
      const needed = this.fixed.at + this.fixed.bytes;
      if (needed > this.memory.buffer.byteLength) this.memory.grow(Math.ceil((needed - this.memory.buffer.byteLength) / 65536));
      new Float32Array(this.memory.buffer, this.fixed.at, fixedRows.length).set(fixedRows);
    } else {
      this.plainQ = new Int16Array(dim);
      this.plainQf = new Float32Array(dim);
      this.plainFixed = fixedRows.slice();
    }
    this.reserve(options.codeRows ?? 0, Math.max(options.codeRows ?? 0, this.fixedCount));
  }

  /** Room for `codeRows` int8 rows and `outRows` scores. */
  private reserve(codeRows: number, outRows: number): void {
    const codeBytes = Math.ceil((codeRows * this.dim) / 16) * 16;
    const outBytes = outRows * 4;
    if (!this.memory) {
      if (this.plainCodes.length < codeBytes) this.plainCodes = new Int8Array(codeBytes);
      if (this.plainOut.byteLength < outBytes) this.plainOut = new ArrayBuffer(outBytes);
      return;
    }
    if (codeBytes <= this.codes.bytes && outBytes <= this.out.bytes) return;
    this.codes = { at: this.codes.at, bytes: Math.max(codeBytes, this.codes.bytes) };
    this.out = { at: this.codes.at + this.codes.bytes, bytes: Math.max(outBytes, this.out.bytes) };
    const needed = this.out.at + this.out.bytes;
    const have = this.memory.buffer.byteLength;
    if (needed > have) this.memory.grow(Math.ceil((needed - have) / 65536));
  }

  /** Set the query: its int8 code (for `dotCodes`) and its f32 values (for `dotFixed`). */
  setQuery(int8: Int8Array, f32: Float32Array): void {
    if (this.memory) {
      new Int16Array(this.memory.buffer, this.q16.at, this.dim).set(int8);
      new Float32Array(this.memory.buffer, this.qf.at, this.dim).set(f32);
    } else {
      this.plainQ.set(int8);
      this.plainQf.set(f32);
    }
  }

  /** A scratch block for `rows` int8 code rows, to be filled (e.g. by a file read) before `dotCodes`. */
  codeBlock(rows: number): Uint8Array {
    this.reserve(rows, rows);
    if (!this.memory) return new Uint8Array(this.plainCodes.buffer, 0, rows * this.dim);
    return new Uint8Array(this.memory.buffer, this.codes.at, rows * this.dim);
  }

  /** Scores of the first `rows` rows of the code block against the query's int8 code. */
  dotCodes(rows: number): Int32Array {
    this.reserve(rows, rows);
    if (!this.memory) {
      const out = new Int32Array(this.plainOut, 0, rows);
      dotInt8Loop(this.plainQ, this.plainCodes, rows, this.dim, out);
      return out;
    }
    (this.instance!.exports.dot_i8 as (...a: number[]) => void)(this.q16.at, this.codes.at, rows, this.dim, this.out.at);
    return new Int32Array(this.memory.buffer, this.out.at, rows);
  }

  /** Scores of all fixed rows against the query's f32 values. */
  dotFixed(): Float32Array {
    const n = this.fixedCount;
    this.reserve(0, n);
    if (!this.memory) {
      const out = new Float32Array(this.plainOut, 0, n);
      dotF32Loop(this.plainQf, this.plainFixed, n, this.dim, out);
      return out;
    }
    (this.instance!.exports.dot_f32 as (...a: number[]) => void)(this.qf.at, this.fixed.at, n, this.dim, this.out.at);
    return new Float32Array(this.memory.buffer, this.out.at, n);
  }
}
