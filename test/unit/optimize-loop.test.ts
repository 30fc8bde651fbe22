// The optimization loop with fake ports: it keeps the best verified rewrite, goes on from it, and
// never returns a worse or an unverified proof.
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import { declarationTarget, optimize, rankRetrieved, type OptimizeEvent } from '../../src/core/optimize/loop';
import { getMetric, stepCount } from '../../src/core/optimize/metrics';
import type { StatesSource } from '../../src/core/optimize/states';
import { prove } from '../../src/core/prover';
import { findDeclarations, findSorries, normalizeStatement } from '../../src/core/source';
import type { Completion, GenerateRequest, Model, ProofTarget, RetrievedProof, Retriever, Verdict, Verifier, VerifyRequest, VerifiedProof } from '../../src/core/types';

const HEADER = 'theorem two_add (a : Nat) : a + 2 = a + 1 + 1';
const LONG = `:= by\n  have h1 : a + 2 = a + (1 + 1) := by rfl\n  rw [h1]\n  rw [Nat.add_assoc]`;
const THREE = `:= by\n  rw [← Nat.add_assoc]\n  rfl`;
const ONE = ':= rfl';
const TEXT = `import Foo\n\n${HEADER} ${LONG}\n`;

function target(): ProofTarget {
  const d = findDeclarations(TEXT)[0]!;
  return declarationTarget('Two.lean', '.', TEXT, 1, d);
}

function config(overrides: Partial<OProverConfig> = {}): OProverConfig {
  return { ...structuredClone(DEFAULT_CONFIG), samplesPerRound: 2, rounds: 3, retrievalK: 0, ...overrides };
}

/** Accepts exactly the given bodies (modulo whitespace); records what it was asked. */
class FakeVerifier implements Verifier {
  requests: VerifyRequest[] = [];
  constructor(private readonly accepted: string[]) {}
  async verify(request: VerifyRequest): Promise<Map<string, Verdict>> {
    this.requests.push(request);
    const out = new Map<string, Verdict>();
    for (const c of request.candidates) {
      const ok = this.accepted.some((b) => normalizeStatement(b) === normalizeStatement(c.body));
      out.set(c.id, ok ? { kind: 'proved', reason: 'accepted', messages: [], feedback: '', axioms: [], elapsedMs: 1 } : { kind: 'lean-error', rule: 'lean-error', reason: 'type mismatch', messages: [], feedback: 'Error 1: type mismatch', elapsedMs: 1 });
    }
    return out;
  }
  async availability() {
    return { ok: true as const, description: 'fake Lean' };
  }
  async dispose(): Promise<void> {}
}

const reply = (body: string, header = HEADER): string => `Here it is.\n\`\`\`lean4\n${header} ${body}\n\`\`\``;

class FakeModel implements Model {
  readonly description = 'fake model';
  requests: GenerateRequest[] = [];
  constructor(private readonly rounds: string[][]) {}
  async generate(request: GenerateRequest): Promise<Completion[]> {
    this.requests.push(request);
    const replies = this.rounds[Math.min(this.requests.length - 1, this.rounds.length - 1)] ?? [];
    return replies.map((text) => ({ text, finishReason: 'stop', promptTokens: 10, completionTokens: 5 }));
  }
}

