import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { candidateFromCompletion, candidateFromReply, codeBlocks, hashText, makeCandidate, MAX_ANSWER_CHARS, MAX_REPLY_CHARS, reasoningOf, stripThinking } from '../../src/core/extract';
import { screenHelpers } from '../../src/core/helpers';
import { screenCandidate } from '../../src/core/screen';
import { prepassCandidates, replayBody, tacticBody } from '../../src/core/prepass';
import { findSorries } from '../../src/core/source';
import type { ProofTarget, RetrievedProof } from '../../src/core/types';

const repliesDir = path.join(import.meta.dirname, '../fixtures/replies');

function targetFrom(text: string, file = 'Target.lean'): ProofTarget {
  const sorry = findSorries(text)[0];
  assert.ok(sorry?.declaration, 'the fixture has a sorry inside a declaration');
  return { file, projectRoot: '.', text, version: 1, sorry, declaration: sorry.declaration };
}

const model = (sample = 0) => ({ kind: 'model' as const, round: 1, sample });

interface ReplyCase {
  file: string;
  why: string;
  /** Where the shape comes from (a public repository and file, or the issue that reported it). */
  source: string;
  ok: boolean;
  body?: string;
  problem?: string;
  /** Helper lemmas the candidate carries, as Lean checks them. */
  helpers?: string[];
  /** Extraction passes and the screen refuses, with a reason containing this. */
  screen?: string;
  /** The completion's reasoning field and finish reason (default: none, `stop`). */
  reasoning?: string;
  finishReason?: string;
}

describe('extract: reply corpus', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(repliesDir, 'manifest.json'), 'utf8')) as { target: string; replies: ReplyCase[] };
  const target = targetFrom(fs.readFileSync(path.join(repliesDir, manifest.target), 'utf8'));

  it('has the target the corpus is written for, and a source for every reply', () => {
    assert.equal(target.declaration.name, 'mathd_algebra_478');
    assert.ok(manifest.replies.length >= 40);
    for (const c of manifest.replies) assert.ok(c.source && c.source.length > 10, `${c.file} names its source`);
  });

  for (const c of manifest.replies) {
    it(`${c.file}: ${c.why}`, () => {
      const reply = fs.readFileSync(path.join(repliesDir, c.file), 'utf8');
      const completion = { text: reply, finishReason: c.finishReason ?? 'stop', ...(c.reasoning ? { reasoning: c.reasoning } : {}) };
      const result = candidateFromCompletion(completion, target, model());
      if (c.ok) {
        assert.ok(result.ok, result.ok ? '' : result.problem);
        assert.equal(result.candidate.body, c.body);
        assert.equal(result.candidate.declarationText, `${target.declaration.header} ${c.body}`);
        assert.ok(result.candidate.declarationText.startsWith(target.declaration.header), "the target's own header, doc comment included");
        assert.deepEqual((result.candidate.helpers ?? []).map((h) => h.text), c.helpers ?? []);
        const options = { allowNativeDecide: false };
        let screened = screenCandidate(result.candidate, target, options);
        if (screened.ok) screened = screenHelpers(result.candidate, target, options);
        if (c.screen) assert.ok(!screened.ok && screened.reason.includes(c.screen), screened.ok ? 'the screen passed it' : screened.reason);
        else assert.ok(screened.ok, screened.ok ? '' : screened.reason);
      } else {
        assert.equal(result.ok, false, `expected a problem for ${c.file}`);
        assert.ok(!result.ok && result.problem.includes(c.problem!), !result.ok ? result.problem : '');
      }
    });
  }

  it('handles a 1 MB reply: long reasoning, then the proof', () => {
    const reasoning = 'We consider the product b * h and substitute the values. '.repeat(18_000);
    assert.ok(reasoning.length > 1_000_000);
    const reply = `<think>${reasoning}</think>\nSo the proof is:\n\`\`\`lean4\ntheorem mathd_algebra_478 (b h v : ℝ) (h₀ : 0 < b ∧ 0 < h ∧ 0 < v) (h₁ : v = 1 / 3 * (b * h))\n    (h₂ : b = 30) (h₃ : h = 13 / 2) : v = 65 := by\n  rw [h₁, h₂, h₃]\n  norm_num\n\`\`\``;
    const result = candidateFromReply(reply, target, model());
    assert.ok(result.ok);
    assert.equal(result.candidate.body, ':= by\n  rw [h₁, h₂, h₃]\n  norm_num');
  });

  it('refuses an answer over the limit before lexing it, saying so (1 MB of prose after the reasoning)', () => {
    const prose = 'We consider the product b * h and substitute the values. '.repeat(18_000);
    const reply = `<think>short</think>\n${prose}\n\`\`\`lean4\ntheorem mathd_algebra_478 (b h v : ℝ) (h₀ : 0 < b ∧ 0 < h ∧ 0 < v) (h₁ : v = 1 / 3 * (b * h))\n    (h₂ : b = 30) (h₃ : h = 13 / 2) : v = 65 := by\n  norm_num\n\`\`\``;
    const result = candidateFromReply(reply, target, model());
    assert.equal(result.ok, false);
    assert.match((result as { problem: string }).problem, new RegExp(`limit ${MAX_ANSWER_CHARS}\\); it was not read`));
  });

  it('refuses a 1 MB code block by its size, and a reply over the whole-reply limit unread', () => {
    const tactics = '  norm_num\n'.repeat(100_000);
    const reply = `\`\`\`lean4\ntheorem mathd_algebra_478 (b h v : ℝ) (h₀ : 0 < b ∧ 0 < h ∧ 0 < v) (h₁ : v = 1 / 3 * (b * h))\n    (h₂ : b = 30) (h₃ : h = 13 / 2) : v = 65 := by\n${tactics}\`\`\``;
    const result = candidateFromReply(reply, target, model());
    assert.equal(result.ok, false);
    assert.match((result as { problem: string }).problem, /characters long \(limit/);
    const huge = candidateFromReply(`<think>${'x'.repeat(MAX_REPLY_CHARS)}</think>`, target, model());
    assert.match((huge as { problem: string }).problem, new RegExp(`limit ${MAX_REPLY_CHARS}\\); it was not read`));
  });
});

