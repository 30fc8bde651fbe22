// The optimization loop (ImProver's task): from a proof Lean already accepts, rounds of
// prompt → sample → extract → screen → verify, keeping the best verified rewrite so far and going
// on from it. A rewrite counts only when the gate accepts it against the user's unchanged statement
// and the metric strictly improves; the result is never worse than, nor less verified than, the
// proof it started from. It only talks to ports and emits events, like the repair loop.
import type { OProverConfig } from '../../config';
import type { JobEvent } from '../events';
import { makeCandidate } from '../extract';
import { getOptimizeProfile } from '../prompt/optimize';
import { samplingFor } from '../prompt/sampling';
import { screenRetrieved } from '../prepass';
import { newJobId, targetInfo, type FailedAttempt, type ReplyReaderPort } from '../prover';
import { extractCandidates, feedbackFrom, sampleRound, screenAndVerify, type RoundContext } from '../round';
import { contextBefore, findDeclarations, findSorries, statementWithSorry } from '../source';
import type { Candidate, Declaration, Model, ProofTarget, RetrievedProof, Retriever, Verifier } from '../types';
import { formatChange, improves, type Metric, type MetricId } from './metrics';
import { chainOfStates, type StatesSource } from './states';

export interface OptimizePorts {
  verifier: Verifier;
  model?: Model;
  retriever?: Retriever;
  /** Goals after each tactic line, for Chain-of-States; absent: the model sees the bare proof. */
  states?: StatesSource;
  /** Reads a reply into a candidate (as for proving); absent: inline. */
  readReply?: ReplyReaderPort;
}

/** One verified rewrite that improved on the best so far. */
export interface Rewrite {
  round: number;
  sample: number;
  value: number;
  /** The proof body (`:= by ...`). */
  body: string;
  /** "12 → 5 steps": the best value before it, and its own. */
  change: string;
}

export type OptimizeEvent =
  | JobEvent
  | { type: 'baseline'; jobId: string; metric: MetricId; value: number; text: string; verified: boolean }
  | { type: 'rewrite'; jobId: string; round: number; sample: number; candidate: Candidate; before: number; after: number; change: string }
  | { type: 'states'; jobId: string; annotated: number };

export interface OptimizeResult {
  status: 'improved' | 'unchanged' | 'unverified' | 'cancelled' | 'error';
  reason: string;
  metric: MetricId;
  /** The metric of the proof the job started from; NaN when that proof did not verify. */
  before: number;
  /** The metric of the best verified proof (the starting one when nothing improved). */
  after: number;
  /** The best verified rewrite, present only when it strictly improves on the starting proof. */
  proof?: Candidate;
  rewrites: Rewrite[];
  rounds: number;
  elapsedMs: number;
  promptTokens: number;
  completionTokens: number;
}

export interface OptimizeOptions {
  metric: Metric;
  jobId?: string;
  signal?: AbortSignal;
  onEvent?: (event: OptimizeEvent) => void;
  /** Rounds to run instead of config.rounds. */
  rounds?: number;
}

/** The proof body of a stored declaration (`theorem … := proof`), for measuring retrieved proofs. */
function bodyOf(declaration: string): string | undefined {
  const d = findDeclarations(declaration)[0];
  return d && d.body.trim() ? d.body.trim() : undefined;
}

/** Verified proofs of similar statements, the best-scoring under the metric first (shortest, for `length`). */
export function rankRetrieved(proofs: RetrievedProof[], metric: Metric, k: number): RetrievedProof[] {
  const scored = proofs.map((p, i) => {
    const body = bodyOf(p.proof);
    return { p, i, value: body === undefined ? undefined : metric.measure(body) };
  });
  const known = scored.filter((s) => s.value !== undefined) as { p: RetrievedProof; i: number; value: number }[];
  known.sort((a, b) => (metric.better === 'lower' ? a.value - b.value : b.value - a.value) || a.i - b.i);
  return known.slice(0, k).map((s) => s.p);
}

/**
 * Optimizes the proof of `target.declaration` (a complete declaration: `target.sorry` points at its
 * body). Never throws for model, Lean or extraction failures: they become events and a result.
 */
