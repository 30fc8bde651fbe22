// The optimization metrics on real proofs: Batteries theorems from the retrieval fixture
// (test/fixtures/retrieval/batteries-theorems.jsonl), counted by hand.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/config';
import { characterCount, customScore, getMetric, improves, formatChange, readability, readabilityParts, stepCount } from '../../src/core/optimize/metrics';
import { tacticSteps } from '../../src/core/optimize/steps';

interface Row {
  id: string;
  name: string;
  proof: string;
}
const rows: Row[] = fs
  .readFileSync(path.join(__dirname, '..', 'fixtures', 'retrieval', 'batteries-theorems.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Row);
function body(idSuffix: string): string {
  const row = rows.find((r) => r.id.endsWith(idSuffix));
  assert.ok(row, `fixture has ${idSuffix}`);
  return `:= ${row.proof}`;
}
const heads = (b: string): string[] => tacticSteps(b).map((s) => s.head);

describe('optimize metrics: length (tactic steps on the syntax)', () => {
  it('a term proof is one step', () => {
    assert.equal(stepCount(body('Batteries/Logic.lean:heq_iff_eq')), 1); // ⟨eq_of_heq, heq_of_eq⟩
  });

  it('`by cases h; rfl` is two steps (`;` separates steps)', () => {
    assert.deepEqual(heads(body('Batteries/Logic.lean:eq_rec_constant')), ['cases', 'rfl']);
  });

  it('testBit_ofBits_ge: focus dots are structure, nested `by` blocks count', () => {
    // simp only · split · have hge … := by rw …; exact … · simp only · have hlt · have h … (by omega) · simp
    const b = body('Batteries/Data/Int.lean:testBit_ofBits_ge');
    assert.deepEqual(heads(b), ['simp', 'split', 'have', 'rw', 'exact', 'simp', 'have', 'have', 'omega', 'simp']);
    assert.equal(stepCount(b), 10);
  });

  it('USize.pred_toNat: the block of `all_goals` on the next lines counts', () => {
    assert.deepEqual(heads(body('Batteries/Data/UInt.lean:USize.pred_toNat')), ['have', 'have', 'cases', 'all_goals', 'simp_all', 'omega']);
  });

  it('scanlM.loop_toList: `| zero =>` alternatives open blocks and are not steps; `show … by omega` inside a list counts', () => {
    const b = body('Batteries/Data/Array/Scan.lean:scanlM.loop_toList');
    assert.deepEqual(heads(b), ['induction', 'unfold', 'simp', 'omega', 'unfold', 'rw', 'simp', 'omega', 'simp', 'omega', 'omega']);
  });

  it('counts whitespace and comments not at all', () => {
    assert.equal(stepCount(':= by\n  -- first\n  intro x\n\n  /- then -/\n  exact x'), 2);
    assert.equal(stepCount(':= by intro x; exact x'), 2);
    assert.equal(stepCount(':= by\n  constructor <;> simp'), 2);
  });

  it('every Batteries proof has at least one step and the count does not move with the whole proof', () => {
    for (const r of rows) {
      const b = `:= ${r.proof}`;
      assert.ok(stepCount(b) >= 1, r.id);
      if (!r.proof.startsWith('by\n')) continue; // with a step on the first line, shifting the rest changes the layout
      const wider = b.replace(/\n/g, '\n    ');
      assert.equal(stepCount(wider), stepCount(b), r.id);
    }
  });
});

describe('optimize metrics: readability (declarativity)', () => {
  it('testBit_ofBits_ge: 2 typed `have`s, 2 long simp chains, 10 steps → 2 / 12', () => {
    const b = body('Batteries/Data/Int.lean:testBit_ofBits_ge');
    assert.deepEqual(readabilityParts(b), { steps: 10, declarative: 2, opaque: 2 });
    assert.equal(readability(b), 2 / 12);
  });

  it('a `have` without a type is not declarative; `show`, `calc` and typed `obtain` are', () => {
    assert.equal(readabilityParts(':= by\n  have h := foo\n  exact h').declarative, 0);
    assert.equal(readabilityParts(':= by\n  have h : a = b := foo\n  exact h').declarative, 1);
    assert.equal(readabilityParts(':= by\n  obtain ⟨x, hx⟩ : ∃ x, p x := foo\n  show p x\n  exact hx').declarative, 2);
    assert.equal(readabilityParts(':= by\n  obtain ⟨x, hx⟩ := foo\n  exact hx').declarative, 0);
    assert.equal(readabilityParts(':= by\n  calc a = b := h1\n    _ = c := h2').declarative, 1);
  });

  it('a rewrite chain of four lemmas is opaque, of three is not', () => {
    assert.equal(readabilityParts(':= by rw [a, b, c, d]').opaque, 1);
    assert.equal(readabilityParts(':= by rw [a, b, c]').opaque, 0);
    assert.equal(readabilityParts(':= by simp only [f (g x), b, c, d] at h').opaque, 1);
  });

  it('higher is better', () => {
    const m = getMetric('readability');
    const before = readability(':= by\n  rw [a, b, c, d]\n  simp');
    const after = readability(':= by\n  have h : x = y := by rw [a, b, c, d]\n  simp [h]');
    assert.ok(improves(m, before, after));
    assert.ok(!improves(m, after, before));
  });
});

describe('optimize metrics: characters and custom', () => {
  it('characters: the proof after `:=`, comments dropped, whitespace runs counted once', () => {
    assert.equal(characterCount(body('Batteries/Logic.lean:heq_iff_eq')), '⟨eq_of_heq, heq_of_eq⟩'.length);
    assert.equal(characterCount(':= by\n    cases h   -- why\n    rfl'), 'by cases h rfl'.length);
    assert.equal(characterCount(body('Batteries/Logic.lean:eq_rec_constant')), 'by cases h; rfl'.length);
  });

  it('custom: weighted steps, `*` for the rest, `have:` for typed haves', () => {
    const b = body('Batteries/Data/Int.lean:testBit_ofBits_ge');
    // 3 simp × 2 + have: 2 × 0.5 + have (untyped) × 1 + split, rw, exact, omega × 1
    assert.equal(customScore(b, { simp: 2, 'have:': 0.5 }), 6 + 1 + 1 + 4);
    assert.equal(customScore(b, { '*': 0 }), 0);
  });

  it('the custom weights setting takes numbers only, with an error that says what it wants', () => {
    assert.deepEqual(resolveConfig({ optimizeCustomWeights: { simp: 2 } }).optimizeCustomWeights, { simp: 2 });
    assert.throws(() => resolveConfig({ optimizeCustomWeights: { simp: 'x' } }), /non-negative numbers/);
    assert.throws(() => resolveConfig({ optimizeMetric: 'speed' }), /length, readability, characters, custom/);
    assert.equal(DEFAULT_CONFIG.optimizeMetric, 'length');
  });

  it('strict improvement only, and readable changes', () => {
    const m = getMetric('length');
    assert.ok(improves(m, 12, 5));
    assert.ok(!improves(m, 5, 5));
    assert.ok(!improves(m, 5, 6));
    assert.equal(formatChange(m, 12, 5), '12 → 5 steps');
    assert.equal(formatChange(getMetric('readability'), 0.25, 0.5), '25 % declarative → 50 % declarative');
  });
});
