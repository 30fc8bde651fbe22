// Optimization prompts per profile against golden files (test/fixtures/prompts/optimize/<profile>-<case>.json).
// Regenerate after an intended change with OPROVER_UPDATE_GOLDEN=1, then read the diff.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import { getMetric } from '../../src/core/optimize/metrics';
import { annotate, stateOffsets } from '../../src/core/optimize/states';
import { PROFILE_IDS } from '../../src/core/prompt';
import { getOptimizeProfile, KEEP_STATEMENT, type OptimizePromptInput } from '../../src/core/prompt/optimize';

const goldenDir = path.join(__dirname, '..', 'fixtures', 'prompts', 'optimize');
const header = 'theorem add_comm_example (a b : ℕ) : a + b = b + a';
const long = `${header} := by\n  have h : a + b = b + a := by\n    rw [Nat.add_comm]\n  exact h`;
const offsets = stateOffsets(long, header.length + 1);
const current = annotate(long, offsets, ['a b : ℕ\n⊢ a + b = b + a', '']);
const metric = getMetric('length');

const round1: OptimizePromptInput = {
  context: 'import Mathlib\n\nopen Nat',
  statement: `${header} := by sorry`,
  current,
  goal: metric.goal,
  value: metric.format(3),
  retrieved: [
    {
      id: 'r1',
      name: 'Nat.add_comm',
      statement: 'theorem Nat.add_comm (n m : ℕ) : n + m = m + n',
      proof: 'theorem Nat.add_comm (n m : ℕ) : n + m = m + n := by omega',
      source: { kind: 'corpus', file: 'batteries' },
      score: 0.9,
    },
  ],
  round: 1,
  history: [],
};
const round3: OptimizePromptInput = {
  ...round1,
  round: 3,
  history: [
    { attempt: `${header} := by\n  rfl`, feedback: 'Error 1:\nError Message: The rfl tactic failed.' },
    { attempt: `${header} := by\n  simp only [Nat.add_comm]\n  done`, feedback: 'Lean accepted this proof, but it is not better: 3 steps, against 3 steps for the current proof.' },
  ],
};

function config(profile: string, extra: Partial<OProverConfig> = {}): OProverConfig {
  return { ...DEFAULT_CONFIG, promptProfile: profile, ...extra };
}

describe('optimization prompts: golden files', () => {
  for (const id of PROFILE_IDS) {
    for (const [name, input] of [['round1', round1], ['round3', round3]] as const) {
      it(`${id} renders ${name} as its golden file`, () => {
        const messages = getOptimizeProfile(config(id)).render(input);
        const file = path.join(goldenDir, `${id}-${name}.json`);
        if (process.env.OPROVER_UPDATE_GOLDEN) fs.writeFileSync(file, JSON.stringify(messages, null, 2) + '\n');
        assert.deepEqual(messages, JSON.parse(fs.readFileSync(file, 'utf8')));
      });
    }
  }
});

describe('optimization prompts: behaviour', () => {
  it('every profile shows the annotated current proof, the metric goal and the unchanged statement', () => {
    for (const id of PROFILE_IDS) {
      const text = getOptimizeProfile(config(id)).render(round1).map((m) => m.content).join('\n');
      assert.ok(text.includes('    -- ⊢ a + b = b + a'), `${id}: chain of states`);
      assert.ok(text.includes(metric.goal), `${id}: metric goal`);
      assert.ok(text.includes(header), `${id}: statement`);
    }
  });

  it('prover profiles keep the "Complete the following Lean 4 code" framing; custom is a plain instruction', () => {
    for (const id of ['oprover', 'deepseek-prover-v2', 'goedel-prover-v2']) {
      assert.ok(getOptimizeProfile(config(id)).render(round1)[0]!.content.includes('Complete the following Lean 4 code'), id);
    }
    const custom = getOptimizeProfile(config('custom')).render(round1);
    assert.equal(custom[0]!.role, 'system');
    assert.ok(custom[1]!.content.includes('Rewrite the proof'));
    assert.ok(custom[1]!.content.includes(KEEP_STATEMENT));
  });

  it('oprover: only the latest attempt, after the task', () => {
    const c = getOptimizeProfile(config('oprover')).render(round3)[0]!.content;
    assert.ok(c.includes('not better: 3 steps'));
    assert.ok(!c.includes('The rfl tactic failed'));
    assert.ok(c.indexOf('**Current Task:**') < c.indexOf('**Previous Failed Attempt:**'));
  });

  it('the budget drops retrieved proofs before the current proof is ever cut', () => {
    const c = getOptimizeProfile(config('oprover', { contextChars: 1000 })).render(round1)[0]!.content;
    assert.ok(!c.includes('theorem Nat.add_comm'));
    assert.ok(c.includes(long.split('\n')[1]!));
  });

  it('an unknown profile is an error listing the known ones', () => {
    assert.throws(() => getOptimizeProfile(config('nope')), /known: oprover/);
  });
});
