import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinGraphBytes } from '../../src/retrieval/builtin-model';
import { BuiltinEmbedder, OnnxSentenceEmbedder, type Embedder } from '../../src/retrieval/embedder';
import { LemmaPrior } from '../../src/retrieval/lemma-prior';
import { MemoryBank } from '../../src/retrieval/memory';
import type { RetrievalQuery, VerifiedProof } from '../../src/core/types';
import { writeTinyExport } from '../fixtures/retrieval/tiny-models';

const meta = { format: 'oprover-lean-hash' as const, featureVersion: 1, buckets: 64, dim: 8, maxFeatures: 32, seed: 1, smoothing: 0, corpusDocuments: 1 };

describe('retrieval: fingerprints and hybrid ranking', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-hybrid-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('fingerprints the built-in model by its content: a refit table of the same size is another model', async () => {
    const table = (k: number) => Float32Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i * k));
    const a = await BuiltinEmbedder.fromBytes(builtinGraphBytes(table(1), meta), meta);
    const again = await BuiltinEmbedder.fromBytes(builtinGraphBytes(table(1), meta), meta);
    const refit = await BuiltinEmbedder.fromBytes(builtinGraphBytes(table(2), meta), meta);
    assert.equal(a.fingerprint, again.fingerprint);
    assert.notEqual(a.fingerprint, refit.fingerprint);
    assert.match(a.fingerprint, /^lean-hash\/[0-9a-f]{32}$/);
    for (const e of [a, again, refit]) await e.dispose();
  });

  it("fingerprints a user's model by weights, vocabulary and pooling, not by its path or date", async () => {
    const one = writeTinyExport(path.join(dir, 'one'));
    const two = writeTinyExport(path.join(dir, 'two'));
    const load = (folder: string, pooling: 'mean' | 'cls' = 'mean') => OnnxSentenceEmbedder.load(folder, { pooling });
    const [a, b, cls] = [await load(one), await load(two), await load(one, 'cls')];
    assert.equal(a.fingerprint, b.fingerprint, 'same files elsewhere');
    assert.notEqual(a.fingerprint, cls.fingerprint);
    const tokenizer = JSON.parse(fs.readFileSync(path.join(two, 'tokenizer.json'), 'utf8'));
    tokenizer.added_tokens = [];
    fs.writeFileSync(path.join(two, 'tokenizer.json'), JSON.stringify(tokenizer));
    const changed = await load(two);
    assert.notEqual(changed.fingerprint, a.fingerprint, 'another vocabulary file');
    for (const e of [a, b, cls, changed]) await e.dispose();
  });

  it('builds the lexical index once even when queries arrive together on a bank larger than one fold slice', async () => {
    const memory = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false });
    await memory.add(
      Array.from({ length: 2_500 }, (_, i) => ({
        name: `Gen.lemma_${i}`,
        statement: `theorem Gen.lemma_${i} (n : Nat) : n + ${i} = ${i} + n`,
        proof: `theorem Gen.lemma_${i} (n : Nat) : n + ${i} = ${i} + n := Nat.add_comm n ${i}`,
        source: { kind: 'corpus' as const, file: 'gen.jsonl', line: i + 1 },
      })),
    );
    const ask = (i: number) => memory.retrieve({ statement: `Gen.lemma_${i}` }, 1);
    const [a, b, c] = await Promise.all([ask(7), ask(2_345), ask(7)]);
    assert.equal(a[0]!.name, 'Gen.lemma_7');
    assert.equal(b[0]!.name, 'Gen.lemma_2345');
    assert.deepEqual(c, a);
    await memory.close();
  });

  it("fuses BM25 with a user's model too: an exact name match is found even when the vectors say nothing", async () => {
    // A model that maps every text to the same vector: only the lexical half can rank.
    const flat: Embedder = {
      dim: 4,
      fingerprint: 'test/flat',
      embed: async (texts) => Float32Array.from({ length: texts.length * 4 }, () => 0.5),
      dispose: async () => undefined,
    };
    const memory = new MemoryBank({ storageDir: dir, embedder: flat, durable: false });
    const proofs = ['List.reverse_reverse', 'Nat.succ_le_of_lt', 'Array.size_push', 'String.length_append'].map((name, i) => ({
      name,
      statement: `theorem ${name} (x : T${i}) : P x`,
      proof: `theorem ${name} (x : T${i}) : P x := by simp [${name.split('.')[0]}.helper_${i}]`,
      source: { kind: 'corpus' as const, file: 'c.jsonl', line: i + 1 },
    }));
    await memory.add(proofs);
    const found = await memory.retrieve({ statement: 'theorem q (s : String) : (s ++ s).length = 2 * s.length', hints: ['String.helper_3'] }, 4);
    // The vectors alone rank it last (equal scores keep row order); BM25 lifts it into the top 3.
    assert.ok(found.slice(0, 3).some((p) => p.name === 'String.length_append'), found.map((p) => p.name).join(', '));
    // A proof stored after the lexical index was built is folded in before the next query.
    await memory.add([{ name: 'Zeta.unique_frob', statement: 'theorem Zeta.unique_frob : True', proof: 'theorem Zeta.unique_frob : True := trivial', source: { kind: 'accepted' } }]);
    const again = await memory.retrieve({ statement: 'Zeta.unique_frob' }, 5);
    assert.equal(again[0]!.name, 'Zeta.unique_frob');
    await memory.close();
  });

  it('keeps the BM25 statistics of a bank past the postings limit beside it: reopened, it reads only newer proofs, and ranks the same', async () => {
    const proof = (i: number) => ({
      name: `Gen.lemma_${i}`,
      statement: `theorem Gen.lemma_${i} (n : Nat) (h : n < ${i % 97}) : n * ${i % 13} ≤ ${i} + n`,
      proof: `theorem Gen.lemma_${i} (n : Nat) (h : n < ${i % 97}) : n * ${i % 13} ≤ ${i} + n := by ${i % 2 ? 'omega' : 'simp [Nat.mul_le_mul]'}`,
      source: { kind: 'corpus' as const, file: `gen${i % 5}.lean`, line: i + 1 },
    });
    const logs: string[] = [];
    const open = () => new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false, lexicalSearchMaxRows: 1_000, log: (m) => logs.push(m) });
    const queries = [{ statement: 'theorem q (n : Nat) (h : n < 5) : n * 3 ≤ 77 + n' }, { statement: 'Gen.lemma_11001' }];
    await reopensLikeARebuild({
      dir, open, logs, queries, proofs: Array.from({ length: 12_000 }, (_, i) => proof(i)), more: Array.from({ length: 3 }, (_, i) => proof(20_000 + i)),
      whenBuilt: async (bank) => assert.equal((await bank.lexicalSearchIndex()).indexedRows, 0, 'a bank past the limit keeps no postings it would never search'),
    });
  });

  it('keeps the whole lexical index of a bank within the postings limit: reopened, it searches as one that read every proof', async () => {
    const proof = (i: number) => ({
      name: `Gen.lemma_${i}`,
      statement: `theorem Gen.lemma_${i} (l : List Nat) (h : l.length < ${i % 89}) : (l.map (· * ${i % 11})).length ≤ ${i}`,
      proof: `theorem Gen.lemma_${i} (l : List Nat) (h : l.length < ${i % 89}) : (l.map (· * ${i % 11})).length ≤ ${i} := by ${i % 3 ? 'simp [List.length_map]; omega' : 'rw [List.length_map]; exact Nat.le_of_lt (by omega)'}`,
      source: { kind: 'corpus' as const, file: `gen${i % 7}.lean`, line: i + 1 },
    });
    const logs: string[] = [];
    const open = (lemmaPrior?: LemmaPrior) => new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false, log: (m) => logs.push(m), ...(lemmaPrior ? { lemmaPrior } : {}) });
    const queries = [{ statement: 'theorem q (l : List Nat) : (l.map (· * 3)).length ≤ 7 + l.length' }, { statement: 'Gen.lemma_10007' }, { statement: 'theorem r : List.length_map = Nat.le_of_lt', hints: ['List.length_map'] }];
    await reopensLikeARebuild({
      dir, open, logs, queries, proofs: Array.from({ length: 10_500 }, (_, i) => proof(i)), more: Array.from({ length: 5 }, (_, i) => proof(30_000 + i)),
      whenGrown: async (bank) => assert.equal((await bank.lexicalSearchIndex()).indexedRows, 10_505, 'the newer proofs are folded in after the saved ones'),
      beforeDamage: async () => {
        // Postings of another lemma prior are not used.
        const otherPrior = LemmaPrior.fit([{ statement: 'theorem t (l : List Nat) : l.length = l.length', proof: 'by rw [List.length_map]' }], { topM: 4, minCooccurrence: 1 });
        logs.length = 0;
        const other = open(otherPrior);
        await other.retrieve(queries[0]!, 8);
        assert.ok(logs.some((m) => m.includes('lexical-index.bin was made with another lemma prior; indexing the proofs again')), logs.join('\n'));
        await other.close();
      },
    });
  });
});