export async function optimize(target: ProofTarget, config: OProverConfig, ports: OptimizePorts, options: OptimizeOptions): Promise<OptimizeResult> {
  const { metric, signal } = options;
  const jobId = options.jobId ?? newJobId();
  const emit = (e: OptimizeEvent): void => options.onEvent?.(e);
  const started = Date.now();
  const totalRounds = options.rounds ?? config.rounds;
  const ctx: RoundContext = { target, config, verifier: ports.verifier, jobId, emit, signal };
  let round = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let before = Number.NaN;
  let best: { candidate: Candidate; value: number } | undefined;
  const rewrites: Rewrite[] = [];

  const finish = (status: OptimizeResult['status'], reason: string): OptimizeResult => {
    const elapsedMs = Date.now() - started;
    const improved = status === 'improved' && best !== undefined && rewrites.length > 0;
    const jobStatus = improved ? 'proved' : status === 'cancelled' || status === 'error' ? status : 'failed';
    emit({ type: 'job-finished', jobId, status: jobStatus, reason, proof: improved ? best!.candidate : undefined, rounds: round, elapsedMs });
    return {
      status,
      reason,
      metric: metric.id,
      before,
      after: best?.value ?? before,
      ...(improved ? { proof: best!.candidate } : {}),
      rewrites,
      rounds: round,
      elapsedMs,
      promptTokens,
      completionTokens,
    };
  };

  emit({ type: 'job-started', jobId, target: targetInfo(target), endpoint: ports.model?.description ?? 'none', at: started });
  try {
    const availability = await ports.verifier.availability();
    if (!availability.ok) return finish('error', availability.reason);

    // Round 0: the proof as it stands must pass the same gate; only then is it a baseline.
    const currentBody = target.declaration.body.trim();
    const baseline = makeCandidate(target, currentBody, { kind: 'replay', proofId: 'current-proof' });
    emit({ type: 'round-started', jobId, round: 0, kind: 'prepass' });
    const checked = await screenAndVerify(ctx, 0, [{ sample: 0, candidate: baseline }]);
    signal?.throwIfAborted();
    emit({ type: 'round-finished', jobId, round: 0, proved: checked.proof !== undefined });
    if (!checked.proof) {
      const verdict = checked.verdicts.get(baseline.id);
      emit({ type: 'baseline', jobId, metric: metric.id, value: Number.NaN, text: 'not verified', verified: false });
      if (verdict?.kind === 'infra-error') return finish('error', `the current proof could not be checked: ${verdict.reason}`);
      return finish('unverified', `the current proof does not pass the gate (${verdict?.reason ?? 'no verdict'}); only a verified proof is optimized`);
    }
    before = metric.measure(currentBody);
    best = { candidate: baseline, value: before };
    emit({ type: 'baseline', jobId, metric: metric.id, value: before, text: metric.format(before), verified: true });

    if (!ports.model) return finish('unchanged', 'no inference endpoint is configured: set oprover.endpoint (and the API key) to run optimization rounds');

    let retrieved: RetrievedProof[] = [];
    if (ports.retriever && config.retrievalK > 0) {
      const found = await ports.retriever.retrieve({ statement: target.declaration.header, excludeName: target.declaration.fullName }, config.retrievalK * 2, signal);
      // As for proving: a stored proof that today's screen refuses is not shown to the model.
      const screened = screenRetrieved(found, config.allowNativeDecide);
      if (screened.quarantined > 0) emit({ type: 'log', jobId, level: 'warn', message: `${screened.quarantined} retrieved proof(s) left out: today's screen refuses them` });
      retrieved = rankRetrieved(screened.kept, metric, config.retrievalK);
    }
    const profile = getOptimizeProfile(config);
    const context = contextBefore(target.text, target.declaration);
    const statement = statementWithSorry(target.declaration);
    let history: FailedAttempt[] = [];
    const sampling = samplingFor(config);
    let shown = await annotated(target, best.candidate, ports.states, signal, (annotatedLines) => emit({ type: 'states', jobId, annotated: annotatedLines }), (message) => emit({ type: 'log', jobId, level: 'warn', message }));

    for (round = 1; round <= totalRounds; round++) {
      signal?.throwIfAborted();
      emit({ type: 'round-started', jobId, round, kind: 'model' });
      if (retrieved.length > 0) emit({ type: 'retrieved', jobId, round, proofs: retrieved });
      const input = { context, statement, current: shown, goal: metric.goal, value: metric.format(best.value), retrieved, round, history };
      const completions = await sampleRound(ctx, ports.model, round, sampling, (budget) => (budget === config ? profile : getOptimizeProfile(budget)).render(input));
      const roundPrompt = completions.reduce((a, c) => Math.max(a, c.promptTokens ?? 0), 0);
      const roundCompletion = completions.reduce((a, c) => a + (c.completionTokens ?? 0), 0);
      promptTokens += roundPrompt;
      completionTokens += roundCompletion;
      emit({ type: 'usage', jobId, round, promptTokens: roundPrompt, completionTokens: roundCompletion });

      const { candidates, problems } = await extractCandidates(ctx, round, completions, retrieved, ports.readReply);
      const { verdicts } = await screenAndVerify(ctx, round, candidates);
      signal?.throwIfAborted();

      // The best verified candidate of the round; it replaces the best so far only if strictly better.
      let roundBest: { sample: number; candidate: Candidate; value: number } | undefined;
      let notBetter: { candidate: Candidate; value: number } | undefined;
      for (const { sample, candidate } of candidates) {
        if (verdicts.get(candidate.id)?.kind !== 'proved') continue;
        const value = metric.measure(candidate.body);
        if (improves(metric, best.value, value) && (!roundBest || improves(metric, roundBest.value, value))) roundBest = { sample, candidate, value };
        else if (!notBetter) notBetter = { candidate, value };
      }
      emit({ type: 'round-finished', jobId, round, proved: roundBest !== undefined });
      if (roundBest) {
        const change = formatChange(metric, best.value, roundBest.value);
        emit({ type: 'rewrite', jobId, round, sample: roundBest.sample, candidate: roundBest.candidate, before: best.value, after: roundBest.value, change });
        rewrites.push({ round, sample: roundBest.sample, value: roundBest.value, body: roundBest.candidate.body, change });
        best = { candidate: roundBest.candidate, value: roundBest.value };
        // Iterative refinement: the next round starts from the new best, with its own goals.
        history = [];
        shown = await annotated(target, best.candidate, ports.states, signal, (n) => emit({ type: 'states', jobId, annotated: n }), (message) => emit({ type: 'log', jobId, level: 'warn', message }));
        continue;
      }
      const failed = feedbackFrom(candidates, verdicts, problems, (v) => v.kind === 'proved');
      if (failed) history.push(failed);
      else if (notBetter) {
        history.push({ attempt: notBetter.candidate.declarationText, feedback: `Lean accepted this proof, but it is not better: ${metric.format(notBetter.value)}, against ${metric.format(best.value)} for the current proof. ${metric.goal}` });
      }
    }
    round = totalRounds;
    if (rewrites.length === 0) return finish('unchanged', `no verified rewrite improved on ${metric.format(before)} in ${totalRounds} round${totalRounds === 1 ? '' : 's'}`);
    return finish('improved', `${formatChange(metric, before, best.value)} in ${rewrites.length} verified rewrite${rewrites.length === 1 ? '' : 's'}`);
  } catch (err) {
    if (signal?.aborted) return finish(rewrites.length > 0 ? 'improved' : 'cancelled', rewrites.length > 0 ? `cancelled; kept the best verified rewrite so far (${formatChange(metric, before, best!.value)})` : 'cancelled');
    return finish(rewrites.length > 0 ? 'improved' : 'error', err instanceof Error ? err.message : String(err));
  }
}

