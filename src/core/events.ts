// Events the repair loop emits. The faces (panel, CLI, benchmarks) only listen; nothing in the core
// calls back into a UI.
import type { Candidate, ChatMessage, RetrievedProof, Verdict } from './types';

export type JobStatus = 'queued' | 'running' | 'proved' | 'failed' | 'cancelled' | 'error';

export interface TargetInfo {
  file: string;
  line: number;
  declarationName: string;
  statement: string;
}

export type JobEvent =
  | { type: 'job-started'; jobId: string; target: TargetInfo; endpoint: string; at: number }
  | { type: 'round-started'; jobId: string; round: number; kind: 'prepass' | 'model' }
  | { type: 'retrieved'; jobId: string; round: number; proofs: RetrievedProof[] }
  /** The goal at the sorry, as the model rounds are told it; `source` says who answered. */
  | { type: 'goal'; jobId: string; goal: string; source: string }
  | { type: 'prompt'; jobId: string; round: number; messages: ChatMessage[] }
  | { type: 'sample-delta'; jobId: string; round: number; sample: number; delta: string }
  /**
   * One sample: `raw` is the reply's content as received; `reasoning` the model's reasoning (a `<think>` block or the
   * server's reasoning field), shown apart and never a source of code; `finishReason` as the server said.
   */
  | { type: 'attempt'; jobId: string; round: number; sample: number; raw: string; candidate?: Candidate; problem?: string; reasoning?: string; finishReason?: string }
  | { type: 'verdict'; jobId: string; round: number; sample: number; candidateId: string; verdict: Verdict }
  | { type: 'usage'; jobId: string; round: number; promptTokens: number; completionTokens: number }
  | { type: 'round-finished'; jobId: string; round: number; proved: boolean }
  | { type: 'log'; jobId: string; level: 'info' | 'warn' | 'error'; message: string }
  | {
      type: 'job-finished';
      jobId: string;
      status: Exclude<JobStatus, 'queued' | 'running'>;
      reason: string;
      proof?: Candidate;
      rounds: number;
      elapsedMs: number;
    };

export type JobListener = (event: JobEvent) => void;
