// The repair loop: round 0 (symbolic pre-pass and replays of retrieved proofs), then rounds of
// retrieve → prompt → sample → extract → screen → verify → feedback, until Lean accepts a candidate
// or the budget is spent. It only talks to ports and emits events.
import type { OProverConfig } from '../config';
import type { JobEvent, JobListener, TargetInfo } from './events';
import type { ExtractOptions, Extraction } from './extract';
import { attemptWithStates, type StatesSource } from './optimize/states';
import { prepassCandidates, screenRetrieved } from './prepass';
import { getProfile } from './prompt';
import { earlierDeclarations } from './prompt/definitions';
import { samplingFor } from './prompt/sampling';
import { retrievalQueryFor, sameRetrievalQuery } from './retrieval-hints';
import { extractCandidates, feedbackFrom, sampleRound, screenAndVerify } from './round';
import { contextBefore, statementWithSorry } from './source';
import type { Candidate, Completion, LeanMessage, Model, ProofTarget, RetrievalQuery, Retriever, RetrievedProof, Verdict, Verifier } from './types';

export interface ProverPorts {
  verifier: Verifier;
  /** Goals after each tactic line of a failed attempt, for oprover.repairChainOfStates. */
  states?: StatesSource;
  retriever?: Retriever;
  /** Absent when no endpoint is configured: the loop then runs only round 0. */
  model?: Model;
  /** The goal state at the target's sorry, for prompts and the panel; absent or failing: prompts go without. */
  goal?: GoalSource;
  /** Reads a completion into a candidate (off the caller's thread in the editor); absent: candidateFromCompletion inline. */
  readReply?: ReplyReaderPort;
}

/** Extraction as a port: the prover awaits it, whatever thread does the work. */
export type ReplyReaderPort = (completion: Completion, target: ProofTarget, origin: Candidate['origin'], options?: ExtractOptions) => Promise<Extraction>;

export type GoalSource = (target: ProofTarget, signal?: AbortSignal) => Promise<{ goal: string; source: string } | undefined>;

export interface JobResult {
  status: 'proved' | 'failed' | 'cancelled' | 'error';
  reason: string;
  proof?: Candidate;
  rounds: number;
  elapsedMs: number;
  promptTokens: number;
  completionTokens: number;
  /** The last failed attempt and Lean's feedback on it, when the budget ran out: where a retry goes on from. */
  lastFailure?: FailedAttempt;
}

export interface FailedAttempt {
  attempt: string;
  feedback: string;
  /** The model's whole reply, and Lean's messages on the attempt, for profiles that show them their own way. */
  raw?: string;
  messages?: LeanMessage[];
}

let jobCounter = 0;
export function newJobId(): string {
  jobCounter += 1;
  return `job-${Date.now().toString(36)}-${jobCounter}`;
}

export function targetInfo(target: ProofTarget): TargetInfo {
  return {
    file: target.file,
    line: target.sorry.range.start.line + 1,
    declarationName: target.declaration.fullName ?? target.declaration.name ?? 'example',
    statement: target.declaration.header,
  };
}

export interface ProveOptions {
  jobId?: string;
  signal?: AbortSignal;
  onEvent?: JobListener;
  /** Rounds to run instead of config.rounds (Retry with more rounds). */
  rounds?: number;
  /**
   * Go on from an earlier job on the same statement (Retry with more rounds): its last failed attempt
   * and feedback open the first prompt, and the pre-pass, which that job already ran, is skipped.
   */
  continueFrom?: FailedAttempt;
}

