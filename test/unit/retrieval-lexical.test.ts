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
