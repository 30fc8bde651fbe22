// The panel's state as a pure reducer: protocol messages (mostly the loop's JobEvents) in, a new
// state out. No DOM here, so every update is unit-tested in plain Node.
import type { JobEvent, JobStatus, TargetInfo } from '../src/core/events';
import type { Candidate, RetrievedProof, Verdict } from '../src/core/types';
import type { BatchInfo, BatchReport, JobMeta, JobNote, SetupInfo, ToWebview } from '../src/ui/protocol';

/** Streamed text kept per sample; beyond this the panel shows the tail (the model may write megabytes). */
export const MAX_STREAM_CHARS = 200_000;

export interface SampleView {
  sample: number;
  /** Text streamed so far (before the attempt is complete). */
  streamed: string;
  /** Characters streamed in all (never trimmed), for the token estimate while the model writes. */
  chars: number;
  /** The full reply, once complete. */
  raw?: string;
  candidate?: Candidate;
  /** Why no candidate could be extracted from the reply. */
  problem?: string;
  verdict?: Verdict;
}

export interface RoundView {
  round: number;
  kind: 'prepass' | 'model';
  retrieved: RetrievedProof[];
  samples: SampleView[];
  finished: boolean;
  proved: boolean;
  promptTokens: number;
  completionTokens: number;
}

export interface JobView {
  id: string;
  target: TargetInfo;
  endpoint: string;
  /** The goal at the sorry as the model rounds were told it, and who answered (vscode-lean4 or our own server). */
  goal?: { text: string; source: string };
  startedAt: number;
  status: JobStatus;
  reason?: string;
  rounds: RoundView[];
  promptTokens: number;
  completionTokens: number;
  elapsedMs?: number;
  /** Id of the verified candidate when the job proved its target. */
  proofId?: string;
  logs: { level: 'info' | 'warn' | 'error'; message: string }[];
  notes: JobNote[];
  inserted: boolean;
  /** Budget, batch and target kind, from the extension (see JobMeta). */
  meta?: JobMeta;
  /** Bumped on every change, so the renderer redraws only jobs that changed. */
  rev: number;
}

export interface PanelState {
  /** Newest first. */
  jobs: JobView[];
  reports: BatchReport[];
  /** Batches that started in this session (a report replaces the running header when it arrives). */
  batches: BatchInfo[];
  setup?: SetupInfo;
  focus?: { jobId?: string; reportId?: string; seq: number };
}

export const EMPTY_STATE: PanelState = { jobs: [], reports: [], batches: [] };

function cloneJob(job: JobView): JobView {
  return { ...job, rounds: job.rounds.map((r) => ({ ...r, samples: r.samples.map((s) => ({ ...s })) })), logs: [...job.logs], notes: [...job.notes], rev: job.rev + 1 };
}

function roundOf(job: JobView, round: number, kind: 'prepass' | 'model' = round === 0 ? 'prepass' : 'model'): RoundView {
  let r = job.rounds.find((x) => x.round === round);
  if (!r) {
    r = { round, kind, retrieved: [], samples: [], finished: false, proved: false, promptTokens: 0, completionTokens: 0 };
    job.rounds.push(r);
    job.rounds.sort((a, b) => a.round - b.round);
  }
  return r;
}

function sampleOf(round: RoundView, sample: number): SampleView {
  let s = round.samples.find((x) => x.sample === sample);
  if (!s) {
    s = { sample, streamed: '', chars: 0 };
    round.samples.push(s);
    round.samples.sort((a, b) => a.sample - b.sample);
  }
  return s;
}

/** A job for an event whose job-started was never seen (the panel opened mid-run with a trimmed history). */
function placeholderJob(jobId: string): JobView {
  return {
    id: jobId,
    target: { file: '', line: 0, declarationName: '(unknown)', statement: '' },
    endpoint: '',
    startedAt: 0,
    status: 'running',
    rounds: [],
    promptTokens: 0,
    completionTokens: 0,
    logs: [],
    notes: [],
    inserted: false,
    rev: 0,
  };
}

