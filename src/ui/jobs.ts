// The job manager: every proof job the editor runs, its events (kept so a reopened panel can replay
// them), its cancellation, its time limit. No `vscode` import: the editor wiring lives in
// context.ts and the commands, so this is unit-tested with a fake prover.
import type { JobEvent, JobStatus, TargetInfo } from '../core/events';
import type { FailedAttempt, JobResult, ProveOptions } from '../core/prover';
import type { Candidate, ProofTarget } from '../core/types';
import type { AttemptRef } from './protocol';

export type ProveRunner = (target: ProofTarget, options: ProveOptions) => Promise<JobResult>;

export interface JobRecord {
  id: string;
  /** The document's URI string; closing it cancels the job. */
  uri: string;
  target: ProofTarget;
  status: JobStatus;
  /** Events in order, with consecutive stream deltas of one sample merged into one. */
  events: JobEvent[];
  result?: JobResult;
  batchId?: string;
  /** Rounds this job was asked to run (Retry asks for more). */
  rounds: number;
  /** Samples per model round, when the starter said (for the panel's "sampling 3/4"). */
  samples?: number;
  /** What the target is ("declaration", "hole 2"); the panel says "declaration" when absent. */
  targetKind?: string;
  controller: AbortController;
  done: Promise<JobResult>;
}

export interface StartOptions {
  uri: string;
  rounds: number;
  /** Wall-clock limit for the whole job; past it the job is cancelled with that reason. */
  timeLimitMs?: number;
  batchId?: string;
  samples?: number;
  targetKind?: string;
  /** Retry with more rounds: go on from the previous job's last failed attempt. */
  continueFrom?: FailedAttempt;
  /** Search for a proof: the pre-pass and the proof-state search only, no model rounds. */
  searchOnly?: boolean;
  /** Runs this job instead of the manager's prover (proof optimization). */
  runner?: ProveRunner;
}

let jobCounter = 0;
function newJobId(): string {
  return `job-${Date.now().toString(36)}-${++jobCounter}`;
}

/** Finished jobs kept for the panel; the oldest finished ones are dropped first. */
export const MAX_KEPT_JOBS = 60;

export class JobManager {
  private readonly jobs = new Map<string, JobRecord>();
  private readonly listeners = new Set<(event: JobEvent, job: JobRecord) => void>();

  constructor(private readonly runner: ProveRunner) {}

  onEvent(listener: (event: JobEvent, job: JobRecord) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  get(id: string): JobRecord | undefined {
    return this.jobs.get(id);
  }

  /** Jobs in start order. */
  list(): JobRecord[] {
    return [...this.jobs.values()];
  }

  running(): JobRecord[] {
    return this.list().filter((j) => j.status === 'running' || j.status === 'queued');
  }

  /** Every stored event of every job, oldest job first: what a freshly opened panel replays. */
  allEvents(): JobEvent[] {
    return this.list().flatMap((j) => j.events);
  }

  start(target: ProofTarget, options: StartOptions): JobRecord {
    const id = newJobId();
    const controller = new AbortController();
    const record: JobRecord = {
      id,
      uri: options.uri,
      target,
      status: 'running',
      events: [],
      batchId: options.batchId,
      rounds: options.rounds,
      samples: options.samples,
      targetKind: options.targetKind,
      controller,
      done: Promise.resolve(undefined as unknown as JobResult),
    };
    this.jobs.set(id, record);
    this.prune();
    let timedOut = false;
    const timer =
      options.timeLimitMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            controller.abort(new Error('time limit reached'));
          }, options.timeLimitMs)
        : undefined;
    const onEvent = (raw: JobEvent): void => {
      let event = raw;
      if (event.type === 'job-finished' && event.status === 'cancelled' && timedOut) {
        event = { ...event, reason: `stopped at the time limit of ${Math.round((options.timeLimitMs ?? 0) / 1000)} s` };
      }
      this.record(record, event);
    };
    // The panel shows the job at once, even while a Lean server is still starting; the loop's own
    // job-started (with the endpoint) replaces this one.
    this.record(record, { type: 'job-started', jobId: id, target: targetSummary(target), endpoint: '', at: Date.now() });
    record.done = (async () => {
      let result: JobResult;
      try {
        result = await (options.runner ?? this.runner)(target, { jobId: id, signal: controller.signal, onEvent, rounds: options.rounds, continueFrom: options.continueFrom, ...(options.searchOnly ? { searchOnly: true } : {}) });
      } catch (err) {
        // The runner could not even start (no Lean, bad settings): the job still gets a story.
        const reason = err instanceof Error ? err.message : String(err);
        result = { status: controller.signal.aborted ? 'cancelled' : 'error', reason, rounds: 0, elapsedMs: 0, promptTokens: 0, completionTokens: 0 };
        this.record(record, { type: 'job-finished', jobId: id, status: result.status, reason, rounds: 0, elapsedMs: 0 });
      } finally {
        if (timer) clearTimeout(timer);
      }
      if (timedOut && result.status === 'cancelled') result = { ...result, reason: `stopped at the time limit of ${Math.round((options.timeLimitMs ?? 0) / 1000)} s` };
      record.result = result;
      record.status = result.status;
      return result;
    })();
    return record;
  }

  private record(job: JobRecord, event: JobEvent): void {
    const last = job.events[job.events.length - 1];
    if (event.type === 'sample-delta' && last?.type === 'sample-delta' && last.round === event.round && last.sample === event.sample) {
      job.events[job.events.length - 1] = { ...last, delta: last.delta + event.delta };
    } else {
      job.events.push(event);
    }
    if (event.type === 'job-finished') job.status = event.status;
    for (const l of this.listeners) l(event, job);
  }

  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || (job.status !== 'running' && job.status !== 'queued')) return false;
    job.controller.abort(new Error('cancelled'));
    return true;
  }

  /** Cancels the running jobs of one document (it was closed). */
  cancelForUri(uri: string): number {
    let n = 0;
    for (const j of this.running()) if (j.uri === uri && this.cancel(j.id)) n++;
    return n;
  }

  cancelAll(): number {
    let n = 0;
    for (const j of this.running()) if (this.cancel(j.id)) n++;
    return n;
  }

  /** Removes finished jobs; returns their ids. */
  clearFinished(): string[] {
    const gone = this.list().filter((j) => j.status !== 'running' && j.status !== 'queued').map((j) => j.id);
    for (const id of gone) this.jobs.delete(id);
    return gone;
  }

  /** The candidate of one attempt (a round's sample), or the job's verified proof when `ref` is absent. */
  candidate(id: string, ref?: AttemptRef): Candidate | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (!ref) return job.result?.status === 'proved' ? job.result.proof : undefined;
    for (const e of job.events) if (e.type === 'attempt' && e.round === ref.round && e.sample === ref.sample) return e.candidate;
    return undefined;
  }

  private prune(): void {
    const finished = this.list().filter((j) => j.status !== 'running' && j.status !== 'queued');
    const excess = this.jobs.size - MAX_KEPT_JOBS;
    for (const j of finished.slice(0, Math.max(0, excess))) this.jobs.delete(j.id);
  }
}

function targetSummary(target: ProofTarget): TargetInfo {
  return { file: target.file, line: target.sorry.range.start.line + 1, declarationName: target.declaration.fullName ?? target.declaration.name ?? 'example', statement: target.declaration.header };
}