/**
 * Stores `proofs`, asks `queries`, and checks the lexical index saved beside the bank: reopened, the
 * bank takes it and answers the same; with `more` proofs added it answers as a bank that indexed
 * every record; a damaged file is said in the log and the proofs are indexed again.
 */
async function reopensLikeARebuild(o: {
  dir: string;
  open: () => MemoryBank;
  logs: string[];
  queries: RetrievalQuery[];
  proofs: VerifiedProof[];
  more: VerifiedProof[];
  whenBuilt?: (bank: MemoryBank) => Promise<void>;
  whenGrown?: (bank: MemoryBank) => Promise<void>;
  beforeDamage?: () => Promise<void>;
}): Promise<void> {
  const answers = (bank: MemoryBank) => Promise.all(o.queries.map((q) => bank.retrieve(q, 8)));
  const first = o.open();
  await first.add(o.proofs);
  const before = await answers(first);
  await o.whenBuilt?.(first);
  await first.close();
  const file = path.join(o.dir, 'lexical-index.bin');
  assert.ok(fs.existsSync(file), 'the index was saved after the long fold');

  o.logs.length = 0;
  const second = o.open();
  assert.deepEqual(await answers(second), before);
  assert.ok(o.logs.some((m) => m.includes(`lexical index of ${o.proofs.length} proofs taken from lexical-index.bin`)), o.logs.join('\n'));
  await second.add(o.more);
  const grown = await answers(second);
  await o.whenGrown?.(second);
  await second.close();

  // The reference: the same bank indexed from every record.
  fs.rmSync(file);
  const counted = o.open();
  assert.deepEqual(await answers(counted), grown);
  await counted.close();
  await o.beforeDamage?.();

  // A damaged file is said and not used.
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - 5] ^= 0xff;
  fs.writeFileSync(file, bytes);
  o.logs.length = 0;
  const damaged = o.open();
  assert.deepEqual(await answers(damaged), grown);
  assert.ok(o.logs.some((m) => m.includes('lexical-index.bin is damaged (checksum); indexing the proofs again')), o.logs.join('\n'));
  await damaged.close();
}
