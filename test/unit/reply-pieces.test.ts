// The small pieces behind extraction and per-profile prompting: reply normalisation, statement
// form, scope prefixes, earlier definitions for the prompt, Kimina's feedback layout, sampling.
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, resolveConfig } from '../../src/config';
import { reasoningDelta } from '../../src/endpoint/client';
import { formatKiminaFeedback } from '../../src/core/feedback';
import { earlierDeclarations } from '../../src/core/prompt/definitions';
import { maxTokensThatFit, PROFILE_SAMPLING, samplingFor } from '../../src/core/prompt/sampling';
import { codeBlocks, normalizeReply, splitReasoning } from '../../src/core/reply';
import { findSorries } from '../../src/core/source';
import { compareStatements, scopePrefixes, withPrefixes } from '../../src/core/statement-form';

describe('reply text', () => {
  it('normalises line breaks and drops byte-order marks at line starts only', () => {
    assert.equal(normalizeReply('\ufeffa\r\nb\rc\n\ufeffd e\ufefff'), 'a\nb\nc\nd e\ufefff');
  });

  it('splits reasoning from the answer', () => {
    assert.deepEqual(splitReasoning('<think>plan</think>answer'), { reasoning: 'plan', answer: 'answer', unclosed: false });
    assert.deepEqual(splitReasoning('plan</think>answer'), { reasoning: 'plan', answer: 'answer', unclosed: false });
    assert.deepEqual(splitReasoning('answer<think>cut'), { reasoning: 'cut', answer: 'answer', unclosed: true });
  });

  it('reads fences indented inside list items and dedents their lines', () => {
    const blocks = codeBlocks('1. Proof:\n\n    ```lean4\n    theorem t : True := by\n      trivial\n    ```\n');
    assert.deepEqual(blocks, [{ language: 'lean4', code: 'theorem t : True := by\n  trivial', unclosed: false }]);
  });
});

describe('statement form', () => {
  const header = 'theorem s (n : ℕ) (f : ℕ → ℕ) (h : 0 < n) : ∑ i in Finset.range n, f i = n';
  it('tells form-only differences from different statements', () => {
    assert.equal(compareStatements(header, header).match, 'same');
    assert.equal(compareStatements(header, 'theorem s {n : ℕ} (f : ℕ → ℕ)\n  (h : 0 < n) : (∑ i ∈ Finset.range n, f i) = n').match, 'same-form');
    assert.equal(compareStatements(header, 'theorem s (m : ℕ) (f : ℕ → ℕ) (h : 0 < m) : ∑ i in Finset.range m, f i = m').match, 'different');
    assert.equal(compareStatements(header, 'theorem s (n : ℕ) (f : ℕ → ℕ) : ∑ i in Finset.range n, f i = n').match, 'different');
    assert.equal(compareStatements(header, 'theorem s (n : ℕ) (f : ℕ → ℕ) (h : 0 < n) : ∑ i in Finset.range n, f i ≤ n').match, 'different');
  });

  it('reads open/set_option prefixes and moves them inside a body', () => {
    const prefixes = scopePrefixes('open Real Nat in\nset_option maxHeartbeats 400000 in\n/-- doc -/\ntheorem x : True');
    assert.deepEqual(prefixes, ['open Real Nat in', 'set_option maxHeartbeats 400000 in']);
    assert.equal(withPrefixes(':= by\n  simp', prefixes), ':= open Real Nat in set_option maxHeartbeats 400000 in by\n  simp');
    assert.equal(withPrefixes('| 0 => rfl', prefixes), '| 0 => rfl');
    assert.deepEqual(scopePrefixes('theorem x : True'), []);
  });
});