/** The proof as the model sees it: with Chain-of-States comments when the port answers; a failure only costs the comments. */
async function annotated(target: ProofTarget, candidate: Candidate, states: StatesSource | undefined, signal: AbortSignal | undefined, report: (n: number) => void, warn: (m: string) => void): Promise<string> {
  try {
    const { text, annotated: n } = await chainOfStates(target, candidate.declarationText, states, signal);
    if (states) report(n);
    return text;
  } catch (err) {
    signal?.throwIfAborted();
    warn(`no goal states for the prompt: ${err instanceof Error ? err.message : String(err)}`);
    return candidate.declarationText;
  }
}

const OPTIMIZABLE = new Set(['theorem', 'lemma', 'example']);

/** The complete proofs of a text, what optimization works on: theorem-like declarations with a `:=` body and no `sorry`. */
export function completeDeclarations(text: string): Declaration[] {
  const withSorry = new Set(findSorries(text).map((s) => s.declaration?.start));
  return findDeclarations(text).filter((d) => OPTIMIZABLE.has(d.kind) && !withSorry.has(d.start) && d.body.trim().startsWith(':='));
}

/** A target for a complete declaration: `sorry` points at the start of its body (there is none to fill). */
export function declarationTarget(file: string, projectRoot: string, text: string, version: number, declaration: ProofTarget['declaration']): ProofTarget {
  const before = text.slice(0, declaration.bodyStart);
  const line = before.split('\n').length - 1;
  const character = declaration.bodyStart - (before.lastIndexOf('\n') + 1);
  const position = { line, character };
  return { file, projectRoot, text, version, declaration, sorry: { offset: declaration.bodyStart, range: { start: position, end: position }, declaration } };
}
