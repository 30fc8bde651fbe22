// The pieces of one model round, shared by the repair loop (prover.ts) and proof optimization
// (optimize/loop.ts): sample through the Model port, extract candidates, screen and verify them
// through the gate, and choose the feedback for the next round.
import type { OProverConfig } from '../config';
import type { JobEvent } from './events';
import { candidateFromCompletion, reasoningOf } from './extract';
import { screenHelpers, withHelpers } from './helpers';
import type { FailedAttempt, ReplyReaderPort } from './prover';
import { maxTokensThatFit, type Sampling } from './prompt/sampling';
import { screenCandidate } from './screen';
import { ActionableError, type Candidate, type ChatMessage, type Completion, type Model, type ProofTarget, type RetrievedProof, type Verdict, type Verifier } from './types';

/** What one round's helpers need: the job, its ports and where events go. */
export interface RoundContext {
  target: ProofTarget;
  config: OProverConfig;
  verifier: Verifier;
  jobId: string;
  emit: (e: JobEvent) => void;
  signal?: AbortSignal;
}

export interface CheckOutcome {
  /** The first proved candidate, in sample order. */
  proof?: Candidate;
  verdicts: Map<string, Verdict>;
  /** Candidates the checker could not judge, and why the last one failed. */
  checkerFailures: number;
  lastCheckerFailure?: string;
}

/** Screens every candidate (core/screen.ts, helpers too), then verifies the rest through the gate; emits a verdict per sample. */
export async function screenAndVerify(ctx: RoundContext, round: number, candidates: { sample: number; candidate: Candidate }[]): Promise<CheckOutcome> {
  const { target, config, jobId, emit, signal } = ctx;
  const verdicts = new Map<string, Verdict>();
  const toVerify: Candidate[] = [];
  const sampleOf = new Map<string, number>();
  let checkerFailures = 0;
  let lastCheckerFailure: string | undefined;
  for (const { sample, candidate } of candidates) {
    sampleOf.set(candidate.id, sample);
    const options = { allowNativeDecide: config.allowNativeDecide };
    let screened = screenCandidate(candidate, target, options);
    if (screened.ok) screened = screenHelpers(candidate, target, options);
    if (!screened.ok) {
      const verdict: Verdict = { kind: 'rejected', rule: 'screening', reason: screened.reason, messages: [], feedback: screened.reason, elapsedMs: 0 };
      verdicts.set(candidate.id, verdict);
      emit({ type: 'verdict', jobId, round, sample, candidateId: candidate.id, verdict });
    } else {
      toVerify.push(candidate);
    }
  }
  if (toVerify.length > 0) {
    const results = await ctx.verifier.verify({ target, candidates: toVerify, timeoutMs: config.candidateTimeoutMs }, signal);
    for (const candidate of toVerify) {
      const verdict: Verdict = results.get(candidate.id) ?? {
        kind: 'infra-error',
        reason: 'the verifier returned no verdict for this candidate',
        messages: [],
        feedback: '',
        elapsedMs: 0,
      };
      verdicts.set(candidate.id, verdict);
      if (verdict.kind === 'infra-error') {
        checkerFailures++;
        lastCheckerFailure = verdict.reason;
      }
      emit({ type: 'verdict', jobId, round, sample: sampleOf.get(candidate.id) ?? 0, candidateId: candidate.id, verdict });
    }
  }
  const proof = candidates.find((c) => verdicts.get(c.candidate.id)?.kind === 'proved')?.candidate;
  return { proof, verdicts, checkerFailures, ...(lastCheckerFailure !== undefined ? { lastCheckerFailure } : {}) };
}

/**
 * One round's samples: the prompt `render(config)` builds, streamed to the job's events. When the
 * output budget does not fit beside the prompt, `sampling.maxTokens` becomes what the server says is
 * left (for the rest of the job); when the server's context is smaller than oprover.contextChars
 * says, the prompt is halved and sent once more.
 */
