// The proof-state search against the scripted Lean server: goals per tactic prefix come from a
// script table (plainGoal per prefix, "unsolved goals" per prefix, Lean errors elsewhere), through
// the real slots, protocol and gate; the closing path is checked like any candidate.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import type { JobEvent } from '../../src/core/events';
import { prove } from '../../src/core/prover';
import { findSorries } from '../../src/core/source';
import type { ProofTarget } from '../../src/core/types';
import { LeanTacticGoals, tacticGoalsFactory } from '../../src/lean/tactic-goals';
import { LeanVerifier } from '../../src/lean/verifier';
import { CLOSING, FILE, ROOT, SCRIPT, SUCC, ZERO } from './search-fixture';

const FAKE_LEAN = path.resolve(__dirname, '../fixtures/lean-server/bin/lean');

function makeProject(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-search-'));
  fs.writeFileSync(path.join(root, 'lean-fixture.json'), JSON.stringify(SCRIPT));
  return root;
}

function targetIn(root: string): ProofTarget {
  const sorry = findSorries(FILE)[0]!;
  return { file: path.join(root, 'Ex.lean'), projectRoot: root, text: FILE, version: 0, sorry, declaration: sorry.declaration! };
}

function config(overrides: Partial<OProverConfig> = {}): OProverConfig {
  return { ...DEFAULT_CONFIG, leanPath: FAKE_LEAN, verifierSlots: 2, prepassReplays: 0, retrievalK: 0, ...overrides };
}

describe('proof-state search against the scripted Lean server', function () {
  this.timeout(60_000);
  let verifier: LeanVerifier | undefined;
  afterEach(async () => {
    await verifier?.dispose();
    verifier = undefined;
  });

  it('reads goals per prefix from plainGoal once the diagnostics of that version arrived, and failures from them', async () => {
    const root = makeProject();
    verifier = new LeanVerifier({ projectRoot: root, config: config() });
    const oracle = new LeanTacticGoals(verifier, targetIn(root), { timeoutMs: 20_000, allowNativeDecide: false });
    assert.equal(oracle.parallel, 2);
    assert.deepEqual(await oracle.probe([]), { kind: 'goals', goals: [ROOT] });
    assert.deepEqual(await oracle.probe(['induction n']), { kind: 'goals', goals: [ZERO, SUCC] });
    assert.deepEqual(await oracle.probe(['induction n', 'rfl']), { kind: 'goals', goals: [SUCC] });
    assert.deepEqual(await oracle.probe(['induction n', 'rfl', CLOSING]), { kind: 'goals', goals: [] });
    assert.deepEqual(await oracle.probe(['simp']), { kind: 'failed', message: 'simp made no progress' });
    const refused = await oracle.probe(['exact sorry']);
    assert.equal(refused.kind, 'failed');
    assert.match(refused.kind === 'failed' ? refused.message : '', /^refused before Lean/);
  });

  it('closes the theorem in round 0 with no model, and the path passes the gate as a normal candidate', async () => {
    const root = makeProject();
    const cfg = config({ searchBudget: 300 });
    verifier = new LeanVerifier({ projectRoot: root, config: cfg });
    const events: JobEvent[] = [];
    const result = await prove(targetIn(root), cfg, { verifier, search: tacticGoalsFactory(verifier, cfg) }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'proved', JSON.stringify(events.filter((e) => e.type === 'log')));
    assert.match(result.reason, /proof-state search/);
    assert.equal(result.proof?.body, `:= by\n  induction n\n  rfl\n  ${CLOSING}`);
    assert.equal(result.rounds, 0);
    assert.equal(result.search?.status, 'proved');
    assert.ok(result.search!.probes > 3 && result.search!.probes <= 300, `probes counted: ${result.search!.probes}`);
    // The winning path was checked by the gate (a verdict event says proved), after the pre-pass failed.
    const proved = events.filter((e) => e.type === 'verdict' && e.verdict.kind === 'proved');
    assert.equal(proved.length, 1);
    assert.ok(events.some((e) => e.type === 'log' && /proof-state search closed the goal: \d+ probes/.test(e.message)));
  });

  it('stops at the budget and leaves the job to model rounds (none here)', async () => {
    const root = makeProject();
    const cfg = config({ searchBudget: 5 });
    verifier = new LeanVerifier({ projectRoot: root, config: cfg });
    const result = await prove(targetIn(root), cfg, { verifier, search: tacticGoalsFactory(verifier, cfg) });
    assert.equal(result.status, 'failed');
    assert.equal(result.search?.status, 'budget');
    assert.equal(result.search?.probes, 5);
  });
});
