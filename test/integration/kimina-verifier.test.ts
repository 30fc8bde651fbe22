// The kimina-lean-server backend against the fixture server (a real process speaking the same API).
import assert from 'node:assert/strict';
import os from 'node:os';
import { makeCandidate } from '../../src/core/extract';
import { findSorries } from '../../src/core/source';
import type { ProofTarget } from '../../src/core/types';
import { SCRATCH_DECLARATION_NAME } from '../../src/core/gate';
import { KiminaVerifier } from '../../src/lean/kimina';
import { startKiminaFixture, type KiminaFixture } from '../fixtures/kimina/start';

const FILE = `import Mathlib
import Aesop

open Nat

theorem sorried_lemma (n : ℕ) : n + 0 = n := by sorry

/-- The target. -/
theorem target_thm (a b : ℕ) (h : a < b) : a + 1 ≤ b := by
  sorry

example : (2 : ℕ) + 2 = 4 := by sorry
`;

function targetAt(text: string, index: number): ProofTarget {
  const sorry = findSorries(text)[index]!;
  return { file: 'Demo.lean', projectRoot: os.tmpdir(), text, version: 0, sorry, declaration: sorry.declaration! };
}

type Fixture = KiminaFixture;
const startFixture = startKiminaFixture;
const requests = (f: Fixture) => f.requests();

describe('kimina verifier against the fixture server', function () {
  let fixture: Fixture;
  before(async () => {
    fixture = await startFixture();
  });
  after(() => {
    fixture.proc.kill();
  });

  it('reports the server healthy', async () => {
    const v = new KiminaVerifier({ baseUrl: fixture.url });
    const a = await v.availability();
    assert.equal(a.ok, true);
  });

  it('accepts a proof Lean accepts, sending the file prefix, the candidate and #print axioms', async () => {
    const target = targetAt(FILE, 1);
    const good = makeCandidate(target, ':= by omega', { kind: 'tactic', tactic: 'omega' });
    const v = new KiminaVerifier({ baseUrl: fixture.url + '/verify/' });
    const verdicts = await v.verify({ target, candidates: [good], timeoutMs: 20_000 });
    const verdict = verdicts.get(good.id)!;
    assert.equal(verdict.kind, 'proved', verdict.reason);
    assert.deepEqual(verdict.axioms, ['propext']);
    const sent = requests(fixture).at(-1)!;
    assert.equal(sent.url, '/verify');
    assert.equal(sent.body.timeout, 20);
    const code = sent.body.codes[0]!.proof;
    assert.equal(sent.body.codes[0]!.custom_id, good.id);
    assert.ok(code.startsWith(FILE.slice(0, FILE.indexOf('theorem target_thm'))), 'the prefix is the user file up to the target, byte-identical');
    assert.ok(code.includes('theorem target_thm (a b : ℕ) (h : a < b) : a + 1 ≤ b := by omega'));
    assert.ok(code.trimEnd().endsWith('set_option pp.fullNames true in #print axioms _root_.target_thm'));
  });

  it('turns a Lean error into feedback on the candidate’s own lines', async () => {
    const target = targetAt(FILE, 1);
    const bad = makeCandidate(target, ':= by\n  have := h\n  linarith', { kind: 'model', round: 1, sample: 0 });
    const v = new KiminaVerifier({ baseUrl: fixture.url });
    const verdict = (await v.verify({ target, candidates: [bad], timeoutMs: 20_000 })).get(bad.id)!;
    assert.equal(verdict.kind, 'lean-error');
    assert.equal(verdict.rule, 'lean-error');
    const error = verdict.messages.find((m) => m.severity === 'error')!;
    // The doc comment is part of the declaration: header line 0 is `/-- The target. -/`.
    const lines = bad.declarationText.split('\n');
    assert.match(lines[error.range.start.line]!, /linarith/);
    assert.match(verdict.feedback, /linarith failed/);
    assert.match(verdict.feedback, /<error>linarith<\/error>/);
  });

  it('rejects sorry, dependence on a sorried lemma, and non-standard axioms', async () => {
    const target = targetAt(FILE, 1);
    const viaLemma = makeCandidate(target, ':= by exact sorried_helper a b h', { kind: 'model', round: 1, sample: 0 });
    const customAxiom = makeCandidate(target, ':= by exact my_axiom a b h', { kind: 'model', round: 1, sample: 1 });
    const native = makeCandidate(target, ':= by native_decide', { kind: 'model', round: 1, sample: 2 });
    const literalSorry = makeCandidate(target, ':= by sorry', { kind: 'model', round: 1, sample: 3 });
    const v = new KiminaVerifier({ baseUrl: fixture.url });
    const verdicts = await v.verify({ target, candidates: [viaLemma, customAxiom, native, literalSorry], timeoutMs: 20_000 });
    assert.equal(verdicts.get(viaLemma.id)!.rule, 'uses-sorry');
    assert.equal(verdicts.get(viaLemma.id)!.kind, 'rejected');
    assert.equal(verdicts.get(customAxiom.id)!.rule, 'axioms');
    assert.match(verdicts.get(customAxiom.id)!.reason, /my_axiom/);
    assert.equal(verdicts.get(native.id)!.kind, 'rejected');
    assert.equal(verdicts.get(literalSorry.id)!.kind, 'rejected');

    const permissive = new KiminaVerifier({ baseUrl: fixture.url, allowNativeDecide: true });
    const allowed = (await permissive.verify({ target, candidates: [native], timeoutMs: 20_000 })).get(native.id)!;
    assert.equal(allowed.kind, 'proved', allowed.reason);
  });

  it('checks an example under a temporary name', async () => {
    const target = targetAt(FILE, 2);
    assert.equal(target.declaration.kind, 'example');
    const c = makeCandidate(target, ':= by decide', { kind: 'tactic', tactic: 'decide' });
    const v = new KiminaVerifier({ baseUrl: fixture.url });
    const verdict = (await v.verify({ target, candidates: [c], timeoutMs: 20_000 })).get(c.id)!;
    assert.equal(verdict.kind, 'proved', verdict.reason);
    const code = requests(fixture).at(-1)!.body.codes[0]!.proof;
    assert.ok(code.includes(`noncomputable def ${SCRATCH_DECLARATION_NAME} : (2 : ℕ) + 2 = 4 := by decide`));
  });

  it('reports a server-side timeout as a timeout', async () => {
    const target = targetAt(FILE, 1);
    const slow = makeCandidate(target, ':= by slow_tactic', { kind: 'model', round: 1, sample: 0 });
    const v = new KiminaVerifier({ baseUrl: fixture.url });
    const verdict = (await v.verify({ target, candidates: [slow], timeoutMs: 1000 })).get(slow.id)!;
    assert.equal(verdict.kind, 'timeout');
  });

  it('says what is wrong when the server cannot be reached', async () => {
    const v = new KiminaVerifier({ baseUrl: 'http://127.0.0.1:9' });
    const a = await v.availability();
    assert.equal(a.ok, false);
    assert.match(a.ok ? '' : a.reason, /cannot reach the kimina server/);
    const target = targetAt(FILE, 1);
    const c = makeCandidate(target, ':= by omega', { kind: 'tactic', tactic: 'omega' });
    const verdict = (await v.verify({ target, candidates: [c], timeoutMs: 2000 })).get(c.id)!;
    assert.equal(verdict.kind, 'infra-error');
  });
});

