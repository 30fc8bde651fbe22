// Round 0 candidates: cheap attempts that cost no model call. One per configured tactic
// (`:= by simp`, `:= by omega`, ...) and one per retrieved verified proof, replayed verbatim under
// the target's own header. Lean decides which, if any, closes the goal.
import { makeCandidate } from './extract';
import { screenBody } from './screen';
import { findDeclarations, normalizeStatement, statementSignature } from './source';
import type { Candidate, Declaration, ProofTarget, RetrievedProof } from './types';

/** `:= by <tactic>`; a multi-line tactic script is indented under `by`. */
export function tacticBody(tactic: string): string {
  const lines = tactic.trim().split(/\r?\n/);
  if (lines.length === 1) return `:= by ${lines[0]}`;
  return `:= by\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

/** The body (`:= ...`) of a retrieved proof's declaration: the one whose statement matches the retrieved statement, else the last. */
export function replayBody(proof: RetrievedProof): string | undefined {
  const decls = findDeclarations(proof.proof).filter((d) => d.body.trim().startsWith(':='));
  if (decls.length === 0) return undefined;
  const wanted = normalizeStatement(proof.statement);
  const byStatement = decls.find((d: Declaration) => normalizeStatement(d.header) === wanted || statementSignature(d.header) === statementSignature(proof.statement));
  const byName = proof.name === undefined ? undefined : decls.find((d) => d.name === proof.name || d.fullName === proof.name);
  const decl = byStatement ?? byName ?? decls[decls.length - 1]!;
  return decl.body.trim();
}

/**
 * Retrieved proofs that today's screen still passes. A bank record is untrusted text too (rules
 * grow; a workspace may hold anything): one the screen refuses is neither replayed nor shown in a
 * prompt. Returns the kept proofs and how many were left out.
 */
export function screenRetrieved(proofs: RetrievedProof[], allowNativeDecide: boolean): { kept: RetrievedProof[]; quarantined: number } {
  const kept = proofs.filter((p) => {
    const body = replayBody(p);
    return body !== undefined && screenBody(body, { allowNativeDecide }).ok;
  });
  return { kept, quarantined: proofs.length - kept.length };
}

/**
 * One candidate per tactic (origin `tactic`) and one per retrieved proof whose body can be read
 * (origin `replay`), without duplicates. Replays are not limited to identical statements: a proof
 * of a neighbouring statement often goes through as it is, and a failed replay costs one check.
 */
export function prepassCandidates(target: ProofTarget, tactics: string[], replays: RetrievedProof[]): Candidate[] {
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (body: string, origin: Candidate['origin']): void => {
    const key = normalizeStatement(body);
    if (key === '' || seen.has(key)) return;
    seen.add(key);
    out.push(makeCandidate(target, body, origin));
  };
  for (const tactic of tactics) {
    if (tactic.trim() === '') continue;
    add(tacticBody(tactic), { kind: 'tactic', tactic: tactic.trim() });
  }
  for (const proof of replays) {
    const body = replayBody(proof);
    if (body !== undefined) add(body, { kind: 'replay', proofId: proof.id });
  }
  return out;
}
