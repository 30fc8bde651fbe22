import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BuiltinEmbedder } from '../../src/retrieval/embedder';
import { LemmaIndex, LemmaPrior, proofBody } from '../../src/retrieval/lemma-prior';
import { MemoryBank } from '../../src/retrieval/memory';

// A small corpus with one rule: statements about `Foo.frob` are proved with `Foo.frob_comm`, and
// statements about `Bar.twist` with `Bar.twist_assoc`; `Baz.once` co-occurs with `frob` once only.
function corpus() {
  const out: { statement: string; proof: string }[] = [];
  for (let i = 0; i < 6; i++) {
    out.push({ statement: `theorem f${i} (x : Nat) : Foo.frob x ${i} = Foo.frob ${i} x`, proof: `by rw [Foo.frob_comm]` });
    out.push({ statement: `theorem t${i} (x : Nat) : Bar.twist (Bar.twist x ${i}) = x`, proof: `by simp [Bar.twist_assoc, Nat.add_zero]` });
    out.push({ statement: `theorem n${i} (x : Nat) : x + ${i} = ${i} + x`, proof: `Nat.add_comm x ${i}` });
  }
  out.push({ statement: 'theorem once (x : Nat) : Foo.frob x x = x', proof: 'Baz.once x' });
  return out;
}

const top = (prior: LemmaPrior, text: string) =>
  [...prior.predict(text)]
    .sort((a, b) => b[1] - a[1])
    .map(([id]) => prior.lemmas[id]);

