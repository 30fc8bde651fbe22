// What the repair loop asks the memory bank: the statement, the goal state when there is one, and
// after a failed attempt the names Lean's errors point at (identifiers it did not know, lemmas that
// did not apply), so each round can retrieve proofs that show how those names are used.
import type { ProofTarget, RetrievalQuery } from './types';

const NAME = "([^'`\\s]+)";
/** Error shapes whose quoted name is worth looking up. */
const QUOTED = [
  new RegExp(`unknown (?:identifier|constant|declaration|namespace) ['\`]${NAME}['\`]?`, 'g'),
  new RegExp(`invalid field ['\`]${NAME}['\`]`, 'g'),
  new RegExp(`failed to rewrite using equation theorems for ['\`]${NAME}['\`]`, 'g'),
  new RegExp(`(?:unknown|ambiguous) (?:lemma|theorem) ['\`]${NAME}['\`]`, 'g'),
];
/** Errors followed by the failing term on the next (indented) line: its head name is the lemma that did not fit. */
const TERM_AFTER = /(?:type mismatch|application type mismatch|function expected|motive is not type correct)[^\n]*\n\s+@?([A-Za-z_][\w.'?!]*)/g;

/** Names from Lean's error text (feedback of a failed attempt), first occurrence first, at most 16. */
export function namesFromLeanErrors(feedback: string): string[] {
  const found: { at: number; name: string }[] = [];
  for (const pattern of [...QUOTED, TERM_AFTER]) {
    pattern.lastIndex = 0;
    for (const m of feedback.matchAll(pattern)) found.push({ at: m.index ?? 0, name: m[1]!.replace(/['`]+$/, '') });
  }
  found.sort((a, b) => a.at - b.at);
  return [...new Set(found.map((f) => f.name).filter((n) => n.length > 1))].slice(0, 16);
}

/** The retrieval query for a target: its header, the goal (when known) and the names from the last failure's errors. */
export function retrievalQueryFor(target: ProofTarget, goal: string | undefined, history: readonly { feedback: string }[]): RetrievalQuery {
  const query: RetrievalQuery = { statement: target.declaration.header, excludeName: target.declaration.fullName };
  if (goal?.trim()) query.goal = goal;
  const last = history[history.length - 1];
  const hints = last ? namesFromLeanErrors(last.feedback) : [];
  if (hints.length > 0) query.hints = hints;
  return query;
}

/** Whether two queries would retrieve the same proofs (so a round can keep the last answer). */
export function sameRetrievalQuery(a: RetrievalQuery | undefined, b: RetrievalQuery): boolean {
  return a !== undefined && a.statement === b.statement && (a.goal ?? '') === (b.goal ?? '') && (a.hints ?? []).join('\n') === (b.hints ?? []).join('\n');
}
