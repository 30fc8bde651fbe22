// The search as a step of the repair loop: symbolic proposals for a target (its file's own
// definitions and inductive types), the search over the target's goal oracle, and every closing
// path turned into a normal candidate that the loop screens and checks with the full gate.
import type { OProverConfig } from '../../config';
import { makeCandidate } from '../extract';
import { tacticBody } from '../prepass';
import { contextBefore, findDeclarations } from '../source';
import type { Candidate, ProofTarget } from '../types';
import { squash } from './goal';
import { symbolicProposals, type ExpansionContext, type Proposal } from './expand';
import { modelProposals, type ModelStepOptions } from './model-step';
import { searchProof, type GoalOracle, type SearchNode, type SearchResult } from './search';

/** Builds the goal oracle of one target (the warm Lean slots, or a fake in tests). */
export type GoalOracleFactory = (target: ProofTarget) => GoalOracle;

/** The file's definitions and inductive types declared before the target. */
export function expansionContext(target: ProofTarget, closers: string[]): ExpansionContext {
  const before = findDeclarations(target.text).filter((d) => d.end <= target.declaration.start && d.name !== undefined);
  const named = (kinds: string[]) => before.filter((d) => kinds.includes(d.kind)).map((d) => ({ name: d.name!, fullName: d.fullName ?? d.name! }));
  return {
    closers,
    definitions: named(['def', 'abbrev']),
    inductiveTypes: named(['inductive', 'structure']).flatMap((d) => [d.name, d.fullName]),
  };
}

/** The candidate of a closing path: `:= by` and the tactics, one a line. */
export function searchCandidate(target: ProofTarget, tactics: string[]): Candidate {
  return makeCandidate(target, tacticBody(tactics.join('\n')), { kind: 'tactic', tactic: tactics.join('; ') });
}

export interface SearchStepOptions {
  oracle: GoalOracle;
  /** Probes at most (oprover.searchBudget) and wall-clock limit. */
  maxProbes: number;
  timeLimitMs: number;
  signal?: AbortSignal;
  /** Tactics the pre-pass already tried on the whole statement. */
  skipAtRoot?: string[];
  /** Correct prefixes of failed attempts to start from (the mixed mode). */
  seeds?: string[][];
  /** Expand the statement's own goals too (default); off when round 0 already did. */
  expandRoot?: boolean;
  /** The full check of a candidate (screen and gate); true when Lean accepted it. */
  check(candidate: Candidate): Promise<boolean>;
  onNode?(node: SearchNode): void;
  /** Model-guided expansion: the model's next tactics for a node come before the symbolic ones. */
  model?: Omit<ModelStepOptions, 'signal'>;
}

export interface SearchStepResult {
  proof?: Candidate;
  result: SearchResult;
}

/** Runs the symbolic search for one target; a closing path counts only once the gate accepted it. */
export async function runSearchStep(target: ProofTarget, config: Pick<OProverConfig, 'prepassTactics'>, options: SearchStepOptions): Promise<SearchStepResult> {
  const context = expansionContext(target, config.prepassTactics);
  let proof: Candidate | undefined;
  const result = await searchProof(options.oracle, {
    maxProbes: options.maxProbes,
    timeLimitMs: options.timeLimitMs,
    signal: options.signal,
    skipAtRoot: options.skipAtRoot,
    seeds: options.seeds,
    expandRoot: options.expandRoot,
    onNode: options.onNode,
    propose: async (node) => {
      const symbolic = symbolicProposals(node.goals[0] ?? '', context);
      if (!options.model) return symbolic;
      const fromModel = await modelProposals(
        { context: contextBefore(target.text, target.declaration), header: target.declaration.header, tactics: node.tactics, goals: node.goals },
        { ...options.model, signal: options.signal },
      );
      return withoutRepeats([...fromModel, ...symbolic]);
    },
    accept: async (tactics) => {
      const candidate = searchCandidate(target, tactics);
      if (!(await options.check(candidate))) return false;
      proof = candidate;
      return true;
    },
  });
  return { proof, result };
}

function withoutRepeats(proposals: Proposal[]): Proposal[] {
  const seen = new Set<string>();
  return proposals.filter((p) => {
    const key = squash(p.tactic);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** One line for logs and reports: what the search did. */
export function describeSearch(result: SearchResult): string {
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  const what = { proved: 'closed the goal', exhausted: 'ran out of tactics to try', budget: 'spent its probe budget', timeout: 'ran out of time', cancelled: 'was cancelled', 'root-failed': 'could not read the goal' }[result.status];
  const rate = result.elapsedMs > 0 ? `, ${((result.probes * 1000) / result.elapsedMs).toFixed(1)} probes/s` : '';
  return `proof-state search ${what}: ${result.probes} probes, ${result.nodes.length} nodes in ${seconds} s${rate}${result.reason ? ` (${result.reason})` : ''}`;
}
