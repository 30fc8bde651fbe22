import assert from 'node:assert/strict';
import { fuseRankings, LexicalIndex } from '../../src/retrieval/lexical';

describe('lexical index (BM25 from the bank itself)', () => {
  const docs = ['theorem a (n : Nat) : n + 0 = n := Nat.add_zero n', 'theorem b (l : List Nat) : l ++ [] = l := List.append_nil l', 'theorem c (n : Nat) : n * 1 = n := Nat.mul_one n'];

  it('ranks by BM25 over the Lean features and skips excluded rows', () => {
    const index = new LexicalIndex();
    for (const d of docs) index.add(d);
    assert.deepEqual(index.search('theorem t (xs : List Nat) : xs ++ [] = xs', 3).map((r) => r.row)[0], 1);
    assert.deepEqual(index.search('List.append_nil', 3, (row) => row === 1), []);
    const scores = index.score('n * 1', docs);
    assert.equal(scores.indexOf(Math.max(...scores)), 2);
  });

  it('keeps its statistics up to date as proofs arrive (a term gets cheaper as it spreads)', () => {
    const index = new LexicalIndex();
    index.add(docs[0]!);
    index.add(docs[1]!);
    const before = index.score('Nat.add_zero', [docs[0]!])[0]!;
    for (let i = 0; i < 20; i++) index.add(`theorem x${i} : True := Nat.add_zero`);
    const after = index.score('Nat.add_zero', [docs[0]!])[0]!;
    assert.ok(after < before, `${after} < ${before}`);
    assert.equal(index.size, 22);
  });

  it('keeps row numbers for removed rows, and stops indexing postings past its limit', () => {
    const index = new LexicalIndex(undefined, 2);
    index.add(null);
    index.add(docs[1]!);
    assert.equal(index.searchable, true);
    index.add(docs[2]!);
    assert.equal(index.searchable, false);
    assert.deepEqual(index.search('List.append_nil', 5).map((r) => r.row), [1]);
    assert.ok(!index.search('Nat.mul_one', 5).some((r) => r.row === 2), 'row 2 is past the postings limit');
    assert.ok(index.score('Nat.mul_one', [docs[2]!])[0]! > 0, 'but it can still be scored');
  });

  it('prunes with max-score bounds and still returns exactly the exhaustive top-k', () => {
    // Seeded documents over a skewed vocabulary: a few names in almost every row (long lists the
    // pruning should skip), many rare ones, lengths from one name to dozens, repeated names (tf > 1).
    let s = 12345;
    const random = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const word = () => `Lib.name_${Math.floor(400 * random() ** 3)}`;
    const doc = () => Array.from({ length: 1 + Math.floor(40 * random()) }, word).join(' ');
    const index = new LexicalIndex();
    const rows = 3000;
    for (let r = 0; r < rows; r++) index.add(r % 97 === 5 ? null : doc());
    let compared = 0;
    for (let q = 0; q < 60; q++) {
      const query = Array.from({ length: 2 + (q % 12) }, word).join(' ');
      for (const k of [1, 8, 64]) {
        const excluded = q % 3 === 0 ? (row: number) => row % 5 === 0 : undefined;
        const pruned = index.searchPruned(query, k, excluded);
        const exhaustive = index.searchExhaustive(query, k, excluded);
        assert.deepEqual(pruned, exhaustive, `query ${q}, k ${k}`);
        assert.ok(pruned.length > 0);
        compared++;
      }
    }
    assert.equal(compared, 180);
    // Ties: identical rows score the same and come back lower row first.
    const twins = new LexicalIndex();
    for (let r = 0; r < 10; r++) twins.add(r % 2 ? 'theorem t : Foo.bar = Foo.bar' : 'theorem u : Baz.qux');
    assert.deepEqual(twins.search('Foo.bar', 3).map((r) => r.row), [1, 3, 5]);
    assert.deepEqual(twins.searchPruned('Foo.bar', 3), twins.searchExhaustive('Foo.bar', 3));
    assert.deepEqual(twins.searchPruned('Foo.bar', 3).map((r) => r.row), [1, 3, 5]);
  });

  it('fuses rankings by weighted reciprocal rank', () => {
    const fused = fuseRankings([
      { ids: ['a', 'b', 'c'], weight: 1 },
      { ids: ['c', 'b', 'd'], weight: 1 },
    ]);
    // c: 1/61 + 1/63 > b: 2/62 > a: 1/61 > d: 1/63
    assert.deepEqual(fused.map((f) => f.id), ['c', 'b', 'a', 'd']);
    assert.ok(Math.abs(fused[1]!.score - 2 / 62) < 1e-12);
    const weighted = fuseRankings([
      { ids: ['a', 'b'], weight: 1 },
      { ids: ['b', 'a'], weight: 2 },
    ]);
    assert.deepEqual(weighted.map((f) => f.id), ['b', 'a']);
  });
});
