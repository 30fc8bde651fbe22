// The acceptance gate over a corpus of false proofs (each must be rejected, with the right rule)
// and a few true ones (each must pass).
import assert from 'node:assert/strict';
import { makeCandidate } from '../../src/core/extract';
import { buildCheckDocument, judge, parseAxioms, precheck, statementKept, type CheckDocument, type DiagnosticLike, type SymbolLike } from '../../src/core/gate';
import { findSorries } from '../../src/core/source';
import type { Candidate, GateRule, ProofTarget, VerdictKind } from '../../src/core/types';

const FILE = `import Mathlib

theorem helper (n : ℕ) : n + 0 = n := by
  sorry

namespace Demo

/-- The target. -/
theorem target_thm (a b : ℕ) (h : a < b) : a + 1 ≤ b := by
  sorry

example : (2 : ℕ) + 2 = 4 := by sorry

end Demo
`;

function target(name: string): ProofTarget {
  const sorry = findSorries(FILE).find((s) => (s.declaration?.name ?? s.declaration?.kind) === name)!;
  return { file: 'Demo.lean', projectRoot: '.', text: FILE, version: 3, sorry, declaration: sorry.declaration! };
}

const pos = (line: number, character: number) => ({ line, character });
function at(doc: CheckDocument, relLine: number, from: number, to: number, severity: number, message: string, extra: Partial<DiagnosticLike> = {}): DiagnosticLike {
  const line = doc.candidateLine + relLine;
  const range = { start: pos(line, from), end: pos(line, to) };
  return { range, fullRange: range, severity, message, ...extra };
}
function axiomsInfo(doc: CheckDocument, message: string): DiagnosticLike {
  const range = { start: pos(doc.axiomsLine, 0), end: pos(doc.axiomsLine, 6) };
  return { range, fullRange: range, severity: 3, message };
}

interface Case {
  name: string;
  target?: string;
  body: string;
  /** Edits the candidate after it is made (statement edits). */
  edit?: (c: Candidate) => Candidate;
  diagnostics: (doc: CheckDocument) => DiagnosticLike[] | undefined;
  allowNativeDecide?: boolean;
  /** Lean's document symbols; omitted: a checker without them. */
  symbols?: (doc: CheckDocument) => SymbolLike[] | null;
  kind: VerdictKind;
  rule?: GateRule;
  reason?: RegExp;
}

const clean = (doc: CheckDocument) => [axiomsInfo(doc, `'${doc.checkedName}' depends on axioms: [propext, Classical.choice, Quot.sound]`)];

