// Proof optimization as a job of the editor's job manager (src/ui/optimize-runner.ts), and the
// Chain-of-States positions (src/core/optimize/states.ts): fake ports, no editor, no Lean.
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../src/config';
import type { JobEvent } from '../../src/core/events';
import { declarationTarget } from '../../src/core/optimize/loop';
import { getMetric } from '../../src/core/optimize/metrics';
import { chainOfStates, stateOffsets } from '../../src/core/optimize/states';
import { findDeclarations, normalizeStatement } from '../../src/core/source';
import type { Completion, Model, Position, Verdict, Verifier, VerifyRequest } from '../../src/core/types';
import { JobManager } from '../../src/ui/jobs';
import { optimizeRunner } from '../../src/ui/optimize-runner';

const HEADER = 'theorem t (n : Nat) : n + 0 = n';
const LONG = ':= by\n  have h : n + 0 = n := rfl\n  exact h';
const TEXT = `import Foo\n\nopen Nat\n\n${HEADER} ${LONG}\n`;
const target = () => declarationTarget('T.lean', '.', TEXT, 3, findDeclarations(TEXT).find((d) => d.name === 't')!);

const verifier = (accepted: string[]): Verifier => ({
  async verify(request: VerifyRequest) {
    const out = new Map<string, Verdict>();
    for (const c of request.candidates) {
      const ok = accepted.some((b) => normalizeStatement(b) === normalizeStatement(c.body));
      out.set(c.id, ok ? { kind: 'proved', reason: 'Lean accepted the proof', messages: [], feedback: '', elapsedMs: 1 } : { kind: 'lean-error', rule: 'lean-error', reason: 'error', messages: [], feedback: 'error', elapsedMs: 1 });
    }
    return out;
  },
  availability: async () => ({ ok: true as const, description: 'fake' }),
  dispose: async () => undefined,
});
const model = (replies: string[]): Model => ({ description: 'fake', generate: async (): Promise<Completion[]> => replies.map((text) => ({ text, finishReason: 'stop' })) });
const reply = (body: string) => `\`\`\`lean4\n${HEADER} ${body}\n\`\`\``;

describe('optimization in the job manager', () => {
  it('ends proved with the improved rewrite, and the timeline names each verified value and the gain', async () => {
    const config = { ...DEFAULT_CONFIG, rounds: 1, samplesPerRound: 2, retrievalK: 0 };
    const runner = optimizeRunner(config, getMetric('length'), async () => ({ verifier: verifier([LONG, ':= rfl', ':= by\n  rfl\n  done']), model: model([reply(':= by\n  rfl\n  done'), reply(':= rfl')]) }));
    const jobs = new JobManager(async () => {
      throw new Error('the prover is not used for optimization jobs');
    });
    const job = jobs.start(target(), { uri: 'file:///T.lean', rounds: 1, runner });
    const result = await job.done;
    assert.equal(result.status, 'proved');
    assert.equal(result.proof?.body, ':= rfl');
    const reasons = job.events.filter((e): e is Extract<JobEvent, { type: 'verdict' }> => e.type === 'verdict').map((e) => `${e.round}/${e.sample}: ${e.verdict.reason}`);
    assert.deepEqual(reasons, [
      '0/0: the current proof: Lean accepted the proof',
      '1/0: verified: 2 steps (best so far 2 steps); Lean accepted the proof',
      '1/1: verified: 1 step (best so far 2 steps); Lean accepted the proof',
      '1/1: verified rewrite: 2 → 1 step',
    ]);
    assert.equal(job.status, 'proved');
  });

  it('ends failed, with no proof to insert, when nothing improved', async () => {
    const runner = optimizeRunner({ ...DEFAULT_CONFIG, rounds: 1, samplesPerRound: 1, retrievalK: 0 }, getMetric('length'), async () => ({ verifier: verifier([LONG]), model: model([reply(':= rfl')]) }));
    const job = new JobManager(async () => ({ status: 'error', reason: '', rounds: 0, elapsedMs: 0, promptTokens: 0, completionTokens: 0 })).start(target(), { uri: 'file:///T.lean', rounds: 1, runner });
    const result = await job.done;
    assert.equal(result.status, 'failed');
    assert.equal(result.proof, undefined);
  });
});

describe('Chain-of-States positions', () => {
  it('asks at the end of each tactic line, in the file coordinates of the checked document', async () => {
    const asked: Position[][] = [];
    const { text, annotated } = await chainOfStates(target(), `${HEADER} ${LONG}`, async ({ text: doc, positions }) => {
      asked.push(positions);
      assert.equal(doc, `import Foo\n\nopen Nat\n\n${HEADER} ${LONG}\n`);
      return ['n : Nat\n⊢ n + 0 = n', undefined];
    });
    // Lines 5 and 6 of the document: `  have h : n + 0 = n := rfl` and `  exact h`, each at its end.
    assert.deepEqual(asked[0], [
      { line: 5, character: '  have h : n + 0 = n := rfl'.length },
      { line: 6, character: '  exact h'.length },
    ]);
    assert.equal(annotated, 1);
    assert.equal(text, `${HEADER} := by\n  have h : n + 0 = n := rfl\n  -- n : Nat\n  -- ⊢ n + 0 = n\n  exact h`);
  });

  it('a proof on the header line is asked on that line, after the header', () => {
    const decl = `${HEADER} := by simp`;
    assert.deepEqual(stateOffsets(decl, HEADER.length + 1), [decl.length]);
  });

  it('a term proof has no tactic line to annotate', async () => {
    const { text, annotated } = await chainOfStates(target(), `${HEADER} := rfl`, async () => assert.fail('no positions to ask'));
    assert.equal(text, `${HEADER} := rfl`);
    assert.equal(annotated, 0);
  });
});