describe('optimize loop (fake ports)', () => {
  it('keeps the best verified rewrite, goes on from it, and reports "before → after"', async () => {
    const verifier = new FakeVerifier([LONG, THREE, ONE]);
    const model = new FakeModel([[reply(THREE), reply(':= by omega')], [reply(ONE)], [reply(THREE)]]);
    const events: OptimizeEvent[] = [];
    const result = await optimize(target(), config(), { verifier, model }, { metric: getMetric('length'), onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'improved');
    assert.equal(result.before, 4);
    assert.equal(result.after, 1);
    assert.equal(result.proof?.body, ONE);
    assert.deepEqual(result.rewrites.map((r) => r.change), ['4 → 2 steps', '2 → 1 step']);
    // Round 2's prompt shows the round-1 rewrite as the proof to improve (iterative refinement).
    assert.ok(model.requests[1]!.messages.some((m) => m.content.includes('rw [← Nat.add_assoc]') && m.content.includes('2 steps')));
    // Round 3's rewrite (2 steps again) is worse than the best: the result stays at 1 step.
    assert.ok(events.some((e) => e.type === 'rewrite' && e.change === '2 → 1 step'));
    assert.equal(events.filter((e) => e.type === 'rewrite').length, 2);
  });

  it('never returns an unverified rewrite, however good its metric', async () => {
    const verifier = new FakeVerifier([LONG]);
    const model = new FakeModel([[reply(ONE), reply(':= by decide')]]);
    const result = await optimize(target(), config({ rounds: 2 }), { verifier, model }, { metric: getMetric('length') });
    assert.equal(result.status, 'unchanged');
    assert.equal(result.proof, undefined);
    assert.equal(result.after, result.before);
    // Lean's errors on the failed rewrite feed the next round.
    assert.ok(model.requests[1]!.messages.some((m) => m.content.includes('type mismatch')));
  });

  it('a verified rewrite that is not strictly better is not kept, and the model is told why', async () => {
    const same = `:= by\n  have h1 : a + 2 = a + (1 + 1) := by decide\n  rw [h1]\n  rw [Nat.add_assoc]`;
    const verifier = new FakeVerifier([LONG, same]);
    const model = new FakeModel([[reply(same)], [reply(same)]]);
    const result = await optimize(target(), config({ rounds: 2, samplesPerRound: 1 }), { verifier, model }, { metric: getMetric('length') });
    assert.equal(result.status, 'unchanged');
    assert.equal(result.proof, undefined);
    assert.ok(model.requests[1]!.messages.some((m) => m.content.includes('Lean accepted this proof, but it is not better: 4 steps, against 4 steps')));
  });

  it('a rewrite that changes the statement never reaches Lean and never counts', async () => {
    const verifier = new FakeVerifier([LONG, ONE]);
    const model = new FakeModel([[reply(ONE, 'theorem two_add (a : Nat) : a + 2 = a + 2')]]);
    const result = await optimize(target(), config({ rounds: 1, samplesPerRound: 1 }), { verifier, model }, { metric: getMetric('length') });
    assert.equal(result.status, 'unchanged');
    assert.equal(verifier.requests.length, 1, 'only the current proof was checked');
  });

  it('does not optimize a proof that does not pass the gate', async () => {
    const verifier = new FakeVerifier([ONE]);
    const model = new FakeModel([[reply(ONE)]]);
    const result = await optimize(target(), config(), { verifier, model }, { metric: getMetric('length') });
    assert.equal(result.status, 'unverified');
    assert.equal(model.requests.length, 0);
    assert.equal(result.proof, undefined);
  });

  it('readability: higher is better, so a longer but declarative proof wins', async () => {
    const declarative = `:= by\n  have h : a + 2 = a + 1 + 1 := rfl\n  exact h`;
    const verifier = new FakeVerifier([LONG, declarative, ONE]);
    const model = new FakeModel([[reply(ONE), reply(declarative)]]);
    const result = await optimize(target(), config({ rounds: 1 }), { verifier, model }, { metric: getMetric('readability') });
    assert.equal(result.status, 'improved');
    assert.equal(result.proof?.body, declarative);
    assert.ok(result.after > result.before);
  });

  it('shows Chain-of-States from the states port, and retrieved proofs shortest first', async () => {
    const asked: { text: string; positions: unknown[] }[] = [];
    const states: StatesSource = async (req) => {
      asked.push({ text: req.text, positions: req.positions });
      return req.positions.map((_, i) => `⊢ state ${i}`);
    };
    const proofs: RetrievedProof[] = [
      { id: 'long', statement: 's', proof: 'theorem a : x := by\n  simp\n  rfl\n  rfl', source: { kind: 'corpus' }, score: 0.9 },
      { id: 'short', statement: 's', proof: 'theorem b : x := by simp', source: { kind: 'corpus' }, score: 0.5 },
    ];
    const remembered: VerifiedProof[] = [];
    const retriever: Retriever = { retrieve: async () => proofs, remember: async (p) => void remembered.push(p) };
    const model = new FakeModel([[reply(THREE)]]);
    await optimize(target(), config({ rounds: 1, samplesPerRound: 1, retrievalK: 1 }), { verifier: new FakeVerifier([LONG]), model, retriever, states }, { metric: getMetric('length') });
    const prompt = model.requests[0]!.messages.map((m) => m.content).join('\n');
    assert.ok(prompt.includes('-- ⊢ state 0'));
    assert.ok(prompt.includes('theorem b : x := by simp') && !prompt.includes('theorem a : x'));
    assert.ok(asked[0]!.text.startsWith('import Foo\n\n'), 'goals are asked in the file context');
    assert.equal(asked[0]!.positions.length, 3);
    assert.equal(remembered.length, 0, 'the loop itself writes nothing to the bank; the faces do on acceptance');
  });

  it('cancelled after a verified rewrite: keeps that rewrite', async () => {
    const controller = new AbortController();
    const verifier = new FakeVerifier([LONG, THREE]);
    const model = new FakeModel([[reply(THREE)], [reply(ONE)]]);
    const result = await optimize(target(), config({ rounds: 3, samplesPerRound: 1 }), { verifier, model }, {
      metric: getMetric('length'),
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'rewrite') controller.abort();
      },
    });
    assert.equal(result.status, 'improved');
    assert.equal(result.proof?.body, THREE);
    assert.equal(stepCount(result.proof!.body), 2);
  });

  it('rankRetrieved orders by the metric and drops proofs it cannot read', () => {
    const p = (id: string, proof: string): RetrievedProof => ({ id, statement: '', proof, source: { kind: 'corpus' }, score: 1 });
    const ranked = rankRetrieved([p('a', 'theorem a : x := by\n  simp\n  rfl'), p('b', 'not lean'), p('c', 'theorem c : x := rfl')], getMetric('length'), 5);
    assert.deepEqual(ranked.map((r) => r.id), ['c', 'a']);
  });
});

