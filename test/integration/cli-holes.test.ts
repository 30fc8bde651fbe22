// The CLI end to end on holes, on the scripted Lean server standing in for `lean --server`: each
// `sorry` of a skeleton is its own target named by declaration and position, the pre-pass closes
// each hole through its theorem (built from the goal the server prints at the hole), and --insert
// replaces only the holes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ProveReport } from '../../src/cli/report';
import { cleanEnv, project, root, runCli } from './cli-helpers';

const FAKE_LEAN = path.join(root, 'test/fixtures/lean-server/bin/lean');

const FILE = `theorem skel (a b : Nat) (h : a = b) : a + 0 = b ∧ b = a := by
  have h1 : a + 0 = b := by
    sorry
  have h2 : b = a := by sorry
  exact ⟨h1, h2⟩

theorem whole (n : Nat) : n + 0 = n := by
  sorry
`;

/** What "Lean" accepts: simp for the first hole's theorem, omega for the second's, and each in place. */
const LEAN_SCRIPT = {
  default: 'unsolved',
  rules: [
    { regex: 'theorem skel_hole1[\\s\\S]*:= by simp', axioms: ['propext'] },
    { regex: 'theorem skel_hole2[\\s\\S]*:= by omega', axioms: ['propext'] },
    { regex: 'theorem skel \\([\\s\\S]*simp[\\s\\S]*exact oprover_other_hole', axioms: ['propext'] },
    { regex: 'theorem skel \\([\\s\\S]*exact oprover_other_hole[\\s\\S]*omega', axioms: ['propext'] },
    { regex: 'theorem skel \\([\\s\\S]*sorry', holeGoals: ['a b : Nat\nh : a = b\n⊢ a + 0 = b', 'a b : Nat\nh : a = b\nh1 : a + 0 = b\n⊢ b = a'] },
    { regex: 'theorem whole[\\s\\S]*:= by simp', axioms: ['propext'] },
  ],
};

const CONFIG = { prepassTactics: ['rfl', 'omega', 'simp'], retrievalK: 0, prepassReplays: 0, verifierSlots: 1 };

describe('oprover prove on holes (scripted Lean server)', function () {
  this.timeout(90_000);

  it('counts and names each hole, proves each through its theorem, and inserts only the holes', async () => {
    const dir = project({ 'Skel.lean': FILE, 'lean-fixture.json': JSON.stringify(LEAN_SCRIPT), 'oprover.json': JSON.stringify(CONFIG) });
    const r = await runCli(['prove', 'Skel.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--insert', '--report', 'report.json'], dir, cleanEnv());
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ProveReport;
    assert.deepEqual(
      report.items.map((i) => [i.declaration, i.line, i.status, i.proof, i.inserted]),
      [
        ['skel, hole 1 of 2 (line 3, column 5)', 3, 'proved', 'simp', true],
        ['skel, hole 2 of 2 (line 4, column 25)', 4, 'proved', 'omega', true],
        ['whole', 8, 'proved', ':= by simp', true],
      ],
      r.stdout + r.stderr,
    );
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const text = fs.readFileSync(path.join(dir, 'Skel.lean'), 'utf8');
    assert.equal(text, FILE.replace('    sorry\n', '    simp\n').replace('by sorry\n', 'by omega\n').replace('n + 0 = n := by\n  sorry', 'n + 0 = n := by simp'));

    // A second run finds no sorry left; a run on the original text resumes both holes from the state file.
    fs.writeFileSync(path.join(dir, 'Skel.lean'), FILE);
    const again = await runCli(['prove', 'Skel.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--report', 'again.json'], dir, cleanEnv());
    const resumed = JSON.parse(fs.readFileSync(path.join(dir, 'again.json'), 'utf8')) as ProveReport;
    assert.deepEqual(resumed.items.map((i) => i.resumed), [true, true, true], again.stdout + again.stderr);
  });

  it('states a term hole from its expected type ($/lean/plainTermGoal) and fills it with a term', async () => {
    const file = 'theorem pair (p q : Prop) (hp : p) (hq : q) : p ∧ q :=\n  ⟨hp, sorry⟩\n';
    const script = {
      default: 'unsolved',
      log: 'lean-log.jsonl',
      rules: [
        { regex: 'theorem pair_hole1 \\(p : Prop\\) \\(q : Prop\\) \\(hp : p\\) \\(hq : q\\) : q := by assumption', axioms: [] },
        { regex: 'theorem pair \\([\\s\\S]*⟨hp, \\(by assumption\\)⟩', axioms: [] },
        { regex: 'theorem pair \\([\\s\\S]*sorry', holeGoals: ['p q : Prop\nhp : p\nhq : q\n⊢ q'] },
      ],
    };
    const dir = project({ 'Pair.lean': file, 'lean-fixture.json': JSON.stringify(script), 'oprover.json': JSON.stringify({ ...CONFIG, prepassTactics: ['rfl', 'assumption'] }) });
    const r = await runCli(['prove', 'Pair.lean', '--lean', FAKE_LEAN, '--config', 'oprover.json', '--insert', '--report', 'report.json'], dir, cleanEnv());
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ProveReport;
    assert.deepEqual(report.items.map((i) => [i.declaration, i.status, i.proof]), [['pair, hole 1 of 1 (line 2, column 8)', 'proved', '(by assumption)']], r.stdout + r.stderr);
    assert.equal(fs.readFileSync(path.join(dir, 'Pair.lean'), 'utf8'), file.replace('sorry', '(by assumption)'));
    const asked = fs.readFileSync(path.join(dir, 'lean-log.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"$/lean/plainTermGoal"'));
    assert.ok(asked.length > 0, 'the term goal was asked for');
  });
});
