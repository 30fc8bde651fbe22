// Holes: the source model finds each `sorry` as its own target, the builder turns a printed goal
// into a theorem (goals printed by a real Lean and by hand, `x✝` and `case` included), and the
// splice changes nothing but the hole; every prompt profile shows the hole's form.
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../src/config';
import { parseGoal, splitGoals } from '../../src/core/hole/goal';
import { applyEdit, holeEdit, holeEditRange, proofScript } from '../../src/core/hole/splice';
import { buildHoleTheorem } from '../../src/core/hole/theorem';
import { getProfile, PROFILE_IDS } from '../../src/core/prompt';
import { HOLE_MARK, holePromptInput } from '../../src/core/prompt/hole';
import { findDeclarations, findSorries, sorryLabel } from '../../src/core/source';
import type { Declaration } from '../../src/core/types';
import { PRINTED_GOALS, REAL_LEAN_GOALS } from '../fixtures/holes/goals';

export const SKEL = `theorem skel (a b : Nat) (h : a = b) : a + 0 = b ∧ b = a := by
  have h1 : a + 0 = b := by
    sorry
  have h2 : b = a := by sorry
  exact ⟨h1, h2⟩
`;

describe('holes: the source model', () => {
  it('finds every sorry of a proof as its own hole, with its number, mode and line', () => {
    const sorries = findSorries(SKEL);
    assert.equal(sorries.length, 2);
    assert.deepEqual(sorries.map((s) => s.hole && [s.hole.index, s.hole.count, s.hole.mode, s.hole.ownLine, s.hole.afterBy]), [
      [1, 2, 'tactic', true, false],
      [2, 2, 'tactic', false, true],
    ]);
    assert.deepEqual(sorries.map((s) => s.range.start), [
      { line: 2, character: 4 },
      { line: 3, character: 24 },
    ]);
    assert.equal(sorries[0]!.hole!.lineIndent, '    ');
    assert.equal(sorryLabel(sorries[1]!), 'skel, hole 2 of 2 (line 4, column 25)');
  });

  it('keeps a whole-body sorry the whole-theorem case', () => {
    for (const text of ['theorem a : 1 = 1 := by sorry\n', 'theorem a : 1 = 1 := sorry\n', 'theorem a : 1 = 1 :=\n  by\n    sorry -- later\n']) {
      const [s] = findSorries(text);
      assert.equal(s!.hole, undefined, text);
      assert.equal(sorryLabel(s!), 'a');
    }
  });

  it('tells tactic holes from term holes', () => {
    const text = `theorem t (p q : Prop) (hp : p) (hq : q) : (p ∧ q) ∧ (q → p) ∧ ∀ n : Nat, n = n := by
  refine ⟨⟨hp, sorry⟩, fun _ => sorry, ?_⟩
  intro n
  cases n with
  | zero => sorry
  | succ k => exact (sorry : k + 1 = k + 1)

theorem u (p : Prop) (hp : p) : p ∧ p := by
  constructor
  · sorry
  case right => sorry
`;
    const modes = findSorries(text).map((s) => s.hole?.mode);
    assert.deepEqual(modes, ['term', 'term', 'tactic', 'term', 'tactic', 'tactic']);
  });

  it('numbers holes per declaration', () => {
    const text = `${SKEL}\ntheorem other : 1 = 1 := by\n  have : 2 = 2 := sorry\n  rfl\n`;
    assert.deepEqual(findSorries(text).map((s) => [s.declaration!.name, s.hole!.index, s.hole!.count]), [
      ['skel', 1, 2],
      ['skel', 2, 2],
      ['other', 1, 1],
    ]);
  });
});

function skelDecl(): Declaration {
  return findDeclarations(SKEL)[0]!;
}

function build(printedGoals: string, context = '') {
  return buildHoleTheorem({ printedGoals, declaration: skelDecl(), text: SKEL, context, holeIndex: 1 });
}

