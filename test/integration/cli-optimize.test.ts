// `oprover optimize` end to end: the CLI as a real process, the scripted Lean language server
// (test/fixtures/lean-server) standing in for `lean --server`, and the test model server
// (test/fixtures/model-server) answering the optimization prompts.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { OptimizeReport } from '../../src/cli/optimize-run';
import { startModelServer } from '../fixtures/model-server/server';
import { cleanEnv, project, root, runCli } from './cli-helpers';

const FAKE_LEAN = path.join(root, 'test/fixtures/lean-server/bin/lean');

const FILE = `theorem long_add (a b : Nat) : a + b = b + a := by
  have h : a + b = b + a := by
    rw [Nat.add_comm]
  exact h

theorem short_one (n : Nat) : n + 0 = n := by simp

theorem broken (n : Nat) : n = n + 1 := by
  exact rfl

theorem open_goal (n : Nat) : n * 0 = 0 := by
  sorry
`;

/** What "Lean" accepts: the file's long proof, `simp`, and `omega` for long_add; the goal plainGoal answers. */
const LEAN_SCRIPT = {
  default: 'unsolved',
  rules: [
    { regex: 'theorem long_add[\\s\\S]*exact h', axioms: ['propext'], goal: 'a b : Nat\n⊢ a + b = b + a' },
    { regex: 'theorem long_add[\\s\\S]*:= by omega', axioms: ['propext'] },
    { regex: 'theorem short_one[\\s\\S]*simp', axioms: ['propext'] },
    { regex: 'theorem long_add[\\s\\S]*Nat.add_comm a b\\s*$', axioms: [] },
  ],
};

const SHORT = '```lean4\ntheorem long_add (a b : Nat) : a + b = b + a := by omega\n```';
const CHANGED = '```lean4\ntheorem long_add (a b : Nat) : a + b = a + b := by rfl\n```';
const FAILS = '```lean4\ntheorem long_add (a b : Nat) : a + b = b + a := by\n  decide\n```';

const CONFIG = { rounds: 2, samplesPerRound: 2, retrievalK: 0, verifierSlots: 1, promptProfile: 'custom' };

function readReport(dir: string): OptimizeReport {
  return JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as OptimizeReport;
}

