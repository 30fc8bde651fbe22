// The repair loop: round 0 (symbolic pre-pass and replays of retrieved proofs), then rounds of
// retrieve → prompt → sample → extract → screen → verify → feedback, until Lean accepts a candidate
// or the budget is spent. It only talks to ports and emits events.
import type { OProverConfig } from '../config';
import type { JobEvent, JobListener, TargetInfo } from './events';
import { type ExtractOptions, type Extraction } from './extract';
import { prepareHole, type PreparedHole } from './hole/prepare';
import { attemptWithStates, type StatesSource } from './optimize/states';
import { prepassCandidates, screenRetrieved } from './prepass';
import { getProfile } from './prompt';
import { earlierDeclarations } from './prompt/definitions';
import { samplingFor } from './prompt/sampling';
import { retrievalQueryFor, sameRetrievalQuery } from './retrieval-hints';
import { extractCandidates, feedbackFrom, sampleRound, screenAndVerify } from './round';
import { describeSearch, runSearchStep, type GoalOracleFactory } from './search/round';
import { correctPrefix } from './search/seed';
import type { SearchResult } from './search/search';
import { contextBefore, sorryLabel, statementWithSorry } from './source';
import type { Candidate, Completion, LeanMessage, Model, ProofTarget, RetrievalQuery, Retriever, RetrievedDeclaration, RetrievedProof, Verdict, Verifier } from './types';

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
  /** Goals per tactic prefix (a local Lean): enables the proof-state search of round 0. */
  search?: GoalOracleFactory;
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
  /** What the proof-state search did, when it ran. */
  search?: Pick<SearchResult, 'status' | 'probes' | 'elapsedMs'> & { nodes: number };
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
    declarationName: target.sorry.hole ? sorryLabel(target.sorry) : (target.declaration.fullName ?? target.declaration.name ?? 'example'),
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
  /** Search mode: round 0 only (pre-pass and proof-state search), no model rounds. */
  searchOnly?: boolean;
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
  let searchSummary: JobResult['search'];

  const history: FailedAttempt[] = options.continueFrom ? [options.continueFrom] : [];
  const seeds: string[][] = [];
  // A hole is proved through its own theorem (or in place) and its own gate; see core/hole/.
  let hole: PreparedHole | undefined;
  let loopTarget = target;
  let verifier = ports.verifier;
  const finish = (status: JobResult['status'], reason: string, found?: Candidate): JobResult => {
    const proof = found && hole ? hole.finish(found) : found;
    const elapsedMs = Date.now() - started;
    emit({ type: 'job-finished', jobId, status, reason, proof, rounds: round, elapsedMs });
    const lastFailure = status === 'failed' ? history[history.length - 1] : undefined;
    return { status, reason, proof, rounds: round, elapsedMs, promptTokens, completionTokens, ...(lastFailure ? { lastFailure } : {}), ...(searchSummary ? { search: searchSummary } : {}) };
  };

  emit({ type: 'job-started', jobId, target: targetInfo(target), endpoint: ports.model?.description ?? 'none', at: started });

  // Candidates the checker could not judge (Lean crashed on them twice): a job that ends without a
  // proof after such failures is an infrastructure error, not a spent budget, so it is not recorded
  // as failed and a re-run tries it again.
  let checkerFailures = 0;
  let lastCheckerFailure = '';

  /** Screens, then verifies; returns the first proved candidate. */
  const check = async (round: number, candidates: { sample: number; candidate: Candidate }[]): Promise<{ proof?: Candidate; verdicts: Map<string, Verdict> }> => {
    const checked = await screenAndVerify({ target: loopTarget, config, verifier, jobId, emit, signal }, round, candidates);
    checkerFailures += checked.checkerFailures;
    if (checked.lastCheckerFailure !== undefined) lastCheckerFailure = checked.lastCheckerFailure;
    return checked;
  };

  /**
   * The proof-state search, when a goal oracle is wired and budgeted: in round 0 after the pre-pass,
   * and after the model rounds from the correct prefixes of their failed attempts (the mixed mode).
   * It searches the loop's target (a hole's own theorem for a hole); a hole asked in place has no
   * statement of its own to search.
   */
  const searchStep = async (firstSample: number, seeds?: string[][]): Promise<Candidate | undefined> => {
    if (!ports.search || config.searchBudget <= 0 || hole?.inPlaceReason !== undefined) return undefined;
    let sample = firstSample;
    const { proof, result } = await runSearchStep(loopTarget, config, {
      ...(seeds ? { seeds, expandRoot: !searchSummary } : {}),
      oracle: ports.search(loopTarget),
      maxProbes: config.searchBudget,
      timeLimitMs: config.searchTimeLimitMs,
      signal,
      skipAtRoot: config.prepassTactics,
      // Search mode with an endpoint: the model proposes next tactics too (round 0 of the loop stays symbolic).
      ...(options.searchOnly && ports.model
        ? { model: { model: ports.model, n: config.samplesPerRound, temperature: samplingFor(config).temperature, topP: samplingFor(config).topP, maxTokens: Math.min(samplingFor(config).maxTokens, 1024) } }
        : {}),
      check: async (candidate) => {
        emit({ type: 'attempt', jobId, round, sample, raw: candidate.body, candidate });
        return (await check(round, [{ sample: sample++, candidate }])).proof !== undefined;
      },
    });
    searchSummary = { status: result.status, probes: result.probes, elapsedMs: result.elapsedMs, nodes: result.nodes.length };
    emit({ type: 'log', jobId, level: 'info', message: describeSearch(result) });
    return proof;
  };

  try {
    const availability = await ports.verifier.availability();
    if (!availability.ok) return finish('error', availability.reason);
    if (target.sorry.hole) {
      hole = await prepareHole(target, ports.verifier, ports.goal, config.allowNativeDecide, signal, (message) => emit({ type: 'log', jobId, level: 'warn', message }));
      if (hole.goal) emit({ type: 'goal', jobId, goal: hole.goal.goal, source: hole.goal.source });
      const how = hole.inPlaceReason !== undefined
        ? `no theorem can be stated for this hole (${hole.inPlaceReason}): its tactics are asked for in place`
        : `the hole as a theorem: ${hole.job.theorem!.header}`;
      emit({ type: 'log', jobId, level: 'info', message: how });
      loopTarget = hole.loopTarget;
      verifier = hole.verifier;
    }

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
    // A hole is looked up by its own theorem and goal, not by the outer statement.
    const queryFor = (goalText: string | undefined, past: readonly { feedback: string }[]): RetrievalQuery => {
      const query = retrievalQueryFor(target, goalText, past);
      return hole ? { ...query, statement: hole.query, ...(hole.goal ? { goal: hole.goal.goal } : {}) } : query;
    };
    await retrieve(queryFor(undefined, []));
    // Imported declarations (statements only) for the prompt's lemma section, asked again when the
    // query changes; a store that cannot be read costs the section, not the job.
    let lemmas: RetrievedDeclaration[] = [];
    let lemmasAsked: RetrievalQuery | undefined;
    const retrieveLemmas = async (query: RetrievalQuery): Promise<void> => {
      if (!ports.retriever?.retrieveDeclarations || config.declarationsK <= 0 || sameRetrievalQuery(lemmasAsked, query)) return;
      lemmasAsked = query;
      try {
        lemmas = await ports.retriever.retrieveDeclarations(query, config.declarationsK, signal);
      } catch (error) {
        signal?.throwIfAborted();
        lemmas = [];
        emit({ type: 'log', jobId, level: 'warn', message: `imported declarations not listed: ${error instanceof Error ? error.message : String(error)}` });
        return;
      }
      if (lemmas.length > 0) emit({ type: 'log', jobId, level: 'info', message: `${lemmas.length} imported declaration${lemmas.length === 1 ? '' : 's'} (statements only) listed as lemmas that may help` });
    };

    // Round 0: no GPU time is spent if a tactic or a replayed proof closes the goal.
    if (options.continueFrom) {
      emit({ type: 'log', jobId, level: 'info', message: 'going on from the previous job: its last failed attempt and Lean\'s feedback open round 1' });
    } else if (config.prepassEnabled) {
      emit({ type: 'round-started', jobId, round, kind: 'prepass' });
      if (retrieved.length > 0) emit({ type: 'retrieved', jobId, round, proofs: retrieved.slice(0, config.prepassReplays) });
      const pre = prepassCandidates(loopTarget, config.prepassTactics, retrieved.slice(0, config.prepassReplays));
      pre.forEach((candidate, i) => emit({ type: 'attempt', jobId, round, sample: i, raw: candidate.body, candidate }));
      const { proof } = await check(round, pre.map((candidate, sample) => ({ sample, candidate })));
      const found = proof ? undefined : await searchStep(pre.length);
      emit({ type: 'round-finished', jobId, round, proved: proof !== undefined || found !== undefined });
      if (proof) return finish('proved', `proved by the pre-pass (${describeOrigin(proof)})`, proof);
      if (found) return finish('proved', `proved by the proof-state search (${describeOrigin(found)}, after ${searchSummary?.probes ?? 0} probes)`, found);
    }
    signal?.throwIfAborted();
    if (options.searchOnly) return finish('failed', searchSummary ? 'the pre-pass and the proof-state search found no proof' : 'the pre-pass found no proof (the proof-state search needs a local Lean and oprover.searchBudget > 0)');

    if (!ports.model) {
      return finish('failed', 'no inference endpoint is configured: set oprover.endpoint (and the API key) to run model rounds');
    }

    const goal = hole ? hole.goal : await goalFor(target, ports, signal, (message) => emit({ type: 'log', jobId, level: 'warn', message }));
    if (goal && !hole) emit({ type: 'goal', jobId, goal: goal.goal, source: goal.source });
    const profile = getProfile(config);
    const context = contextBefore(target.text, target.declaration);
    const statement = statementWithSorry(target.declaration);
    // The file's earlier definitions and lemma statements, within a quarter of the prompt budget.
    const definitions = earlierDeclarations(target.text, target.declaration, Math.floor(config.contextChars / 4));
    const sampling = samplingFor(config);
    for (round = 1; round <= totalRounds; round++) {
      signal?.throwIfAborted();
      emit({ type: 'round-started', jobId, round, kind: 'model' });
      const query = queryFor(goal?.goal, history);
      await retrieve(query);
      await retrieveLemmas(query);
      const shown = retrieved.slice(0, config.retrievalK);
      if (shown.length > 0) emit({ type: 'retrieved', jobId, round, proofs: shown });
      const whole = { context, statement, goal: goal?.goal, retrieved: shown, round, history, ...(definitions ? { definitions } : {}), ...(lemmas.length > 0 ? { lemmas } : {}) };
      const input = hole ? hole.prompt(whole) : whole;
      const completions = await sampleRound({ target: loopTarget, config, verifier, jobId, emit, signal }, ports.model, round, sampling, (budget) => (budget === config ? profile : getProfile(budget)).render(input));
      const roundPrompt = completions.reduce((a, c) => Math.max(a, c.promptTokens ?? 0), 0);
      const roundCompletion = completions.reduce((a, c) => a + (c.completionTokens ?? 0), 0);
      promptTokens += roundPrompt;
      completionTokens += roundCompletion;
      emit({ type: 'usage', jobId, round, promptTokens: roundPrompt, completionTokens: roundCompletion });

      // A hole asked in place reads replies as the hole's tactics; otherwise the loop's target (the hole's theorem) is answered.
      const inPlace = hole?.extract;
      const readReply: ReplyReaderPort | undefined = inPlace ? async (completion, _target, origin) => inPlace(completion.text, origin) : ports.readReply;
      const { candidates, problems } = await extractCandidates({ target: loopTarget, config, verifier, jobId, emit, signal }, round, completions, shown, readReply);
      const { proof, verdicts } = await check(round, candidates);
      for (const c of candidates) addSeed(seeds, c.candidate, verdicts.get(c.candidate.id));
      // Cancelled while Lean checked (the file was closed, say): the verdicts say `cancelled`, and
      // the job must end so too, even in its last round.
      signal?.throwIfAborted();
      emit({ type: 'round-finished', jobId, round, proved: proof !== undefined });
      if (proof) return finish('proved', `proved in round ${round}`, proof);

      const next = feedbackFrom(candidates, verdicts, problems);
      if (next) history.push(config.repairChainOfStates ? await attemptWithStates(target, next, ports.states, signal) : next);
    }
    round = totalRounds;
    const seeded = seeds.length > 0 ? await searchStep(config.samplesPerRound, seeds) : undefined;
    if (seeded) return finish('proved', `proved by the proof-state search from a failed attempt's correct prefix (${describeOrigin(seeded)})`, seeded);
    if (checkerFailures > 0) {
      return finish('error', `no verified proof after ${totalRounds} round${totalRounds === 1 ? '' : 's'}, and the checker failed on ${checkerFailures} candidate${checkerFailures === 1 ? '' : 's'} (${lastCheckerFailure}): check the Lean setup, then run again`);
    }
    return finish('failed', `no verified proof after ${totalRounds} round${totalRounds === 1 ? '' : 's'}`);
  } catch (err) {
    if (signal?.aborted) return finish('cancelled', 'cancelled');
    return finish('error', err instanceof Error ? err.message : String(err));
  }
}

/** Keeps the correct prefix of a failed attempt as a seed of the proof-state search (at most 8, no repeats). */
function addSeed(seeds: string[][], candidate: Candidate, verdict: Verdict | undefined): void {
  const prefix = verdict ? correctPrefix(candidate, verdict) : undefined;
  if (!prefix || seeds.length >= 8 || seeds.some((s) => s.join('\n') === prefix.join('\n'))) return;
  seeds.push(prefix);
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
