// The prove run with in-memory ports (no processes): model rounds, failures recorded for resume,
// tokens, remembering proofs, the no-checker path, the concurrency bound, and progress output.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConfig } from '../../src/config';
import { Progress } from '../../src/cli/progress';
import { runProve, type RunPorts } from '../../src/cli/prove-run';
import type { Completion, GenerateRequest, Model, RetrievalQuery, RetrievedProof, Retriever, Verdict, Verifier, VerifiedProof, VerifyRequest } from '../../src/core/types';

const FILE = `theorem needs_induction (n : Nat) : n + 0 = n := by
  sorry

theorem hopeless (n : Nat) : n < n := by
  sorry

theorem by_omega (n : Nat) (h : n < 3) : n < 4 := by
  sorry
`;

/** Lean stand-in: `omega` proves by_omega, an `induction` proof proves needs_induction, nothing proves hopeless. */
class FakeVerifier implements Verifier {
  active = 0;
  maxActive = 0;
  checked: string[] = [];
  async verify(request: VerifyRequest): Promise<Map<string, Verdict>> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    await new Promise((r) => setImmediate(r));
    const out = new Map<string, Verdict>();
    for (const c of request.candidates) {
      this.checked.push(c.declarationText);
      const name = request.target.declaration.name;
      const ok = (name === 'by_omega' && c.body === ':= by omega') || (name === 'needs_induction' && c.body.includes('induction n'));
      out.set(c.id, ok ? { kind: 'proved', reason: 'ok', messages: [], feedback: '', elapsedMs: 1 } : { kind: 'lean-error', rule: 'lean-error', reason: 'unsolved goals', messages: [], feedback: 'unsolved goals', elapsedMs: 1 });
    }
    this.active--;
    return out;
  }
  async availability() {
    return { ok: true as const, description: 'fake Lean' };
  }
  async dispose() {}
}

/** Replies `simp` to the first prompt for a theorem and an induction to the next ones. */
class FakeModel implements Model {
  readonly description = 'fake model';
  calls: string[] = [];
  private readonly perTarget = new Map<string, number>();
  async generate(request: GenerateRequest): Promise<Completion[]> {
    const prompt = request.messages.map((m) => m.content).join('\n');
    this.calls.push(prompt);
    const name = ['needs_induction', 'hopeless', 'by_omega'].find((n) => prompt.includes(n)) ?? '';
    this.perTarget.set(name, (this.perTarget.get(name) ?? 0) + 1);
    const round = this.perTarget.get(name)!;
    const text = round === 1 ? '```lean4\nby\n  simp\n```' : '```lean4\nby\n  induction n <;> simp\n```';
    return Array.from({ length: request.n }, () => ({ text, finishReason: 'stop', promptTokens: 100, completionTokens: 10 }));
  }
}

class FakeRetriever implements Retriever {
  remembered: VerifiedProof[] = [];
  async retrieve(_q: RetrievalQuery, _k: number): Promise<RetrievedProof[]> {
    return [{ id: 'p1', name: 'Nat.add_zero', statement: 'theorem Nat.add_zero (n : Nat) : n + 0 = n', proof: 'theorem Nat.add_zero (n : Nat) : n + 0 = n := rfl', source: { kind: 'corpus', file: 'c.jsonl' }, score: 0.9 }];
  }
  async remember(p: VerifiedProof): Promise<void> {
    this.remembered.push(p);
  }
}

const sink = { write: (_: string) => true, isTTY: false };

function setup(): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oprover-run-'));
  const file = path.join(dir, 'T.lean');
  fs.writeFileSync(file, FILE);
  return { dir, file };
}

function ports(verifier: Verifier | undefined, model: Model | undefined, retriever: Retriever, missing: RunPorts['missing'] = []): () => Promise<RunPorts> {
  return async () => ({ verifier, verifierDescription: 'fake', model, retriever, missing, dispose: async () => {} });
}

const config = resolveConfig({ rounds: 2, samplesPerRound: 2, prepassTactics: ['omega', 'simp'], prepassReplays: 1, retrievalK: 1, batchConcurrency: 2 });

