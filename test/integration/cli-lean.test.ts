// The CLI end to end on the scripted Lean language server (test/fixtures/lean-server, standing in
// for `lean --server` through --lean): the pre-pass over the real LSP path, the report, --insert,
// `check`, and the main job's example file with a Lean present but no endpoint.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ProveReport } from '../../src/cli/report';
import { startModelServer } from '../fixtures/model-server/server';
import { cleanEnv, project, root, runCli } from './cli-helpers';

const FAKE_LEAN = path.join(root, 'test/fixtures/lean-server/bin/lean');

const FILE = `theorem helper_done (n : Nat) : n + 0 = n := by
  simp

theorem t_omega (n : Nat) (h : n < 5) : 2 * n + 1 < 11 := by
  sorry

theorem t_hard (n : Nat) : n * 0 = 0 := by
  sorry
`;

/** What "Lean" accepts: omega for t_omega, an induction for t_hard (a model's proof). */
const LEAN_SCRIPT = {
  default: 'unsolved',
  rules: [
    { regex: 'theorem helper_done', axioms: ['propext'] },
    { regex: 'theorem t_omega[\\s\\S]*:= by omega', axioms: ['propext'] },
    { regex: 'theorem t_hard[\\s\\S]*induction n with', axioms: [] },
  ],
};

const CONFIG = { prepassTactics: ['rfl', 'omega', 'simp'], retrievalK: 1, prepassReplays: 1, verifierSlots: 1 };

