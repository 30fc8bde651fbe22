// The proof-state search on a real Lean (`lean` on PATH), with no endpoint: the goals after a
// tactic prefix come from `$/lean/plainGoal` at its end, and `oprover prove` closes at least five
// of the seven two-step theorems of test/fixtures/search/TwoStep.lean. Without `lean` on PATH
// every test is skipped with the reason printed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ProveReport } from '../../src/cli/report';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import { findSorries } from '../../src/core/source';
import { findExecutable } from '../../src/lean/server';
import { LeanTacticGoals } from '../../src/lean/tactic-goals';
import { LeanVerifier } from '../../src/lean/verifier';
import { cleanEnv, runCli } from '../integration/cli-helpers';

const LEAN = findExecutable('lean');
const THEOREMS = fs.readFileSync(path.join(__dirname, '../fixtures/search/TwoStep.lean'), 'utf8');

describe('proof-state search on a real Lean', function () {
  this.timeout(300_000);
  let dir: string;

  before(function () {
    if (!LEAN) {
      console.log('    skipped: no lean on PATH (install elan: https://github.com/leanprover/elan)');
      this.skip();
    }
    console.log(`    ${spawnSync(LEAN!, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-search-lean-'));
    fs.writeFileSync(path.join(dir, 'TwoStep.lean'), THEOREMS);
  });

  it('reads the goals after a tactic prefix, and a failing tactic as failed', async () => {
    const config: OProverConfig = { ...DEFAULT_CONFIG, leanPath: LEAN!, verifierSlots: 1 };
    const verifier = new LeanVerifier({ projectRoot: dir, config });
    try {
      const sorry = findSorries(THEOREMS).find((s) => s.declaration?.name === 'and_swap')!;
      const target = { file: path.join(dir, 'TwoStep.lean'), projectRoot: dir, text: THEOREMS, version: 0, sorry, declaration: sorry.declaration! };
      const oracle = new LeanTacticGoals(verifier, target, { timeoutMs: 60_000, allowNativeDecide: false });
      const rootGoals = await oracle.probe([]);
      assert.equal(rootGoals.kind, 'goals');
      assert.match(rootGoals.kind === 'goals' ? rootGoals.goals.join('\n') : '', /⊢ p ∧ q → q ∧ p/);
      const afterIntro = await oracle.probe(['intro h']);
      assert.equal(afterIntro.kind, 'goals', JSON.stringify(afterIntro));
      const goals = afterIntro.kind === 'goals' ? afterIntro.goals : [];
      assert.equal(goals.length, 1);
      assert.match(goals[0]!, /h : p ∧ q/);
      assert.match(goals[0]!, /⊢ q ∧ p/);
      const split = await oracle.probe(['intro h', 'constructor']);
      assert.equal(split.kind === 'goals' ? split.goals.length : -1, 2, JSON.stringify(split));
      assert.equal((await oracle.probe(['exact h'])).kind, 'failed');
    } finally {
      await verifier.dispose();
    }
  });

  it('oprover prove with no endpoint closes at least five of the seven two-step theorems', async () => {
    const env = cleanEnv({ PATH: [path.dirname(LEAN!), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter) });
    const run = await runCli(['prove', 'TwoStep.lean', '--no-index', '--report', 'report.json'], dir, env);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8')) as ProveReport;
    const proved = report.items.filter((i) => i.status === 'proved');
    console.log(`    ${proved.length} of ${report.items.length} proved: ${proved.map((i) => `${i.declaration} (${i.origin})`).join(', ')}`);
    assert.equal(report.items.length, 7, run.stdout + run.stderr);
    assert.ok(proved.length >= 5, run.stdout + run.stderr);
    assert.ok(proved.every((i) => i.search === undefined || i.search.probes > 0));
  });
});
