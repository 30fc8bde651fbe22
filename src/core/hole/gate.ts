// The gate for holes, composed from the one gate (core/gate.ts, reached through the Verifier).
// A proof of a hole is accepted only if both hold:
//  1. the hole's theorem (when one could be built) passes the full gate: no error, no `sorry`,
//     standard axioms only, statement unchanged;
//  2. the user's declaration with this one hole filled passes the full gate too, checked in a
//     document where each of the user's other holes, unchanged at its own place otherwise, stands
//     as the axiom `oprover_other_hole` (declared just before the declaration): Lean must report no
//     error, and `#print axioms` must list nothing beyond the standard axioms but that stand-in.
//     So `sorryAx` (a sorried lemma used by the proof) and any other axiom still fail, while the
//     user's own open holes do not count against this one.
import { isNativeAxiom, STANDARD_AXIOMS } from '../gate';
import { makeCandidate } from '../extract';
import { findDeclarations, findSorries } from '../source';
import type { Candidate, ProofTarget, Verdict, Verifier, VerifyRequest } from '../types';
import { applyEdit, applyEdits, holeEdit, OTHER_HOLE_AXIOM, OTHER_HOLE_DECLARATION, otherHoleEdit, proofScript, type HoleEdit } from './splice';
import type { HoleTheorem } from './theorem';

/** One hole being proved: the user's target and, when it could be built, the hole's theorem. */
export interface HoleJob {
  user: ProofTarget;
  theorem?: HoleTheorem;
}

/** What a proof of the hole does to the user's file. */
export interface SplicedProof {
  edit: HoleEdit;
  /** The user's declaration with only this hole filled (the other holes' `sorry`s unchanged). */
  declarationText: string;
  body: string;
}

/** The user's other holes in the same declaration. */
export function otherHoles(user: ProofTarget) {
  return findSorries(user.text).filter((s) => s.hole && s.declaration?.start === user.declaration.start && s.offset !== user.sorry.offset);
}

/** Splices a candidate's proof (of the hole's theorem, or the hole's own tactics) into the hole. */
export function spliceProof(job: HoleJob, candidate: Candidate): SplicedProof {
  const { user } = job;
  const site = user.sorry.hole!;
  const script = proofScript(candidate.body);
  const prelude = job.theorem?.prelude ?? [];
  const edit = holeEdit(user.text, user.sorry, site, [...prelude, ...script.lines], prelude.length === 0 ? script.term : undefined);
  const text = applyEdit(user.text, edit);
  const delta = edit.text.length - (edit.end - edit.start);
  const decl = user.declaration;
  return { edit, declarationText: text.slice(decl.start, decl.end + delta), body: text.slice(decl.bodyStart, decl.end + delta).trim() };
}

/** How far the other holes before this one move it (each `sorry` becomes a longer stand-in). */
function shiftBefore(user: ProofTarget): number {
  return otherHoles(user)
    .filter((s) => s.offset < user.sorry.offset)
    .reduce((a, s) => {
      const e = otherHoleEdit(s);
      return a + e.text.length - (e.end - e.start);
    }, 0);
}

/**
 * The target the spliced declaration is checked against: the other holes as stand-ins, the
 * stand-in's axiom before the declaration; `holeOffset` is where this hole's `sorry` lies in it.
 */
export function spliceCheckTarget(job: HoleJob): { target: ProofTarget; holeOffset: number } {
  const { user } = job;
  const decl = user.declaration;
  const replaced = applyEdits(user.text, otherHoles(user).map(otherHoleEdit));
  const insertion = `${OTHER_HOLE_DECLARATION}\n\n`;
  const text = replaced.slice(0, decl.start) + insertion + replaced.slice(decl.start);
  const declaration = findDeclarations(text).find((d) => d.start === decl.start + insertion.length);
  if (!declaration) throw new Error('the declaration could not be found again after the other holes were replaced');
  const holeOffset = user.sorry.offset + insertion.length + shiftBefore(user);
  const sorry = findSorries(text).find((s) => s.offset === holeOffset) ?? user.sorry;
  return { target: { ...user, text, declaration, sorry }, holeOffset };
}

/** The stand-in as `#print axioms` names it: declared in the declaration's namespace, so possibly qualified. */
function isStandIn(axiom: string): boolean {
  return axiom === OTHER_HOLE_AXIOM || axiom.endsWith(`.${OTHER_HOLE_AXIOM}`);
}

/**
 * The hole's verdict from the full gate's verdict on the spliced declaration. `others` counts the
 * user's other holes; a file that itself mentions the stand-in's name never gets the stand-in rule.
 */