export async function sampleRound(ctx: RoundContext, model: Model, round: number, sampling: Sampling, render: (config: OProverConfig) => ChatMessage[]): Promise<Completion[]> {
  const { config, jobId, emit, signal } = ctx;
  const sample = async (messages: ChatMessage[]): Promise<Completion[]> => {
    emit({ type: 'prompt', jobId, round, messages });
    return model.generate(
      { messages, n: config.samplesPerRound, temperature: sampling.temperature, topP: sampling.topP, maxTokens: sampling.maxTokens },
      { signal, onDelta: (sample, delta) => emit({ type: 'sample-delta', jobId, round, sample, delta }) },
    );
  };
  const messages = render(config);
  try {
    return await sample(messages);
  } catch (err) {
    if (!(err instanceof ActionableError && err.code === 'context-length')) throw err;
    // The output budget does not fit beside the prompt: use what the server says is left, from now on.
    const fits = maxTokensThatFit(err.message);
    if (fits !== undefined && fits < sampling.maxTokens) {
      emit({ type: 'log', jobId, level: 'warn', message: `${err.message}; retrying with max_tokens ${fits}, what the server's context leaves beside the prompt` });
      sampling.maxTokens = fits;
      return sample(messages);
    }
    // The server's context is smaller than oprover.contextChars says: halve the prompt and retry once.
    const chars = messages.reduce((a, m) => a + m.content.length, 0);
    emit({ type: 'log', jobId, level: 'warn', message: `${err.message}; retrying once with a prompt of at most ${Math.floor(chars / 2)} characters` });
    return sample(render({ ...config, contextChars: Math.max(1000, Math.floor(chars / 2)) }));
  }
}

export type ExtractedCandidate = { sample: number; candidate: Candidate; raw: string };
export type ReplyProblem = { sample: number; raw: string; problem: string };

/**
 * Candidates from a round's replies (core/extract.ts, through the `readReply` port when given;
 * `known`: the retrieved proofs the prompt showed), and the replies no candidate came out of; emits
 * an attempt per sample.
 */
export async function extractCandidates(ctx: RoundContext, round: number, completions: Completion[], known: RetrievedProof[], readReply?: ReplyReaderPort): Promise<{ candidates: ExtractedCandidate[]; problems: ReplyProblem[] }> {
  const { target, jobId, emit } = ctx;
  const candidates: ExtractedCandidate[] = [];
  const problems: ReplyProblem[] = [];
  const read: ReplyReaderPort = readReply ?? (async (c, t, origin, options) => candidateFromCompletion(c, t, origin, options));
  for (const [sample, completion] of completions.entries()) {
    const extracted = await read(completion, target, { kind: 'model', round, sample }, { known });
    const reasoning = reasoningOf(completion);
    const shared = { type: 'attempt' as const, jobId, round, sample, raw: completion.text, finishReason: completion.finishReason, ...(reasoning ? { reasoning } : {}) };
    if (extracted.ok) {
      candidates.push({ sample, candidate: extracted.candidate, raw: completion.text });
      emit({ ...shared, candidate: extracted.candidate });
    } else {
      problems.push({ sample, raw: completion.text, problem: extracted.problem });
      emit({ ...shared, problem: extracted.problem });
    }
  }
  return { candidates, problems };
}

/** Feedback for the next round: the failed sample whose verdict teaches most (Lean errors first), else a reply with no proof in it. */
export function feedbackFrom(candidates: ExtractedCandidate[], verdicts: ReadonlyMap<string, Verdict>, problems: ReplyProblem[], skip: (v: Verdict) => boolean = () => false): FailedAttempt | undefined {
  const failed = candidates
    .map((c) => ({ c, v: verdicts.get(c.candidate.id) }))
    .filter((x) => !(x.v && skip(x.v)))
    .sort((a, b) => rankFeedback(a.v) - rankFeedback(b.v))[0];
  if (failed?.v) return { attempt: withHelpers(failed.c.candidate), feedback: failed.v.feedback || failed.v.reason, raw: failed.c.raw, messages: failed.v.messages };
  if (problems[0]) return { attempt: problems[0].raw.slice(-4000), feedback: problems[0].problem, raw: problems[0].raw };
  return undefined;
}

/** Lean errors make the most useful feedback; screening rejections next; infrastructure failures least. */
export function rankFeedback(v: Verdict | undefined): number {
  if (!v) return 9;
  return { 'lean-error': 0, rejected: 1, timeout: 2, proved: 3, 'infra-error': 4, cancelled: 5 }[v.kind];
}