describe('oprover optimize on the scripted Lean server and the test model server', function () {
  this.timeout(120_000);

  it('replaces a long proof by a shorter verified one, reports before/after, resumes, and inserts only over unchanged text', async () => {
    const model = await startModelServer({
      rules: [
        // short_one is already one step: its rewrites are verified-but-not-better or failing.
        { match: 'short_one', replies: ['```lean4\ntheorem short_one (n : Nat) : n + 0 = n := by\n  simp\n```'] },
        { match: 'long_add', replies: [FAILS, CHANGED, SHORT, FAILS] },
      ],
    });
    try {
      const dir = project({ 'T.lean': FILE, 'lean-fixture.json': JSON.stringify(LEAN_SCRIPT), 'oprover.json': JSON.stringify(CONFIG) });
      const r = await runCli(['optimize', 'T.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--endpoint', model.url, '--model', 'oprover-test', '--report', 'report.json', '--metric', 'length'], dir);
      assert.equal(r.code, 1, r.stdout + r.stderr); // `broken` does not verify, so it was not optimized
      const report = readReport(dir);
      assert.equal(report.command, 'optimize');
      assert.equal(report.metric, 'length');
      const by = new Map(report.items.map((i) => [i.declaration, i]));
      assert.deepEqual([...by.keys()].sort(), ['broken', 'long_add', 'short_one'], 'the declaration with sorry is left to `prove`');

      const long = by.get('long_add')!;
      assert.equal(long.status, 'improved', JSON.stringify(long));
      assert.equal(long.before, 3);
      assert.equal(long.after, 1);
      assert.equal(long.verified, true);
      assert.equal(long.proof, ':= by omega');
      assert.equal(long.change, '3 → 1 step');
      assert.equal(long.rounds, 2, 'round 1 had no verified rewrite; round 2 found one');

      const short = by.get('short_one')!;
      assert.equal(short.status, 'unchanged');
      assert.equal(short.before, 1);
      assert.equal(short.after, 1);
      assert.equal(short.verified, true);

      const broken = by.get('broken')!;
      assert.equal(broken.status, 'unverified');
      assert.equal(broken.verified, false);
      assert.equal(broken.before, null);
      assert.match(broken.reason, /does not pass the gate/);

      assert.equal(report.totals.improved, 1);
      assert.equal(report.totals.gain, 2);
      assert.match(r.stdout, /improved +T\.lean:1 long_add — 3 → 1 step/);

      // The prompts showed the current proof with the goal after each tactic line (Chain-of-States).
      const prompts = model.requests.filter((q) => q.path.endsWith('/chat/completions')).map((q) => ((q.body?.messages ?? []) as { content: string }[]).map((m) => m.content).join('\n'));
      const longPrompts = prompts.filter((p) => p.includes('theorem long_add'));
      assert.ok(longPrompts[0]!.includes('    -- ⊢ a + b = b + a'), longPrompts[0]);
      // Round 2 was told what went wrong in round 1 (the statement change never reached Lean).
      assert.ok(longPrompts[1]!.includes('What was wrong with it'), longPrompts[1]);
      // The verified rewrite went into the project's memory bank.
      const bank = fs.readFileSync(path.join(dir, '.oprover', 'bank', 'records.log')).toString('utf8');
      assert.ok(bank.includes('theorem long_add (a b : Nat) : a + b = b + a := by omega'), 'the rewrite is in the memory bank');
      // Without --insert the file is untouched.
      assert.equal(fs.readFileSync(path.join(dir, 'T.lean'), 'utf8'), FILE);

      // A re-run takes finished declarations from the state file (no model request), and --insert writes the improvement.
      const chatsBefore = model.requests.filter((q) => q.path.endsWith('/chat/completions')).length;
      const again = await runCli(['optimize', 'T.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--endpoint', model.url, '--model', 'oprover-test', '--insert', '--json'], dir);
      const second = JSON.parse(again.stdout) as OptimizeReport;
      const long2 = second.items.find((i) => i.declaration === 'long_add')!;
      assert.equal(long2.resumed, true);
      assert.equal(long2.after, 1);
      assert.equal(long2.inserted, true);
      assert.equal(second.items.find((i) => i.declaration === 'short_one')!.resumed, true);
      const chatsAfter = model.requests.filter((q) => q.path.endsWith('/chat/completions')).length;
      assert.equal(chatsAfter, chatsBefore, 'only `broken` ran again, and it needs no model');
      const text = fs.readFileSync(path.join(dir, 'T.lean'), 'utf8');
      assert.equal(text, FILE.replace(':= by\n  have h : a + b = b + a := by\n    rw [Nat.add_comm]\n  exact h', ':= by omega'));
    } finally {
      await model.close();
    }
  });

  it('with no endpoint: checks and measures the proofs, and says what is missing (exit 3)', async () => {
    const dir = project({ 'T.lean': FILE, 'lean-fixture.json': JSON.stringify(LEAN_SCRIPT), 'oprover.json': JSON.stringify(CONFIG) });
    const r = await runCli(['optimize', 'T.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--json', '--metric', 'characters'], dir);
    assert.equal(r.code, 3, r.stderr);
    const report = JSON.parse(r.stdout) as OptimizeReport;
    const long = report.items.find((i) => i.declaration === 'long_add')!;
    assert.equal(long.status, 'blocked');
    assert.equal(long.verified, true);
    assert.ok(long.before! > 20);
    assert.deepEqual(report.missing.map((m) => m.what), ['endpoint']);
  });

  it('an unknown metric is a usage error that lists the metrics', async () => {
    const dir = project({ 'T.lean': FILE });
    const r = await runCli(['optimize', 'T.lean', '--metric', 'speed'], dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /length, readability, characters, custom/);
  });
});
