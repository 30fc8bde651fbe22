// Holes on a real Lean (`lean` on PATH; skipped with the reason otherwise): `oprover prove --insert`
// fills the holes of a file of skeletons with what the pre-pass finds on each hole's goal (no
// endpoint), and Lean accepts the file with no `sorry`, every skeleton line still there; and the
// hole entries of the adversarial corpus that reach Lean are refused by it and the gate for holes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../../src/config';
import { candidateFromReply } from '../../src/core/extract';
import { prepareHole } from '../../src/core/hole/prepare';
import { findSorries } from '../../src/core/source';
import type { ProofTarget } from '../../src/core/types';
import { EditorGoals, goalSource } from '../../src/lean/editor-goals';
import { findExecutable } from '../../src/lean/server';
import { LeanVerifier } from '../../src/lean/verifier';
import { holeTargetText, loadHoleCorpus, replyOf } from '../fixtures/adversarial/corpus';
import { cleanEnv, project, runCli } from '../integration/cli-helpers';

const LEAN = findExecutable('lean');

const SKELETONS = `theorem skel1 (n : Nat) : n + 0 = n ∧ 0 + 0 = 0 := by
  have h1 : n + 0 = n := by
    sorry
  have h2 : 0 + 0 = 0 := by sorry
  exact ⟨h1, h2⟩

theorem skel2 (p q : Prop) (hp : p) (hq : q) : p ∧ q :=
  ⟨hp, sorry⟩

theorem skel3 : ∀ n : Nat, n + 0 = n := by
  intro
  sorry
`;

describe('holes on a real Lean', function () {
  this.timeout(300_000);

  before(function () {
    if (!LEAN) {
      console.log('    skipped: no lean on PATH');
      this.skip();
    }
  });

  it('oprover prove --insert fills every hole the pre-pass closes, and Lean accepts the file', async () => {
    const dir = project({ 'Skel.lean': SKELETONS, 'oprover.json': JSON.stringify({ prepassTactics: ['rfl', 'decide', 'assumption', 'simp'], retrievalK: 0, prepassReplays: 0 }) });
    const r = await runCli(['prove', 'Skel.lean', '--lean', LEAN!, '--config', 'oprover.json', '--insert', '--report', 'report.json'], dir, cleanEnv());
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as { items: { declaration: string; status: string; reason: string; inserted?: boolean }[] };
    for (const item of report.items) assert.equal(item.status, 'proved', `${item.declaration}: ${item.reason}\n${r.stdout}${r.stderr}`);
    assert.equal(report.items.length, 4, 'four holes, each its own target');
    assert.ok(report.items.every((i) => i.inserted), JSON.stringify(report.items));
    const text = fs.readFileSync(path.join(dir, 'Skel.lean'), 'utf8');
    assert.equal(findSorries(text).length, 0, text);
    for (const line of SKELETONS.split('\n').filter((l) => !l.includes('sorry'))) assert.ok(text.includes(line), `the skeleton line ${JSON.stringify(line)} is still there:\n${text}`);
    const check = spawnSync(LEAN!, ['Skel.lean'], { cwd: dir, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
    assert.doesNotMatch(check.stdout + check.stderr, /sorry/);
  });

  it('refuses the hole entries of the adversarial corpus that reach Lean', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-holes-'));
    const verifier = new LeanVerifier({ projectRoot: root, config: { ...DEFAULT_CONFIG, leanPath: LEAN!, verifierSlots: 1 } });
    try {
      const text = holeTargetText();
      const sorry = findSorries(text).filter((s) => s.hole)[1]!;
      const user: ProofTarget = { file: path.join(root, 'Target.lean'), projectRoot: root, text, version: 0, sorry, declaration: sorry.declaration! };
      const prepared = await prepareHole(user, verifier, goalSource(new EditorGoals({ fallback: verifier.goalAt.bind(verifier), termFallback: (r, t, p, f) => verifier.goalAt(r, t, p, f, undefined, true) })), false);
      assert.ok(prepared.job.theorem, `a theorem for the hole: ${prepared.inPlaceReason}`);
      for (const entry of loadHoleCorpus().filter((e) => e.expect === 'reject-by-lean')) {
        const extracted = candidateFromReply(replyOf(entry), prepared.loopTarget, { kind: 'model', round: 1, sample: 0 });
        assert.ok(extracted.ok, entry.name);
        const verdict = (await prepared.verifier.verify({ target: prepared.loopTarget, candidates: [extracted.candidate], timeoutMs: 60_000 })).get(extracted.candidate.id);
        assert.notEqual(verdict?.kind, 'proved', `${entry.name} was accepted: ${verdict?.reason}`);
      }
    } finally {
      await verifier.dispose();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
