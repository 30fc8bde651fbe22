// The gate for holes, composed from the real gate (core/gate.ts `judge`) over a small stand-in for
// Lean: the hole's theorem must pass the full gate, and the declaration with the hole filled must
// too, with the user's other holes as the `oprover_other_hole` stand-in and nothing else.
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../src/config';
import type { JobEvent } from '../../src/core/events';
import { buildCheckDocument, judge, type DiagnosticLike } from '../../src/core/gate';
import { HoleVerifier, judgeSpliced, spliceCheckTarget } from '../../src/core/hole/gate';
import { extractInPlace, prepareHole, theoremTarget } from '../../src/core/hole/prepare';
import { OTHER_HOLE_AXIOM } from '../../src/core/hole/splice';
import { buildHoleTheorem } from '../../src/core/hole/theorem';
import { makeCandidate } from '../../src/core/extract';
import { prove } from '../../src/core/prover';
import { contextBefore, findSorries } from '../../src/core/source';
import type { Candidate, Completion, Model, ProofTarget, Verdict, Verifier, VerifyRequest } from '../../src/core/types';

const FILE = `theorem cheat : 1 = 2 := sorry

theorem skel (a b : Nat) (h : a = b) : a + 0 = b ∧ b = a := by
  have h1 : a + 0 = b := by
    sorry
  have h2 : b = a := by sorry
  exact ⟨h1, h2⟩
`;

const GOALS = ['a b : Nat\nh : a = b\n⊢ a + 0 = b', 'a b : Nat\nh : a = b\nh1 : a + 0 = b\n⊢ b = a'];

function holeTarget(index: number): ProofTarget {
  const sorry = findSorries(FILE).filter((s) => s.hole)[index]!;
  return { file: 'Skel.lean', projectRoot: '.', text: FILE, version: 0, sorry, declaration: sorry.declaration! };
}

/**
 * A stand-in for Lean that answers the way Lean would for these texts: `simp` and `exact h.symm`
 * prove, uses of the sorried lemma `cheat` add sorryAx, `bad` and `rfl` are errors, and a
 * use of `oprover_other_hole` or `my_axiom` adds that axiom. The verdict comes from the real gate.
 */
class MiniLean implements Verifier {
  requests: VerifyRequest[] = [];
  async verify(request: VerifyRequest): Promise<Map<string, Verdict>> {
    this.requests.push(request);
    const out = new Map<string, Verdict>();
    for (const candidate of request.candidates) {
      const document = buildCheckDocument(request.target, candidate);
      const diagnostics: DiagnosticLike[] = [];
      const at = (line: number) => ({ start: { line, character: 0 }, end: { line, character: 1 } });
      const body = candidate.body;
      if (/\bbad\b|\brfl\b/.test(body)) diagnostics.push({ range: at(document.candidateLine + 1), severity: 1, message: 'unknown tactic' });
      const axioms = ['propext'];
      if (/\bcheat\b/.test(body) || /\bsorry\b/.test(body)) axioms.push('sorryAx');
      if (body.includes(OTHER_HOLE_AXIOM)) axioms.push(OTHER_HOLE_AXIOM);
      if (/\bmy_axiom\b/.test(body)) axioms.push('my_axiom');
      if (/\bsorry\b/.test(body)) diagnostics.push({ range: at(document.candidateLine), severity: 2, message: "declaration uses 'sorry'" });
      diagnostics.push({ range: at(document.axiomsLine), severity: 3, message: `'${document.checkedName}' depends on axioms: [${axioms.join(', ')}]` });
      out.set(candidate.id, judge({ target: request.target, candidate, document, version: 1, diagnostics, allowNativeDecide: false, maxFeedbackErrors: 3, elapsedMs: 1 }));
    }
    return out;
  }
  async availability() {
    return { ok: true as const, description: 'mini Lean' };
  }
  async dispose(): Promise<void> {}
}

function holeVerifier(index: number) {
  const user = holeTarget(index);
  const built = buildHoleTheorem({ printedGoals: GOALS[index]!, declaration: user.declaration, text: FILE, context: contextBefore(FILE, user.declaration), holeIndex: index + 1 });
  assert.ok(built.ok);
  const loop = theoremTarget(user, built.theorem);
  const lean = new MiniLean();
  return { user, loop, lean, verifier: new HoleVerifier(lean, { user, theorem: built.theorem }, loop, false) };
}

async function verdictOf(index: number, body: string): Promise<{ verdict: Verdict; candidate: Candidate; hv: ReturnType<typeof holeVerifier> }> {
  const hv = holeVerifier(index);
  const candidate = makeCandidate(hv.loop, body, { kind: 'tactic', tactic: 'test' });
  const verdicts = await hv.verifier.verify({ target: hv.loop, candidates: [candidate], timeoutMs: 1000 });
  return { verdict: verdicts.get(candidate.id)!, candidate, hv };
}

