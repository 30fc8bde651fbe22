// Each profile's rendering against golden prompts (test/fixtures/prompts/<profile>-<case>.json).
// Regenerate after an intended change with OPROVER_UPDATE_GOLDEN=1, then read the diff.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import { fitBudget, getProfile, PROFILE_IDS, PromptTemplateError, taskCode } from '../../src/core/prompt';
import type { PromptInput } from '../../src/core/types';

const goldenDir = path.join(__dirname, '..', 'fixtures', 'prompts');

const round1: PromptInput = {
  context: 'import Mathlib\nimport Aesop\nset_option maxHeartbeats 400000\nopen Nat',
  definitions: 'def double (n : ℕ) : ℕ := 2 * n\n\ntheorem double_eq (n : ℕ) : double n = n + n := by sorry',
  statement: 'theorem add_comm_example (a b : ℕ) : a + b = b + a := by sorry',
  retrieved: [
    {
      id: 'r1',
      name: 'Nat.add_comm',
      statement: 'theorem Nat.add_comm (n m : ℕ) : n + m = m + n',
      proof: 'theorem Nat.add_comm (n m : ℕ) : n + m = m + n := by\n  induction m <;> simp_all [Nat.add_succ, Nat.succ_add]',
      source: { kind: 'corpus', file: 'batteries' },
      score: 0.9,
    },
  ],
  round: 1,
  history: [],
};
const round3: PromptInput = {
  ...round1,
  round: 3,
  goal: 'a b : ℕ\n⊢ a + b = b + a',
  history: [
    {
      attempt: 'theorem add_comm_example (a b : ℕ) : a + b = b + a := by\n  rfl',
      feedback: 'Error 1:\nCorresponding Code:\n```lean4\n  <error>rfl</error>\n```\nError Message: The rfl tactic failed.',
      raw: '<think>\nTry rfl.\n</think>\n```lean4\ntheorem add_comm_example (a b : ℕ) : a + b = b + a := by\n  rfl\n```',
      messages: [{ severity: 'error', range: { start: { line: 1, character: 2 }, end: { line: 1, character: 5 } }, text: 'The rfl tactic failed.', goal: 'a b : ℕ\n⊢ a + b = b + a' }],
    },
    {
      attempt: 'theorem add_comm_example (a b : ℕ) : a + b = b + a := by\n  simp',
      feedback: 'Error 1:\nError Message: simp made no progress',
      raw: 'Use simp.\n```lean4\ntheorem add_comm_example (a b : ℕ) : a + b = b + a := by\n  simp\n```',
      messages: [{ severity: 'error', range: { start: { line: 1, character: 2 }, end: { line: 1, character: 6 } }, text: 'simp made no progress' }],
    },
  ],
};

function config(profile: string, extra: Partial<OProverConfig> = {}): OProverConfig {
  return { ...DEFAULT_CONFIG, promptProfile: profile, ...extra };
}

const customTemplate = 'Prove this (round {{round}}):\n{{code}}\nLast try:\n{{previous_attempt}}\nLean said:\n{{feedback}}';

describe('prompt profiles: golden prompts', () => {
  for (const id of PROFILE_IDS) {
    for (const [name, input] of [['round1', round1], ['round3', round3]] as const) {
      it(`${id} renders ${name} as its golden file`, () => {
        const messages = getProfile(config(id, { customTemplate })).render(input);
        const file = path.join(goldenDir, `${id}-${name}.json`);
        if (process.env.OPROVER_UPDATE_GOLDEN) fs.writeFileSync(file, JSON.stringify(messages, null, 2) + '\n');
        assert.deepEqual(messages, JSON.parse(fs.readFileSync(file, 'utf8')));
      });
    }
  }
});