describe('prompt: earlier declarations of the file', () => {
  const text = [
    'import Mathlib',
    'def unrelated (n : Nat) : Nat := n',
    'def double (n : Nat) : Nat := 2 * n',
    'def quad (n : Nat) : Nat := double (double n)',
    'theorem quad_eq (n : Nat) : quad n = 4 * n := by',
    '  unfold quad double; omega',
    'example : 1 = 1 := rfl',
    'theorem target (n : Nat) : quad n = n + n + n + n := by sorry',
    'def after (n : Nat) : Nat := n',
  ].join('\n');
  const decl = findSorries(text)[0]!.declaration!;

  it('shows definitions in full and lemma statements without proofs, in file order, never what comes after', () => {
    const shown = earlierDeclarations(text, decl, 10_000);
    assert.equal(shown, ['def unrelated (n : Nat) : Nat := n', 'def double (n : Nat) : Nat := 2 * n', 'def quad (n : Nat) : Nat := double (double n)', 'theorem quad_eq (n : Nat) : quad n = 4 * n := by sorry'].join('\n\n'));
  });

  it('keeps what the statement names (and what that names) first when the budget is small', () => {
    const shown = earlierDeclarations(text, decl, 90);
    assert.equal(shown, 'def double (n : Nat) : Nat := 2 * n\n\ndef quad (n : Nat) : Nat := double (double n)');
    assert.equal(earlierDeclarations(text, decl, 0), '');
  });

  it('notes another namespace', () => {
    const t = 'namespace A\ndef d : Nat := 1\nend A\ntheorem t : A.d = 1 := by sorry';
    assert.equal(earlierDeclarations(t, findSorries(t)[0]!.declaration!, 1000), '-- in namespace A\ndef d : Nat := 1');
  });
});

describe('feedback: Kimina layout', () => {
  it('numbers errors, shows the goals before the error and numbered lines around it', () => {
    const code = 'theorem t (n : Nat) : n + 0 = n := by\n  rfl\n  simp';
    const text = formatKiminaFeedback(code, [{ severity: 'error', range: { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } }, text: 'The rfl tactic failed.', goal: 'n : Nat\n⊢ n + 0 = n' }], '');
    assert.equal(
      text,
      '# Error 1:\nGoals state before error position: \nn : Nat\n⊢ n + 0 = n\n\nError message: \nThe rfl tactic failed.\n\nLean 4 code snippet with error:\n```lean4\n001  | theorem t (n : Nat) : n + 0 = n := by\n002 >|   rfl\n003  |   simp\n```\n',
    );
  });

  it('falls back to the reason when Lean never saw the attempt', () => {
    assert.equal(formatKiminaFeedback('x', [], 'the answer was cut off'), '# Error 1:\nError message: \nthe answer was cut off\n');
  });
});

describe('sampling per profile', () => {
  it('takes the profile default unless the user set a value', () => {
    assert.deepEqual(samplingFor({ ...DEFAULT_CONFIG, promptProfile: 'kimina' }), PROFILE_SAMPLING.kimina);
    assert.deepEqual(samplingFor(resolveConfig({ promptProfile: 'kimina', temperature: 0.2 })), { ...PROFILE_SAMPLING.kimina!, temperature: 0.2 });
    assert.deepEqual(samplingFor({ ...DEFAULT_CONFIG, promptProfile: 'nope' }), PROFILE_SAMPLING.custom);
    for (const s of Object.values(PROFILE_SAMPLING)) assert.ok(s.maxTokens >= 16_384);
  });

  it('validates sampling settings although they have no default', () => {
    assert.throws(() => resolveConfig({ temperature: 3 }), /oprover\.temperature/);
    assert.throws(() => resolveConfig({ maxTokens: 8.5 }), /oprover\.maxTokens/);
    assert.equal(resolveConfig({}).maxTokens, undefined);
  });

  it('reads the output budget that fits from vLLM and SGLang context errors', () => {
    assert.equal(maxTokensThatFit("This model's maximum context length is 32768 tokens. However, you requested 34000 tokens (4000 in the messages, 30000 in the completion)."), 28752);
    assert.equal(maxTokensThatFit("'max_tokens' is too large: 30000. This model's maximum context length is 32768 tokens and your request has 4000 input tokens"), 28752);
    assert.equal(maxTokensThatFit("Requested token count exceeds the model's maximum context length of 32768 tokens. You requested a total of 34000 tokens: 4000 tokens from the input messages and 30000 tokens for the completion."), 28752);
    assert.equal(maxTokensThatFit("This model's maximum context length is 32768 tokens. However, you requested 33000 tokens (32500 in the messages, 500 in the completion)."), undefined);
    assert.equal(maxTokensThatFit('prompt is too long'), undefined);
  });
});