describe('holes: printed goals to a theorem', () => {
  it('reads goals Lean printed back into hypotheses and a target', () => {
    const goal = parseGoal(REAL_LEAN_GOALS.afterIntro)!;
    assert.deepEqual(goal.hypotheses, [
      { names: ['x'], type: 'Nat' },
      { names: ['h'], type: 'x + 0 = x' },
    ]);
    assert.equal(goal.target, 'True');
    assert.deepEqual(splitGoals(PRINTED_GOALS.twoCases).length, 2);
    assert.equal(parseGoal(PRINTED_GOALS.longType)!.target, '∀ (n : Nat),\n    f n = f n');
    assert.equal(parseGoal('no colon here\n⊢ True'), undefined);
  });

  it('states goals from a real Lean (tactic and term goals)', () => {
    const a = build(REAL_LEAN_GOALS.tacticBlock);
    assert.ok(a.ok);
    assert.equal(a.theorem.header, 'theorem skel_hole1 (a : Nat) (b : Nat) : a + b = b + a');
    assert.deepEqual(a.theorem.prelude, []);
    const b = build(REAL_LEAN_GOALS.afterIntro);
    assert.ok(b.ok);
    assert.equal(b.theorem.header, 'theorem skel_hole1 (x : Nat) (h : x + 0 = x) : True');
    const c = build(REAL_LEAN_GOALS.termGoal);
    assert.ok(c.ok);
    assert.equal(c.theorem.header, 'theorem skel_hole1 (x : Nat) (y : Nat) : x + y = y + x');
  });

  it('names inaccessible hypotheses and renames them in place with rename_i', () => {
    const r = build(PRINTED_GOALS.inaccessible);
    assert.ok(r.ok);
    assert.equal(r.theorem.header, 'theorem skel_hole1 (x_1 : Nat) (h : x_1 = 1) : x_1 + 0 = 1');
    assert.deepEqual(r.theorem.prelude, ['rename_i x_1']);
    const s = build(PRINTED_GOALS.shadowed);
    assert.ok(s.ok);
    assert.equal(s.theorem.header, 'theorem skel_hole1 (h_1 : 0 < 1) (h : 1 < 2) : 0 < 2');
  });

  it('takes the first of several goals and keeps its case tag', () => {
    const r = build(PRINTED_GOALS.twoCases);
    assert.ok(r.ok);
    assert.equal(r.theorem.caseTag, 'inl');
    assert.equal(r.theorem.otherGoals, 1);
    assert.equal(r.theorem.header, 'theorem skel_hole1 (p : Prop) (q : Prop) (h : p) : p ∨ q');
  });

  it('makes instance binders, universe parameters and let equations', () => {
    const r = build(PRINTED_GOALS.instance);
    assert.ok(r.ok);
    assert.equal(r.theorem.header, 'theorem skel_hole1.{u_1} (α : Type u_1) [inst_1 : DecidableEq α] (a : α) : (if a = a then 1 else 0) = 1');
    const declared = build(PRINTED_GOALS.instance, 'universe u_1');
    assert.ok(declared.ok);
    assert.ok(declared.theorem.header.startsWith('theorem skel_hole1 (α'), 'a universe the file declares is not redeclared');
    const l = build(PRINTED_GOALS.letValue);
    assert.ok(l.ok);
    assert.equal(l.theorem.header, 'theorem skel_hole1 (n : Nat) (n_def_1 : n = 5) : n + 0 = 5');
    assert.deepEqual(l.theorem.prelude, ['have n_def_1 : n = 5 := rfl']);
  });

  it('refuses, with the reason, what cannot be restated faithfully', () => {
    const cases: [string, RegExp][] = [
      [PRINTED_GOALS.elided, /elided/],
      [PRINTED_GOALS.metavariable, /metavariables/],
      ['h : skel 1 1 rfl = skel 1 1 rfl\n⊢ True', /mentions `skel` itself/],
      ['', /no goal/],
      ['h : sorry = 1\n⊢ True', /mentions `sorry`/],
    ];
    for (const [goal, reason] of cases) {
      const r = build(goal);
      assert.ok(!r.ok, goal);
      assert.match(r.reason, reason);
    }
  });
});

