// Where a verified proof lands, and when it must not land at all.
import assert from 'node:assert/strict';
import { findSorries } from '../../src/core/source';
import type { ProofTarget } from '../../src/core/types';
import { batchTargets } from '../../src/ui/batch-targets';
import { applyPlan, keepLayout, locateIn, placeHelpers, planInsertion, sorryAt } from '../../src/ui/insert';

const TEXT = ['import Demo', '', 'theorem one : 1 = 1 := by', '  sorry', '', 'theorem two (n : Nat) : n + 0 = n := by', '  sorry', ''].join('\n');

function targetAt(text: string, index: number): ProofTarget {
  const sorry = findSorries(text)[index]!;
  return { file: 'Demo.lean', projectRoot: '.', text, version: 1, sorry, declaration: sorry.declaration! };
}

describe('proof insertion plan', () => {
  it('replaces the body of the unchanged declaration', () => {
    const t = targetAt(TEXT, 1);
    const plan = planInsertion(t, TEXT, ':= by\n  simp');
    assert.ok(plan.ok);
    const out = applyPlan(TEXT, plan);
    assert.match(out, /theorem two \(n : Nat\) : n \+ 0 = n := by\n {2}simp\n$/);
    assert.match(out, /theorem one : 1 = 1 := by\n {2}sorry/, 'the other sorry is untouched');
  });

  it('places the reply\'s helper lemmas just above the declaration, its doc comment and header kept byte for byte', () => {
    const doc = `import Mathlib\n\n/-- Doc. -/\n@[simp] theorem t (a : ℕ) : a = a := by\n  sorry\n\ntheorem u : True := trivial\n`;
    const t = targetAt(doc, 0);
    const plan = planInsertion(t, doc, ':= by\n  exact aux a');
    assert.ok(plan.ok);
    const placed = placeHelpers(t, doc, plan, [{ text: 'theorem aux (a : ℕ) : a = a := rfl' }]);
    assert.equal(applyPlan(doc, placed), `import Mathlib\n\ntheorem aux (a : ℕ) : a = a := rfl\n\n/-- Doc. -/\n@[simp] theorem t (a : ℕ) : a = a := by\n  exact aux a\n\ntheorem u : True := trivial\n`);
    assert.deepEqual(placeHelpers(t, doc, plan, undefined), plan);
    assert.deepEqual(placeHelpers(t, doc, plan, []), plan);
  });

  it('finds a declaration that moved but did not change', () => {
    const t = targetAt(TEXT, 1);
    const edited = TEXT.replace('import Demo\n', 'import Demo\n-- a new comment line\n');
    const plan = planInsertion(t, edited, ':= by simp');
    assert.ok(plan.ok && plan.moved);
    // the sorry was on its own line under `by`: the one-line proof keeps that layout
    assert.match(applyPlan(edited, plan), /n \+ 0 = n := by\n {2}simp\n$/);
  });

  it('keeps `by` on its own line where the user wrote it so, and changes nothing else', () => {
    assert.equal(keepLayout(':= by\n  sorry', ':= by decide'), ':= by\n  decide');
    assert.equal(keepLayout(':= by\n    sorry\n', ':= by simp; omega'), ':= by\n    simp; omega');
    assert.equal(keepLayout(':= by sorry', ':= by decide'), ':= by decide', 'a one-line sorry stays one line');
    assert.equal(keepLayout(':= by\n  sorry', ':= by\n  intro h\n  exact h'), ':= by\n  intro h\n  exact h', 'multi-line proofs go in as checked');
    assert.equal(keepLayout(':= by\n  sorry', ':= rfl'), ':= rfl', 'term proofs go in as checked');
  });

  it('locates the sorry while it is there, else the declaration by name, else nothing', () => {
    const t = targetAt(TEXT, 1);
    const at = locateIn(t, TEXT)!;
    assert.equal(TEXT.slice(at.start, at.end), 'sorry');
    assert.equal(at.start, t.sorry.offset);
    const moved = `-- added\n${TEXT}`;
    const m = locateIn(t, moved)!;
    assert.equal(m.start, t.sorry.offset + '-- added\n'.length, 'follows the declaration when text above it changes');
    const proved = TEXT.replace('n + 0 = n := by\n  sorry', 'n + 0 = n := by\n  simp');
    const d = locateIn(t, `-- x\n${proved}`)!;
    assert.equal(`-- x\n${proved}`.slice(d.start, d.end), 'theorem two (n : Nat) : n + 0 = n', 'after an insert, the declaration it became');
    assert.equal(locateIn(t, TEXT.replace('theorem two', 'theorem three')), undefined);
  });

  it('refuses when the declaration or its sorry changed, and says so', () => {
    const t = targetAt(TEXT, 1);
    const plan = planInsertion(t, TEXT.replace('n + 0 = n := by\n  sorry', 'n + 0 = n := by\n  simp'), ':= by simp');
    assert.equal(plan.ok, false);
    assert.match((plan as { reason: string }).reason, /two \(line 7\) was edited after the proof job started/);
    const statement = planInsertion(t, TEXT.replace('n + 0 = n', '0 + n = n'), ':= by simp');
    assert.equal(statement.ok, false);
  });

  it('refuses when tactics were typed after the sorry, in place or after a move', () => {
    const t = targetAt(TEXT, 1);
    const extended = TEXT.replace('n + 0 = n := by\n  sorry', 'n + 0 = n := by\n  sorry\n  simp');
    assert.equal(planInsertion(t, extended, ':= by simp').ok, false);
    assert.equal(planInsertion(t, '-- moved\n' + extended, ':= by simp').ok, false);
  });

  it('refuses when the declaration now appears twice', () => {
    const t = targetAt(TEXT, 0);
    const doubled = TEXT.replace('theorem two', 'theorem one : 1 = 1 := by\n  sorry\n\ntheorem two');
    const plan = planInsertion(t, doubled.replace('import Demo', 'import Demo\n'), ':= rfl');
    assert.equal(plan.ok, false);
    assert.match((plan as { reason: string }).reason, /more than once/);
  });
});

describe('sorry at the cursor', () => {
  it('takes the sorry under the cursor, else the nearest in the same declaration', () => {
    assert.equal(sorryAt(TEXT, TEXT.lastIndexOf('sorry') + 2)?.range.start.line, 6);
    assert.equal(sorryAt(TEXT, TEXT.indexOf('theorem two') + 3)?.range.start.line, 6);
    assert.equal(sorryAt(TEXT, 2), undefined, 'not inside any declaration');
  });
});

describe('batch targets', () => {
  it('takes each hole and each whole-proof sorry, and says why a sorry outside a declaration is skipped', () => {
    const text = 'theorem a : 1 = 1 ∧ 2 = 2 := by\n  constructor\n  · sorry\n  · sorry\n\ntheorem b : True := sorry\n\n#check (sorry : Nat)\n';
    const { targets, skipped } = batchTargets(text);
    assert.deepEqual(targets.map((s) => [s.range.start.line, s.hole?.index]), [[2, 1], [3, 2], [5, undefined]]);
    assert.equal(skipped.length, 1);
    assert.match(skipped[0]!.reason, /not inside a declaration/);
  });
});
