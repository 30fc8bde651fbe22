// Event sequences shared by the webview tests: one job that fails round 1 with a Lean error and
// proves in round 2.
import type { JobEvent } from '../../src/core/events';
import type { Candidate, Verdict } from '../../src/core/types';

export const HEADER = 'theorem add_zero_right (n : Nat) : n + 0 = n';

export function candidate(id: string, body: string, round: number, sample = 0): Candidate {
  return { id, body, declarationText: `${HEADER} ${body}`, origin: { kind: 'model', round, sample } };
}

export function verdict(kind: Verdict['kind'], reason: string, messages: Verdict['messages'] = []): Verdict {
  return { kind, reason, messages, feedback: '', elapsedMs: 5 };
}

export function storyEvents(jobId = 'job-1'): JobEvent[] {
  const wrong = candidate('c1', ':= by\n  simp [Nat.foo]', 1);
  const right = candidate('c2', ':= by\n  simp', 2);
  return [
    { type: 'job-started', jobId, target: { file: '/project/Demo/Basic.lean', line: 7, declarationName: 'add_zero_right', statement: HEADER }, endpoint: 'http://gpu:8000/v1', at: 1000 },
    { type: 'round-started', jobId, round: 1, kind: 'model' },
    { type: 'retrieved', jobId, round: 1, proofs: [{ id: 'p1', name: 'Nat.add_zero', statement: 'theorem Nat.add_zero (n : Nat) : n + 0 = n', proof: 'theorem Nat.add_zero (n : Nat) : n + 0 = n := rfl', source: { kind: 'workspace', file: 'Demo/Lemmas.lean', line: 3 }, score: 0.91 }] },
    { type: 'sample-delta', jobId, round: 1, sample: 0, delta: '```lean4\ntheorem' },
    { type: 'sample-delta', jobId, round: 1, sample: 0, delta: ' add_zero_right' },
    { type: 'attempt', jobId, round: 1, sample: 0, raw: `\`\`\`lean4\n${wrong.declarationText}\n\`\`\``, candidate: wrong },
    {
      type: 'verdict',
      jobId,
      round: 1,
      sample: 0,
      candidateId: 'c1',
      verdict: verdict('lean-error', 'Lean reported 1 error', [{ severity: 'error', range: { start: { line: 1, character: 8 }, end: { line: 1, character: 15 } }, text: "unknown constant 'Nat.foo'" }]),
    },
    { type: 'usage', jobId, round: 1, promptTokens: 100, completionTokens: 40 },
    { type: 'round-finished', jobId, round: 1, proved: false },
    { type: 'round-started', jobId, round: 2, kind: 'model' },
    { type: 'attempt', jobId, round: 2, sample: 0, raw: right.declarationText, candidate: right },
    { type: 'verdict', jobId, round: 2, sample: 0, candidateId: 'c2', verdict: verdict('proved', 'no errors; axioms: propext') },
    { type: 'usage', jobId, round: 2, promptTokens: 120, completionTokens: 30 },
    { type: 'round-finished', jobId, round: 2, proved: true },
    { type: 'job-finished', jobId, status: 'proved', reason: 'proved in round 2', proof: right, rounds: 2, elapsedMs: 4200 },
  ];
}

/** A pre-pass of `tactics` tactics and `replays` replays of retrieved proofs, none of which closes the goal. */
export function prepassEvents(jobId: string, tactics: string[], replays: { id: string; name: string }[]): JobEvent[] {
  const events: JobEvent[] = [
    { type: 'round-started', jobId, round: 0, kind: 'prepass' },
    { type: 'retrieved', jobId, round: 0, proofs: replays.map((r) => ({ id: r.id, name: r.name, statement: r.name, proof: `theorem ${r.name} : True := trivial`, source: { kind: 'workspace', file: 'Demo/Lemmas.lean', line: 1 }, score: 0.5 })) },
  ];
  const all = [...tactics.map((t) => ({ kind: 'tactic' as const, tactic: t })), ...replays.map((r) => ({ kind: 'replay' as const, proofId: r.id }))];
  all.forEach((origin, sample) => {
    const c: Candidate = { id: `pp${sample}`, body: `:= by ${origin.kind === 'tactic' ? origin.tactic : 'trivial'}`, declarationText: `${HEADER} := by x`, origin };
    events.push({ type: 'attempt', jobId, round: 0, sample, raw: c.body, candidate: c });
    events.push({ type: 'verdict', jobId, round: 0, sample, candidateId: c.id, verdict: verdict('lean-error', 'Lean reported 1 error') });
  });
  events.push({ type: 'round-finished', jobId, round: 0, proved: false });
  return events;
}

export function jobStarted(jobId: string, name = 'add_zero_right', at = 1000): JobEvent {
  return { type: 'job-started', jobId, target: { file: '/project/Demo/Basic.lean', line: 7, declarationName: name, statement: HEADER }, endpoint: 'oprover-8b @ gpu:8000', at };
}
