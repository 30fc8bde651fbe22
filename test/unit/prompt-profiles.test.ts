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
  context: 'import Mathlib\n\nopen Nat',
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
    { attempt: 'theorem add_comm_example (a b : ℕ) : a + b = b + a := by\n  rfl', feedback: 'Error 1:\nCorresponding Code:\n```lean4\n  <error>rfl</error>\n```\nError Message: The rfl tactic failed.' },
    { attempt: 'theorem add_comm_example (a b : ℕ) : a + b = b + a := by\n  simp', feedback: 'Error 1:\nError Message: simp made no progress' },
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
  it('oprover: one user message, retrieved proofs and task before the changing attempt', () => {
    const [msg, ...rest] = getProfile(config('oprover')).render(round3);
    assert.equal(rest.length, 0);
    assert.equal(msg.role, 'user');
    const c = msg.content;
    assert.ok(c.indexOf('**Retrieved Verified Proofs:**') < c.indexOf('**Current Task:**'));
    assert.ok(c.indexOf('**Current Task:**') < c.indexOf('**Previous Failed Attempt:**'));
    // OProver keeps only the latest attempt.
    assert.ok(c.includes('simp made no progress'));
    assert.ok(!c.includes('The rfl tactic failed'));
    assert.ok(c.includes('Please learn from the previous failed attempt'));
  });

  it('oprover: round 2 and round 3 prompts share the retrieved+task prefix', () => {
    const p = getProfile(config('oprover'));
    const a = p.render({ ...round3, history: round3.history.slice(0, 1), round: 2 })[0].content;
    const b = p.render(round3)[0].content;
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    assert.ok(a.slice(0, i).includes('**Current Task:**'), 'the task is inside the shared prefix');
  });

  it('oprover: every section header comes from settings', () => {
    const headers = { retrieved: '## Memory', previous: '## Last try', errors: '## Lean says', task: '## Goal', goal: '## State at the sorry' };
    const c = getProfile(config('oprover', { promptHeaders: headers })).render({ ...round3, goal: 'n : Nat\n⊢ n + 0 = n' })[0].content;
    for (const h of Object.values(headers)) assert.ok(c.includes(h), h);
    assert.ok(!c.includes('**Current Task:**') && !c.includes('The goal at the'));
  });

  it('goedel-prover-v2: earlier attempts become assistant turns with numbered feedback', () => {
    const m = getProfile(config('goedel-prover-v2')).render(round3);
    assert.deepEqual(m.map((x) => x.role), ['user', 'assistant', 'user', 'assistant', 'user']);
    assert.match(m[2].content, /The proof \(Round 1\) is not correct/);
    assert.match(m[4].content, /The proof \(Round 2\) is not correct/);
  });

  it('kimina: its system prompt first', () => {
    const m = getProfile(config('kimina')).render(round1);
    assert.equal(m[0].role, 'system');
    assert.match(m[1].content, /# Formal statement:/);
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