describe('extract: pieces', () => {
  it('strips closed, close-only and unclosed reasoning', () => {
    assert.equal(stripThinking('<think>a</think>b<think>c</think>d'), 'd');
    assert.equal(stripThinking('reasoning</think>answer'), 'answer');
    assert.equal(stripThinking('<think>never closed'), '');
    assert.equal(stripThinking('answer <think>late'), 'answer ');
    assert.equal(stripThinking('plain'), 'plain');
  });

  it('reads fences of any length, labels and a missing closing fence', () => {
    const blocks = codeBlocks('```lean4\na\n```\ntext\n````\n```lean\nb\n```\n````\n~~~python\nc\n~~~\n```lean\nd');
    assert.deepEqual(
      blocks.map((b) => [b.language, b.code, b.unclosed]),
      [
        ['lean4', 'a', false],
        ['', '```lean\nb\n```', false],
        ['python', 'c', false],
        ['lean', 'd', true],
      ],
    );
  });

  it('gives unique, stable ids by origin and text', () => {
    const target = targetFrom('theorem t : True := by sorry');
    const a = makeCandidate(target, ':= by trivial', model(0));
    const b = makeCandidate(target, ':= by trivial', model(1));
    const c = makeCandidate(target, ':= by simp', model(0));
    assert.notEqual(a.id, b.id);
    assert.notEqual(a.id, c.id);
    assert.equal(a.id, makeCandidate(target, ':= by trivial', model(0)).id);
    assert.equal(hashText('abc'), hashText('abc'));
    assert.notEqual(hashText('abc'), hashText('abd'));
  });

  it('lets read-only commands and harmless options around the restated theorem pass, but not #eval', () => {
    const target = targetFrom('theorem q (n : Nat) : n + 0 = n := by sorry');
    const around = (extra: string) => `\`\`\`lean4\nset_option autoImplicit false\ntheorem q (n : Nat) : n + 0 = n := by\n  simp\n${extra}\n\`\`\``;
    const ok = candidateFromReply(around('#print axioms q\n#check q'), target, model());
    assert.ok(ok.ok && ok.candidate.body === ':= by\n  simp');
    const evalReply = candidateFromReply(around('#eval q'), target, model());
    assert.ok(!evalReply.ok && evalReply.problem.includes('#eval'));
    const debug = candidateFromReply(`set_option debug.skipKernelTC true\n${around('')}`.replace('```lean4\n', '```lean4\nset_option debug.skipKernelTC true\n'), target, model());
    assert.ok(!debug.ok && debug.problem.includes('debug.skipKernelTC'));
  });

  it('matches the target by full name inside a namespace', () => {
    const target = targetFrom('namespace Foo\ntheorem bar (n : Nat) : n + 0 = n := by sorry\nend Foo');
    assert.equal(target.declaration.fullName, 'Foo.bar');
    const reply = '```lean4\ntheorem Foo.baz (n : Nat) : n + 0 = n := by simp\ntheorem Foo.bar (n : Nat) : n + 0 = n := by\n  omega\n```';
    const result = candidateFromReply(reply, target, model());
    assert.ok(result.ok);
    assert.equal(result.candidate.body, ':= by\n  omega');
  });

  it('keeps the target header with its open ... in prefix', () => {
    const target = targetFrom('open Nat in\ntheorem p (n : ℕ) : succ n ≠ 0 := by sorry');
    const result = candidateFromReply('```lean4\ntheorem p (n : ℕ) : succ n ≠ 0 := by simp\n```', target, model());
    assert.ok(result.ok);
    assert.equal(result.candidate.declarationText, 'open Nat in\ntheorem p (n : ℕ) : succ n ≠ 0 := by simp');
  });
});

