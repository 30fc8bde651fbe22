import assert from 'node:assert/strict';
import { IdIndex } from '../../src/retrieval/id-index';

describe('retrieval: the bank index of ids', () => {
  it('finds, replaces, removes and lists ids as a Map does, through growth and removals', () => {
    const index = new IdIndex(4);
    const reference = new Map<string, number>();
    // Deterministic ids: 16 hex digits, plus a few of other forms.
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    const ids = Array.from({ length: 5000 }, () => IdIndex.fromHalves(next(), next()));
    ids.push('not-hex', 'ABCDEF0123456789', '0000000000000000', 'ffffffffffffffff');
    ids.forEach((id, row) => {
      index.set(id, row);
      reference.set(id, row);
    });
    for (let i = 0; i < ids.length; i += 3) {
      assert.equal(index.delete(ids[i]!), reference.delete(ids[i]!));
    }
    assert.equal(index.delete('ffffffffffffffff'), reference.delete('ffffffffffffffff'));
    for (let i = 0; i < ids.length; i += 5) {
      index.set(ids[i]!, 100_000 + i); // re-adds some removed ones, moves others
      reference.set(ids[i]!, 100_000 + i);
    }
    assert.equal(index.size, reference.size);
    for (const id of [...ids, '1234567890abcdef', 'nope']) assert.equal(index.get(id), reference.get(id), id);
    assert.deepEqual(new Map(index.entries()), reference);
    assert.equal(index.forEachHalves(() => undefined), false, 'ids of another form are said');
    assert.deepEqual(IdIndex.halves('00000001ffffffff'), [1, 0xffffffff]);
    assert.equal(IdIndex.halves('ABCDEF0123456789'), undefined);
  });
});