describe('cli prove run (in-memory ports)', () => {
  it('runs model rounds, records proved and failed targets, sums tokens, remembers proofs and inserts', async () => {
    const { dir, file } = setup();
    const verifier = new FakeVerifier();
    const model = new FakeModel();
    const retriever = new FakeRetriever();
    const report = await runProve({ paths: [file], config, insert: true, fresh: false, retryFailed: false, index: false, signal: new AbortController().signal, ports: ports(verifier, model, retriever), progress: (n) => new Progress(sink, n, false) });
    const by = new Map(report.items.map((i) => [i.declaration, i]));
    assert.equal(by.get('by_omega')!.status, 'proved');
    assert.equal(by.get('by_omega')!.rounds, 0);
    assert.equal(by.get('needs_induction')!.status, 'proved');
    assert.equal(by.get('needs_induction')!.rounds, 2);
    assert.match(by.get('needs_induction')!.origin!, /model: round 2/);
    assert.deepEqual(by.get('needs_induction')!.tokens, { prompt: 200, completion: 40 });
    assert.equal(by.get('hopeless')!.status, 'failed');
    assert.equal(report.exitCode, 1);
    assert.equal(verifier.maxActive <= 2, true, `at most 2 targets at once, saw ${verifier.maxActive}`);
    assert.deepEqual(retriever.remembered.map((p) => p.name).sort(), ['by_omega', 'needs_induction']);
    assert.equal(fs.readFileSync(file, 'utf8'), FILE.replace('n + 0 = n := by\n  sorry', 'n + 0 = n := by\n  induction n <;> simp').replace('n < 4 := by\n  sorry', 'n < 4 := by omega'));

    // The failed target is finished: a re-run does not redo it unless asked.
    const model2 = new FakeModel();
    const again = await runProve({ paths: [file], config, insert: false, fresh: false, retryFailed: false, index: false, signal: new AbortController().signal, ports: ports(new FakeVerifier(), model2, retriever), progress: (n) => new Progress(sink, n, false) });
    assert.deepEqual(again.items.map((i) => [i.declaration, i.status, i.resumed]), [['hopeless', 'failed', true]]);
    assert.equal(model2.calls.length, 0);
    const retried = await runProve({ paths: [file], config, insert: false, fresh: false, retryFailed: true, index: false, signal: new AbortController().signal, ports: ports(new FakeVerifier(), model2, retriever), progress: (n) => new Progress(sink, n, false) });
    assert.equal(retried.items[0]!.resumed, false);
    assert.equal(model2.calls.length, 2, 'two rounds again');
  });

  it('refuses to insert a tampered proof from the state file', async () => {
    const { dir, file } = setup();
    const verifier = new FakeVerifier();
    const run = (insert: boolean) =>
      runProve({ paths: [file], config, insert, fresh: false, retryFailed: false, index: false, signal: new AbortController().signal, ports: ports(verifier, undefined, new FakeRetriever()), progress: (n) => new Progress(sink, n, false) });
    await run(false);
    const stateFile = path.join(dir, '.oprover', 'state.json');
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    const key = Object.keys(state.entries).find((k) => k.includes('by_omega'))!;
    state.entries[key].proof = ':= by\n  run_cmd IO.println "hi"\n  omega';
    fs.writeFileSync(stateFile, JSON.stringify(state));
    const report = await run(true);
    const item = report.items.find((i) => i.declaration === 'by_omega')!;
    assert.equal(item.resumed, true);
    assert.equal(item.inserted, false);
    assert.match(item.insertSkipped!, /state file is refused/);
    assert.equal(fs.readFileSync(file, 'utf8'), FILE);
  });

  it('without a checker, prepares retrieval and pre-pass candidates and blocks every target', async () => {
    const { file } = setup();
    const report = await runProve({
      paths: [file],
      config,
      insert: true,
      fresh: false,
      retryFailed: false,
      index: false,
      signal: new AbortController().signal,
      ports: ports(undefined, undefined, new FakeRetriever(), [{ what: 'lean', message: 'no Lean toolchain found' }]),
      progress: (n) => new Progress(sink, n, false),
    });
    assert.ok(report.items.every((i) => i.status === 'blocked'));
    assert.equal(report.exitCode, 3);
    const item = report.items[0]!;
    assert.equal(item.prepassCandidates, 3, 'two tactics and one replay');
    assert.equal(item.retrieved![0]!.name, 'Nat.add_zero');
    assert.equal(fs.readFileSync(file, 'utf8'), FILE);
  });

  it('with a checker but no endpoint, blocks what the pre-pass leaves open', async () => {
    const { file } = setup();
    const report = await runProve({ paths: [file], config, insert: false, fresh: false, retryFailed: false, index: false, signal: new AbortController().signal, ports: ports(new FakeVerifier(), undefined, new FakeRetriever(), [{ what: 'endpoint', message: 'no endpoint' }]), progress: (n) => new Progress(sink, n, false) });
    assert.deepEqual(
      report.items.map((i) => [i.declaration, i.status]),
      [
        ['needs_induction', 'blocked'],
        ['hopeless', 'blocked'],
        ['by_omega', 'proved'],
      ],
    );
  });
});

describe('cli progress output', () => {
  const item = { file: 'A.lean', line: 3, declaration: 'a', status: 'proved' as const, rounds: 0, timeMs: 1200, tokens: { prompt: 0, completion: 0 }, reason: 'ok', origin: 'pre-pass: tactic simp', sorries: 1, resumed: false };

  it('writes one plain line per finished target when not on a terminal', () => {
    let out = '';
    const p = new Progress({ write: (s) => ((out += s), true), isTTY: false }, 2, true);
    p.started('k', 'A.lean:3 a');
    p.finished('k', item);
    p.end();
    assert.equal(out, '[1/2] proved   A.lean:3 a (1.2 s) pre-pass: tactic simp\n');
  });

  it('redraws one bar in place on a terminal and clears it at the end', () => {
    let out = '';
    const p = new Progress({ write: (s) => ((out += s), true), isTTY: true, columns: 80 }, 2, true);
    p.started('k', 'A.lean:3 a');
    p.activity('k', 'A.lean:3 a: round 1');
    p.finished('k', item);
    p.end();
    assert.ok(!out.includes('\n'), 'no lines, only redraws');
    assert.match(out, /\r\x1b\[2K\[#{10}\.{10}\] 1\/2 proved 1/);
    assert.match(out, /round 1/);
    assert.ok(out.endsWith('\r\x1b[2K'));
  });

  it('is silent when disabled', () => {
    let out = '';
    const p = new Progress({ write: (s) => ((out += s), true), isTTY: true }, 1, false);
    p.started('k', 'x');
    p.finished('k', item);
    p.log('hello');
    p.end();
    assert.equal(out, '');
  });
});
