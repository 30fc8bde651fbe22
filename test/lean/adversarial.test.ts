// The whole adversarial corpus against a real Lean: every entry is refused, either before Lean
// (screening; those are never sent to Lean, some would run code) or by Lean and the gate. The
// corpus targets Mathlib's `ℕ`; without Mathlib the target and replies are rewritten to core `Nat`
// (entries that use Mathlib names are then refused for an unknown name, which is still a refusal).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CONFIG } from '../../src/config';
import { candidateFromReply } from '../../src/core/extract';
import { findSorries } from '../../src/core/source';
import type { Candidate, ProofTarget, VerdictKind } from '../../src/core/types';
import { findExecutable } from '../../src/lean/server';
import { LeanVerifier } from '../../src/lean/verifier';
import { loadCorpus, refusalBeforeLean, replyOf, targetText } from '../fixtures/adversarial/corpus';

const LEAN = findExecutable('lean');
const toCore = (text: string) => text.replace(/^import Mathlib\n/m, '').replaceAll('ℕ', 'Nat');

describe('adversarial corpus on a real Lean', function () {
  this.timeout(300_000);
  let root: string;
  let verifier: LeanVerifier;

  before(function () {
    if (!LEAN) {
      console.log('    skipped: no lean on PATH');
      this.skip();
    }
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-adversarial-'));
    verifier = new LeanVerifier({ projectRoot: root, config: { ...DEFAULT_CONFIG, leanPath: LEAN!, verifierSlots: 2 } });
  });

  after(async () => {
    await verifier?.dispose();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses every entry: before Lean, or by Lean and the gate; none is accepted', async () => {
    const text = toCore(targetText());
    const sorry = findSorries(text)[0]!;
    const target: ProofTarget = { file: path.join(root, 'Target.lean'), projectRoot: root, text, version: 0, sorry, declaration: sorry.declaration! };
    const corpus = loadCorpus();
    let beforeLean = 0;
    const toLean: { name: string; candidate: Candidate }[] = [];
    for (const { entry } of corpus) {
      const reply = toCore(replyOf(entry));
      if (refusalBeforeLean(reply, target) !== undefined) {
        assert.equal(entry.expect, 'reject-before-lean', `${entry.name} is labelled for Lean but was refused before`);
        beforeLean++;
        continue;
      }
      assert.equal(entry.expect, 'reject-by-lean', `${entry.name} would reach Lean`);
      const extracted = candidateFromReply(reply, target, { kind: 'model', round: 1, sample: toLean.length });
      assert.ok(extracted.ok);
      toLean.push({ name: entry.name, candidate: extracted.candidate });
    }
    const verdicts = await verifier.verify({ target, candidates: toLean.map((c) => c.candidate), timeoutMs: 60_000 });
    const kinds = new Map<VerdictKind, number>();
    for (const { name, candidate } of toLean) {
      const v = verdicts.get(candidate.id)!;
      assert.notEqual(v.kind, 'proved', `${name} was accepted`);
      assert.ok(v.reason.length > 0, `${name}: a refusal says why`);
      kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
    }
    assert.equal(beforeLean + toLean.length, corpus.length);
    const byKind = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
    console.log(`      ${corpus.length} adversarial replies: ${beforeLean} refused before Lean, ${toLean.length} refused by Lean (${byKind}), 0 accepted`);
  });
});
