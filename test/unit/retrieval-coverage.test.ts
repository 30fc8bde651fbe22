import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { candidateLemmas, COVERAGE_FEATURES, COVERAGE_MODEL_FILE, CoverageModel, coverageFeatures } from '../../src/retrieval/coverage';
import { BuiltinEmbedder, defaultModelsDir } from '../../src/retrieval/embedder';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/config';
import { MemoryBank, memoryFromSettings } from '../../src/retrieval/memory';

const d = COVERAGE_FEATURES.length;
/** A model that gives every lemma name the same need (bias only). */
const flat = (bias: number, rankBonus = 0.1) => new CoverageModel([bias, ...new Array<number>(d).fill(0)], new Array<number>(d).fill(0), new Array<number>(d).fill(1), 64, rankBonus);

describe('retrieval: coverage re-ranking', function () {
  this.timeout(30_000);

  it("takes a proof's lemma names by their last component, once each", () => {
    const lemmas = candidateLemmas({ statement: 'theorem t (l : List Nat) : l ++ [] = l', proof: 'theorem t (l : List Nat) : l ++ [] = l := by simp [List.append_nil, append_nil, Nat.add_comm]' });
    assert.deepEqual(lemmas.sort(), ['add_comm', 'append_nil']);
  });

  it('describes each lemma name of the pool by its place in the pool, the query and the prior', () => {
    const query = 'theorem List.length_append_nil (l : List α) : (List.append l []).length = l.length';
    const pool = [
      { row: 10, lemmas: ['append_nil', 'length'] },
      { row: 11, lemmas: ['append_nil', 'mul_comm'] },
      { row: 12, lemmas: ['length'] },
    ];
    const { names, features } = coverageFeatures(query, pool, new Map([['mul_comm', 0.5]]));
    const of = (name: string) => Object.fromEntries(COVERAGE_FEATURES.map((f, j) => [f, features[names.indexOf(name)]![j]!]));
    assert.deepEqual(names.sort(), ['append_nil', 'length', 'mul_comm']);
    assert.ok(Math.abs(of('append_nil').pool_rank - Math.log(1 + 10 * (1 / 5 + 1 / 6))) < 1e-12);
    assert.equal(of('append_nil').pool_count, Math.log(3));
    assert.equal(of('length').pool_count, Math.log(3));
    assert.equal(of('mul_comm').pool_count, Math.log(2));
    assert.equal(of('append_nil').piece_share, 1, 'append and nil are both pieces of the query');
    assert.equal(of('mul_comm').piece_count, 0);
    assert.equal(of('length').in_query, 1, '`length` is written whole in the query');
    assert.equal(of('append_nil').in_query, 0);
    assert.equal(of('mul_comm').prior, 0.5);
    assert.equal(of('length').prior, 0);
  });

  it('picks, one at a time, the proof that adds the most needed lemmas not yet covered', () => {
    const pool = [
      { row: 1, lemmas: ['a', 'b'] },
      { row: 2, lemmas: ['a', 'b'] },
      { row: 3, lemmas: ['c'] },
      { row: 4, lemmas: [] },
    ];
    const picks = flat(3).rerank('theorem q : True', pool, 3);
    assert.deepEqual(
      picks.map((p) => p.row),
      [1, 3, 2, 4],
      'the duplicate of the first pick adds nothing; the proof past k keeps its fused place',
    );
    for (let i = 1; i < 3; i++) assert.ok(picks[i]!.gain <= picks[i - 1]!.gain, 'gains do not grow');
    assert.equal(picks[3]!.gain, 0);
    // A pinned proof (of the very claim asked) is picked first whatever it adds.
    assert.deepEqual(
      flat(3).rerank('theorem q : True', pool, 3, undefined, 1).map((p) => p.row),
      [1, 3, 2, 4],
    );
    assert.deepEqual(
      flat(3).rerank('theorem q : True', [pool[3]!, ...pool.slice(0, 3)], 3, undefined, 1).map((p) => p.row),
      [4, 1, 3, 2],
    );
    // With no need at all, the fused order stands (the rank bonus decides).
    assert.deepEqual(
      flat(-50).rerank('theorem q : True', pool, 4).map((p) => p.row),
      [1, 2, 3, 4],
    );
  });

  it('fits deterministically, and a feature that tells needed names apart gets the weight', () => {
    const examples = Array.from({ length: 400 }, (_, i) => {
      const label = (i % 3 === 0 ? 1 : 0) as 0 | 1;
      return { features: [label + 0.3 * Math.sin(i), Math.cos(i), 0, 0, 0, 0], label };
    });
    const a = CoverageModel.fit(examples, { pool: 64, rankBonus: 0.1 });
    const b = CoverageModel.fit(examples, { pool: 64, rankBonus: 0.1 });
    assert.equal(a.serialize(), b.serialize());
    assert.ok(a.probability([1, 0, 0, 0, 0, 0]) > 0.8);
    assert.ok(a.probability([0, 0, 0, 0, 0, 0]) < 0.2);
    assert.deepEqual(CoverageModel.parse(a.serialize()).weights, a.weights);
  });

  it('refuses a damaged or foreign model file with what is wrong', () => {
    const good = JSON.parse(flat(1).serialize()) as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
    assert.throws(() => CoverageModel.parse('{'), /not JSON/);
    assert.throws(() => CoverageModel.parse(bad({ format: 'x' })), /not a coverage re-ranker/);
    assert.throws(() => CoverageModel.parse(bad({ features: ['pool_rank'] })), /made for other features/);
    assert.throws(() => CoverageModel.parse(bad({ weights: [1, 2] })), /weights, mean and sd/);
    assert.throws(() => CoverageModel.parse(bad({ sd: new Array(d).fill(0) })), /sd positive/);
    assert.throws(() => CoverageModel.parse(bad({ pool: 0 })), /pool must be a positive integer/);
  });

  it('is on only when the setting asks, for the editor and the command line alike', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-coverage-setting-'));
    const settings = { ...DEFAULT_CONFIG };
    assert.equal(settings.retrievalCoverage, false, 'off by default');
    assert.equal(memoryFromSettings(dir, settings, () => undefined).coverageModel(), null);
    const on = resolveConfig({ retrievalCoverage: true });
    assert.ok(memoryFromSettings(dir, on, () => undefined).coverageModel() instanceof CoverageModel);
    assert.throws(() => resolveConfig({ retrievalCoverage: 'yes' }), /retrievalCoverage/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('ships a trained model with its training record', () => {
    const model = CoverageModel.load(defaultModelsDir());
    assert.ok(model, `models/${COVERAGE_MODEL_FILE} is shipped`);
    assert.equal(model!.weights.length, d + 1);
    assert.ok(model!.training?.cv_lemma_recall_at_8, 'the file records its cross-validation scores');
  });

  describe('in the memory bank', () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-coverage-'));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const proofs = [
      { name: 'dup_a', statement: 'theorem dup_a (n : Nat) : n + 0 = n', proof: 'theorem dup_a (n : Nat) : n + 0 = n := by simp [Nat.add_zero, Nat.zero_add]' },
      { name: 'dup_b', statement: 'theorem dup_b (n : Nat) : n + 0 + 0 = n', proof: 'theorem dup_b (n : Nat) : n + 0 + 0 = n := by simp [Nat.add_zero, Nat.zero_add]' },
      { name: 'other', statement: 'theorem other (m : Nat) : m * 1 = m', proof: 'theorem other (m : Nat) : m * 1 = m := Nat.mul_one m' },
    ].map((p, i) => ({ ...p, source: { kind: 'corpus' as const, file: 'c.lean', line: i + 1 } }));
    // No stored proof makes this very claim (that one would be pinned first).
    const query = { statement: 'theorem q (k : Nat) : k + 0 + 0 + 0 = k' };

    it('shows a proof with new lemmas before a second proof of the same ones', async () => {
      const fused = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false, lemmaPrior: null });
      await fused.add(proofs);
      const plain = (await fused.retrieve(query, 2)).map((p) => p.name);
      await fused.close();
      assert.deepEqual([...plain].sort(), ['dup_a', 'dup_b'], 'the fused order puts the two near-duplicates first');
      const covering = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false, lemmaPrior: null, coverageModel: flat(3) });
      const found = await covering.retrieve(query, 2);
      await covering.close();
      assert.deepEqual(
        found.map((p) => p.name),
        [plain[0], 'other'],
      );
      assert.equal(found[0]!.score, 1);
      assert.ok(found[1]!.score > 0 && found[1]!.score < 1);
    });

    it('keeps a stored proof of the very claim asked first, and covers around it', async () => {
      const memory = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false, lemmaPrior: null, coverageModel: flat(3) });
      await memory.add(proofs);
      const found = await memory.retrieve({ statement: 'theorem q (n : Nat) : n + 0 + 0 = n' }, 2);
      await memory.close();
      assert.deepEqual(
        found.map((p) => p.name),
        ['dup_b', 'other'],
      );
    });

    it('goes on in the fused order, and says so, when the model file is damaged', async () => {
      const models = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-models-'));
      fs.writeFileSync(path.join(models, COVERAGE_MODEL_FILE), '{"format": "oprover-coverage-reranker"');
      const logs: string[] = [];
      const memory = new MemoryBank({ storageDir: dir, embedder: () => BuiltinEmbedder.load(), durable: false, lemmaPrior: null, coverageModel: 'shipped', modelsDir: models, log: (m) => logs.push(m) });
      await memory.add(proofs);
      assert.deepEqual((await memory.retrieve(query, 2)).map((p) => p.name).sort(), ['dup_a', 'dup_b']);
      assert.ok(logs.some((m) => m.startsWith('The coverage re-ranker could not be read, so retrieval goes on without it') && m.includes('not JSON')), logs.join('\n'));
      await memory.close();
      fs.rmSync(models, { recursive: true, force: true });
    });
  });
});
