import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildIvf, IvfIndex, quantizeRow } from '../../src/retrieval/ann';
import { topKByLoop } from '../../src/retrieval/search';
import { clusteredRows } from '../fixtures/retrieval/vectors';

const dim = 32;
const rows = 4000;
const source = clusteredRows(dim, 200, 5);
const data = source(0, rows);

describe('approximate index (IVF, int8 codes on disk)', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-ivf-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('quantizes a row to int8 with a per-row scale', () => {
    const v = Float32Array.from([0.5, -0.25, 0.1, 0]);
    const out = new Int8Array(4);
    const scale = quantizeRow(v, 0, 4, out, 0);
    assert.deepEqual([...out], [127, -63, 25, 0]); // -63.5 rounds up
    assert.ok(Math.abs(out[1]! * scale + 0.25) < 0.005);
  });

  it('finds the exact top-10 when every list is probed, and nearly so with a few', async () => {
    const file = path.join(dir, 'vectors.ivf');
    const built = await buildIvf(file, source, rows, dim, { lists: 64, seed: 2 });
    assert.equal(built.lists, 64);
    const index = IvfIndex.open(file, { dim, rows })!;
    assert.ok(index);
    const exact = (row: number) => data.subarray(row * dim, (row + 1) * dim);
    const queries = source(rows, rows + 30);
    let overlap = 0;
    for (let q = 0; q < 30; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim);
      const truth = topKByLoop(data, dim, rows, query, 10).map((r) => r.row);
      const all = index.search(query, 10, exact, { probes: 64, candidates: rows });
      assert.deepEqual(all.map((r) => r.row), truth);
      const few = index.search(query, 10, exact, { probes: 8 });
      overlap += few.filter((r) => truth.includes(r.row)).length / 10;
      const skipped = index.search(query, 10, exact, { probes: 64, candidates: rows, excluded: (row) => row === truth[0] });
      assert.ok(!skipped.some((r) => r.row === truth[0]));
    }
    assert.ok(overlap / 30 >= 0.9, `recall@10 with 8 of 64 lists: ${overlap / 30}`);
    index.close();
  });

  it('replaces the file whole: a damaged or stale index does not open, a rebuild does', async () => {
    const file = path.join(dir, 'vectors.ivf');
    assert.equal(IvfIndex.open(file, { dim }), undefined);
    await buildIvf(file, source, rows, dim, { lists: 16 });
    assert.equal(IvfIndex.open(file, { dim, rows: rows + 1 }), undefined, 'built for another bank size');
    assert.equal(IvfIndex.open(file, { dim: dim * 2 }), undefined, 'another width');
    fs.truncateSync(file, fs.statSync(file).size - 1);
    assert.equal(IvfIndex.open(file, { dim, rows }), undefined, 'torn file');
    await buildIvf(file, source, rows, dim, { lists: 16 });
    const index = IvfIndex.open(file, { dim, rows });
    assert.ok(index);
    index!.close();
    assert.deepEqual(fs.readdirSync(dir), ['vectors.ivf'], 'no temporary file left behind');
  });
});

