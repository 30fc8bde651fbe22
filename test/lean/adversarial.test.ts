// The whole adversarial corpus against a real Lean: every entry is refused, either before Lean
// (screening; those are never sent to Lean, some would run code) or by Lean and the gate, and no
// payload's marker file appears. The corpus targets Mathlib's `ℕ`; without Mathlib the targets and
// replies are rewritten to core `Nat` (entries that use Mathlib names are then refused for an
// unknown name, which is still a refusal).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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
  let markers: string;
  let verifier: LeanVerifier;

  before(function () {
    if (!LEAN) {
      console.log('    skipped: no lean on PATH');
      this.skip();
    }
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-adversarial-'));
    markers = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-markers-'));
    verifier = new LeanVerifier({ projectRoot: root, config: { ...DEFAULT_CONFIG, leanPath: LEAN!, verifierSlots: 2 } });
  });

  after(async () => {
    await verifier?.dispose();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (markers) fs.rmSync(markers, { recursive: true, force: true });
  });

  function targetFor(file: string | undefined): ProofTarget {
    const text = toCore(targetText(file));
    const sorry = findSorries(text)[0]!;
    return { file: path.join(root, `${path.basename(file ?? 'target.lean', '.lean')}.lean`), projectRoot: root, text, version: 0, sorry, declaration: sorry.declaration! };
  }

  it('the configuration payload is live: checked without the screen, Lean runs it and writes its marker', function () {
    // Proof that the screen matters: the same reply as `config-rw-writefile`, given straight to Lean.
    const entry = loadCorpus().find((c) => c.entry.name === 'config-rw-writefile')!.entry;
    const marker = path.join(markers, 'control');
    const code = /```lean4\n([\s\S]*?)\n```/.exec(toCore(replyOf(entry, marker)))![1]!;
    const file = path.join(root, 'Control.lean');
    fs.writeFileSync(file, `${code}\n`);
    const r = spawnSync(LEAN!, [file], { cwd: root, encoding: 'utf8', timeout: 120_000 });
    if (!fs.existsSync(marker)) {
      // A Lean whose tactics take no `(config := …)` (or that refuses the term) cannot run it: say so.
      console.log(`      this Lean did not run the payload (exit ${r.status}): ${(r.stdout + r.stderr).trim().split('\n')[0]}`);
      this.skip();
    }
    assert.equal(fs.readFileSync(marker, 'utf8'), 'pwned');
  });

  it('refuses every entry: before Lean, or by Lean and the gate; none is accepted and no marker is written', async () => {
    const corpus = loadCorpus();
    let beforeLean = 0;
    const toLean = new Map<string, { target: ProofTarget; items: { name: string; candidate: Candidate }[] }>();
    for (const { entry } of corpus) {
      const target = targetFor(entry.target);
      const reply = toCore(replyOf(entry, path.join(markers, entry.name)));
      if (refusalBeforeLean(reply, target) !== undefined) {
        assert.equal(entry.expect, 'reject-before-lean', `${entry.name} is labelled for Lean but was refused before`);
        beforeLean++;
        continue;
      }
      assert.equal(entry.expect, 'reject-by-lean', `${entry.name} would reach Lean`);
      const group = toLean.get(entry.target ?? 'target.lean') ?? { target, items: [] };
      const extracted = candidateFromReply(reply, target, { kind: 'model', round: 1, sample: group.items.length });
      assert.ok(extracted.ok);
      group.items.push({ name: entry.name, candidate: extracted.candidate });
      toLean.set(entry.target ?? 'target.lean', group);
    }
    const kinds = new Map<VerdictKind, number>();
    let sent = 0;
    for (const { target, items } of toLean.values()) {
      const verdicts = await verifier.verify({ target, candidates: items.map((c) => c.candidate), timeoutMs: 60_000 });
      for (const { name, candidate } of items) {
        const v = verdicts.get(candidate.id)!;
        assert.notEqual(v.kind, 'proved', `${name} was accepted`);
        assert.ok(v.reason.length > 0, `${name}: a refusal says why`);
        kinds.set(v.kind, (kinds.get(v.kind) ?? 0) + 1);
        sent++;
      }
    }
    assert.equal(beforeLean + sent, corpus.length);
    assert.deepEqual(fs.readdirSync(markers).filter((f) => f !== 'control'), [], 'no payload wrote its marker');
    const byKind = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
    console.log(`      ${corpus.length} adversarial replies: ${beforeLean} refused before Lean, ${sent} refused by Lean (${byKind}), 0 accepted, no marker written`);
  });

  it('a command defined in the file, indented after a correct proof: Lean reads two commands and the gate refuses', async () => {
    const entry = loadCorpus().find((c) => c.entry.name === 'library-command-after-proof')!.entry;
    const target = targetFor(entry.target);
    const extracted = candidateFromReply(toCore(replyOf(entry)), target, { kind: 'model', round: 1, sample: 0 });
    assert.ok(extracted.ok);
    const verdict = (await verifier.verify({ target, candidates: [extracted.candidate], timeoutMs: 60_000 })).get(extracted.candidate.id)!;
    assert.equal(verdict.kind, 'rejected', verdict.reason);
    assert.equal(verdict.rule, 'one-declaration', verdict.reason);
  });
});