describe('prompt profiles: behaviour', () => {
  it("oprover: one user message in its author's order: retrieved proofs, previous attempt, errors, task", () => {
    const [msg, ...rest] = getProfile(config('oprover')).render(round3);
    assert.equal(rest.length, 0);
    assert.equal(msg.role, 'user');
    const c = msg.content;
    assert.ok(c.indexOf('**Retrieved Verified Proofs:**') < c.indexOf('**Previous Failed Attempt:**'));
    assert.ok(c.indexOf('**Previous Failed Attempt:**') < c.indexOf('**Error Messages:**'));
    assert.ok(c.indexOf('**Error Messages:**') < c.indexOf('**Current Task:**'));
    // OProver keeps only the latest attempt.
    assert.ok(c.includes('simp made no progress'));
    assert.ok(!c.includes('The rfl tactic failed'));
    assert.ok(c.includes('Please learn from the previous failed attempt'));
  });

  it('oprover: round 2 and round 3 prompts share the retrieved proofs as a prefix', () => {
    const p = getProfile(config('oprover'));
    const a = p.render({ ...round3, history: round3.history.slice(0, 1), round: 2 })[0].content;
    const b = p.render(round3)[0].content;
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    assert.ok(a.slice(0, i).includes(round1.retrieved[0]!.proof), 'the retrieved proofs are inside the shared prefix');
  });

  it('every profile shows the earlier definitions between the context and the statement', () => {
    for (const id of PROFILE_IDS.filter((p) => p !== 'custom')) {
      const text = getProfile(config(id)).render(round1).map((m) => m.content).join('\n');
      assert.ok(text.indexOf('open Nat') < text.indexOf('def double'), id);
      assert.ok(text.indexOf('def double') < text.indexOf('theorem add_comm_example'), id);
    }
  });

  it('deepseek-prover-v2: its statement layout (groups of the header apart, `:= by` then `sorry` on its own line)', () => {
    const c = getProfile(config('deepseek-prover-v2')).render(round1)[0].content;
    assert.ok(c.includes('import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen Nat\n\n'));
    assert.ok(c.includes('a + b = b + a := by\n  sorry\n```'));
  });

  it('oprover: every section header comes from settings', () => {
    const headers = { retrieved: '## Memory', previous: '## Last try', errors: '## Lean says', task: '## Goal', goal: '## State at the sorry', lemmas: '## Might help' };
    const lemmas = [{ name: 'Nat.add_comm', signature: '(n m : ℕ) : n + m = m + n', score: 1 }];
    const c = getProfile(config('oprover', { promptHeaders: headers })).render({ ...round3, goal: 'n : Nat\n⊢ n + 0 = n', lemmas })[0].content;
    for (const h of Object.values(headers)) assert.ok(c.includes(h), h);
    assert.ok(!c.includes('**Current Task:**') && !c.includes('The goal at the'));
  });

  it('goedel-prover-v2: earlier raw outputs become assistant turns, feedback numbered from Round 0', () => {
    const m = getProfile(config('goedel-prover-v2')).render(round3);
    assert.deepEqual(m.map((x) => x.role), ['user', 'assistant', 'user', 'assistant', 'user']);
    assert.equal(m[1].content, round3.history[0]!.raw);
    assert.match(m[2].content, /The proof \(Round 0\) is not correct/);
    assert.match(m[4].content, /The proof \(Round 1\) is not correct/);
  });

  it('kimina: its system prompt, the unfenced file, then raw outputs and # Error N: turns with the goals', () => {
    const m = getProfile(config('kimina')).render(round3);
    assert.deepEqual(m.map((x) => x.role), ['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    assert.ok(m[1].content.startsWith('Think about and solve the following problems step by step in Lean 4.\n\nimport Mathlib'));
    assert.ok(!m[1].content.includes('```'));
    assert.equal(m[2].content, round3.history[0]!.raw);
    assert.ok(m[3].content.startsWith('# Error 1:\nGoals state before error position: \na b : ℕ'));
  });

  it('custom: unknown placeholders and empty templates are refused with what to do', () => {
    assert.throws(() => getProfile(config('custom', { customTemplate: '{{statment}}' })), (e: Error) => e instanceof PromptTemplateError && /unknown placeholder \{\{statment\}\}/.test(e.message));
    assert.throws(() => getProfile(config('custom', { customTemplate: '  ' })), /customTemplate is empty/);
  });

  it('custom: text substituted for a placeholder is not expanded again', () => {
    const input = { ...round3, history: [{ attempt: 'x', feedback: 'mentions {{statement}}' }] };
    const c = getProfile(config('custom', { customTemplate: '{{feedback}}' })).render(input)[0].content;
    assert.equal(c, 'mentions {{statement}}');
  });

  it('an unknown profile name lists the known ones', () => {
    assert.throws(() => getProfile(config('nope')), /known: oprover, deepseek-prover-v2/);
  });

  it('the budget trims retrieved proofs first, then feedback, never the statement', () => {
    const big = { ...round3, retrieved: Array.from({ length: 5 }, (_, i) => ({ ...round1.retrieved[0], id: `r${i}`, proof: 'x'.repeat(5000) })), history: [{ attempt: 'a', feedback: 'f'.repeat(20000) }] };
    const fitted = fitBudget(big, 8000);
    assert.equal(fitted.retrieved.length, 0);
    assert.ok(fitted.history[0].feedback.length < 20000);
    assert.ok(fitted.history[0].feedback.endsWith('[feedback truncated to fit the context] ...'));
    assert.equal(taskCode(fitted), taskCode(big));
    const roomy = fitBudget(big, 1_000_000);
    assert.equal(roomy.retrieved.length, 5);
  });
});
