// Where a verified proof goes in the document as it is now. The proof replaces its declaration's
// body only where the text is still what the job read: unchanged document → the original offsets;
// changed document → only if the whole original declaration (with its sorry) is still there,
// exactly once, and still a whole declaration (not the start of a longer one); otherwise the insertion is refused with a reason the user can read. Pure.
import { findDeclarations, findSorries } from '../core/source';
import type { ProofTarget, SorryLocation } from '../core/types';

export type InsertionPlan = { ok: true; start: number; end: number; body: string; moved: boolean } | { ok: false; reason: string };

export function planInsertion(target: ProofTarget, current: string, body: string): InsertionPlan {
  const decl = target.declaration;
  const original = target.text.slice(decl.start, decl.end);
  const name = decl.fullName ?? decl.name ?? 'the example';
  let start: number;
  let moved = false;
  const edited: InsertionPlan = { ok: false, reason: `not inserted: ${name} (line ${target.sorry.range.start.line + 1}) was edited after the proof job started; run the job again on the current text` };
  // In a changed document the original text must still be a whole declaration: tactics typed after
  // the sorry leave it in place as the start of a longer one.
  const wholeAt = (at: number): boolean => findDeclarations(current).some((d) => d.start === at && d.end === at + original.length);
  if (current === target.text) {
    start = decl.start;
  } else if (current.slice(decl.start, decl.end) === original) {
    if (!wholeAt(decl.start)) return edited;
    start = decl.start;
  } else {
    const first = current.indexOf(original);
    if (first < 0) return edited;
    if (current.indexOf(original, first + 1) >= 0) return { ok: false, reason: `not inserted: ${name} now appears more than once in the file, so the place of the sorry is ambiguous` };
    if (!wholeAt(first)) return edited;
    start = first;
    moved = true;
  }
  return { ok: true, start: start + (decl.bodyStart - decl.start), end: start + (decl.end - decl.start), body: keepLayout(target.text.slice(decl.bodyStart, decl.end), body), moved };
}

/**
 * The proof laid out the way the user wrote the sorry: where `by` ended its line (`:= by⏎  sorry`),
 * a one-line tactic proof (`:= by decide`) goes on the next line at the sorry's indentation
 * (`:= by⏎  decide`). Only the whitespace after `by` changes, which Lean reads the same; any other
 * body is inserted as Lean checked it.
 */
export function keepLayout(originalBody: string, body: string): string {
  const sorryLine = /^:=[ \t]*by[ \t]*\r?\n([ \t]+)sorry[ \t]*\s*$/.exec(originalBody);
  const oneLine = /^:=[ \t]*by[ \t]+(\S[^\n]*?)[ \t]*$/.exec(body);
  if (!sorryLine || !oneLine) return body;
  return `:= by\n${sorryLine[1]}${oneLine[1]}`;
}

/**
 * Where the job's target is in `current`: its sorry while the declaration is still there (moved or
 * not); else, after an insert or an edit, the declaration of the same name (its first line); else
 * undefined. Pure.
 */
export function locateIn(target: ProofTarget, current: string): { start: number; end: number } | undefined {
  const plan = planInsertion(target, current, '');
  if (plan.ok) {
    const at = target.sorry.offset + (plan.start - target.declaration.bodyStart);
    return { start: at, end: at + 'sorry'.length };
  }
  const name = target.declaration.fullName ?? target.declaration.name;
  const decl = name ? findDeclarations(current).find((d) => (d.fullName ?? d.name) === name) : undefined;
  if (!decl) return undefined;
  const firstLine = current.indexOf('\n', decl.start);
  return { start: decl.start, end: Math.min(decl.start + decl.header.length, firstLine < 0 ? current.length : firstLine) };
}

/**
 * The plan with the reply's helper lemmas placed just above the declaration (doc comment and
 * attributes included), each followed by a blank line, as Lean checked them: the edit then runs from
 * the declaration's start, keeping its header as it is in the document. No helpers: the plan as is.
 */
export function placeHelpers(target: ProofTarget, current: string, plan: Extract<InsertionPlan, { ok: true }>, helpers: readonly { text: string }[] | undefined): Extract<InsertionPlan, { ok: true }> {
  if (!helpers || helpers.length === 0) return plan;
  const declStart = plan.start - (target.declaration.bodyStart - target.declaration.start);
  const lemmas = helpers.map((h) => `${h.text}\n\n`).join('');
  return { ...plan, start: declStart, body: lemmas + current.slice(declStart, plan.start) + plan.body };
}

/** The document text with the plan applied (for Show diff). */
export function applyPlan(current: string, plan: Extract<InsertionPlan, { ok: true }>): string {
  return current.slice(0, plan.start) + plan.body + current.slice(plan.end);
}

/**
 * The sorry a "prove at cursor" means: the one under the cursor, else the one nearest the cursor in
 * the declaration around it. Sorries outside any declaration cannot be targets.
 */
export function sorryAt(text: string, offset: number): SorryLocation | undefined {
  const sorries = findSorries(text).filter((s) => s.declaration !== undefined);
  const under = sorries.find((s) => s.offset <= offset && offset <= s.offset + 'sorry'.length);
  if (under) return under;
  const inDecl = sorries.filter((s) => s.declaration!.start <= offset && offset <= s.declaration!.end);
  inDecl.sort((a, b) => Math.abs(a.offset - offset) - Math.abs(b.offset - offset));
  return inDecl[0];
}