/** Applies one JobEvent. Returns the same state object when the event changes nothing. */
export function applyEvent(state: PanelState, event: JobEvent): PanelState {
  const index = state.jobs.findIndex((j) => j.id === event.jobId);
  if (event.type === 'job-started') {
    const previous = index >= 0 ? state.jobs[index] : undefined;
    const job: JobView = { ...placeholderJob(event.jobId), target: event.target, endpoint: event.endpoint, startedAt: event.at, meta: previous?.meta, rev: (previous?.rev ?? 0) + 1 };
    const jobs = index >= 0 ? state.jobs.map((j, i) => (i === index ? job : j)) : [job, ...state.jobs];
    return { ...state, jobs };
  }
  const job = cloneJob(index >= 0 ? state.jobs[index]! : placeholderJob(event.jobId));
  switch (event.type) {
    case 'round-started':
      roundOf(job, event.round, event.kind);
      break;
    case 'goal':
      job.goal = { text: event.goal, source: event.source };
      break;
    case 'retrieved':
      roundOf(job, event.round).retrieved = event.proofs;
      break;
    case 'prompt':
      // The prompt is not shown (it can be long); its round exists from here on.
      roundOf(job, event.round);
      break;
    case 'sample-delta': {
      const s = sampleOf(roundOf(job, event.round), event.sample);
      const text = s.streamed + event.delta;
      s.streamed = text.length > MAX_STREAM_CHARS ? text.slice(text.length - MAX_STREAM_CHARS) : text;
      s.chars += event.delta.length;
      break;
    }
    case 'attempt': {
      const s = sampleOf(roundOf(job, event.round), event.sample);
      s.raw = event.raw;
      s.streamed = '';
      s.chars = Math.max(s.chars, event.raw.length);
      if (event.candidate) s.candidate = event.candidate;
      if (event.problem !== undefined) s.problem = event.problem;
      break;
    }
    case 'verdict': {
      const round = roundOf(job, event.round);
      const s = round.samples.find((x) => x.candidate?.id === event.candidateId) ?? sampleOf(round, event.sample);
      s.verdict = event.verdict;
      if (event.verdict.kind === 'proved') job.proofId = event.candidateId;
      break;
    }
    case 'usage': {
      const round = roundOf(job, event.round);
      round.promptTokens += event.promptTokens;
      round.completionTokens += event.completionTokens;
      job.promptTokens += event.promptTokens;
      job.completionTokens += event.completionTokens;
      break;
    }
    case 'round-finished': {
      const round = roundOf(job, event.round);
      round.finished = true;
      round.proved = event.proved;
      break;
    }
    case 'log':
      job.logs.push({ level: event.level, message: event.message });
      if (job.logs.length > 50) job.logs.splice(0, job.logs.length - 50);
      break;
    case 'job-finished':
      job.status = event.status;
      job.reason = event.reason;
      job.elapsedMs = event.elapsedMs;
      if (event.proof) job.proofId = event.proof.id;
      for (const r of job.rounds) r.finished = true;
      break;
  }
  const jobs = index >= 0 ? state.jobs.map((j, i) => (i === index ? job : j)) : [job, ...state.jobs];
  return { ...state, jobs };
}

function applyMeta(state: PanelState, meta: JobMeta): PanelState {
  const index = state.jobs.findIndex((j) => j.id === meta.jobId);
  const job = cloneJob(index >= 0 ? state.jobs[index]! : placeholderJob(meta.jobId));
  job.meta = meta;
  return { ...state, jobs: index >= 0 ? state.jobs.map((j, i) => (i === index ? job : j)) : [job, ...state.jobs] };
}

function applyNote(state: PanelState, note: JobNote): PanelState {
  return {
    ...state,
    jobs: state.jobs.map((j) => {
      if (j.id !== note.jobId) return j;
      const job = cloneJob(j);
      job.notes = [...job.notes.slice(-9), note];
      if (note.inserted !== undefined) job.inserted = note.inserted;
      return job;
    }),
  };
}

/** The one entry point: a protocol message in, the next state out. */
export function reduce(state: PanelState, message: ToWebview): PanelState {
  switch (message.type) {
    case 'reset': {
      let next: PanelState = { jobs: [], reports: [...message.reports], batches: [...(message.batches ?? [])], setup: message.setup ?? state.setup, focus: state.focus };
      for (const e of message.events) next = applyEvent(next, e);
      for (const m of message.meta ?? []) next = applyMeta(next, m);
      for (const n of message.notes) next = applyNote(next, n);
      return next;
    }
    case 'meta':
      return applyMeta(state, message.meta);
    case 'batch':
      return { ...state, batches: [message.batch, ...state.batches.filter((b) => b.id !== message.batch.id)].slice(0, 10) };
    case 'setup':
      return { ...state, setup: message.setup, jobs: state.jobs.map((j) => ({ ...j, rev: j.rev + 1 })) };
    case 'events':
      return message.events.reduce(applyEvent, state);
    case 'note':
      return applyNote(state, message.note);
    case 'report':
      return { ...state, reports: [message.report, ...state.reports.filter((r) => r.id !== message.report.id)].slice(0, 10) };
    case 'focus':
      return { ...state, focus: { jobId: message.jobId, reportId: message.reportId, seq: (state.focus?.seq ?? 0) + 1 } };
    case 'forget': {
      const gone = new Set(message.jobIds);
      const goneReports = new Set(message.reportIds ?? []);
      return {
        ...state,
        jobs: state.jobs.filter((j) => !gone.has(j.id)),
        reports: state.reports.filter((r) => !goneReports.has(r.id)),
        batches: state.batches.filter((b) => !goneReports.has(b.id)),
      };
    }
  }
}

/** Whether the job may offer Insert: only a proof Lean verified, and only once. */
export function canInsert(job: JobView): boolean {
  return job.status === 'proved' && job.proofId !== undefined && !job.inserted;
}

export function isActive(job: JobView): boolean {
  return job.status === 'running' || job.status === 'queued';
}