describe('proof bank over the approximate index', function () {
  this.timeout(60_000);

  it('searches through the index once it is built, with rows added since scanned exactly', async () => {
    const { ProofBank } = await import('../../src/retrieval/bank');
    const { BuiltinEmbedder } = await import('../../src/retrieval/embedder');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-ivf-bank-'));
    const embedder = await BuiltinEmbedder.load();
    const bank = await ProofBank.open(dir, embedder, { durable: false, annMinRows: 300 });
    const proof = (i: number) => ({ name: `T${i}.lemma_${i}`, statement: `theorem lemma_${i} (n : Nat) : n + ${i} = ${i} + n`, proof: `theorem lemma_${i} (n : Nat) : n + ${i} = ${i} + n := Nat.add_comm n ${i}`, source: { kind: 'corpus' as const, file: `f${i % 7}.lean`, line: i } });
    await bank.add(Array.from({ length: 400 }, (_, i) => proof(i)));
    assert.equal(await bank.approximateReady(), true);
    assert.equal(fs.readdirSync(dir).filter((f) => f.endsWith('.ivf')).length, 1);
    const late = 'theorem Zeta.quux_frobnicate (s : Widget) : frob (quux s) = s';
    await bank.add([{ name: 'Zeta.quux_frobnicate', statement: late, proof: `${late} := Widget.frob_quux s`, source: { kind: 'corpus', file: 'late.lean', line: 1 } }]);
    const query = await embedder.embed([late]);
    const found = await bank.search(query, 5);
    assert.equal(bank.read(found[0]!.row).name, 'Zeta.quux_frobnicate', 'a row added after the build is found');
    const excluded = await bank.search(query, 5, { name: 'Zeta.quux_frobnicate' });
    assert.equal(excluded.length, 5);
    assert.ok(!excluded.some((r) => bank.read(r.row).name === 'Zeta.quux_frobnicate'));
    const exact = exactFromFile(dir, embedder.dim, query, 5);
    assert.equal(found[0]!.row, exact[0]!.row);
    assert.equal(bank.vectorRowsInMemory, 1, 'only the row the index does not cover stays in memory');
    await bank.close();

    // Reopened: the index is opened at once and the rows it covers are never read into memory; the
    // exact vectors of the candidates come from the file.
    const again = await ProofBank.open(dir, embedder, { durable: false, annMinRows: 300 });
    assert.equal(again.vectorRowsInMemory, 1);
    assert.deepEqual(
      (await again.search(query, 5)).map((r) => r.row),
      found.map((r) => r.row),
    );
    for (const i of [0, 17, 250]) {
      const q = await embedder.embed([proof(i).statement]);
      const got = await again.search(q, 3);
      assert.equal(got[0]!.row, exactFromFile(dir, embedder.dim, q, 1)[0]!.row, `query ${i}`);
      assert.ok(Math.abs(got[0]!.score - exactFromFile(dir, embedder.dim, q, 1)[0]!.score) < 1e-6, 'scores are the exact cosine');
    }
    // Rows added past the index's reach are scanned exactly until the index is rebuilt over them.
    await again.add(Array.from({ length: 100 }, (_, i) => proof(1000 + i)));
    const q = await embedder.embed([proof(1050).statement]);
    assert.equal((await again.search(q, 1))[0]!.row, exactFromFile(dir, embedder.dim, q, 1)[0]!.row);
    assert.equal(await again.approximateReady(), true);
    assert.equal(again.vectorRowsInMemory, 0, 'the rebuilt index covers every row');
    assert.equal((await again.search(q, 1))[0]!.row, exactFromFile(dir, embedder.dim, q, 1)[0]!.row);
    await again.close();
    await embedder.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('bank vectors: rows in the file, some in memory', () => {
  it('gives the same rows, exact search and index source whether a row is in memory or only in the file', async () => {
    const { BankVectors } = await import('../../src/retrieval/bank-vectors');
    const { VEC_HEADER_BYTES } = await import('../../src/retrieval/bank-format');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-bankvec-'));
    const file = path.join(dir, 'vectors.bin');
    const dim = 16;
    const rows = 40_000; // more than one step of the file scan
    const random = (() => {
      let x = 7;
      return () => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
    })();
    const all = Float32Array.from({ length: rows * dim }, random);
    const fd = fs.openSync(file, 'w+');
    fs.writeSync(fd, Buffer.alloc(VEC_HEADER_BYTES), 0, VEC_HEADER_BYTES, 0);
    const inMemory = new BankVectors(fd, dim, file);
    inMemory.append(all);
    const partly = new BankVectors(fd, dim, file);
    partly.startOnDisk(30_000);
    partly.load(rows);
    assert.equal(partly.residentRows, 10_000);
    for (const r of [0, 29_999, 30_000, 39_999]) assert.deepEqual(Array.from(partly.row(r)), Array.from(all.subarray(r * dim, (r + 1) * dim)), `row ${r}`);
    assert.deepEqual(partly.source(29_990, 30_010), all.slice(29_990 * dim, 30_010 * dim));
    const query = Float32Array.from({ length: dim }, random);
    const excluded = { test: (r: number) => r % 3 === 0, count: Math.ceil(rows / 3) };
    // Same rows; scores equal up to f32 rounding (the in-memory search of 40K rows runs in onnxruntime).
    const same = (got: { row: number; score: number }[], want: { row: number; score: number }[]) => {
      assert.deepEqual(got.map((r) => r.row), want.map((r) => r.row));
      got.forEach((r, i) => assert.ok(Math.abs(r.score - want[i]!.score) < 1e-4));
    };
    const expected = await inMemory.search(query, 10, excluded);
    same(await partly.search(query, 10, excluded), expected);
    same(partly.tail(20_000, query, 5), await inMemory.search(query, 5, { test: (r) => r < 20_000, count: 20_000 }));
    await partly.release(35_000);
    assert.equal(partly.residentRows, 5_000);
    same(await partly.search(query, 10, excluded), expected);
    await inMemory.dispose();
    await partly.dispose();
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

/** Exact top-k over every row of a bank's vectors.bin, read straight from the file (the reference). */
function exactFromFile(dir: string, dim: number, query: Float32Array, k: number): { row: number; score: number }[] {
  const bytes = fs.readFileSync(path.join(dir, 'vectors.bin')).subarray(256);
  const rows = bytes.length / (dim * 4);
  const vectors = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const scored: { row: number; score: number }[] = [];
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += vectors[r * dim + j]! * query[j]!;
    scored.push({ row: r, score: s });
  }
  return scored.sort((a, b) => b.score - a.score || a.row - b.row).slice(0, k);
}
