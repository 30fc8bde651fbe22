// Proof optimization as a job of the job manager, so the panel shows its timeline like a proof's:
// round 0 checks the current proof, each verified sample's verdict names its metric, and a kept
// rewrite reads "verified rewrite: 12 → 5 steps". The job counts as proved (Insert, Show diff)
// only when a verified rewrite strictly improved the metric. No `vscode` import.
import type { OProverConfig } from '../config';
import type { JobEvent } from '../core/events';
import { optimize, type OptimizePorts, type OptimizeResult } from '../core/optimize/loop';
import type { Metric } from '../core/optimize/metrics';
import type { JobResult } from '../core/prover';
import type { Candidate } from '../core/types';
import type { ProveRunner } from './jobs';

/** The job's result as the job manager and the panel read it. */
export function jobResultOf(result: OptimizeResult): JobResult {
  const status = result.status === 'improved' && result.proof ? 'proved' : result.status === 'cancelled' || result.status === 'error' ? result.status : 'failed';
  return { status, reason: result.reason, ...(status === 'proved' ? { proof: result.proof } : {}), rounds: result.rounds, elapsedMs: result.elapsedMs, promptTokens: result.promptTokens, completionTokens: result.completionTokens };
}

export function optimizeRunner(config: OProverConfig, metric: Metric, ports: (projectRoot: string) => Promise<OptimizePorts>, done?: (result: OptimizeResult) => void): ProveRunner {
  return async (target, options) => {
    const candidates = new Map<string, Candidate>();
    let best: number | undefined;
    const emit = (e: JobEvent): void => options.onEvent?.(e);
    const result = await optimize(target, config, await ports(target.projectRoot), {
      metric,
      jobId: options.jobId,
      signal: options.signal,
      rounds: options.rounds,
      onEvent: (e) => {
        switch (e.type) {
          case 'baseline':
            if (e.verified) best = e.value;
            emit({ type: 'log', jobId: e.jobId, level: e.verified ? 'info' : 'warn', message: e.verified ? `the current proof verifies: ${e.text}` : 'the current proof does not verify, so it is not optimized' });
            return;
          case 'states':
            emit({ type: 'log', jobId: e.jobId, level: 'info', message: `goal states after ${e.annotated} tactic line(s) shown to the model` });
            return;
          case 'rewrite':
            best = e.after;
            // The kept sample's verdict again, now saying what it gained.
            emit({ type: 'verdict', jobId: e.jobId, round: e.round, sample: e.sample, candidateId: e.candidate.id, verdict: { kind: 'proved', reason: `verified rewrite: ${e.change}`, messages: [], feedback: '', elapsedMs: 0 } });
            return;
          case 'attempt':
            if (e.candidate) candidates.set(e.candidate.id, e.candidate);
            emit(e);
            return;
          case 'verdict': {
            const candidate = candidates.get(e.candidateId);
            if (e.verdict.kind === 'proved' && e.round > 0 && candidate) {
              const value = metric.measure(candidate.body);
              emit({ ...e, verdict: { ...e.verdict, reason: `verified: ${metric.format(value)} (best so far ${best === undefined ? '?' : metric.format(best)}); ${e.verdict.reason}` } });
            } else if (e.verdict.kind === 'proved' && e.round === 0) {
              emit({ ...e, verdict: { ...e.verdict, reason: `the current proof: ${e.verdict.reason}` } });
            } else emit(e);
            return;
          }
          default:
            emit(e);
        }
      },
    });
    done?.(result);
    return jobResultOf(result);
  };
}