/** Proves one target. Never throws for model, Lean or extraction failures: they become events and a result. */
export async function prove(target: ProofTarget, config: OProverConfig, ports: ProverPorts, options: ProveOptions = {}): Promise<JobResult> {
  const jobId = options.jobId ?? newJobId();
  const emit = (e: JobEvent): void => options.onEvent?.(e);
  const started = Date.now();
  const signal = options.signal;
  const totalRounds = options.rounds ?? config.rounds;
  let promptTokens = 0;
  let completionTokens = 0;
  let round = 0;

  const history: FailedAttempt[] = options.continueFrom ? [options.continueFrom] : [];
  const finish = (status: JobResult['status'], reason: string, proof?: Candidate): JobResult => {
    const elapsedMs = Date.now() - started;
    emit({ type: 'job-finished', jobId, status, reason, proof, rounds: round, elapsedMs });
    const lastFailure = status === 'failed' ? history[history.length - 1] : undefined;
    return { status, reason, proof, rounds: round, elapsedMs, promptTokens, completionTokens, ...(lastFailure ? { lastFailure } : {}) };
  };

  emit({ type: 'job-started', jobId, target: targetInfo(target), endpoint: ports.model?.description ?? 'none', at: started });

  // Candidates the checker could not judge (Lean crashed on them twice): a job that ends without a
  // proof after such failures is an infrastructure error, not a spent budget, so it is not recorded
  // as failed and a re-run tries it again.
  let checkerFailures = 0;
  let lastCheckerFailure = '';

  /** Screens, then verifies; returns the first proved candidate. */
  const check = async (round: number, candidates: { sample: number; candidate: Candidate }[]): Promise<{ proof?: Candidate; verdicts: Map<string, Verdict> }> => {
    const checked = await screenAndVerify({ target, config, verifier: ports.verifier, jobId, emit, signal }, round, candidates);
    checkerFailures += checked.checkerFailures;
    if (checked.lastCheckerFailure !== undefined) lastCheckerFailure = checked.lastCheckerFailure;
    return checked;
  };

  try {
    const availability = await ports.verifier.availability();
    if (!availability.ok) return finish('error', availability.reason);

    // Retrieval with the statement first; each model round asks again when the goal or the names
    // in Lean's errors have changed the query (retrieval-hints.ts).
    let retrieved: RetrievedProof[] = [];
    let asked: RetrievalQuery | undefined;
    const retrieve = async (query: RetrievalQuery): Promise<void> => {
      // (also for the pre-pass alone: replays need retrieved proofs even when prompts show none)
      if (!ports.retriever || !(config.retrievalK > 0 || (config.prepassEnabled && config.prepassReplays > 0)) || sameRetrievalQuery(asked, query)) return;
      asked = query;
      const screened = screenRetrieved(await ports.retriever.retrieve(query, Math.max(config.retrievalK, config.prepassReplays), signal), config.allowNativeDecide);
      if (screened.quarantined > 0) {
        emit({ type: 'log', jobId, level: 'warn', message: `${screened.quarantined} retrieved proof${screened.quarantined === 1 ? '' : 's'} left out: today's screen refuses ${screened.quarantined === 1 ? 'it' : 'them'} (not replayed, not shown to the model)` });
      }
      retrieved = screened.kept;
    };
    await retrieve(retrievalQueryFor(target, undefined, []));

    // Round 0: no GPU time is spent if a tactic or a replayed proof closes the goal.
    if (options.continueFrom) {
      emit({ type: 'log', jobId, level: 'info', message: 'going on from the previous job: its last failed attempt and Lean\'s feedback open round 1' });
    } else if (config.prepassEnabled) {
      emit({ type: 'round-started', jobId, round, kind: 'prepass' });
      if (retrieved.length > 0) emit({ type: 'retrieved', jobId, round, proofs: retrieved.slice(0, config.prepassReplays) });
      const pre = prepassCandidates(target, config.prepassTactics, retrieved.slice(0, config.prepassReplays));
      pre.forEach((candidate, i) => emit({ type: 'attempt', jobId, round, sample: i, raw: candidate.body, candidate }));
      const { proof } = await check(round, pre.map((candidate, sample) => ({ sample, candidate })));
      emit({ type: 'round-finished', jobId, round, proved: proof !== undefined });
      if (proof) return finish('proved', `proved by the pre-pass (${describeOrigin(proof)})`, proof);
    }
    signal?.throwIfAborted();

    if (!ports.model) {
      return finish('failed', 'no inference endpoint is configured: set oprover.endpoint (and the API key) to run model rounds');
    }

    const goal = await goalFor(target, ports, signal, (message) => emit({ type: 'log', jobId, level: 'warn', message }));
    if (goal) emit({ type: 'goal', jobId, goal: goal.goal, source: goal.source });
    const profile = getProfile(config);
    const context = contextBefore(target.text, target.declaration);
    const statement = statementWithSorry(target.declaration);
    // The file's earlier definitions and lemma statements, within a quarter of the prompt budget.
    const definitions = earlierDeclarations(target.text, target.declaration, Math.floor(config.contextChars / 4));
    const sampling = samplingFor(config);
    for (round = 1; round <= totalRounds; round++) {
      signal?.throwIfAborted();
      emit({ type: 'round-started', jobId, round, kind: 'model' });
      await retrieve(retrievalQueryFor(target, goal?.goal, history));
      const shown = retrieved.slice(0, config.retrievalK);
      if (shown.length > 0) emit({ type: 'retrieved', jobId, round, proofs: shown });
      const input = { context, statement, goal: goal?.goal, retrieved: shown, round, history, ...(definitions ? { definitions } : {}) };
      const completions = await sampleRound({ target, config, verifier: ports.verifier, jobId, emit, signal }, ports.model, round, sampling, (budget) => (budget === config ? profile : getProfile(budget)).render(input));
      const roundPrompt = completions.reduce((a, c) => Math.max(a, c.promptTokens ?? 0), 0);
      const roundCompletion = completions.reduce((a, c) => a + (c.completionTokens ?? 0), 0);
      promptTokens += roundPrompt;
      completionTokens += roundCompletion;
      emit({ type: 'usage', jobId, round, promptTokens: roundPrompt, completionTokens: roundCompletion });

      const { candidates, problems } = await extractCandidates({ target, config, verifier: ports.verifier, jobId, emit, signal }, round, completions, shown, ports.readReply);
      const { proof, verdicts } = await check(round, candidates);
      // Cancelled while Lean checked (the file was closed, say): the verdicts say `cancelled`, and
      // the job must end so too, even in its last round.
      signal?.throwIfAborted();
      emit({ type: 'round-finished', jobId, round, proved: proof !== undefined });
      if (proof) return finish('proved', `proved in round ${round}`, proof);

      const next = feedbackFrom(candidates, verdicts, problems);
      if (next) history.push(config.repairChainOfStates ? await attemptWithStates(target, next, ports.states, signal) : next);
    }
    round = totalRounds;
    if (checkerFailures > 0) {
      return finish('error', `no verified proof after ${totalRounds} round${totalRounds === 1 ? '' : 's'}, and the checker failed on ${checkerFailures} candidate${checkerFailures === 1 ? '' : 's'} (${lastCheckerFailure}): check the Lean setup, then run again`);
    }
    return finish('failed', `no verified proof after ${totalRounds} round${totalRounds === 1 ? '' : 's'}`);
  } catch (err) {
    if (signal?.aborted) return finish('cancelled', 'cancelled');
    return finish('error', err instanceof Error ? err.message : String(err));
  }
}

function describeOrigin(c: Candidate): string {
  switch (c.origin.kind) {
    case 'tactic':
      return `tactic ${c.origin.tactic}`;
    case 'replay':
      return `replay of retrieved proof ${c.origin.proofId}`;
    case 'model':
      return `round ${c.origin.round}, sample ${c.origin.sample + 1}`;
  }
}

/** The goal at the sorry, fetched once per job before the model rounds; a failure only costs the prompt its goal. */
async function goalFor(target: ProofTarget, ports: ProverPorts, signal: AbortSignal | undefined, warn: (message: string) => void): Promise<{ goal: string; source: string } | undefined> {
  if (!ports.goal) return undefined;
  try {
    const found = await ports.goal(target, signal);
    return found && found.goal.trim() ? found : undefined;
  } catch (err) {
    signal?.throwIfAborted();
    warn(`no goal state for the prompt: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}