describe('holes: splice', () => {
  const [first, second] = findSorries(SKEL);

  it('replaces only the sorry, byte for byte elsewhere, keeping `by` on its own line', () => {
    const edit = holeEdit(SKEL, first!, first!.hole!, ['simp']);
    const out = applyEdit(SKEL, edit);
    assert.equal(out, SKEL.replace('    sorry\n', '    simp\n'));
    const multi = applyEdit(SKEL, holeEdit(SKEL, first!, first!.hole!, ['rw [Nat.add_zero]', 'exact h']));
    assert.equal(multi, SKEL.replace('    sorry\n', '    rw [Nat.add_zero]\n    exact h\n'));
  });

  it('opens a block after an inline `by` for a proof of several lines', () => {
    const edit = holeEdit(SKEL, second!, second!.hole!, ['symm', 'exact h']);
    const out = applyEdit(SKEL, edit);
    assert.equal(out, SKEL.replace('have h2 : b = a := by sorry', 'have h2 : b = a := by\n    symm\n    exact h'));
    assert.deepEqual(holeEditRange(SKEL, second!, edit.text), { start: edit.start, end: edit.end });
    assert.equal(applyEdit(SKEL, holeEdit(SKEL, second!, second!.hole!, ['exact h.symm'])), SKEL.replace('by sorry', 'by exact h.symm'));
  });

  it('puts terms in parentheses at term holes and keeps the other hole where it was', () => {
    const text = 'theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := ⟨sorry, sorry⟩\n';
    const [a, b] = findSorries(text);
    assert.equal(a!.hole!.mode, 'term');
    const out = applyEdit(text, holeEdit(text, a!, a!.hole!, ['exact hp'], 'hp'));
    assert.equal(out, 'theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := ⟨(hp), sorry⟩\n');
    assert.equal(findSorries(out)[0]!.offset, b!.offset - 1, 'the other hole only moved');
    assert.equal(applyEdit(text, holeEdit(text, b!, b!.hole!, ['simp', 'exact hq'])), 'theorem t (p q : Prop) (hp : p) (hq : q) : p ∧ q := ⟨sorry, (by\n    simp\n    exact hq)⟩\n');
  });

  it('reads a proof body as tactic lines', () => {
    assert.deepEqual(proofScript(':= by simp').lines, ['simp']);
    assert.deepEqual(proofScript(':= by\n  intro x\n  simp [x]\n').lines, ['intro x', 'simp [x]']);
    assert.deepEqual(proofScript(':= h.symm'), { lines: ['exact h.symm'], term: 'h.symm' });
  });
});

describe('holes: the prompt in every profile', () => {
  it('shows the hole\'s theorem as the task and the declaration with the hole marked', () => {
    const decl = skelDecl();
    const hole = findSorries(SKEL)[1]!;
    const base = { context: '', statement: `${decl.header} := by sorry`, retrieved: [], round: 1, history: [] };
    const input = holePromptInput(base, { declarationText: SKEL.slice(decl.start, decl.end), holeOffset: hole.offset - decl.start, label: sorryLabel(hole), theoremHeader: 'theorem skel_hole2 (a : Nat) (b : Nat) (h : a = b) (h1 : a + 0 = b) : b = a' });
    for (const id of PROFILE_IDS) {
      const config = { ...structuredClone(DEFAULT_CONFIG), promptProfile: id, customTemplate: id === 'custom' ? 'Prove:\n{{code}}' : '' };
      const text = getProfile(config).render(input).map((m) => m.content).join('\n');
      // (each profile lays out `:= by sorry` its own way: DeepSeek's puts `sorry` on its own line)
      assert.match(text, /theorem skel_hole2 \(a : Nat\) \(b : Nat\) \(h : a = b\) \(h1 : a \+ 0 = b\) : b = a := by\s+sorry/, id);
      assert.ok(text.includes(`have h2 : b = a := by ${HOLE_MARK}`), id);
      assert.ok(text.includes('skel, hole 2 of 2'), id);
    }
    const inPlace = holePromptInput(base, { declarationText: SKEL.slice(decl.start, decl.end), holeOffset: hole.offset - decl.start, label: sorryLabel(hole) });
    assert.match(inPlace.statement, /Write only the tactics that replace ⟦HOLE⟧/);
  });
});