describe('prepass', () => {
  const target = targetFrom('theorem t (a b : Nat) : a + b = b + a := by sorry');

  it('makes one candidate per tactic, without duplicates or blanks', () => {
    const candidates = prepassCandidates(target, ['rfl', 'omega', ' omega ', '', 'simp\nomega'], []);
    assert.deepEqual(
      candidates.map((c) => c.body),
      [':= by rfl', ':= by omega', ':= by\n  simp\n  omega'],
    );
    assert.deepEqual(candidates[1]!.origin, { kind: 'tactic', tactic: 'omega' });
    assert.equal(candidates[1]!.declarationText, 'theorem t (a b : Nat) : a + b = b + a := by omega');
    assert.equal(new Set(candidates.map((c) => c.id)).size, candidates.length);
  });

  it('replays retrieved proofs under the target header, skipping unreadable ones', () => {
    const replays: RetrievedProof[] = [
      {
        id: 'p1',
        name: 'Nat.add_comm_copy',
        statement: 'theorem Nat.add_comm_copy (a b : Nat) : a + b = b + a',
        proof: '@[simp] theorem Nat.add_comm_copy (a b : Nat) : a + b = b + a := Nat.add_comm a b',
        source: { kind: 'accepted' },
        score: 0.9,
      },
      { id: 'p2', statement: 'axiom nope : False', proof: 'axiom nope : False', source: { kind: 'corpus' }, score: 0.5 },
      {
        id: 'p3',
        statement: 'theorem x : 1 = 1',
        proof: 'theorem helper : True := trivial\ntheorem x : 1 = 1 := by\n  rfl',
        source: { kind: 'workspace', file: 'A.lean', line: 3 },
        score: 0.4,
      },
    ];
    const candidates = prepassCandidates(target, ['omega'], replays);
    assert.deepEqual(
      candidates.map((c) => [c.origin.kind, c.body]),
      [
        ['tactic', ':= by omega'],
        ['replay', ':= Nat.add_comm a b'],
        ['replay', ':= by\n  rfl'],
      ],
    );
    assert.deepEqual(candidates[1]!.origin, { kind: 'replay', proofId: 'p1' });
  });

  it('reads a replay body by statement, then by name', () => {
    const proof: RetrievedProof = {
      id: 'q',
      name: 'b',
      statement: 'theorem zzz : 2 = 2',
      proof: 'theorem a : 1 = 1 := rfl\ntheorem b : 2 = 2 := by decide\ntheorem c : 3 = 3 := rfl',
      source: { kind: 'corpus' },
      score: 1,
    };
    assert.equal(replayBody(proof), ':= by decide');
    assert.equal(tacticBody('simp'), ':= by simp');
  });
});