describe('retrieval: the lemma prior', function () {
  this.timeout(30_000);

  it('predicts the lemmas that proofs of similar statements use, and drops pairs seen once', () => {
    const prior = LemmaPrior.fit(corpus());
    assert.equal(top(prior, 'theorem g (y : Nat) : Foo.frob y 3 = Foo.frob 3 y')[0], 'Foo.frob_comm');
    assert.equal(top(prior, 'example (y : Nat) : Bar.twist y 2 = y')[0], 'Bar.twist_assoc');
    assert.ok(!prior.lemmas.includes('Baz.once'), 'a (feature, lemma) pair seen in one theorem is not kept');
    assert.equal(prior.predict('theorem unrelated : Quux.zap = Quux.zap').size, 0);
  });

  it('is deterministic and survives serialization', () => {
    const a = LemmaPrior.fit(corpus());
    const b = LemmaPrior.fit(corpus());
    assert.equal(a.serialize(), b.serialize());
    const back = LemmaPrior.parse(a.withTraining({ note: 'x' }).serialize());
    const q = 'theorem g (y : Nat) : Foo.frob y 3 = Foo.frob 3 y';
    assert.deepEqual([...back.predict(q)].sort(), [...a.predict(q)].map(([id, w]) => [id, Math.fround(w)] as [number, number]).sort());
    assert.deepEqual(back.training, { note: 'x' });
  });

  it('refuses a damaged file with a message that says what is wrong', () => {
    const good = JSON.parse(LemmaPrior.fit(corpus()).serialize());
    assert.throws(() => LemmaPrior.parse('{"format": "oprover-lemma-prior"', 'p.json'), /p\.json: not JSON/);
    assert.throws(() => LemmaPrior.parse(JSON.stringify({ ...good, format: 'other' })), /not a lemma prior/);
    assert.throws(() => LemmaPrior.parse(JSON.stringify({ ...good, featureVersion: 999 })), /feature version 999.*retrain/);
    assert.throws(() => LemmaPrior.parse(JSON.stringify({ ...good, lemmas: good.lemmas.slice(0, 1) })), /lemma id is out of range/);
    assert.throws(() => LemmaPrior.parse(JSON.stringify({ ...good, weights: 'AAA' })), /weights|fit together/);
  });

  it('takes the proof part of a stored declaration', () => {
    assert.equal(proofBody({ statement: 'theorem a : True', proof: 'theorem a : True := trivial' }), ' := trivial');
    assert.equal(proofBody({ statement: 'theorem a : True', proof: 'by trivial' }), 'by trivial');
  });

  it('ranks stored proofs by the predicted lemmas they use, skips excluded and removed rows', () => {
    const prior = LemmaPrior.fit(corpus());
    const index = new LemmaIndex(prior);
    index.add({ statement: 'theorem p0 : 1 = 1', proof: 'rfl' });
    index.add({ statement: 'theorem p1 (a : Nat) : Foo.frob a a = Foo.frob a a', proof: 'by rw [Foo.frob_comm]' });
    index.add(null);
    index.add({ statement: 'theorem p3 (a : Nat) : Bar.twist a 0 = a', proof: 'by simp [Bar.twist_assoc]' });
    const prediction = prior.predict('theorem q (z : Nat) : Foo.frob z 1 = Foo.frob 1 z');
    const rows = index.search(prediction, 5).map((r) => r.row);
    assert.equal(rows[0], 1);
    assert.ok(!rows.includes(0) && !rows.includes(2));
    assert.ok(!index.search(prediction, 5, (row) => row === 1).some((r) => r.row === 1));
    assert.equal(index.size, 4);
    const scored = index.score(prediction, [{ statement: 's', proof: 'rfl' }, { statement: 's', proof: 'by rw [Foo.frob_comm]' }]);
    assert.equal(scored[0], 0);
    assert.ok(scored[1]! > 0);
    const capped = new LemmaIndex(prior, 1);
    capped.add({ statement: 'theorem p1 : True', proof: 'by rw [Foo.frob_comm]' });
    assert.equal(capped.searchable, true);
    capped.add({ statement: 'theorem p2 : True', proof: 'by rw [Foo.frob_comm]' });
    assert.equal(capped.searchable, false);
  });

  it("lifts a proof that uses the predicted lemma in the bank's hybrid ranking", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-prior-'));
    try {
      const proofs = Array.from({ length: 40 }, (_, i) => ({
        name: `Other.fact_${i}`,
        statement: `theorem Other.fact_${i} (l : List Nat) : l.length + ${i} = ${i} + l.length`,
        proof: `theorem Other.fact_${i} (l : List Nat) : l.length + ${i} = ${i} + l.length := Nat.add_comm _ _`,
        source: { kind: 'corpus' as const, file: 'other.jsonl', line: i + 1 },
      }));
      // No word in common with the query: only the lemma it uses can bring it up.
      proofs.push({ name: 'Hidden.step', statement: 'theorem Hidden.step (q : Int) : q = q', proof: 'theorem Hidden.step (q : Int) : q = q := by rw [Foo.frob_comm]', source: { kind: 'corpus', file: 'hidden.jsonl', line: 1 } });
      const query = { statement: 'theorem goal (y : Nat) : Foo.frob y 5 = Foo.frob 5 y' };
      const rankOf = async (memory: MemoryBank) => (await memory.retrieve(query, 41)).findIndex((p) => p.name === 'Hidden.step');
      const embedder = await BuiltinEmbedder.load();
      const withPrior = new MemoryBank({ storageDir: dir, embedder, durable: false, lemmaPrior: LemmaPrior.fit(corpus()) });
      await withPrior.add(proofs);
      const lifted = await rankOf(withPrior);
      const without = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false, lemmaPrior: null });
      const plain = await rankOf(without);
      assert.ok(lifted >= 0 && lifted < 3, `with the prior it is near the top (rank ${lifted})`);
      assert.ok(plain === -1 || plain > lifted, `without it, it is lower (rank ${plain})`);
      await without.close();
      await withPrior.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('goes on without a damaged prior file, and says so', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-prior-bad-'));
    try {
      fs.mkdirSync(path.join(dir, 'models'));
      fs.writeFileSync(path.join(dir, 'models', 'lemma-prior.json'), '{"format": "oprover-lemma-prior", "featureVersion"');
      const logged: string[] = [];
      const memory = new MemoryBank({ storageDir: path.join(dir, 'bank'), embedder: () => BuiltinEmbedder.load(), durable: false, modelsDir: path.join(dir, 'models'), log: (m) => logged.push(m) });
      await memory.add([{ name: 'a', statement: 'theorem a : 1 = 1', proof: 'theorem a : 1 = 1 := rfl', source: { kind: 'corpus', file: 'x.jsonl', line: 1 } }]);
      const found = await memory.retrieve({ statement: 'theorem b : 1 = 1' }, 1);
      assert.equal(found[0]?.name, 'a');
      assert.equal(memory.lemmaPrior(), null);
      assert.ok(logged.some((m) => /lemma prior could not be read.*lemma-prior\.json: not JSON/.test(m)), logged.join('\n'));
      await memory.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads the shipped prior by default', () => {
    const memory = new MemoryBank({ storageDir: os.tmpdir(), embedder: () => BuiltinEmbedder.load() });
    const prior = memory.lemmaPrior();
    assert.ok(prior && prior.lemmas.length > 1000, 'models/lemma-prior.json is read');
    assert.ok(Array.isArray(prior.training?.corpus), 'it says what it was trained on');
  });
});
