// Helper lemmas: a reply may prove its theorem with lemmas it states beside it. Such a lemma travels
// with the candidate (`Candidate.helpers`) only when it is a plain `theorem` with a new, simple name
// whose statement and proof pass the same screen as a proof body; Lean checks it before the target
// in the same scratch document, and the target's axiom check covers it, since the target's proof
// refers to it. A lemma that restates one of the user's declarations is not a helper: it is dropped
// and the proof uses the user's own.
import { firstViolation, screenBody, textViolation, type ScreenOptions, type ScreenResult } from './screen';
import { codeTokens, findDeclarations } from './source';
import type { Candidate, Declaration, HelperLemma, ProofTarget } from './types';

/** More helper lemmas than this in one candidate are refused: no real proof needs them, and each costs a screen. */
export const MAX_HELPERS = 16;

/** The namespace prefix of a declaration (`A.B.` for `A.B.c`), or ''. */
function namespaceOf(decl: Declaration): string {
  if (!decl.fullName || !decl.name || !decl.fullName.endsWith(decl.name)) return '';
  return decl.fullName.slice(0, decl.fullName.length - decl.name.length);
}

/** Every name the user's file declares, as written and in full. */
export function userNames(target: ProofTarget): Set<string> {
  const names = new Set<string>();
  for (const d of findDeclarations(target.text)) {
    if (d.name) names.add(d.name);
    if (d.fullName) names.add(d.fullName);
  }
  return names;
}

/** Why a helper's name cannot be used, or undefined. */
function nameProblem(name: string, target: ProofTarget, names: Set<string>): string | undefined {
  const tokens = codeTokens(name);
  if (tokens.length !== 1 || tokens[0]!.kind !== 'ident' || name.includes('.') || name.includes('«')) {
    return `the helper \`${name.slice(0, 60)}\` must have a plain name (no dots, namespaces or «»)`;
  }
  const full = namespaceOf(target.declaration) + name;
  if (name === target.declaration.name || names.has(name) || names.has(full)) {
    return `the helper \`${name}\` is named like a declaration of your file; give it a new name`;
  }
  return undefined;
}

/** Screens one helper lemma: its text must be one plain `theorem` whose statement and proof pass the screen. */
export function screenHelper(helper: HelperLemma, target: ProofTarget, opts: ScreenOptions, names: Set<string> = userNames(target)): ScreenResult {
  const textProblem = textViolation(helper.text);
  if (textProblem) return { ok: false, reason: `helper \`${helper.name}\`: ${textProblem}` };
  const nameIssue = nameProblem(helper.name, target, names);
  if (nameIssue) return { ok: false, reason: nameIssue };
  const tokens = codeTokens(helper.text);
  if (tokens[0]?.text !== 'theorem' || tokens[1]?.text !== helper.name) {
    return { ok: false, reason: `the helper \`${helper.name}\` must be a plain \`theorem ${helper.name} ... := ...\` (no attributes, modifiers or other commands)` };
  }
  const decls = findDeclarations(helper.text);
  const decl = decls[0];
  if (decls.length !== 1 || !decl || decl.start !== 0 || decl.end !== helper.text.trimEnd().length || decl.bodyStart === decl.end) {
    return { ok: false, reason: `the helper \`${helper.name}\` must be exactly one theorem with a proof` };
  }
  const statementTokens = codeTokens(helper.text.slice(0, decl.bodyStart)).slice(2);
  const statementProblem = firstViolation(statementTokens, 'proof', opts);
  if (statementProblem) return { ok: false, reason: `the statement of helper \`${helper.name}\`: ${statementProblem}` };
  const body = screenBody(decl.body, opts);
  if (!body.ok) return { ok: false, reason: `the proof of helper \`${helper.name}\`: ${body.reason}` };
  return { ok: true };
}

/** Screens every helper of a candidate (none: ok); names must also differ from each other. */
export function screenHelpers(candidate: Candidate, target: ProofTarget, opts: ScreenOptions): ScreenResult {
  const helpers = candidate.helpers ?? [];
  if (helpers.length > MAX_HELPERS) return { ok: false, reason: `more than ${MAX_HELPERS} helper lemmas` };
  const names = helpers.length > 0 ? userNames(target) : new Set<string>();
  const seen = new Set<string>();
  for (const helper of helpers) {
    if (seen.has(helper.name)) return { ok: false, reason: `the helper \`${helper.name}\` is declared twice` };
    seen.add(helper.name);
    const result = screenHelper(helper, target, opts, names);
    if (!result.ok) return result;
  }
  return { ok: true };
}

/** The text Lean checks and an accepted proof inserts: the helpers, each followed by a blank line, then the declaration. */
export function withHelpers(candidate: Pick<Candidate, 'declarationText' | 'helpers'>): string {
  const helpers = candidate.helpers ?? [];
  return helpers.length === 0 ? candidate.declarationText : `${helpers.map((h) => h.text).join('\n\n')}\n\n${candidate.declarationText}`;
}
