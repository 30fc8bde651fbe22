import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildIvf, IvfIndex, nearestLists, quantizeRow } from '../../src/retrieval/ann';
import { DotKernels, dotF32Loop, dotInt8Loop } from '../../src/retrieval/dot-kernels';
import { clusteredRows, unitVectors } from '../fixtures/retrieval/vectors';

/** Seeded int8 values in [-127, 127]. */
function int8s(count: number, seed: number): Int8Array {
  let s = seed >>> 0;
  return Int8Array.from({ length: count }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % 255) - 127);
}

describe('dot-product kernels (WebAssembly SIMD and the typed-array reference)', () => {
  for (const dim of [16, 128, 384]) {
    it(`give the same int8 and f32 scores at width ${dim}`, () => {
      const rows = 257;
      const fixed = unitVectors(rows, dim, dim);
      const simd = new DotKernels(dim, fixed);
      const loop = new DotKernels(dim, fixed, { forceLoop: true });
      assert.equal(simd.simd, true, 'this Node has WebAssembly SIMD');
      assert.equal(loop.simd, false);
      const q8 = int8s(dim, 3);
      const qf = unitVectors(1, dim, 7);
      const codes = int8s(rows * dim, 11);
      for (const k of [simd, loop]) {
        k.setQuery(q8, qf);
        k.codeBlock(rows).set(new Uint8Array(codes.buffer));
      }
      const expected = new Int32Array(rows);
      dotInt8Loop(q8, codes, rows, dim, expected);
      // Exact integers; spot-check the reference against a plain sum.
      let plain = 0;
      for (let j = 0; j < dim; j++) plain += codes[5 * dim + j]! * q8[j]!;
      assert.equal(expected[5], plain);
      assert.deepEqual([...simd.dotCodes(rows)], [...expected]);
      assert.deepEqual([...loop.dotCodes(rows)], [...expected]);
      // f32: the same four-lane order in both, so equal to the last bit; close to the f64 dot.
      const reference = new Float32Array(rows);
      dotF32Loop(qf, fixed, rows, dim, reference);
      assert.deepEqual([...simd.dotFixed()], [...reference]);
      assert.deepEqual([...loop.dotFixed()], [...reference]);
      let exact = 0;
      for (let j = 0; j < dim; j++) exact += fixed[9 * dim + j]! * qf[j]!;
      assert.ok(Math.abs(reference[9]! - exact) < 1e-6);
    });
  }

  it('falls back to the loops for a width that is not a multiple of 16, with the same answers', () => {
    const dim = 20;
    const fixed = unitVectors(10, dim, 1);
    const k = new DotKernels(dim, fixed);
    assert.equal(k.simd, false);
    const q8 = int8s(dim, 5);
    k.setQuery(q8, fixed.subarray(0, dim));
    const codes = int8s(10 * dim, 6);
    k.codeBlock(10).set(new Uint8Array(codes.buffer));
    const expected = new Int32Array(10);
    dotInt8Loop(q8, codes, 10, dim, expected);
    assert.deepEqual([...k.dotCodes(10)], [...expected]);
    assert.ok(Math.abs(k.dotFixed()[0]! - 1) < 1e-5, 'a unit row against itself');
  });

  it('grows its code block for a list larger than it was sized for, keeping the query', () => {
    const dim = 16;
    const k = new DotKernels(dim, unitVectors(2, dim, 1), { codeRows: 1 });
    const q8 = int8s(dim, 2);
    k.setQuery(q8, unitVectors(1, dim, 3));
    const rows = 50_000; // several WebAssembly pages
    const codes = int8s(rows * dim, 4);
    k.codeBlock(rows).set(new Uint8Array(codes.buffer));
    const expected = new Int32Array(rows);
    dotInt8Loop(q8, codes, rows, dim, expected);
    assert.deepEqual([...k.dotCodes(rows)], [...expected]);
  });

  it('picks the nearest lists best first, ties to the lower list', () => {
    assert.deepEqual([...nearestLists([0.1, 0.5, 0.3, 0.5, -1], 3)], [1, 3, 2]);
    assert.deepEqual([...nearestLists([0.2], 4)], [0]);
  });
});

describe('approximate index: SIMD and loop kernels agree', function () {
  this.timeout(30_000);
  it('returns the same candidates and results with either kernel', async () => {
    const dim = 64;
    const rows = 3000;
    const source = clusteredRows(dim, 100, 13);
    const data = source(0, rows);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-kernels-'));
    try {
      const file = path.join(dir, 'v.ivf');
      await buildIvf(file, source, rows, dim, { lists: 40, seed: 3 });
      const simd = IvfIndex.open(file, { dim, rows })!;
      const loop = IvfIndex.open(file, { dim, rows }, { forceLoop: true })!;
      const exact = (row: number) => data.subarray(row * dim, (row + 1) * dim);
      const queries = source(rows, rows + 25);
      for (let q = 0; q < 25; q++) {
        const query = queries.subarray(q * dim, (q + 1) * dim);
        const options = { probes: 6, want: 50, excluded: (row: number) => row % 17 === 0 };
        assert.deepEqual(simd.candidates(query, options), loop.candidates(query, options));
        assert.deepEqual(simd.search(query, 10, exact, { probes: 6 }), loop.search(query, 10, exact, { probes: 6 }));
      }
      // The int8 score of a candidate is its code times the query's code, times the row's scale.
      const query = queries.subarray(0, dim);
      const [best] = simd.candidates(query, { probes: 40, want: 1 });
      const code = new Int8Array(dim);
      const scale = quantizeRow(data, best!.row * dim, dim, code, 0);
      const q8 = new Int8Array(dim);
      quantizeRow(query, 0, dim, q8, 0);
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += code[j]! * q8[j]!;
      assert.ok(Math.abs(best!.score - dot * scale) <= 1e-6 * Math.abs(dot * scale));
      simd.close();
      loop.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