export function judgeSpliced(verdict: Verdict, others: number, allowNativeDecide: boolean, userText = ''): Verdict {
  if (verdict.kind === 'proved') return { ...verdict, reason: `in place: ${verdict.reason}` };
  const extra = (verdict.axioms ?? []).filter((a) => !STANDARD_AXIOMS.includes(a) && !(allowNativeDecide && isNativeAxiom(a)));
  const standIn = others > 0 && !userText.includes(OTHER_HOLE_AXIOM) && extra.length === 1 && isStandIn(extra[0]!);
  if (standIn && verdict.kind === 'rejected' && verdict.rule === 'axioms' && !verdict.messages.some((m) => m.severity === 'error')) {
    const axioms = (verdict.axioms ?? []).filter((a) => !isStandIn(a));
    const reason = `Lean accepted the proof in place (axioms: ${axioms.length > 0 ? axioms.join(', ') : 'none'}); the declaration's ${others} other hole${others === 1 ? '' : 's'} stay open`;
    return { ...verdict, kind: 'proved', reason, feedback: '', axioms, rule: undefined };
  }
  const reason = `in place, in the declaration: ${verdict.reason}`;
  return { ...verdict, reason, feedback: verdict.feedback ? `In place, in the declaration with the hole filled:\n${verdict.feedback}` : reason };
}

/**
 * The Verifier the repair loop uses for a hole: candidates for the hole's theorem (or, with no
 * theorem, the hole's tactics in place) go through the full gate, then spliced into the user's
 * declaration through it again. `spliced` keeps, per accepted candidate, what Insert writes.
 */
export class HoleVerifier implements Verifier {
  readonly spliced = new Map<string, SplicedProof>();

  constructor(
    private readonly inner: Verifier,
    private readonly job: HoleJob,
    private readonly loopTarget: ProofTarget,
    private readonly allowNativeDecide: boolean,
  ) {}

  availability() {
    return this.inner.availability();
  }

  /** The inner verifier belongs to the caller. */
  async dispose(): Promise<void> {}

  async verify(request: VerifyRequest, signal?: AbortSignal): Promise<Map<string, Verdict>> {
    const out = new Map<string, Verdict>();
    let toSplice = request.candidates;
    if (this.job.theorem) {
      const first = await this.inner.verify({ ...request, target: this.loopTarget }, signal);
      toSplice = [];
      for (const c of request.candidates) {
        const v = first.get(c.id);
        if (v?.kind === 'proved') toSplice.push(c);
        else if (v) out.set(c.id, { ...v, reason: `as the hole's theorem: ${v.reason}` });
      }
    }
    if (toSplice.length === 0) return out;
    const spliced = new Map(toSplice.map((c) => [c.id, spliceProof(this.job, c)]));
    const judged = await checkInPlace(this.inner, this.job.user, toSplice.map((c) => ({ id: c.id, origin: c.origin, edit: spliced.get(c.id)!.edit })), request.timeoutMs, this.allowNativeDecide, signal);
    for (const [id, v] of judged) {
      if (v.kind === 'proved') this.spliced.set(id, spliced.get(id)!);
      out.set(id, v);
    }
    return out;
  }
}

/**
 * Step 2 of the gate on its own: each edit of the hole of `user` (made in `user.text`) checked in
 * place, with the other holes as stand-ins, and judged. Insert uses it to check a hole's proof again
 * when the declaration around it changed (another hole filled, say).
 */
export async function checkInPlace(
  inner: Verifier,
  user: ProofTarget,
  edits: readonly { id: string; origin: Candidate['origin']; edit: HoleEdit }[],
  timeoutMs: number,
  allowNativeDecide: boolean,
  signal?: AbortSignal,
): Promise<Map<string, Verdict>> {
  const { target: check, holeOffset } = spliceCheckTarget({ user });
  const others = otherHoles(user).length;
  const idOf = new Map<string, string>();
  const checked: Candidate[] = [];
  for (const e of edits) {
    // The same edit, made in the checked text (where the other holes are stand-ins).
    const at = holeOffset - user.sorry.offset;
    const edit = { start: e.edit.start + at, end: e.edit.end + at, text: e.edit.text };
    const text = applyEdit(check.text, edit);
    const delta = edit.text.length - (edit.end - edit.start);
    const candidate = makeCandidate(check, text.slice(check.declaration.bodyStart, check.declaration.end + delta).trim(), e.origin);
    idOf.set(candidate.id, e.id);
    checked.push(candidate);
  }
  const verdicts = await inner.verify({ target: check, candidates: checked, timeoutMs }, signal);
  const out = new Map<string, Verdict>();
  for (const candidate of checked) {
    const v = verdicts.get(candidate.id);
    if (v) out.set(idOf.get(candidate.id)!, judgeSpliced(v, others, allowNativeDecide, user.text));
  }
  return out;
}