describe('holes: the gate', () => {
  it('accepts a proof that passes as the theorem and in place, the other hole standing in as an axiom', async () => {
    const { verdict, candidate, hv } = await verdictOf(0, ':= by simp');
    assert.equal(verdict.kind, 'proved', verdict.reason);
    assert.match(verdict.reason, /1 other hole stay open/);
    assert.deepEqual(verdict.axioms, ['propext']);
    // Checked: first the theorem, then the declaration with the other hole as the stand-in.
    const [first, second] = hv.lean.requests;
    assert.match(first!.target.declaration.header, /^theorem skel_hole1 \(a : Nat\) \(b : Nat\) \(h : a = b\) : a \+ 0 = b$/);
    assert.match(second!.target.text, /^axiom oprover_other_hole/m);
    assert.match(second!.candidates[0]!.body, /have h2 : b = a := by exact oprover_other_hole/);
    const spliced = hv.verifier.spliced.get(candidate.id)!;
    assert.equal(FILE.slice(0, spliced.edit.start) + spliced.edit.text + FILE.slice(spliced.edit.end), FILE.replace('    sorry\n', '    simp\n'));
  });

  it('refuses a proof that uses a lemma proved with sorry (the theorem fails the full gate)', async () => {
    const { verdict, hv } = await verdictOf(0, ':= by\n  have := cheat\n  simp');
    assert.equal(verdict.kind, 'rejected');
    assert.equal(verdict.rule, 'uses-sorry');
    assert.match(verdict.reason, /as the hole's theorem: .*cheat/);
    assert.equal(hv.lean.requests.length, 1, 'never spliced');
  });

  it('refuses a proof that passes as a theorem but not in place', async () => {
    const hv = holeVerifier(0);
    const candidate = makeCandidate(hv.loop, ':= by simp', { kind: 'tactic', tactic: 'simp' });
    // In place, the stand-in for the other hole is not accepted when another axiom comes with it.
    const v = judgeSpliced({ kind: 'rejected', rule: 'axioms', reason: 'axioms', messages: [], feedback: 'axioms', axioms: ['propext', OTHER_HOLE_AXIOM, 'my_axiom'], elapsedMs: 1 }, 1, false);
    assert.equal(v.kind, 'rejected');
    assert.match(v.reason, /^in place/);
    const alone = judgeSpliced({ kind: 'rejected', rule: 'axioms', reason: 'axioms', messages: [], feedback: 'axioms', axioms: [OTHER_HOLE_AXIOM], elapsedMs: 1 }, 0, false);
    assert.equal(alone.kind, 'rejected', 'no other hole: the stand-in cannot appear legitimately');
    const qualified = judgeSpliced({ kind: 'rejected', rule: 'axioms', reason: 'axioms', messages: [], feedback: 'axioms', axioms: ['propext', `Demo.${OTHER_HOLE_AXIOM}`], elapsedMs: 1 }, 1, false);
    assert.equal(qualified.kind, 'proved', 'declared in the user\'s namespace, the stand-in prints qualified');
    const userOwn = judgeSpliced({ kind: 'rejected', rule: 'axioms', reason: 'axioms', messages: [], feedback: 'axioms', axioms: [OTHER_HOLE_AXIOM], elapsedMs: 1 }, 1, false, `axiom ${OTHER_HOLE_AXIOM} : False`);
    assert.equal(userOwn.kind, 'rejected', 'a file that declares the name itself never gets the stand-in rule');
    const errors = judgeSpliced({ kind: 'lean-error', rule: 'lean-error', reason: 'error', messages: [{ severity: 'error', range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, text: 'x' }], feedback: 'x', elapsedMs: 1 }, 1, false);
    assert.equal(errors.kind, 'lean-error');
    assert.ok(candidate);
  });

  it('refuses an in-place proof with an error, and one that adds another axiom', async () => {
    const bad = await verdictOf(0, ':= by\n  simp\n  bad');
    assert.notEqual(bad.verdict.kind, 'proved');
    const axiom = await verdictOf(0, ':= by exact my_axiom');
    assert.equal(axiom.verdict.kind, 'rejected');
    assert.equal(axiom.verdict.rule, 'axioms');
  });

  it('checks the stand-ins at the other holes only, each in its own mode', () => {
    const { target, holeOffset } = spliceCheckTarget({ user: holeTarget(1) });
    assert.equal(target.text.slice(holeOffset, holeOffset + 5), 'sorry');
    assert.match(target.text, /have h1 : a \+ 0 = b := by\n {4}exact oprover_other_hole\n/);
    assert.match(target.text, /^theorem cheat : 1 = 2 := sorry$/m, 'the user\'s other declarations are untouched');
  });
});

describe('holes: replies asked in place', () => {
  const user = holeTarget(0);
  const origin = { kind: 'model' as const, round: 1, sample: 0 };

  it('takes a bare tactic block as the hole\'s tactics', () => {
    const r = extractInPlace('```lean4\nsimp\nexact h\n```', user, origin);
    assert.ok(r.ok);
    assert.equal(r.candidate.body, ':= by\n  simp\n  exact h');
  });

  it('takes a restated declaration whose only change is the hole', () => {
    const restated = FILE.split('\n').slice(2).join('\n').replace('    sorry\n', '    simp\n');
    const r = extractInPlace('```lean4\n' + restated + '```', user, origin);
    assert.ok(r.ok, r.ok ? '' : r.problem);
    assert.equal(r.candidate.body, ':= by\n  simp');
  });

  it('refuses a reply that edits text outside the hole', () => {
    const restated = FILE.split('\n').slice(2).join('\n').replace('    sorry\n', '    simp\n').replace('by sorry', 'by exact h.symm');
    const r = extractInPlace('```lean4\n' + restated + '```', user, origin);
    assert.ok(!r.ok);
    assert.match(r.problem, /outside the hole/);
  });
});

class OneReplyModel implements Model {
  readonly description = 'one reply';
  prompts: string[] = [];
  constructor(private readonly reply: string) {}
  async generate(request: { messages: { content: string }[] }): Promise<Completion[]> {
    this.prompts.push(request.messages.map((m) => m.content).join('\n'));
    return [{ text: this.reply, finishReason: 'stop' }];
  }
}

describe('holes: the repair loop', () => {
  const config = { ...structuredClone(DEFAULT_CONFIG), samplesPerRound: 1, rounds: 1, retrievalK: 0 };

  it('proves one hole through the pre-pass on its goal and returns the edit of just the hole', async () => {
    const events: JobEvent[] = [];
    const result = await prove(holeTarget(0), { ...config, prepassTactics: ['rfl', 'simp'] }, { verifier: new MiniLean(), goal: async () => ({ goal: GOALS[0]!, source: 'test' }) }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'proved', result.reason);
    assert.deepEqual(result.proof!.holeEdit, { start: FILE.indexOf('    sorry') + 4, end: FILE.indexOf('    sorry') + 9, text: 'simp' });
    assert.match(result.proof!.declarationText, /have h2 : b = a := by sorry/, 'the other hole stays');
    const kinds = events.map((e) => e.type);
    assert.ok(kinds.indexOf('goal') < kinds.indexOf('round-started'), 'the hole\'s goal comes first');
    const started = events.find((e) => e.type === 'job-started');
    assert.match(started?.type === 'job-started' ? started.target.declarationName : '', /skel, hole 1 of 2/);
  });

  it('shows the model the hole\'s theorem and the marked declaration', async () => {
    const model = new OneReplyModel('```lean4\ntheorem skel_hole2 (a : Nat) (b : Nat) (h : a = b) (h1 : a + 0 = b) : b = a := by\n  exact h.symm\n```');
    const lean = new MiniLean();
    const result = await prove(holeTarget(1), { ...config, prepassEnabled: false }, { verifier: lean, model, goal: async () => ({ goal: GOALS[1]!, source: 'test' }) });
    assert.equal(result.status, 'proved', result.reason);
    assert.match(model.prompts[0]!, /theorem skel_hole2 \(a : Nat\) \(b : Nat\) \(h : a = b\) \(h1 : a \+ 0 = b\) : b = a := by sorry/);
    assert.match(model.prompts[0]!, /have h2 : b = a := by ⟦HOLE⟧/);
    assert.equal(result.proof!.holeEdit!.text, 'exact h.symm');
  });

  it('asks for the hole in place, with the reason, when no goal is known', async () => {
    const events: JobEvent[] = [];
    const result = await prove(holeTarget(0), { ...config, prepassTactics: ['simp'] }, { verifier: new MiniLean() }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'proved', result.reason);
    assert.ok(events.some((e) => e.type === 'log' && /asked for in place/.test(e.message)));
    assert.equal(result.proof!.holeEdit!.text, 'simp');
  });

  it('prepares the theorem target in the file\'s context', async () => {
    const prepared = await prepareHole(holeTarget(0), new MiniLean(), async () => ({ goal: GOALS[0]!, source: 'test' }), false);
    assert.equal(prepared.loopTarget.text.slice(0, prepared.loopTarget.declaration.start), FILE.slice(0, holeTarget(0).declaration.start));
    assert.equal(prepared.query, prepared.job.theorem!.header);
  });
});
