import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG, type OProverConfig } from '../../src/config';
import type { JobEvent } from '../../src/core/events';
import type { prove as ProveFunction } from '../../src/core/prover';
import { findSorries, normalizeStatement } from '../../src/core/source';
import { ActionableError } from '../../src/core/types';
import type {
  Completion,
  GenerateOptions,
  GenerateRequest,
  Model,
  ProofTarget,
  RetrievalQuery,
  RetrievedProof,
  Retriever,
  Verdict,
  Verifier,
  VerifyRequest,
} from '../../src/core/types';

function targetFrom(text: string): ProofTarget {
  const sorry = findSorries(text)[0];
  assert.ok(sorry?.declaration);
  return { file: 'Target.lean', projectRoot: '.', text, version: 1, sorry, declaration: sorry.declaration };
}

function config(overrides: Partial<OProverConfig> = {}): OProverConfig {
  return { ...structuredClone(DEFAULT_CONFIG), samplesPerRound: 1, rounds: 3, retrievalK: 0, ...overrides };
}

const LEAN_FEEDBACK = 'error: unsolved goals\na b : ℕ\n⊢ a + b = b + a';

/** Accepts exactly the given bodies (compared modulo whitespace); every other candidate gets a Lean error. */
class FakeVerifier implements Verifier {
  requests: VerifyRequest[] = [];
  constructor(
    private readonly accepted: string[],
    private readonly available: { ok: true; description: string } | { ok: false; reason: string } = { ok: true, description: 'fake Lean' },
  ) {}
  async verify(request: VerifyRequest): Promise<Map<string, Verdict>> {
    this.requests.push(request);
    const out = new Map<string, Verdict>();
    for (const c of request.candidates) {
      const proved = this.accepted.some((body) => normalizeStatement(body) === normalizeStatement(c.body));
      out.set(
        c.id,
        proved
          ? { kind: 'proved', reason: 'no errors, standard axioms', messages: [], feedback: '', axioms: ['propext'], elapsedMs: 1 }
          : {
              kind: 'lean-error',
              rule: 'lean-error',
              reason: 'unsolved goals',
              messages: [{ severity: 'error', range: { start: { line: 1, character: 2 }, end: { line: 1, character: 6 } }, text: LEAN_FEEDBACK }],
              feedback: LEAN_FEEDBACK,
              elapsedMs: 1,
            },
      );
    }
    return out;
  }
  async availability() {
    return this.available;
  }
  async dispose(): Promise<void> {}
  checkedBodies(): string[] {
    return this.requests.flatMap((r) => r.candidates.map((c) => c.body));
  }
}

/** Returns canned replies, one list per round; records every request. */
class FakeModel implements Model {
  readonly description = 'fake model';
  requests: GenerateRequest[] = [];
  constructor(private readonly rounds: string[][]) {}
  async generate(request: GenerateRequest, options?: GenerateOptions): Promise<Completion[]> {
    this.requests.push(request);
    const replies = this.rounds[Math.min(this.requests.length - 1, this.rounds.length - 1)] ?? [];
    replies.forEach((text, sample) => options?.onDelta?.(sample, text));
    return replies.map((text) => ({ text, finishReason: 'stop', promptTokens: 100, completionTokens: 50 }));
  }
}

/** Never answers until the job is cancelled, then fails the way fetch does. */
class HangingModel implements Model {
  readonly description = 'hanging model';
  started = false;
  async generate(_request: GenerateRequest, options?: GenerateOptions): Promise<Completion[]> {
    this.started = true;
    return new Promise((_resolve, reject) => {
      const signal = options?.signal;
      if (!signal) return;
      signal.addEventListener('abort', () => reject(new DOMException('The operation was aborted.', 'AbortError')), { once: true });
    });
  }
}

class ThrowingModel implements Model {
  readonly description = 'must not be called';
  calls = 0;
  async generate(): Promise<Completion[]> {
    this.calls++;
    throw new Error('the model was called');
  }
}

class FakeRetriever implements Retriever {
  queries: RetrievalQuery[] = [];
  constructor(private readonly proofs: RetrievedProof[]) {}
  async retrieve(query: RetrievalQuery, k: number): Promise<RetrievedProof[]> {
    this.queries.push(query);
    return this.proofs.slice(0, k);
  }
  async remember(): Promise<void> {}
}