describe('Chain-of-States in the repair loop (oprover.repairChainOfStates)', () => {
  const SORRY_TEXT = `import Foo\n\n${HEADER} := by\n  sorry\n`;
  const sorryTarget = (): ProofTarget => {
    const sorry = findSorries(SORRY_TEXT)[0]!;
    return { file: 'Two.lean', projectRoot: '.', text: SORRY_TEXT, version: 1, sorry, declaration: sorry.declaration! };
  };
  const failing = `:= by\n  rw [Nat.add_assoc]\n  simp`;
  const states: StatesSource = async (req) => req.positions.map((_, i) => `⊢ after line ${i + 1}`);

  for (const on of [true, false]) {
    it(`${on ? 'shows' : 'does not show'} the goals after each line of the failed attempt in the next prompt when ${on ? 'on' : 'off'}`, async () => {
      const model = new FakeModel([[reply(failing)], [reply(ONE)]]);
      const result = await prove(sorryTarget(), config({ rounds: 2, samplesPerRound: 1, prepassEnabled: false, repairChainOfStates: on }), { verifier: new FakeVerifier([ONE]), model, states });
      assert.equal(result.status, 'proved');
      const second = model.requests[1]!.messages.map((m) => m.content).join('\n');
      assert.ok(second.includes('rw [Nat.add_assoc]'), 'the failed attempt is shown');
      assert.equal(second.includes('  -- ⊢ after line 1'), on);
    });
  }
});
