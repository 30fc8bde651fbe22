// Proof optimization on a real Lean (`lean` on PATH), the model side scripted: a deliberately long
// proof is replaced by a shorter one that Lean verified, Chain-of-States shows Lean's own goals, and
// a wrong or statement-changing rewrite never counts. Without `lean` every test is skipped with the reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { OptimizeReport } from '../../src/cli/optimize-run';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import { declarationTarget, optimize } from '../../src/core/optimize/loop';
import { getMetric } from '../../src/core/optimize/metrics';
import { findDeclarations } from '../../src/core/source';
import type { Completion, GenerateRequest, Model } from '../../src/core/types';
import { findExecutable } from '../../src/lean/server';
import { statesSource } from '../../src/lean/states';
import { LeanVerifier } from '../../src/lean/verifier';
import { startModelServer } from '../fixtures/model-server/server';
import { cleanEnv, runCli } from '../integration/cli-helpers';

const LEAN = findExecutable('lean');

const HEADER = 'theorem add_zero_long (n : Nat) : n + 0 = n';
const LONG_BODY = ':= by\n  have h1 : n + 0 = n := Nat.add_zero n\n  have h2 : n = n := Eq.refl n\n  exact h1';
const FILE = `theorem before_it (a : Nat) : a = a := Eq.refl a\n\n${HEADER} ${LONG_BODY}\n`;
const SHORT = `${HEADER} := by\n  exact Nat.add_zero n`;
const WRONG = `${HEADER} := by\n  exact Nat.zero_add n`;
const CHANGED = 'theorem add_zero_long (n : Nat) : 0 + n = 0 + n := by\n  exact Eq.refl (0 + n)';
const fence = (code: string): string => `\`\`\`lean4\n${code}\n\`\`\``;

class ScriptedModel implements Model {
  readonly description = 'scripted model';
  requests: GenerateRequest[] = [];
  constructor(private readonly rounds: string[][]) {}
  async generate(request: GenerateRequest): Promise<Completion[]> {
    this.requests.push(request);
    return (this.rounds[this.requests.length - 1] ?? []).map((text) => ({ text, finishReason: 'stop' }));
  }
}

describe('proof optimization on a real Lean', function () {
  this.timeout(300_000);
  let root: string;
  let verifier: LeanVerifier;

  before(function () {
    if (!LEAN) {
      console.log('    skipped: no lean on PATH (install elan: https://github.com/leanprover/elan)');
      this.skip();
    }
    console.log(`    ${spawnSync(LEAN!, ['--version'], { encoding: 'utf8' }).stdout.trim()}`);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-real-lean-optimize-'));
    verifier = new LeanVerifier({ projectRoot: root, config: { ...DEFAULT_CONFIG, leanPath: LEAN!, verifierSlots: 1 } });
  });

  after(async () => {
    await verifier?.dispose();
  });

  it('replaces the three-step proof by the verified one-step rewrite; wrong and statement-changing rewrites never count', async () => {
    const decl = findDeclarations(FILE).find((d) => d.name === 'add_zero_long')!;
    const target = declarationTarget(path.join(root, 'Long.lean'), root, FILE, 0, decl);
    const model = new ScriptedModel([[fence(WRONG), fence(CHANGED)], [fence(WRONG), fence(SHORT)]]);
    const config: OProverConfig = { ...DEFAULT_CONFIG, leanPath: LEAN!, rounds: 2, samplesPerRound: 2, retrievalK: 0 };
    const result = await optimize(target, config, { verifier, model, states: statesSource(verifier) }, { metric: getMetric('length') });
    assert.equal(result.status, 'improved', result.reason);
    assert.equal(result.before, 3);
    assert.equal(result.after, 1);
    assert.equal(result.proof?.declarationText, SHORT);
    assert.deepEqual(result.rewrites.map((r) => [r.round, r.change]), [[2, '3 → 1 step']]);
    // Round 1 saw Lean's goals after each tactic line of the long proof (Chain-of-States from Lean itself).
    const firstPrompt = model.requests[0]!.messages.map((m) => m.content).join('\n');
    assert.match(firstPrompt, /-- .*⊢ n \+ 0 = n/);
    // Round 2 was told about round 1's Lean error on the wrong rewrite.
    const secondPrompt = model.requests[1]!.messages.map((m) => m.content).join('\n');
    assert.match(secondPrompt, /Nat\.zero_add/);
  });

  it('`oprover optimize --insert` writes the shorter verified proof into the file', async () => {
    const model = await startModelServer({ rules: [{ match: 'add_zero_long', replies: [fence(SHORT)] }] });
    try {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-real-lean-optimize-cli-'));
      fs.writeFileSync(path.join(dir, 'Long.lean'), FILE);
      fs.writeFileSync(path.join(dir, 'oprover.json'), JSON.stringify({ rounds: 1, samplesPerRound: 1, retrievalK: 0, verifierSlots: 1 }));
      const r = await runCli(['optimize', 'Long.lean', '--lean', LEAN!, '--config', 'oprover.json', '--endpoint', model.url, '--model', 'oprover-test', '--insert', '--json'], dir, cleanEnv());
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const report = JSON.parse(r.stdout) as OptimizeReport;
      const long = report.items.find((i) => i.declaration === 'add_zero_long')!;
      assert.equal(long.status, 'improved', JSON.stringify(long));
      assert.equal(long.inserted, true);
      assert.equal(report.items.find((i) => i.declaration === 'before_it')!.status, 'unchanged');
      assert.equal(fs.readFileSync(path.join(dir, 'Long.lean'), 'utf8'), FILE.replace(LONG_BODY, ':= by\n  exact Nat.add_zero n'));
    } finally {
      await model.close();
    }
  });
});