const COMM = 'import Mathlib\n\ntheorem comm (a b : ℕ) : a + b = b + a := by sorry\n';
const reply = (proof: string) => `Let me think.\n\n\`\`\`lean4\ntheorem comm (a b : ℕ) : a + b = b + a := by\n${proof}\n\`\`\``;

function promptText(events: JobEvent[], round: number): string {
  const prompt = events.find((e): e is Extract<JobEvent, { type: 'prompt' }> => e.type === 'prompt' && e.round === round);
  assert.ok(prompt, `a prompt for round ${round}`);
  return prompt.messages.map((m) => m.content).join('\n');
}

describe('prover: the repair loop with fake ports', () => {
  // The loop renders prompts through src/core/prompt; until that module is in the tree these tests
  // are skipped with the reason instead of breaking the whole tier at load time.
  let prove: typeof ProveFunction;
  before(async function () {
    if (!fs.existsSync(path.join(import.meta.dirname, '../../src/core/prompt/index.ts'))) {
      console.log('    skipped: src/core/prompt/index.ts (getProfile) is not in the tree yet');
      this.skip();
    }
    ({ prove } = await import('../../src/core/prover'));
  });

  it('fails round 1 with a Lean error, feeds it back, and proves in round 2', async () => {
    const verifier = new FakeVerifier([':= by\n  exact Nat.add_comm a b']);
    const model = new FakeModel([[reply('  simp')], [reply('  exact Nat.add_comm a b')]]);
    const events: JobEvent[] = [];
    const result = await prove(targetFrom(COMM), config({ prepassTactics: ['rfl'] }), { verifier, model }, { onEvent: (e) => events.push(e) });

    assert.equal(result.status, 'proved', result.reason);
    assert.equal(result.rounds, 2);
    assert.equal(result.proof?.body, ':= by\n  exact Nat.add_comm a b');
    assert.deepEqual(result.proof?.origin, { kind: 'model', round: 2, sample: 0 });
    assert.equal(result.proof?.declarationText, 'theorem comm (a b : ℕ) : a + b = b + a := by\n  exact Nat.add_comm a b');
    assert.equal(model.requests.length, 2);
    assert.equal(result.promptTokens, 200);
    assert.equal(result.completionTokens, 100);

    // Round 1's attempt and its Lean feedback reach the round-2 prompt, and not the round-1 prompt.
    const round2 = promptText(events, 2);
    assert.ok(round2.includes('unsolved goals'), round2);
    assert.ok(round2.includes('simp'), round2);
    assert.ok(!promptText(events, 1).includes('unsolved goals'));

    const verdicts = events.filter((e): e is Extract<JobEvent, { type: 'verdict' }> => e.type === 'verdict');
    assert.deepEqual(
      verdicts.map((v) => [v.round, v.verdict.kind]),
      [
        [0, 'lean-error'],
        [1, 'lean-error'],
        [2, 'proved'],
      ],
    );
    const finished = events[events.length - 1];
    assert.equal(finished?.type, 'job-finished');
  });

  it('asks for the goal once, after the pre-pass, and tells every model round; the panel gets it as an event', async () => {
    const verifier = new FakeVerifier([':= by\n  exact Nat.add_comm a b']);
    const model = new FakeModel([[reply('  simp')], [reply('  exact Nat.add_comm a b')]]);
    const events: JobEvent[] = [];
    const asked: string[] = [];
    const goal = async (t: ProofTarget) => {
      asked.push(t.declaration.name ?? '');
      return { goal: 'a b : ℕ\n⊢ a + b = b + a', source: 'own-server' };
    };
    const result = await prove(targetFrom(COMM), config({ prepassTactics: ['rfl'] }), { verifier, model, goal }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'proved', result.reason);
    assert.deepEqual(asked, ['comm']);
    for (const round of [1, 2]) assert.ok(promptText(events, round).includes('⊢ a + b = b + a'), `round ${round} prompt has the goal`);
    const goalEvents = events.filter((e) => e.type === 'goal');
    assert.deepEqual(goalEvents.map((e) => e.type === 'goal' && [e.goal, e.source]), [['a b : ℕ\n⊢ a + b = b + a', 'own-server']]);
    assert.ok(events.findIndex((e) => e.type === 'goal') > events.findIndex((e) => e.type === 'round-finished' && e.round === 0), 'after the pre-pass');
  });

  it('asks the memory again with the goal once it is known, and not again while the query stays the same', async () => {
    const verifier = new FakeVerifier([':= by\n  exact Nat.add_comm a b']);
    const model = new FakeModel([[reply('  simp')], [reply('  simp')], [reply('  exact Nat.add_comm a b')]]);
    const retriever = new FakeRetriever([]);
    const goal = async () => ({ goal: 'a b : ℕ\n⊢ a + b = b + a', source: 'own-server' as const });
    const result = await prove(targetFrom(COMM), config({ prepassTactics: ['rfl'] }), { verifier, model, goal, retriever });
    assert.equal(result.status, 'proved', result.reason);
    assert.equal(result.rounds, 3);
    // The pre-pass asks with the statement; round 1 adds the goal; rounds 2 and 3 (same goal, Lean's
    // feedback names nothing to look up) reuse that answer.
    assert.deepEqual(
      retriever.queries.map((q) => [q.statement, q.goal, q.hints]),
      [
        ['theorem comm (a b : ℕ) : a + b = b + a', undefined, undefined],
        ['theorem comm (a b : ℕ) : a + b = b + a', 'a b : ℕ\n⊢ a + b = b + a', undefined],
      ],
    );
  });

  it('goes on without the goal when fetching it fails, and says why', async () => {
    const verifier = new FakeVerifier([':= by\n  exact Nat.add_comm a b']);
    const model = new FakeModel([[reply('  exact Nat.add_comm a b')]]);
    const events: JobEvent[] = [];
    const goal = async () => {
      throw new Error('the Lean server did not answer');
    };
    const result = await prove(targetFrom(COMM), config({ prepassTactics: ['rfl'] }), { verifier, model, goal }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'proved', result.reason);
    assert.ok(!promptText(events, 1).includes('The goal at'), 'no goal section in the prompt');
    assert.ok(events.some((e) => e.type === 'log' && e.level === 'warn' && e.message.includes('the Lean server did not answer')));
  });

  it('closes a trivial sorry in the pre-pass without calling the model', async () => {
    const verifier = new FakeVerifier([':= by decide']);
    const model = new ThrowingModel();
    const events: JobEvent[] = [];
    const result = await prove(targetFrom('theorem two : 1 + 1 = 2 := by sorry'), config({ prepassTactics: ['rfl', 'decide', 'simp'] }), { verifier, model }, {
      onEvent: (e) => events.push(e),
    });
    assert.equal(result.status, 'proved', result.reason);
    assert.equal(result.rounds, 0);
    assert.deepEqual(result.proof?.origin, { kind: 'tactic', tactic: 'decide' });
    assert.equal(model.calls, 0);
    assert.match(result.reason, /pre-pass/);
    assert.deepEqual(verifier.checkedBodies(), [':= by rfl', ':= by decide', ':= by simp']);
    assert.ok(!events.some((e) => e.type === 'prompt'));
  });

  it('replays a retrieved proof in the pre-pass', async () => {
    const retrieved: RetrievedProof = {
      id: 'bank-7',
      name: 'add_comm_nat',
      statement: 'theorem add_comm_nat (a b : ℕ) : a + b = b + a',
      proof: 'theorem add_comm_nat (a b : ℕ) : a + b = b + a := Nat.add_comm a b',
      source: { kind: 'accepted' },
      score: 0.93,
    };
    const retriever = new FakeRetriever([retrieved]);
    const verifier = new FakeVerifier([':= Nat.add_comm a b']);
    const result = await prove(targetFrom(COMM), config({ retrievalK: 2, prepassTactics: ['rfl'] }), { verifier, retriever, model: new ThrowingModel() });
    assert.equal(result.status, 'proved', result.reason);
    assert.deepEqual(result.proof?.origin, { kind: 'replay', proofId: 'bank-7' });
    assert.equal(retriever.queries[0]?.excludeName, 'comm', 'a theorem never retrieves itself');
    // Prompts without retrieved proofs (k = 0) still leave the pre-pass its replays.
    const noPromptProofs = await prove(targetFrom(COMM), config({ retrievalK: 0, prepassReplays: 1, prepassTactics: ['rfl'] }), { verifier, retriever, model: new ThrowingModel() });
    assert.deepEqual(noPromptProofs.proof?.origin, { kind: 'replay', proofId: 'bank-7' }, noPromptProofs.reason);
  });

  it('quarantines a bank record that today\'s screen refuses: never replayed, never shown to the model', async () => {
    const hostile: RetrievedProof = {
      id: 'bank-evil',
      name: 'add_comm_evil',
      statement: 'theorem add_comm_evil (a b : ℕ) : a + b = b + a',
      proof: 'theorem add_comm_evil (a b : ℕ) : a + b = b + a := by\n  rw (config := match IO.FS.writeFile "x" "y" () with | _ => {}) [Nat.add_comm]',
      source: { kind: 'workspace', file: 'Old.lean' },
      score: 0.99,
    };
    const fine: RetrievedProof = { id: 'bank-ok', name: 'add_comm_ok', statement: 'theorem add_comm_ok (a b : ℕ) : a + b = b + a', proof: 'theorem add_comm_ok (a b : ℕ) : a + b = b + a := Nat.add_comm a b', source: { kind: 'accepted' }, score: 0.5 };
    const verifier = new FakeVerifier([]);
    const events: JobEvent[] = [];
    await prove(targetFrom(COMM), config({ retrievalK: 2, prepassTactics: ['rfl'] }), { verifier, retriever: new FakeRetriever([hostile, fine]) }, { onEvent: (e) => events.push(e) });
    assert.ok(!verifier.checkedBodies().some((b) => b.includes('IO.FS')), 'the hostile record was replayed');
    assert.ok(verifier.checkedBodies().includes(':= Nat.add_comm a b'), 'the clean record is still replayed');
    const shown = events.flatMap((e) => (e.type === 'retrieved' ? e.proofs.map((p) => p.id) : []));
    assert.ok(!shown.includes('bank-evil') && shown.includes('bank-ok'), shown.join(','));
    assert.ok(events.some((e) => e.type === 'log' && /1 retrieved proof left out/.test(e.message)));
  });

  it('without a model, runs round 0 and fails with the no-endpoint reason', async () => {
    const verifier = new FakeVerifier([]);
    const events: JobEvent[] = [];
    const result = await prove(targetFrom(COMM), config({ prepassTactics: ['rfl', 'omega'] }), { verifier }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'failed');
    assert.match(result.reason, /no inference endpoint/);
    assert.equal(result.rounds, 0);
    assert.deepEqual(verifier.checkedBodies(), [':= by rfl', ':= by omega']);
    assert.ok(events.some((e) => e.type === 'round-started' && e.kind === 'prepass'));
    assert.ok(!events.some((e) => e.type === 'round-started' && e.kind === 'model'));
  });

  it('is cancelled through its AbortSignal while the model is sampling', async () => {
    const model = new HangingModel();
    const controller = new AbortController();
    const events: JobEvent[] = [];
    const job = prove(targetFrom(COMM), config({ prepassEnabled: false }), { verifier: new FakeVerifier([]), model }, {
      signal: controller.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'prompt') setImmediate(() => controller.abort());
      },
    });
    const result = await job;
    assert.ok(model.started);
    assert.equal(result.status, 'cancelled');
    const finished = events.find((e) => e.type === 'job-finished');
    assert.equal(finished?.type === 'job-finished' && finished.status, 'cancelled');
  });

  it('reports the last failed attempt, and a retry goes on from it without the pre-pass', async () => {
    const wrong = '```lean4\ntheorem comm (a b : ℕ) : a + b = b + a := by\n  exact Nat.add_comm b a\n```';
    const first = await prove(targetFrom(COMM), config({ rounds: 1 }), { verifier: new FakeVerifier([]), model: new FakeModel([[wrong]]) });
    assert.equal(first.status, 'failed');
    assert.ok(first.lastFailure?.attempt.includes('exact Nat.add_comm b a'), JSON.stringify(first.lastFailure));
    assert.equal(first.lastFailure?.feedback, LEAN_FEEDBACK);

    const right = '```lean4\ntheorem comm (a b : ℕ) : a + b = b + a := by\n  exact Nat.add_comm a b\n```';
    const model = new FakeModel([[right]]);
    const verifier = new FakeVerifier([':= by\n  exact Nat.add_comm a b']);
    const events: JobEvent[] = [];
    const again = await prove(targetFrom(COMM), config({ rounds: 1 }), { verifier, model }, { continueFrom: first.lastFailure, onEvent: (e) => events.push(e) });
    assert.equal(again.status, 'proved', again.reason);
    assert.ok(!events.some((e) => e.type === 'round-started' && e.kind === 'prepass'), 'the pre-pass is not run again');
    const prompt = model.requests[0]!.messages.map((m) => m.content).join('\n');
    assert.ok(prompt.includes('exact Nat.add_comm b a') && prompt.includes('unsolved goals'), 'round 1 starts from the last failed attempt and its feedback');
  });

  it('is cancelled, not failed, when the signal fires while Lean checks the last round', async () => {
    const controller = new AbortController();
    // A verifier that is cancelled mid-check answers `cancelled` for its candidates, as the Lean one does.
    const verifier: Verifier = {
      async verify(request) {
        controller.abort();
        return new Map(request.candidates.map((c) => [c.id, { kind: 'cancelled', reason: 'cancelled while Lean was checking it', messages: [], feedback: '', elapsedMs: 0 } as Verdict]));
      },
      async availability() {
        return { ok: true, description: 'fake Lean' };
      },
      async dispose() {},
    };
    const reply = '```lean4\ntheorem comm (a b : ℕ) : a + b = b + a := by\n  omega\n```';
    const result = await prove(targetFrom(COMM), config({ prepassEnabled: false, rounds: 1 }), { verifier, model: new FakeModel([[reply]]) }, { signal: controller.signal });
    assert.equal(result.status, 'cancelled', result.reason);
  });

  it('never proves from replies that change the statement, and says so in the next prompt', async () => {
    // The verifier would accept the body: only extraction stands between the reply and a false proof.
    const verifier = new FakeVerifier([':= by\n  rfl']);
    const changed = '```lean4\ntheorem comm (a b : ℕ) : a + b = a + b := by\n  rfl\n```';
    const model = new FakeModel([[changed]]);
    const events: JobEvent[] = [];
    const result = await prove(targetFrom(COMM), config({ prepassEnabled: false, rounds: 2 }), { verifier, model }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'failed');
    assert.equal(result.proof, undefined);
    assert.equal(verifier.requests.length, 0, 'nothing reached Lean');
    const attempts = events.filter((e): e is Extract<JobEvent, { type: 'attempt' }> => e.type === 'attempt');
    assert.equal(attempts.length, 2);
    for (const a of attempts) assert.match(a.problem ?? '', /changed the statement/);
    assert.match(promptText(events, 2), /changed the statement/);
  });

  it('screens out a sorry before Lean and feeds the reason back', async () => {
    const verifier = new FakeVerifier([]);
    const model = new FakeModel([[reply('  sorry')], [reply('  exact Nat.add_comm a b')]]);
    const events: JobEvent[] = [];
    const result = await prove(targetFrom(COMM), config({ prepassEnabled: false, rounds: 2 }), { verifier, model }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'failed');
    const first = events.find((e): e is Extract<JobEvent, { type: 'verdict' }> => e.type === 'verdict' && e.round === 1);
    assert.equal(first?.verdict.kind, 'rejected');
    assert.equal(first?.verdict.rule, 'screening');
    assert.deepEqual(verifier.checkedBodies(), [':= by\n  exact Nat.add_comm a b'], 'only the round-2 candidate reached Lean');
    assert.match(promptText(events, 2), /leaves the proof unfinished/);
  });

  it('never sends a reply cut at max_tokens to Lean: the timeline and the next prompt say it was cut off', async () => {
    const verifier = new FakeVerifier([':= by\n  exact Nat.add_comm a b']);
    const cut: Model = {
      description: 'cut model',
      generate: async () => [{ text: reply('  exact Nat.add_comm a b'), finishReason: 'length' }],
    };
    const events: JobEvent[] = [];
    const result = await prove(targetFrom(COMM), config({ prepassEnabled: false, rounds: 2 }), { verifier, model: cut }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'failed');
    assert.equal(verifier.requests.length, 0, 'nothing reached Lean');
    const attempt = events.find((e): e is Extract<JobEvent, { type: 'attempt' }> => e.type === 'attempt');
    assert.match(attempt?.problem ?? '', /cut off/);
    assert.equal(attempt?.finishReason, 'length');
    assert.match(promptText(events, 2), /the answer was cut off/);
    assert.doesNotMatch(promptText(events, 2), /leaves the proof unfinished/);
  });

  it('puts the reasoning on the attempt event and never proves from code inside it', async () => {
    const verifier = new FakeVerifier([':= by\n  exact Nat.add_comm a b']);
    const thinking: Model = {
      description: 'reasoning model',
      generate: async () => [{ text: '', reasoning: reply('  exact Nat.add_comm a b'), finishReason: 'stop' }],
    };
    const events: JobEvent[] = [];
    const result = await prove(targetFrom(COMM), config({ prepassEnabled: false, rounds: 1 }), { verifier, model: thinking }, { onEvent: (e) => events.push(e) });
    assert.equal(result.status, 'failed');
    assert.equal(verifier.requests.length, 0);
    const attempt = events.find((e): e is Extract<JobEvent, { type: 'attempt' }> => e.type === 'attempt');
    assert.ok(attempt?.reasoning?.includes('exact Nat.add_comm a b'));
    assert.match(attempt?.problem ?? '', /never left the reasoning/);
  });

  it("samples with the profile's defaults unless the user set them", async () => {
    const model = new FakeModel([[reply('  exact Nat.add_comm a b')]]);
    const verifier = new FakeVerifier([':= by\n  exact Nat.add_comm a b']);
    await prove(targetFrom(COMM), config({ prepassEnabled: false, rounds: 1, promptProfile: 'kimina' }), { verifier, model });
    assert.deepEqual([model.requests[0]!.temperature, model.requests[0]!.topP, model.requests[0]!.maxTokens], [0.6, 0.95, 32_768]);
    const model2 = new FakeModel([[reply('  exact Nat.add_comm a b')]]);
    await prove(targetFrom(COMM), config({ prepassEnabled: false, rounds: 1, promptProfile: 'kimina', maxTokens: 4096 }), { verifier, model: model2 });
    assert.equal(model2.requests[0]!.maxTokens, 4096);
  });

  it('lowers max_tokens to what the server says fits beside the prompt, and keeps it for later rounds', async () => {
    const asked: number[] = [];
    const small: Model = {
      description: 'small context',
      generate: async (request) => {
        asked.push(request.maxTokens);
        if (request.maxTokens > 29_000) throw new ActionableError("the prompt exceeds the model's context length at x: This model's maximum context length is 32768 tokens. However, you requested 34000 tokens (4000 in the messages, 30000 in the completion).", 'context-length');
        return [{ text: reply('  simp'), finishReason: 'stop' }];
      },
    };
    const result = await prove(targetFrom(COMM), config({ prepassEnabled: false, rounds: 2 }), { verifier: new FakeVerifier([]), model: small });
    assert.equal(result.status, 'failed', result.reason);
    assert.deepEqual(asked, [30_000, 28_752, 28_752]);
  });

  it('screens the helper lemmas a candidate carries before Lean', async () => {
    const verifier = new FakeVerifier([]);
    const withHelper = '```lean4\ntheorem my_comm (a b : ℕ) : a + b = b + a := by\n  sorry\n\ntheorem comm (a b : ℕ) : a + b = b + a := by\n  exact my_comm a b\n```';
    const events: JobEvent[] = [];
    await prove(targetFrom(COMM), config({ prepassEnabled: false, rounds: 1 }), { verifier, model: new FakeModel([[withHelper]]) }, { onEvent: (e) => events.push(e) });
    assert.equal(verifier.requests.length, 0);
    const attempt = events.find((e): e is Extract<JobEvent, { type: 'attempt' }> => e.type === 'attempt');
    assert.match(attempt?.problem ?? '', /helper `my_comm`: `sorry`/);
  });

  it('stops with an error when the verifier is unavailable', async () => {
    const result = await prove(targetFrom(COMM), config(), { verifier: new FakeVerifier([], { ok: false, reason: 'install Lean: no lean on PATH' }), model: new ThrowingModel() });
    assert.equal(result.status, 'error');
    assert.match(result.reason, /install Lean/);
  });

  it('ends as an error, not a spent budget, when the checker could not judge candidates', async () => {
    class CrashingVerifier extends FakeVerifier {
      override async verify(request: VerifyRequest): Promise<Map<string, Verdict>> {
        return new Map(request.candidates.map((c) => [c.id, { kind: 'infra-error', reason: 'Lean crashed twice on this candidate', messages: [], feedback: '', elapsedMs: 1 } satisfies Verdict]));
      }
    }
    const result = await prove(targetFrom(COMM), config({ rounds: 2, prepassEnabled: false }), { verifier: new CrashingVerifier([]), model: new FakeModel([[reply('  omega')]]) });
    assert.equal(result.status, 'error');
    assert.match(result.reason, /no verified proof after 2 rounds, and the checker failed on 2 candidates \(Lean crashed twice on this candidate\): check the Lean setup/);
  });
});
