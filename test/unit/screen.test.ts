import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { candidateFromReply, makeCandidate } from '../../src/core/extract';
import { MAX_BODY_CHARS, screenBody, screenCandidate } from '../../src/core/screen';
import { findDeclarations, findSorries } from '../../src/core/source';
import type { ProofTarget } from '../../src/core/types';
import { loadCorpus, refusalBeforeLean, replyOf, targetText } from '../fixtures/adversarial/corpus';

const strict = { allowNativeDecide: false };

function targetFrom(text: string): ProofTarget {
  const sorry = findSorries(text)[0];
  assert.ok(sorry?.declaration);
  return { file: 'Target.lean', projectRoot: '.', text, version: 1, sorry, declaration: sorry.declaration };
}

describe('screen: adversarial corpus', () => {
  const targets = new Map<string, ProofTarget>();
  const targetOf = (file = 'target.lean'): ProofTarget => {
    if (!targets.has(file)) targets.set(file, targetFrom(targetText(file)));
    return targets.get(file)!;
  };
  const corpus = loadCorpus();

  it('has at least 50 entries, each with a known expectation and a unique name', () => {
    assert.ok(corpus.length >= 50, `${corpus.length} entries`);
    assert.equal(new Set(corpus.map((c) => c.entry.name)).size, corpus.length);
    for (const { entry } of corpus) assert.ok(entry.expect === 'reject-before-lean' || entry.expect === 'reject-by-lean', entry.name);
  });

  for (const { file, entry } of corpus) {
    const label = `${file.replace(/\.json$/, '')}/${entry.name}: ${entry.why}`;
    if (entry.expect === 'reject-before-lean') {
      it(`refuses ${label}`, () => {
        const reason = refusalBeforeLean(replyOf(entry), targetOf(entry.target));
        assert.ok(reason !== undefined && reason.length > 10, `${entry.name} reached Lean`);
        if (entry.reason) assert.match(reason, new RegExp(entry.reason), entry.name);
      });
    } else {
      it(`leaves to Lean ${label}`, () => {
        // Entries only Lean can refuse must pass extraction and screening, or their label is wrong.
        const reason = refusalBeforeLean(replyOf(entry), targetOf(entry.target));
        assert.equal(reason, undefined, `${entry.name} was refused before Lean: ${reason}`);
      });
    }
  }
});

describe('screen: rules', () => {
  const target = targetFrom('theorem t (a b : Nat) : a + b = b + a := by sorry');
  const body = (text: string) => screenBody(text, strict);

  it('accepts ordinary proofs, with comments and strings that mention forbidden words', () => {
    for (const ok of [
      ':= by omega',
      ':= Nat.add_comm a b',
      ':= by\n  -- sorry, #eval and axiom in a comment are text\n  /- theorem x : False := sorry -/\n  omega',
      ':= by\n  have : "sorry #eval theorem" = "sorry #eval theorem" := rfl\n  omega',
      ':= by\n  set_option maxHeartbeats 400000 in\n  omega',
      ':= by\n  set_option pp.all true in\n  omega',
      ':= by\n  open Nat in\n  exact Nat.add_comm a b',
      ':= by\n  exact sorry_free a b',
      ':= by\n  induction a with\n  | zero => simp\n  | succ n ih => omega',
      ':= by\n  simp only [Nat.add_comm]\ntermination_by a\ndecreasing_by omega',
      ':= by\n  rcases h with ⟨x, hx⟩ | h\n  all_goals omega',
      ':= by exact Classical.byContradiction fun h => h (Nat.add_comm a b)',
    ]) {
      assert.deepEqual(body(ok), { ok: true }, ok);
    }
  });

  it('accepts every proof of the Batteries sample (no false refusals on real code)', () => {
    const rows = fs
      .readFileSync(path.join(import.meta.dirname, '../fixtures/lean-data/batteries-sample.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { name: string; decl: string });
    let commandsAfter = 0;
    for (const row of rows) {
      const decl = findDeclarations(row.decl)[0]!;
      // Some rows run on into the next command (`grind_pattern` at column 0, cut out with the
      // proof by the data's extraction): that is a second command, and must be refused as one.
      if (/\n(grind_pattern|attribute) /.test(decl.body)) {
        assert.match((screenBody(decl.body, strict) as { reason: string }).reason, /column 0/, row.name);
        commandsAfter++;
        continue;
      }
      assert.deepEqual(screenBody(decl.body, strict), { ok: true }, row.name);
    }
    assert.ok(commandsAfter < rows.length / 20, `${commandsAfter} rows with a command after the proof`);
  });

  it('tells the tactic `stop` from a variable named stop, and IO lemmas from IO actions', () => {
    assert.equal(body(':= by\n  stop\n  omega').ok, false);
    assert.equal(body(':= by simp; stop').ok, false);
    assert.deepEqual(body(':= by\n  have : stop - start = n := h\n  apply ih (stop - 1) <;> omega'), { ok: true });
    assert.deepEqual(body(':= by simp [EIO.bind_eq_EST_bind, System.Platform.numBits_eq]'), { ok: true });
    assert.equal(body(':= by\n  have := IO.Process.run { cmd := "id" }\n  omega').ok, false);
  });

  it('refuses native_decide unless allowed', () => {
    assert.equal(body(':= by native_decide').ok, false);
    assert.deepEqual(screenBody(':= by native_decide', { allowNativeDecide: true }), { ok: true });
    assert.deepEqual(screenBody(':= by decide +native', { allowNativeDecide: true }), { ok: true });
  });

  it('gives a reason that names the construct', () => {
    const reason = (text: string) => {
      const r = body(text);
      assert.equal(r.ok, false, text);
      return r.ok ? '' : r.reason;
    };
    assert.match(reason(':= by sorry'), /sorry/);
    assert.match(reason(':= by\n  omega\n#eval 1'), /#eval/);
    assert.match(reason(':= by\n  omega\n#exit'), /#exit/);
    assert.match(reason(':= by\n  set_option debug.skipKernelTC true in\n  omega'), /debug\.skipKernelTC/);
    assert.match(reason(':= by\n  set_option maxHeartbeats 0 in\n  omega'), /maxHeartbeats/);
    assert.match(reason(':= by\n  omega\ntheorem x : False := sorry'), /theorem/);
    assert.match(reason(':= by\n  run_tac pure ()'), /run_tac/);
    assert.match(reason(':= by omega /- never closed'), /unterminated/);
    assert.match(reason(':= by exact "never closed'), /unterminated/);
    assert.match(reason(`:= by\n${'  omega\n'.repeat(MAX_BODY_CHARS / 8 + 1)}`), /limit/);
    assert.match(reason('by omega'), /must start with `:=`/);
    assert.match(reason(''), /empty/);
    assert.match(reason(':= by\n  open Lean'), /open/);
  });

  it('refuses a candidate whose text is not the target header followed by its body', () => {
    const good = makeCandidate(target, ':= by omega', { kind: 'tactic', tactic: 'omega' });
    assert.deepEqual(screenCandidate(good, target, strict), { ok: true });
    const swapped = { ...good, declarationText: 'theorem t (a b : Nat) : True := by omega' };
    assert.equal(screenCandidate(swapped, target, strict).ok, false);
    const extra = { ...good, declarationText: `${good.declarationText}\naxiom x : False` };
    assert.equal(screenCandidate(extra, target, strict).ok, false);
  });
});
