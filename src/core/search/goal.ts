// Goal states as Lean prints them (`$/lean/plainGoal`, "unsolved goals" messages): an optional
// `case` tag, hypotheses `names : type` (a long type continues on indented lines), then `⊢ target`.
// Pure text: what the symbolic expansion reads to choose tactics, and what the search compares to
// find the same state reached twice.

export interface Hypothesis {
  names: string[];
  type: string;
}

export interface ParsedGoal {
  caseTag?: string;
  hyps: Hypothesis[];
  target: string;
}

/** Collapses whitespace runs to one space. */
export function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** One goal (`hyps\n⊢ target`) taken apart. Text without a `⊢` line is all target. */
export function parseGoal(text: string): ParsedGoal {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let caseTag: string | undefined;
  const hyps: Hypothesis[] = [];
  let i = 0;
  if (lines[0]?.startsWith('case ')) {
    caseTag = lines[0].slice(5).trim();
    i = 1;
  }
  const turnstile = lines.findIndex((l, k) => k >= i && l.startsWith('⊢'));
  if (turnstile < 0) return { caseTag, hyps, target: squash(lines.slice(i).join('\n')) };
  let current: string | undefined;
  const flush = (): void => {
    if (current === undefined) return;
    const colon = topLevelColon(current);
    if (colon > 0) hyps.push({ names: current.slice(0, colon).trim().split(/\s+/), type: squash(current.slice(colon + 1)) });
    current = undefined;
  };
  for (; i < turnstile; i++) {
    const line = lines[i]!;
    if (/^\s/.test(line) && current !== undefined) current += ' ' + line.trim();
    else {
      flush();
      current = line;
    }
  }
  flush();
  return { caseTag, hyps, target: squash(lines.slice(turnstile).join('\n').slice(1)) };
}

/** The first ` : ` outside brackets (names never contain one; types may, inside binders). */
function topLevelColon(text: string): number {
  let depth = 0;
  for (let k = 0; k < text.length; k++) {
    const ch = text[k]!;
    if ('([{⟨'.includes(ch)) depth++;
    else if (')]}⟩'.includes(ch)) depth--;
    else if (ch === ':' && depth === 0 && text[k + 1] !== '=' && text[k - 1] === ' ') return k;
  }
  return -1;
}

/** The goals of an "unsolved goals" message: everything after its first line, split at blank lines. */
export function goalsFromMessage(message: string): string[] {
  const body = message.replace(/\r\n?/g, '\n').split('\n').slice(1).join('\n');
  return body
    .split(/\n\s*\n/)
    .map((g) => g.trim())
    .filter((g) => g !== '');
}

/**
 * A key for "the same goals": whitespace collapsed, case tags dropped, and the `✝` suffixes of
 * inaccessible names (which differ between two runs of the same tactics) left out.
 */
export function stateKey(goals: string[]): string {
  return goals.map((g) => squash(g.replace(/^case [^\n]*\n/, '').replace(/✝\d*/g, '✝'))).join('\n⊕\n');
}

/** A size for scoring: the characters of the target and hypotheses, whitespace collapsed. */
export function goalSize(goal: string): number {
  const parsed = parseGoal(goal);
  return parsed.target.length + parsed.hyps.reduce((a, h) => a + h.type.length, 0) / 4;
}

/** Whether `name` is a name a tactic can refer to (not inaccessible `x✝`, not `this` shadowing). */
export function accessible(name: string): boolean {
  return name !== '' && !name.includes('✝') && /^[\p{L}_][\p{L}\p{N}_'!?.₀-₉]*$/u.test(name);
}

/**
 * The operator at the top of a proposition, the weakest-binding one outside brackets and binders:
 * `↔` (20), `→` (25), `∨` (30), `∧` (35); or a leading `∀`/`∃`/`¬`.
 */
export function topConnective(prop: string): '↔' | '→' | '∨' | '∧' | '∀' | '∃' | '¬' | undefined {
  const p = prop.trim();
  if (p.startsWith('∀')) return '∀';
  if (p.startsWith('∃')) return '∃';
  let depth = 0;
  const found = new Set<string>();
  for (const ch of p) {
    if ('([{⟨'.includes(ch)) depth++;
    else if (')]}⟩'.includes(ch)) depth--;
    else if (depth === 0 && '↔→∨∧'.includes(ch)) found.add(ch);
    // a `fun`/binder body at top level would hide the structure: `,` ends the scan of binders only
    // after a leading quantifier, handled above
  }
  for (const op of ['↔', '→', '∨', '∧'] as const) if (found.has(op)) return op;
  if (p.startsWith('¬')) return '¬';
  return undefined;
}

/** The bound names of a leading `∀`: `∀ (a b : Nat) {c}, P` → [a, b, c]; `∀ x y, P` → [x, y]. */
export function forallNames(prop: string): string[] {
  const p = prop.trim();
  if (!p.startsWith('∀')) return [];
  let depth = 0;
  let end = -1;
  for (let k = 1; k < p.length; k++) {
    const ch = p[k]!;
    if ('([{⦃'.includes(ch)) depth++;
    else if (')]}⦄'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      end = k;
      break;
    }
  }
  if (end < 0) return [];
  const binders = p.slice(1, end);
  const names: string[] = [];
  // Inside brackets only the names before ` : ` count; outside, `x y : T` likewise.
  for (const group of binders.match(/[([{⦃][^)\]}⦄]*[)\]}⦄]|[^([{⦃]+/g) ?? []) {
    const inner = group.replace(/^[([{⦃]|[)\]}⦄]$/g, '');
    const colon = inner.indexOf(':');
    for (const n of (colon >= 0 ? inner.slice(0, colon) : inner).trim().split(/\s+/)) if (accessible(n)) names.push(n);
  }
  return names;
}
