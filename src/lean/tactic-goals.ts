// The proof-state search's goal oracle on our own Lean server: a tactic prefix becomes the body
// `:= by` + one tactic a line under the target's own header, checked in a warm scratch slot exactly
// as a candidate is (the same document: the user's file up to the declaration, byte-identical).
// The goals after the prefix are `$/lean/plainGoal` at the end of its last tactic (Lean then shows
// the state after that tactic), read only after the diagnostics of that exact version arrived; a
// prefix with an error other than "unsolved goals" failed. Probes are screened like candidates
// first: a tactic the screen refuses never reaches Lean.
import { makeCandidate } from '../core/extract';
import { buildCheckDocument } from '../core/gate';
import { tacticBody } from '../core/prepass';
import { screenCandidate } from '../core/screen';
import type { GoalOracleFactory } from '../core/search/round';
import type { GoalOracle, ProbeOutcome } from '../core/search/search';
import { goalsFromMessage } from '../core/search/goal';
import type { ProofTarget } from '../core/types';
import { DiagnosticSeverity, LeanTag, type LeanDiagnostic } from './protocol';
import type { LeanVerifier } from './verifier';

export interface TacticGoalsOptions {
  /** Limit per probe, ms. */
  timeoutMs: number;
  allowNativeDecide: boolean;
}

function isUnsolvedGoals(d: LeanDiagnostic): boolean {
  return d.leanTags?.includes(LeanTag.unsolvedGoals) === true || d.message.startsWith('unsolved goals');
}

/**
 * What the diagnostics of one version say about a prefix, given the lines of the checked
 * declaration: failed (the first error that is not "unsolved goals"), open (the unsolved-goals
 * message), or closed (no error at all).
 */
export function readProbe(diagnostics: LeanDiagnostic[], fromLine: number, toLine: number): { kind: 'failed'; message: string } | { kind: 'open'; message: string } | { kind: 'closed' } {
  let unsolved: LeanDiagnostic | undefined;
  for (const d of diagnostics) {
    const line = (d.fullRange ?? d.range).start.line;
    if (d.severity !== DiagnosticSeverity.Error || line < fromLine || line > toLine) continue;
    if (!isUnsolvedGoals(d)) return { kind: 'failed', message: d.message };
    unsolved ??= d;
  }
  return unsolved ? { kind: 'open', message: unsolved.message } : { kind: 'closed' };
}

/** The goal oracle of one target over the verifier's warm slots. */
export class LeanTacticGoals implements GoalOracle {
  readonly parallel: number;

  constructor(
    private readonly verifier: LeanVerifier,
    private readonly target: ProofTarget,
    private readonly options: TacticGoalsOptions,
  ) {
    this.parallel = verifier.slotsFor(target.projectRoot);
  }

  async probe(tactics: string[], signal?: AbortSignal): Promise<ProbeOutcome> {
    // The statement's own goals: `skip` changes nothing and gives plainGoal a tactic to stand after.
    const script = tactics.length > 0 ? tactics : ['skip'];
    const candidate = makeCandidate(this.target, tacticBody(script.join('\n')), { kind: 'tactic', tactic: script.join('; ') });
    const screened = screenCandidate(candidate, this.target, { allowNativeDecide: this.options.allowNativeDecide });
    if (!screened.ok) return { kind: 'failed', message: `refused before Lean: ${screened.reason}` };
    const doc = buildCheckDocument(this.target, candidate);
    return this.verifier.withSlot(this.target.projectRoot, async (slot) => {
      const result = await slot.check(doc.text, doc.prefix, this.options.timeoutMs, signal);
      if (result.kind === 'timeout') return { kind: 'timeout', message: `Lean did not finish within ${Math.round(this.options.timeoutMs / 1000)} s` };
      if (result.kind === 'cancelled') return { kind: 'failed', message: 'cancelled' };
      if (result.kind === 'crashed') return { kind: 'failed', message: result.message };
      if (result.diagnostics === undefined) return { kind: 'failed', message: 'Lean sent no diagnostics for this version' };
      const lastLine = doc.candidateLine + doc.candidateLines - 1;
      const read = readProbe(result.diagnostics, doc.candidateLine, lastLine);
      if (read.kind === 'failed') return read;
      if (read.kind === 'closed') return { kind: 'goals', goals: [] };
      const lineText = doc.text.split('\n')[lastLine] ?? '';
      const plain = await slot.plainGoal({ line: lastLine, character: lineText.length });
      const goals = plain && plain.goals.length > 0 ? plain.goals : goalsFromMessage(read.message);
      return goals.length > 0 ? { kind: 'goals', goals } : { kind: 'failed', message: read.message };
    });
  }
}

/** The search port of the repair loop over a local verifier: one oracle per target. */
export function tacticGoalsFactory(verifier: LeanVerifier, config: { candidateTimeoutMs: number; allowNativeDecide: boolean }): GoalOracleFactory {
  return (target) => new LeanTacticGoals(verifier, target, { timeoutMs: config.candidateTimeoutMs, allowNativeDecide: config.allowNativeDecide });
}