const FALSE_PROOFS: Case[] = [
  { name: 'an error in the proof', body: ':= by\n  exact foo', diagnostics: (d) => [at(d, 2, 8, 11, 1, "unknown identifier 'foo'"), axiomsInfo(d, "'Demo.target_thm' depends on axioms: [sorryAx]")], kind: 'lean-error', rule: 'lean-error', reason: /unknown identifier 'foo'/ },
  { name: 'unsolved goals', body: ':= by\n  intro', diagnostics: (d) => [at(d, 1, 58, 60, 1, 'unsolved goals\na b : ℕ\n⊢ a + 1 ≤ b', { leanTags: [1] }), ...clean(d)], kind: 'lean-error', rule: 'lean-error' },
  { name: "the sorry warning with straight quotes (a sorry Lean saw but screening did not)", body: ':= by\n  cheat', diagnostics: (d) => [at(d, 1, 8, 18, 2, "declaration uses 'sorry'"), ...clean(d)], kind: 'rejected', rule: 'uses-sorry' },
  { name: 'the sorry warning with backticks (current Lean)', body: ':= by\n  cheat', diagnostics: (d) => [at(d, 1, 8, 18, 2, 'declaration uses `sorry`'), ...clean(d)], kind: 'rejected', rule: 'uses-sorry' },
  { name: 'a proof through a sorried helper lemma', body: ':= by\n  have := helper a\n  omega', diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' depends on axioms: [propext, sorryAx]")], kind: 'rejected', rule: 'uses-sorry', reason: /`helper`.*proved with `sorry`/ },
  { name: 'sorryAx with no named culprit', body: ':= by\n  omega', diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' depends on axioms: [sorryAx]")], kind: 'rejected', rule: 'uses-sorry', reason: /sorryAx/ },
  { name: 'a custom axiom', body: ':= by\n  exact my_axiom a b h', diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' depends on axioms: [propext, my_axiom]")], kind: 'rejected', rule: 'axioms', reason: /my_axiom/ },
  { name: 'native_decide without permission (seen by screening)', body: ':= by native_decide', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct', reason: /allowNativeDecide/ },
  { name: 'Lean.ofReduceBool in the axioms without permission', body: ':= by\n  exact proof_via_compiled_code', diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' depends on axioms: [Lean.ofReduceBool]")], kind: 'rejected', rule: 'axioms', reason: /native_decide/ },
  { name: 'a changed statement', body: ':= by\n  omega', edit: (c) => ({ ...c, declarationText: c.declarationText.replace('a + 1 ≤ b', 'a ≤ b') }), diagnostics: clean, kind: 'rejected', rule: 'statement-changed' },
  { name: 'a dropped hypothesis', body: ':= by\n  omega', edit: (c) => ({ ...c, declarationText: c.declarationText.replace(' (h : a < b)', '') }), diagnostics: clean, kind: 'rejected', rule: 'statement-changed' },
  { name: 'a renamed theorem', body: ':= by\n  omega', edit: (c) => ({ ...c, declarationText: c.declarationText.replace('target_thm', 'target_thm2') }), diagnostics: clean, kind: 'rejected', rule: 'statement-changed' },
  { name: 'a body that does not match the text', body: ':= by\n  omega', edit: (c) => ({ ...c, body: ':= by\n  simp' }), diagnostics: clean, kind: 'rejected', rule: 'statement-changed' },
  { name: '`sorry` in the body', body: ':= by\n  sorry', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct' },
  { name: '`admit` in the body', body: ':= by\n  admit', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct' },
  { name: '`«sorry»` in disguise', body: ':= by\n  exact «sorry»', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct' },
  { name: 'the kernel check switched off', body: ':= by\n  set_option debug.skipKernelTC true in\n  omega', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct', reason: /debug/ },
  { name: 'a new axiom after the proof', body: ':= by\n  omega\naxiom cheat : False', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct' },
  { name: 'implemented_by', body: ':= by\n  exact (by omega : _)\nattribute [implemented_by foo] bar', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct' },
  { name: 'an `unsafe def` after the proof', body: ':= by\n  omega\nunsafe def x : Nat := 0', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct' },
  { name: 'an `opaque` after the proof', body: ':= by\n  omega\nopaque x : Nat', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct' },
  { name: '`@[extern]` after the proof', body: ':= by\n  omega\n@[extern "c"] def y : Nat := 0', diagnostics: clean, kind: 'rejected', rule: 'forbidden-construct' },
  { name: 'no diagnostics for the version checked (a stale version’s were all there was)', body: ':= by\n  omega', diagnostics: () => undefined, kind: 'infra-error', rule: 'stale-version' },
  { name: "empty diagnostics: no #print axioms answer", body: ':= by\n  omega', diagnostics: () => [], kind: 'infra-error', rule: 'no-diagnostics-barrier' },
  { name: 'an axioms answer on another line (the user’s own #print) does not count', body: ':= by\n  omega', diagnostics: (d) => [{ range: { start: pos(1, 0), end: pos(1, 6) }, severity: 3, message: "'helper' does not depend on any axioms" }], kind: 'infra-error', rule: 'no-diagnostics-barrier' },
  { name: 'an error on the #print axioms line (the declaration was not added)', body: ':= by\n  omega', diagnostics: (d) => [{ range: { start: pos(d.axiomsLine, 14), end: pos(d.axiomsLine, 30) }, severity: 1, message: "unknown constant 'Demo.target_thm'" }], kind: 'lean-error', rule: 'lean-error', reason: /after the proof/ },
  { name: 'an error after the candidate (it swallowed what follows)', body: ':= by\n  exact (foo', diagnostics: (d) => [{ range: { start: pos(d.candidateLine + d.candidateLines, 0), end: pos(d.candidateLine + d.candidateLines, 0) }, severity: 1, message: "expected ')'" }], kind: 'lean-error', rule: 'lean-error' },
  { name: 'an error reported only in fullRange’s first line (range truncated)', body: ':= by\n  induction a\n  all_goals simp', diagnostics: (d) => [{ range: { start: pos(d.candidateLine + 1, 58), end: pos(d.candidateLine + 2, 0) }, fullRange: { start: pos(d.candidateLine + 1, 58), end: pos(d.candidateLine + 3, 16) }, severity: 1, message: 'unsolved goals\ncase succ' }, ...clean(d)], kind: 'lean-error', rule: 'lean-error' },
  // `open Nat renaming add_comm → target_thm in` left before `#print axioms`: Lean answers for Nat.add_comm first.
  { name: 'two #print axioms answers, the first for another constant', body: ':= by\n  omega', diagnostics: (d) => [axiomsInfo(d, "'Nat.add_comm' does not depend on any axioms"), axiomsInfo(d, "'Demo.target_thm' depends on axioms: [sorryAx]")], kind: 'rejected', rule: 'axioms', reason: /Nat\.add_comm.*not for the checked declaration alone/ },
  { name: 'one #print axioms answer, for another constant', body: ':= by\n  omega', diagnostics: (d) => [axiomsInfo(d, "'Nat.add_comm' does not depend on any axioms")], kind: 'rejected', rule: 'axioms', reason: /Nat\.add_comm/ },
  // A reply that declares `Demo.Demo.target_thm` (say through `register_builtin_option`) used to
  // make a short `#print axioms target_thm` answer for that constant.
  { name: 'an answer for a constant whose name only ends like the target', body: ':= by\n  omega', diagnostics: (d) => [axiomsInfo(d, "'Demo.Demo.target_thm' does not depend on any axioms")], kind: 'rejected', rule: 'axioms', reason: /Demo\.Demo\.target_thm/ },
  { name: 'an axiom printed short under an open (`choice`) is not taken for Classical.choice', body: ':= by\n  omega', diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' depends on axioms: [propext, choice, Quot.sound]")], kind: 'rejected', rule: 'axioms', reason: /choice/ },
  { name: 'native_decide auxiliary axioms (v4.29+) without permission name the setting', body: ':= by\n  exact compiled', diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' depends on axioms: [propext, Demo.target_thm._native.native_decide.ax_1_1]")], kind: 'rejected', rule: 'axioms', reason: /oprover\.allowNativeDecide/ },
  { name: 'text after the proof that Lean read as another command (the symbol ends before it)', body: ':= by\n  omega', symbols: (d) => [{ name: 'target_thm', kind: 6, range: { start: d.codeStart, end: { line: d.codeStart.line + 1, character: 4 } } }, { name: 'Demo', kind: 3, range: { start: pos(0, 0), end: pos(d.axiomsLine + 1, 0) } }], diagnostics: clean, kind: 'rejected', rule: 'one-declaration' },
  { name: 'no declaration symbol at all (the candidate was not read as a declaration)', body: ':= by\n  omega', symbols: () => [], diagnostics: clean, kind: 'rejected', rule: 'one-declaration' },
  { name: 'Lean did not answer documentSymbol', body: ':= by\n  omega', symbols: () => null, diagnostics: clean, kind: 'infra-error', rule: 'one-declaration' },
  { name: 'two answers, both about the checked name (a second declaration of it)', body: ':= by\n  omega', diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' does not depend on any axioms"), axiomsInfo(d, "'Other.Demo.target_thm' depends on axioms: [sorryAx]")], kind: 'rejected', rule: 'axioms' },
];

const TRUE_PROOFS: Case[] = [
  { name: 'a clean proof with the standard axioms', body: ':= by\n  omega', diagnostics: clean, kind: 'proved' },
  { name: 'a proof with no axioms, the 2021 wording', body: ':= by\n  omega', diagnostics: (d) => [axiomsInfo(d, `'${d.checkedName}' does not depend on any axioms`)], kind: 'proved' },
  { name: 'the user’s own sorried lemma and warnings before the target do not count', body: ':= by\n  omega', diagnostics: (d) => [{ range: { start: pos(2, 8), end: pos(2, 14) }, severity: 2, message: "declaration uses 'sorry'" }, { range: { start: pos(0, 0), end: pos(0, 5) }, severity: 1, message: 'some earlier error' }, ...clean(d)], kind: 'proved' },
  { name: 'a statement that differs only in whitespace', body: ':= by\n  omega', edit: (c) => ({ ...c, declarationText: c.declarationText.replace('(a b : ℕ) (h : a < b)', '(a b : ℕ)\n    (h : a < b)') }), diagnostics: clean, kind: 'proved' },
  { name: 'native_decide when allowed', body: ':= by native_decide', allowNativeDecide: true, diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' depends on axioms: [Lean.ofReduceBool, Lean.trustCompiler]")], kind: 'proved' },
  { name: 'an example, checked under a scratch name', target: 'example', body: ':= by norm_num', diagnostics: (d) => [axiomsInfo(d, "'Demo.oprover_checked_example' depends on axioms: [propext]")], kind: 'proved' },
  { name: 'a private declaration: Lean answers with its private name', body: ':= by\n  omega', diagnostics: (d) => [axiomsInfo(d, "'_private.Scratch.0.Demo.target_thm' depends on axioms: [propext]")], kind: 'proved' },
  { name: 'native_decide on Lean v4.29+ (one auxiliary axiom per call) when allowed', body: ':= by native_decide', allowNativeDecide: true, diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' depends on axioms: [propext,\n Classical.choice,\n Quot.sound,\n Demo.target_thm._native.native_decide.ax_1_1]")], kind: 'proved' },
  { name: 'axioms in any order, the list wrapped over lines', body: ':= by\n  omega', diagnostics: (d) => [axiomsInfo(d, "'Demo.target_thm' depends on axioms: [Quot.sound,\n   propext,\n   Classical.choice]")], kind: 'proved' },
  { name: 'Lean read the candidate as one declaration (its symbol covers the candidate)', body: ':= by\n  omega', symbols: (d) => [{ name: 'Demo', kind: 3, range: { start: pos(0, 0), end: pos(d.axiomsLine, 0) }, children: [{ name: 'target_thm', kind: 6, range: { start: d.codeStart, end: d.codeEnd } }] }], diagnostics: clean, kind: 'proved' },
  { name: 'a linter warning and a silent goals-accomplished', body: ':= by\n  omega', diagnostics: (d) => [at(d, 1, 2, 7, 2, 'unused variable `h`'), at(d, 1, 58, 60, 3, 'Goals accomplished!', { leanTags: [2], isSilent: true }), ...clean(d)], kind: 'proved', reason: /goals accomplished/ },
];

function run(c: Case) {
  const t = target(c.target ?? 'target_thm');
  let candidate = makeCandidate(t, c.body, { kind: 'model', round: 1, sample: 0 });
  if (c.edit) candidate = c.edit(candidate);
  const document = buildCheckDocument(t, candidate);
  return judge({ target: t, candidate, document, version: 7, diagnostics: c.diagnostics(document), symbols: c.symbols?.(document), allowNativeDecide: c.allowNativeDecide ?? false, maxFeedbackErrors: 8, elapsedMs: 5 });
}

describe('acceptance gate', () => {
  describe('rejects every false proof of the corpus', () => {
    for (const c of FALSE_PROOFS) {
      it(c.name, () => {
        const v = run(c);
        assert.equal(v.kind, c.kind, v.reason);
        if (c.kind !== 'proved') assert.notEqual(v.kind, 'proved');
        if (c.rule) assert.equal(v.rule, c.rule, v.reason);
        if (c.reason) assert.match(v.reason, c.reason);
        assert.equal(v.elapsedMs, 5);
      });
    }
  });

  describe('accepts true proofs', () => {
    for (const c of TRUE_PROOFS) {
      it(c.name, () => {
        const v = run(c);
        assert.equal(v.kind, 'proved', v.reason);
        assert.equal(v.rule, undefined);
        assert.equal(v.feedback, '');
        if (c.reason) assert.match(v.reason, c.reason);
      });
    }
  });

  it('checks helper lemmas before the declaration: each must be a declaration of its own, and their messages count', () => {
    const t = target('target_thm');
    const base = makeCandidate(t, ':= by\n  exact aux a b h', { kind: 'model', round: 1, sample: 0 });
    const candidate: Candidate = { ...base, helpers: [{ name: 'aux', text: 'theorem aux (a b : ℕ) (h : a < b) : a + 1 ≤ b := by\n  omega' }] };
    const doc = buildCheckDocument(t, candidate);
    assert.ok(doc.text.includes('theorem aux (a b : ℕ) (h : a < b) : a + 1 ≤ b := by\n  omega\n\n/-- The target. -/\ntheorem target_thm'), 'the helper stands before the declaration');
    assert.equal(doc.units?.length, 2);
    const judgeWith = (diagnostics: DiagnosticLike[], symbols: SymbolLike[] | undefined) =>
      judge({ target: t, candidate, document: doc, version: 7, diagnostics, symbols, allowNativeDecide: false, maxFeedbackErrors: 8, elapsedMs: 1 });
    const each = doc.units!.map((u, i) => ({ name: `d${i}`, kind: 6, range: { start: u.start, end: u.end } }));
    assert.equal(judgeWith(clean(doc), each).kind, 'proved');
    // One symbol spanning both (Lean read the helper and the declaration as one command?) does not cover them one by one...
    const merged = [{ name: 'x', kind: 6, range: { start: doc.units![1]!.start, end: doc.units![1]!.end } }];
    assert.equal(judgeWith(clean(doc), merged).rule, 'one-declaration');
    // ... and a sorry warning on the helper's line refuses the candidate.
    const helperLine = doc.units![0]!.start.line;
    const sorry = { range: { start: pos(helperLine, 8), end: pos(helperLine, 11) }, severity: 2, message: 'declaration uses `sorry`' };
    assert.equal(judgeWith([sorry, ...clean(doc)], each).rule, 'uses-sorry');
    // A helper the screen refuses never reaches Lean.
    const bad: Candidate = { ...base, helpers: [{ name: 'aux', text: 'theorem aux : False := by\n  exact sorryAx _' }] };
    assert.equal(precheck(t, bad, { allowNativeDecide: false })?.rule, 'forbidden-construct');
  });

  it('builds the checked document from the byte-identical prefix, the candidate and #print axioms', () => {
    const t = target('target_thm');
    const c = makeCandidate(t, ':= by\n  omega', { kind: 'model', round: 1, sample: 0 });
    const doc = buildCheckDocument(t, c);
    assert.equal(doc.text.slice(0, t.declaration.start), FILE.slice(0, t.declaration.start));
    assert.equal(doc.text.split('\n')[doc.candidateLine], '/-- The target. -/');
    assert.equal(doc.text.split('\n')[doc.axiomsLine], 'set_option pp.fullNames true in #print axioms _root_.Demo.target_thm');
    assert.equal(doc.checkedName, 'Demo.target_thm');
  });

  it('maps columns back across the renamed example keyword', () => {
    const t = target('example');
    const c = makeCandidate(t, ':= by norm_num', { kind: 'model', round: 1, sample: 0 });
    const doc = buildCheckDocument(t, c);
    assert.match(doc.text, /noncomputable def oprover_checked_example : \(2 : ℕ\) \+ 2 = 4 := by norm_num/);
    const col = doc.checkedText.indexOf('norm_num');
    const v = judge({ target: t, candidate: c, document: doc, version: 1, diagnostics: [at(doc, 0, col, col + 8, 1, 'linarith failed')], allowNativeDecide: false, maxFeedbackErrors: 8, elapsedMs: 0 });
    assert.deepEqual(v.messages[0]!.range.start, { line: 0, character: c.declarationText.indexOf('norm_num') });
    assert.match(v.feedback, /<error>norm_num<\/error>/);
  });

  it('parses #print axioms answers, multi-line lists included', () => {
    assert.deepEqual(parseAxioms("'x' depends on axioms: [propext,\n Classical.choice,\n Quot.sound]"), ['propext', 'Classical.choice', 'Quot.sound']);
    assert.deepEqual(parseAxioms("'x' does not depend on any axioms"), []);
    assert.equal(parseAxioms('unsolved goals'), undefined);
  });

  it('checks the statement before Lean is asked', () => {
    const t = target('target_thm');
    const c = makeCandidate(t, ':= by\n  omega', { kind: 'model', round: 1, sample: 0 });
    assert.equal(statementKept(t, c), true);
    assert.equal(precheck(t, c, { allowNativeDecide: false }), undefined);
    assert.equal(precheck(t, { ...c, declarationText: c.declarationText.replace('≤', '<') }, { allowNativeDecide: false })?.rule, 'statement-changed');
  });
});
