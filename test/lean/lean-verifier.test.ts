// The Lean verifier on a real Lean (`lean` on PATH): true proofs pass, the false-proof corpus is
// rejected for the right reason, and runaway checks are stopped. Only behaviour shared by Lean
// 4.0.0 (2021) and current Lean is asserted; without `lean` on PATH every test is skipped with
// the reason printed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import { makeCandidate } from '../../src/core/extract';
import { findSorries } from '../../src/core/source';
import type { GateRule, ProofTarget, VerdictKind } from '../../src/core/types';
import { findExecutable } from '../../src/lean/server';
import { LeanVerifier } from '../../src/lean/verifier';

const LEAN = findExecutable('lean');

const FILE = `axiom my_ax : ∀ a b : Nat, a + b = b + a

theorem helper (n : Nat) : n + 0 = n := by
  sorry

theorem comm (a b : Nat) : a + b = b + a := by
  sorry

example : 2 + 2 = 4 := by sorry
`;

function targetFor(root: string, name: string): ProofTarget {
  const sorry = findSorries(FILE).find((s) => (s.declaration?.name ?? s.declaration?.kind) === name)!;
  return { file: path.join(root, 'Demo.lean'), projectRoot: root, text: FILE, version: 0, sorry, declaration: sorry.declaration! };
}

interface Case {
  name: string;
  target: string;
  body: string;
  kind: VerdictKind;
  rule?: GateRule;
  reason?: RegExp;
}

const CASES: Case[] = [
  { name: 'a term proof', target: 'comm', body: ':= Nat.add_comm a b', kind: 'proved' },
  { name: 'a tactic proof', target: 'comm', body: ':= by\n  exact Nat.add_comm a b', kind: 'proved' },
  { name: 'an example by decide', target: 'example', body: ':= by decide', kind: 'proved' },
  { name: 'an example by rfl', target: 'example', body: ':= rfl', kind: 'proved' },
  { name: 'a type mismatch', target: 'comm', body: ':= by\n  exact rfl', kind: 'lean-error', rule: 'lean-error', reason: /type mismatch/ },
  { name: 'unsolved goals', target: 'comm', body: ':= by\n  induction b', kind: 'lean-error', rule: 'lean-error', reason: /unsolved goals/ },
  { name: 'a parse error', target: 'comm', body: ':= by\n  exact (Nat.add_comm a', kind: 'lean-error', rule: 'lean-error' },
  { name: 'an unknown identifier', target: 'comm', body: ':= by\n  exact no_such_lemma a b', kind: 'lean-error', rule: 'lean-error', reason: /unknown identifier/ },
  { name: 'a sorried helper', target: 'comm', body: ':= by\n  have h := helper a\n  exact Nat.add_comm a b', kind: 'rejected', rule: 'uses-sorry', reason: /`helper`/ },
  { name: 'a custom axiom', target: 'comm', body: ':= my_ax a b', kind: 'rejected', rule: 'axioms', reason: /my_ax/ },
];

describe('Lean verifier on a real Lean', function () {
  this.timeout(120_000);
  let root: string;
  let verifier: LeanVerifier;
  let version = '';

  before(function () {
    if (!LEAN) {
      console.log('    skipped: no lean on PATH (install elan: https://github.com/leanprover/elan)');
      this.skip();
    }
    version = spawnSync(LEAN!, ['--version'], { encoding: 'utf8' }).stdout.trim();
    console.log(`    ${version}`);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-real-lean-'));
    const config: OProverConfig = { ...DEFAULT_CONFIG, leanPath: LEAN!, verifierSlots: 2 };
    verifier = new LeanVerifier({ projectRoot: root, config });
  });

  after(async () => {
    await verifier?.dispose();
  });

  it('is available', async () => {
    const a = await verifier.availability();
    assert.equal(a.ok, true);
  });

  it('judges the true proofs and the false-proof corpus in one parallel round', async () => {
    const verdicts = new Map<string, { c: Case; id: string }>();
    const byTarget = new Map<string, ReturnType<typeof makeCandidate>[]>();
    CASES.forEach((c, i) => {
      const cand = makeCandidate(targetFor(root, c.target), c.body, { kind: 'model', round: 1, sample: i });
      verdicts.set(c.name, { c, id: cand.id });
      byTarget.set(c.target, [...(byTarget.get(c.target) ?? []), cand]);
    });
    const results = new Map<string, import('../../src/core/types').Verdict>();
    for (const [name, cands] of byTarget) {
      for (const [id, v] of await verifier.verify({ target: targetFor(root, name), candidates: cands, timeoutMs: 60_000 })) results.set(id, v);
    }
    for (const { c, id } of verdicts.values()) {
      const v = results.get(id)!;
      assert.equal(v.kind, c.kind, `${c.name}: ${v.reason}\n${v.feedback}`);
      if (c.rule) assert.equal(v.rule, c.rule, c.name);
      if (c.reason) assert.match(v.reason + '\n' + v.feedback, c.reason, c.name);
      if (v.kind === 'lean-error') assert.match(v.feedback, /<error>/, c.name);
    }
  });

  it('stops a check that runs past its time limit and keeps the slot usable', async () => {
    const t = targetFor(root, 'comm');
    // Evaluating a long list by `decide` keeps Lean busy for far longer than the limit.
    const slow = makeCandidate(t, ':= by\n  have : (List.replicate 100000 1).foldl (· + ·) 0 = 100000 := by\n    set_option maxRecDepth 100000 in decide\n  exact Nat.add_comm a b', { kind: 'model', round: 1, sample: 0 });
    const v = (await verifier.verify({ target: t, candidates: [slow], timeoutMs: 1500 })).get(slow.id)!;
    assert.ok(['timeout', 'lean-error'].includes(v.kind), `${v.kind}: ${v.reason}`);
    console.log(`    ${v.kind}: ${v.reason}`);
    const good = makeCandidate(t, ':= Nat.add_comm a b', { kind: 'model', round: 1, sample: 1 });
    const after = (await verifier.verify({ target: t, candidates: [good], timeoutMs: 60_000 })).get(good.id)!;
    assert.equal(after.kind, 'proved', after.reason);
  });

  it('reads the goal at a sorry', async () => {
    const t = targetFor(root, 'comm');
    const goal = await verifier.goalAt(root, FILE, t.sorry.range.start);
    assert.ok(goal, 'a goal came back');
    assert.match(goal!.goals[0]!, /a b : Nat\n⊢ a \+ b = b \+ a/);
  });
});