describe('kimina verifier with an API key and a busy server', function () {
  let fixture: Fixture;
  before(async () => {
    fixture = await startFixture(['--api-key', 'sekret', '--busy-first', '1']);
  });
  after(() => {
    fixture.proc.kill();
  });

  it('sends the key as a bearer token and retries after 429', async () => {
    const target = targetAt(FILE, 1);
    const c = makeCandidate(target, ':= by omega', { kind: 'tactic', tactic: 'omega' });
    const v = new KiminaVerifier({ baseUrl: fixture.url, apiKey: 'sekret' });
    const verdict = (await v.verify({ target, candidates: [c], timeoutMs: 20_000 })).get(c.id)!;
    assert.equal(verdict.kind, 'proved', verdict.reason);
    const sent = requests(fixture);
    assert.equal(sent.length, 2, 'one refused with 429, one answered');
    assert.ok(sent.every((r) => r.authorization === 'Bearer sekret'));
  });

  it('names the API key when the server refuses it', async () => {
    const target = targetAt(FILE, 1);
    const c = makeCandidate(target, ':= by omega', { kind: 'tactic', tactic: 'omega' });
    const v = new KiminaVerifier({ baseUrl: fixture.url, apiKey: 'wrong' });
    const verdict = (await v.verify({ target, candidates: [c], timeoutMs: 20_000 })).get(c.id)!;
    assert.equal(verdict.kind, 'infra-error');
    assert.match(verdict.reason, /API key/);
  });
});
