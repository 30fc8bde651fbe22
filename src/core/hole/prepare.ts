// A hole made ready for the repair loop: the goal at the hole, the hole's theorem built from it
// (or the reason none can be, and then the hole is asked for in place), the target the loop works
// on, the hole's gate, the prompt form, and the step that turns an accepted proof into the edit of
// just the hole.
import type { GoalSource } from '../prover';
import { codeBlocks, makeCandidate, stripThinking, type Extraction } from '../extract';
import { holePromptInput } from '../prompt/hole';
import { contextBefore, findDeclarations, findSorries, sorryLabel } from '../source';
import type { Candidate, ProofTarget, PromptInput, Verifier } from '../types';
import { HoleVerifier, type HoleJob } from './gate';
import { buildHoleTheorem, type HoleTheorem } from './theorem';

export interface PreparedHole {
  job: HoleJob;
  /** The target the loop proves: the hole's theorem, or the user's own declaration when asked in place. */
  loopTarget: ProofTarget;
  verifier: HoleVerifier;
  goal?: { goal: string; source: string };
  /** Why the hole is asked for in place (no faithful theorem). */
  inPlaceReason?: string;
  label: string;
  /** What retrieval is asked with: the hole's goal, not the outer statement. */
  query: string;
  prompt(input: PromptInput): PromptInput;
  /** In place, replies are read as the hole's tactics (a restated declaration may change only the hole). */
  extract?(reply: string, origin: Candidate['origin']): Extraction;
  /** An accepted candidate as a proof of the user's declaration with only this hole filled. */
  finish(candidate: Candidate): Candidate;
}

/** The hole's theorem as a target of its own: the user's file up to the declaration, then the theorem. */
export function theoremTarget(user: ProofTarget, theorem: HoleTheorem): ProofTarget {
  const prefix = user.text.slice(0, user.declaration.start);
  const text = `${prefix}${theorem.header} := by sorry\n`;
  const sorry = findSorries(text).filter((s) => s.offset >= prefix.length).pop();
  const declaration = sorry?.declaration;
  if (!sorry || !declaration) throw new Error(`the hole's theorem could not be read back: ${theorem.header}`);
  return { ...user, text, sorry, declaration };
}

function indented(lines: string[]): string {
  return `:= by\n${lines.map((l) => (l.trim() === '' ? '' : `  ${l}`)).join('\n')}`;
}

function dedentLines(text: string): string[] {
  const lines = text.replace(/\s+$/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  const cut = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length));
  return lines.map((l) => (l.trim() === '' ? '' : l.slice(cut)));
}

/**
 * A reply for a hole asked in place: the last Lean block is the hole's tactics, or the user's
 * declaration restated with only the hole changed (any other change is refused).
 */
export function extractInPlace(reply: string, user: ProofTarget, origin: Candidate['origin']): Extraction {
  const text = stripThinking(reply);
  const blocks = codeBlocks(text).filter((b) => ['', 'lean', 'lean4'].includes(b.language) && b.code.trim() !== '');
  const code = blocks[blocks.length - 1]?.code;
  if (code === undefined) return { ok: false, problem: 'the reply has no ```lean4 code block with the tactics for the hole' };
  const decls = findDeclarations(code);
  if (decls.length === 0) return { ok: true, candidate: makeCandidate(user, indented(dedentLines(code)), origin) };
  const original = user.text.slice(user.declaration.start, user.declaration.end);
  const at = user.sorry.offset - user.declaration.start;
  const before = original.slice(0, at);
  const after = original.slice(at + 'sorry'.length).trimEnd();
  const restated = decls.map((d) => code.slice(d.start, d.end).trimEnd()).find((d) => d.startsWith(before) && d.endsWith(after) && d.length >= before.length + after.length);
  if (restated === undefined) return { ok: false, problem: 'the reply changes the declaration outside the hole; only the text that replaces the hole may be written' };
  const filled = restated.slice(before.length, restated.length - after.length);
  if (filled.trim() === '') return { ok: false, problem: 'the reply leaves the hole empty' };
  return { ok: true, candidate: makeCandidate(user, indented(dedentLines(filled)), origin) };
}

/** Prepares a hole of `user` (whose `sorry` has a hole site). */
export async function prepareHole(user: ProofTarget, verifier: Verifier, goalSource: GoalSource | undefined, allowNativeDecide: boolean, signal?: AbortSignal, warn?: (message: string) => void): Promise<PreparedHole> {
  const site = user.sorry.hole!;
  const label = sorryLabel(user.sorry);
  let goal: { goal: string; source: string } | undefined;
  if (goalSource) {
    try {
      goal = await goalSource(user, signal);
    } catch (err) {
      signal?.throwIfAborted();
      warn?.(`no goal at the hole: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  let theorem: HoleTheorem | undefined;
  let inPlaceReason: string | undefined;
  if (!goal || goal.goal.trim() === '') {
    inPlaceReason = goalSource ? 'Lean gave no goal at the hole' : 'no Lean server answers goal requests here';
  } else {
    const built = buildHoleTheorem({ printedGoals: goal.goal, declaration: user.declaration, text: user.text, context: contextBefore(user.text, user.declaration), holeIndex: site.index });
    if (built.ok) theorem = built.theorem;
    else inPlaceReason = built.reason;
  }
  const job: HoleJob = theorem ? { user, theorem } : { user };
  const loopTarget = theorem ? theoremTarget(user, theorem) : user;
  const holeVerifier = new HoleVerifier(verifier, job, loopTarget, allowNativeDecide);
  const declarationText = user.text.slice(user.declaration.start, user.declaration.end);
  const promptHole = { declarationText, holeOffset: user.sorry.offset - user.declaration.start, label, ...(theorem ? { theoremHeader: theorem.header } : {}) };
  const prepared: PreparedHole = {
    job,
    loopTarget,
    verifier: holeVerifier,
    label,
    query: theorem ? theorem.header : (goal?.goal ?? user.declaration.header),
    prompt: (input) => holePromptInput(input, promptHole),
    finish: (candidate) => {
      const spliced = holeVerifier.spliced.get(candidate.id);
      if (!spliced) return candidate;
      return { ...candidate, declarationText: spliced.declarationText, body: spliced.body, holeEdit: spliced.edit };
    },
  };
  if (goal) prepared.goal = goal;
  if (inPlaceReason !== undefined) {
    prepared.inPlaceReason = inPlaceReason;
    prepared.extract = (reply, origin) => extractInPlace(reply, user, origin);
  }
  return prepared;
}