describe('oprover prove on the scripted Lean server', function () {
  this.timeout(90_000);

  it('proves with the pre-pass over the Lean protocol, reports, and inserts', async () => {
    const dir = project({ 'T.lean': FILE, 'lean-fixture.json': JSON.stringify(LEAN_SCRIPT), 'oprover.json': JSON.stringify(CONFIG) });
    const r = await runCli(['prove', 'T.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--insert', '--report', 'report.json'], dir, cleanEnv());
    assert.equal(r.code, 3, r.stdout + r.stderr);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ProveReport;
    const by = new Map(report.items.map((i) => [i.declaration, i]));
    assert.equal(by.get('t_omega')!.status, 'proved', JSON.stringify(by.get('t_omega')));
    assert.equal(by.get('t_omega')!.proof, ':= by omega');
    assert.equal(by.get('t_hard')!.status, 'blocked');
    assert.match(report.settings.verifier, /fixtures\/lean-server\/bin\/lean --server/);
    assert.deepEqual(report.missing.map((m) => m.what), ['endpoint']);
    const text = fs.readFileSync(path.join(dir, 'T.lean'), 'utf8');
    assert.equal(text, FILE.replace('2 * n + 1 < 11 := by\n  sorry', '2 * n + 1 < 11 := by omega'));
  });

  it('runs model rounds on the test model server: Lean errors go into round 2, which proves it', async () => {
    const model = await startModelServer({
      apiKey: 'sk-test',
      rules: [
        { match: 'unsolved goals', replies: ['Round two.\n```lean4\ntheorem t_hard (n : Nat) : n * 0 = 0 := by\n  induction n with\n  | zero => rfl\n  | succ k ih => simp\n```'] },
        { replies: ['<think>try simp</think>\n```lean4\nby\n  simp\n```'] },
      ],
    });
    try {
      const dir = project({ 'T.lean': FILE, 'lean-fixture.json': JSON.stringify(LEAN_SCRIPT), 'oprover.json': JSON.stringify({ ...CONFIG, rounds: 3, samplesPerRound: 2 }) });
      const r = await runCli(['prove', 'T.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--endpoint', model.url, '--model', 'oprover-test', '--insert', '--json'], dir, cleanEnv({ OPROVER_API_KEY: 'sk-test' }));
      assert.equal(r.code, 0, r.stderr);
      const report = JSON.parse(r.stdout) as ProveReport;
      const hard = report.items.find((i) => i.declaration === 't_hard')!;
      assert.equal(hard.status, 'proved', JSON.stringify(hard));
      assert.equal(hard.rounds, 2);
      assert.match(hard.origin!, /model: round 2/);
      assert.ok(hard.tokens.prompt > 0 && hard.tokens.completion > 0, JSON.stringify(hard.tokens));
      assert.deepEqual(report.missing, []);
      const chats = model.requests.filter((q) => q.path.endsWith('/chat/completions'));
      assert.equal(chats.length, 2, 'one request per round for t_hard; t_omega needed none');
      assert.ok(chats.every((q) => q.authorization === 'Bearer sk-test'));
      // The goal at the sorry, from the Lean server over `$/lean/plainGoal`, is in every round's prompt.
      for (const q of chats) {
        const messages = (q.body?.messages ?? []) as { content: string }[];
        assert.match(messages.map((m) => m.content).join('\n'), /n : Nat\n⊢ n \* 0 = 0/);
      }
      const text = fs.readFileSync(path.join(dir, 'T.lean'), 'utf8');
      assert.match(text, /theorem t_hard \(n : Nat\) : n \* 0 = 0 := by\n {2}induction n with\n {2}\| zero => rfl\n {2}\| succ k ih => simp\n/);
      assert.doesNotMatch(text, /sorry/);
    } finally {
      await model.close();
    }
  });

  it('a proof that uses a helper lemma of the reply: checked with it, then inserted with the lemma just above the theorem', async () => {
    const model = await startModelServer({
      rules: [{ replies: ['A lemma first.\n```lean4\ntheorem mul_zero_aux (n : Nat) : n * 0 = 0 := by\n  induction n with\n  | zero => rfl\n  | succ k ih => simp\n\ntheorem t_hard (n : Nat) : n * 0 = 0 := by\n  exact mul_zero_aux n\n```'] }],
    });
    try {
      const script = { default: 'unsolved', rules: [...LEAN_SCRIPT.rules, { regex: 'theorem mul_zero_aux[\\s\\S]*induction n with', axioms: [] }, { regex: 'theorem t_hard[\\s\\S]*exact mul_zero_aux n', axioms: [] }] };
      const dir = project({ 'T.lean': FILE, 'lean-fixture.json': JSON.stringify(script), 'oprover.json': JSON.stringify({ ...CONFIG, rounds: 1, samplesPerRound: 1 }) });
      const r = await runCli(['prove', 'T.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--endpoint', model.url, '--model', 'oprover-test', '--insert', '--json'], dir, cleanEnv());
      assert.equal(r.code, 0, r.stderr);
      const hard = (JSON.parse(r.stdout) as ProveReport).items.find((i) => i.declaration === 't_hard')!;
      assert.equal(hard.status, 'proved', JSON.stringify(hard));
      assert.equal(hard.inserted, true, JSON.stringify(hard));
      const text = fs.readFileSync(path.join(dir, 'T.lean'), 'utf8');
      assert.match(text, /theorem mul_zero_aux \(n : Nat\) : n \* 0 = 0 := by\n {2}induction n with\n {2}\| zero => rfl\n {2}\| succ k ih => simp\n\ntheorem t_hard \(n : Nat\) : n \* 0 = 0 := by\n {2}exact mul_zero_aux n\n/);
      assert.match(text, /^theorem helper_done/, 'the text above is untouched');
    } finally {
      await model.close();
    }
  });

  it('exits 4 when the endpoint fails during the run, naming it', async () => {
    const dir = project({ 'T.lean': FILE, 'lean-fixture.json': JSON.stringify(LEAN_SCRIPT), 'oprover.json': JSON.stringify({ ...CONFIG, maxRetries: 0, requestTimeoutMs: 2000 }) });
    const r = await runCli(['prove', 'T.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--endpoint', 'http://127.0.0.1:9', '--json'], dir, cleanEnv());
    assert.equal(r.code, 4, r.stderr);
    const report = JSON.parse(r.stdout) as ProveReport;
    const hard = report.items.find((i) => i.declaration === 't_hard')!;
    assert.equal(hard.status, 'error');
    assert.match(hard.reason, /127\.0\.0\.1:9/);
    assert.equal(report.items.find((i) => i.declaration === 't_omega')!.status, 'proved', 'the pre-pass result stands');
    const state = JSON.parse(fs.readFileSync(path.join(dir, '.oprover/state.json'), 'utf8')) as { entries: Record<string, unknown> };
    assert.deepEqual(Object.keys(state.entries).map((k) => k.split('::')[1]), ['t_omega'], 'an errored target is not recorded: a re-run tries it again');
  });

  it('checks existing proofs through the gate with `check`', async () => {
    const dir = project({ 'T.lean': FILE, 'lean-fixture.json': JSON.stringify(LEAN_SCRIPT) });
    const r = await runCli(['check', 'T.lean', '--lean', FAKE_LEAN, '--json'], dir, cleanEnv());
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { items: { declaration: string; status: string }[] };
    assert.deepEqual(
      out.items.map((i) => [i.declaration, i.status]),
      [
        ['helper_done', 'passed'],
        ['t_omega', 'incomplete'],
        ['t_hard', 'incomplete'],
      ],
    );
  });

  it('runs the README example with a Lean present but no endpoint: the pre-pass and replays for real, exit 3', async () => {
    const dir = project({ 'Basics.lean': fs.readFileSync(path.join(root, 'examples/Basics.lean'), 'utf8') });
    // "Lean" accepts exactly the proofs the example's comments promise to the pre-pass and the replay.
    const script = {
      default: 'unsolved',
      rules: [
        { regex: 'theorem (sumTo_succ|mul_comm_nat)\\b', axioms: [] },
        { regex: 'theorem two_pow_ten[\\s\\S]*:= by decide', axioms: [] },
        { regex: 'theorem double_lt[\\s\\S]*:= by omega', axioms: ['propext'] },
        { regex: 'theorem append_nil_length[\\s\\S]*:= by simp', axioms: ['propext'] },
        { regex: 'theorem sumTo_three[\\s\\S]*:= by rfl', axioms: [] },
        { regex: 'theorem mul_comm_again[\\s\\S]*exact Nat\\.mul_comm a b', axioms: [] },
      ],
    };
    fs.writeFileSync(path.join(dir, 'lean-fixture.json'), JSON.stringify(script));
    const r = await runCli(['prove', 'Basics.lean', '--lean', FAKE_LEAN, '--report', 'report.json'], dir, cleanEnv());
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /no inference endpoint configured/);
    assert.doesNotMatch(r.stdout, /no Lean toolchain/);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ProveReport;
    const status = Object.fromEntries(report.items.map((i) => [i.declaration.replace('OProverExamples.', ''), [i.status, i.origin ?? '']]));
    assert.deepEqual(status, {
      two_pow_ten: ['proved', 'pre-pass: tactic decide'],
      double_lt: ['proved', 'pre-pass: tactic omega'],
      append_nil_length: ['proved', 'pre-pass: tactic simp'],
      sumTo_three: ['proved', 'pre-pass: tactic rfl'],
      mul_comm_again: ['proved', status.mul_comm_again![1]],
      double_eq: ['blocked', ''],
      sumTo_formula: ['blocked', ''],
    });
    assert.match(status.mul_comm_again![1]!, /replay of .*mul_comm_nat/);
  });
});