describe('endpoint: reasoning fields', () => {
  it('reads vLLM reasoning and reasoning_content, ignoring anything else', () => {
    assert.equal(reasoningDelta({ content: 'a', reasoning: 'r' }), 'r');
    assert.equal(reasoningDelta({ reasoning_content: 'rc' }), 'rc');
    assert.equal(reasoningDelta({ reasoning: 3 }), '');
    assert.equal(reasoningDelta(undefined), '');
  });
});

describe('prompt budget: raw replies', () => {
  it('cuts a long raw reply from its start, keeping the answer at its end', async () => {
    const { fitBudget } = await import('../../src/core/prompt');
    const raw = 'r'.repeat(50_000) + '\n```lean4\nfinal answer\n```';
    const input = { context: '', statement: 'theorem t : True := by sorry', retrieved: [], round: 2, history: [{ attempt: 'a', feedback: 'f', raw }] };
    const fitted = fitBudget(input, 10_000);
    const kept = fitted.history[0]!.raw!;
    assert.ok(kept.length < 10_000);
    assert.ok(kept.startsWith('[... the start of this reply was cut'));
    assert.ok(kept.endsWith('final answer\n```'));
    assert.equal(input.history[0]!.raw, raw, 'the input is not changed');
  });
});

describe('bare blocks: term or tactics', () => {
  it('reads a single tactic as a tactic and a name applied to arguments as a term', async () => {
    const { candidateFromReply } = await import('../../src/core/extract');
    const text = 'theorem t (a b : Nat) : a + b = b + a := by sorry';
    const sorry = findSorries(text)[0]!;
    const target = { file: 'T.lean', projectRoot: '.', text, version: 1, sorry, declaration: sorry.declaration! };
    const body = (code: string): string => {
      const r = candidateFromReply('```lean4\n' + code + '\n```', target, { kind: 'model', round: 1, sample: 0 });
      assert.ok(r.ok, r.ok ? '' : r.problem);
      return r.candidate.body;
    };
    assert.equal(body('native_decide'), ':= by\n  native_decide');
    assert.equal(body('omega'), ':= by\n  omega');
    assert.equal(body('Nat.add_comm a b'), ':=\n  Nat.add_comm a b');
    assert.equal(body('add_comm a b'), ':=\n  add_comm a b');
    assert.equal(body('fun x => x'), ':=\n  fun x => x');
    assert.equal(body('⟨1, rfl⟩'), ':=\n  ⟨1, rfl⟩');
    assert.equal(body('rw [Nat.add_comm]\nrfl'), ':= by\n  rw [Nat.add_comm]\n  rfl');
    assert.equal(body('exact?'), ':= by\n  exact?');
  });
});

describe('reasoning for display', () => {
  it('keeps the end of a very long reasoning and says how much was left out', async () => {
    const { reasoningOf, MAX_REASONING_SHOWN } = await import('../../src/core/extract');
    const shown = reasoningOf({ text: 'answer', reasoning: 'a'.repeat(MAX_REASONING_SHOWN) + 'END', finishReason: 'stop' });
    assert.ok(shown.startsWith('[… 3 characters of reasoning not shown]'));
    assert.ok(shown.endsWith('aEND'));
  });
});