describe('extract: helpers and restatements', () => {
  const file = [
    'def double (n : Nat) : Nat := 2 * n',
    '',
    'theorem double_add (a b : Nat) : double (a + b) = double a + double b := by',
    '  unfold double; omega',
    '',
    'theorem double_eq (n : Nat) : double n = n + n := by sorry',
    '',
    'theorem later (n : Nat) : n = n := rfl',
  ].join('\n');
  const target = targetFrom(file);
  const reply = (lemmas: string) => `\`\`\`lean4\n${lemmas}\n\ntheorem double_eq (n : Nat) : double n = n + n := by\n  exact helper n\n\`\`\``;

  it('drops a restated user definition and lemma (same statement), keeping the proof', () => {
    const r = candidateFromReply(
      '```lean4\ndef double (n : Nat) : Nat := 2 * n\n\ntheorem double_add (a b : Nat) : double (a + b) = double a + double b := by\n  sorry\n\ntheorem double_eq (n : Nat) : double n = n + n := by\n  have := double_add n 0\n  unfold double; omega\n```',
      target,
      model(),
    );
    assert.ok(r.ok, r.ok ? '' : r.problem);
    assert.equal(r.candidate.helpers, undefined);
    assert.equal(r.candidate.body, ':= by\n  have := double_add n 0\n  unfold double; omega');
  });

  it('refuses a helper named like a user declaration with another statement, or like one declared after the target', () => {
    const changed = candidateFromReply(reply('theorem double_add (n : Nat) : double n = n + n := by unfold double; omega\ntheorem helper (n : Nat) : double n = n + n := double_add n'), target, model());
    assert.ok(!changed.ok && changed.problem.includes('`double_add`') && changed.problem.includes('different statement'), changed.ok ? '' : changed.problem);
    const after = candidateFromReply(reply('theorem later (n : Nat) : n = n := rfl\ntheorem helper (n : Nat) : double n = n + n := by have := later n; unfold double; omega'), target, model());
    assert.ok(!after.ok && after.problem.includes('after the theorem'), after.ok ? '' : after.problem);
  });

  it('carries a new helper, spelled theorem, screened with the user setting for native_decide', () => {
    const r = candidateFromReply(reply('lemma helper (n : Nat) : double n = n + n := by\n  unfold double; omega'), target, model());
    assert.ok(r.ok, r.ok ? '' : r.problem);
    assert.deepEqual(r.candidate.helpers, [{ name: 'helper', text: 'theorem helper (n : Nat) : double n = n + n := by\n  unfold double; omega' }]);
    const native = candidateFromReply(reply('theorem helper (n : Nat) : double n = n + n := by\n  native_decide'), target, model());
    assert.ok(native.ok);
    assert.ok(!screenHelpers(native.candidate, target, { allowNativeDecide: false }).ok);
    assert.ok(screenHelpers(native.candidate, target, { allowNativeDecide: true }).ok);
  });

  it('drops a restated retrieved proof with the same statement', () => {
    const known = [{ name: 'Foo.helper', statement: 'theorem Foo.helper (n : Nat) : double n = n + n' }];
    const r = candidateFromReply(reply('theorem helper (n : Nat) : double n = n + n := by\n  unfold double; omega'), target, model(), { known });
    assert.ok(r.ok);
    assert.equal(r.candidate.helpers, undefined);
  });

  it('gives helpers a part in the candidate id', () => {
    const a = makeCandidate(target, ':= by exact helper n', model());
    const b = makeCandidate(target, ':= by exact helper n', model(), [{ name: 'helper', text: 'theorem helper : True := trivial' }]);
    assert.notEqual(a.id, b.id);
  });
});

describe('extract: completions', () => {
  const target = targetFrom('theorem t (n : Nat) : n + 0 = n := by sorry');
  it('shows reasoning from the server field and from <think>, never extracting from it', () => {
    const completion = { text: '<think>inline</think>\n```lean4\ntheorem t (n : Nat) : n + 0 = n := by simp\n```', reasoning: 'from the field', finishReason: 'stop' };
    assert.equal(reasoningOf(completion), 'from the field\n\ninline');
    const r = candidateFromCompletion(completion, target, model());
    assert.ok(r.ok && r.candidate.body === ':= by simp');
  });

  it('refuses a truncated reply even when its block is complete', () => {
    const r = candidateFromCompletion({ text: '```lean4\ntheorem t (n : Nat) : n + 0 = n := by simp\n```\nmore', finishReason: 'length' }, target, model());
    assert.ok(!r.ok && r.problem.includes('cut off') && r.problem.includes('oprover.maxTokens'));
  });
});
