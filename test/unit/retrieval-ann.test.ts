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
    const exact = await bank.index.search(query, 5);
    assert.equal(found[0]!.row, exact[0]!.row);
    await bank.close();
    await embedder.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
