import assert from 'node:assert/strict';
import { OrtTopK, VectorIndex, topKByLoop } from '../../src/retrieval/search';
import { unitVectors } from '../fixtures/retrieval/vectors';

/** The reference: score every row in float64, sort, cut. */
function bruteForce(vectors: Float32Array, dim: number, query: Float32Array, k: number, excluded: (r: number) => boolean = () => false): number[] {
  const scored: [number, number][] = [];
  for (let r = 0; r < vectors.length / dim; r++) {
    if (excluded(r)) continue;
    let s = 0;
    for (let j = 0; j < dim; j++) s += vectors[r * dim + j]! * query[j]!;
    scored.push([s, r]);
  }
  scored.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return scored.slice(0, k).map(([, r]) => r);
}

describe('retrieval: exact top-k search', function () {
  this.timeout(20_000);
  const dim = 37; // not a multiple of 4: exercises the loop's tail
  const vectors = unitVectors(3000, dim, 7);
  const queries = unitVectors(20, dim, 99);

  it('the typed-array loop matches a brute-force reference, with and without exclusions', () => {
    for (let q = 0; q < 20; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      for (const k of [1, 8, 50]) {
        assert.deepEqual(topKByLoop(vectors, dim, 3000, query, k).map((r) => r.row), bruteForce(vectors, dim, query, k));
        const excluded = (r: number) => r % 3 === 0;
        assert.deepEqual(topKByLoop(vectors, dim, 3000, query, k, excluded).map((r) => r.row), bruteForce(vectors, dim, query, k, excluded));
      }
    }
  });

  it('returns fewer rows than k when the store is small, and nothing for k = 0', () => {
    assert.equal(topKByLoop(vectors, dim, 5, queries.subarray(0, dim), 10).length, 5);
    assert.equal(topKByLoop(vectors, dim, 3000, queries.subarray(0, dim), 0).length, 0);
  });

  it('onnxruntime Gemm+TopK returns the same rows, batched', async () => {
    const engine = await OrtTopK.create(dim, 1);
    try {
      const results = await engine.search(vectors, 3000, queries, 8);
      assert.equal(results.length, 20);
      results.forEach((rows, q) => {
        const want = bruteForce(vectors, dim, queries.subarray(q * dim, (q + 1) * dim), 8);
        assert.deepEqual(rows.map((r) => r.row), want);
      });
    } finally {
      await engine.dispose();
    }
  });

  it('VectorIndex gives the same exact answer with either kernel, exclusions included', async () => {
    const loop = new VectorIndex(dim, 4, 'loop');
    const viaOrt = new VectorIndex(dim, 4, 'ort');
    for (let r = 0; r < 1000; r++) loop.append(vectors.subarray(r * dim, (r + 1) * dim));
    viaOrt.appendPacked(vectors.subarray(0, 1000 * dim));
    assert.equal(loop.count, 1000);
    const excludedRows = new Set([...Array(1000).keys()].filter((r) => r % 7 === 2));
    const excluded = { test: (r: number) => excludedRows.has(r), count: excludedRows.size };
    for (let q = 0; q < 5; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const want = bruteForce(vectors.subarray(0, 1000 * dim), dim, query, 6, excluded.test);
      assert.deepEqual((await loop.search(query, 6, excluded)).map((r) => r.row), want);
      assert.deepEqual((await viaOrt.search(query, 6, excluded)).map((r) => r.row), want);
    }
    loop.truncate(10);
    assert.equal(loop.count, 10);
    assert.throws(() => loop.append(new Float32Array(3)), /3 dimensions/);
    await viaOrt.dispose();
  });
});
