// Lean's printed goals (`$/lean/plainGoal`'s `goals`, `$/lean/plainTermGoal`'s `goal`) read back
// into hypotheses and a target. A printed goal is
//   case tag                (optional)
//   a b : Nat               (names share one type)
//   x : Nat := 5            (a `let` value)
//   ⊢ a + 0 = b
// and a long type continues on indented lines. Several goals are separated by a blank line.

export interface PrintedHypothesis {
  names: string[];
  type: string;
  value?: string;
}

export interface PrintedGoal {
  caseTag?: string;
  hypotheses: PrintedHypothesis[];
  target: string;
}

const OPEN = new Set(['(', '[', '{', '⟨', '⦃', '⟦']);
const CLOSE = new Set([')', ']', '}', '⟩', '⦄', '⟧']);

/** Index of `needle` in `s` at bracket depth 0, or -1. */
function atDepthZero(s: string, needle: string): number {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && s.startsWith(needle, i)) return i;
  }
  return -1;
}

/** Splits the goals of one answer (blank-line separated). */
export function splitGoals(printed: string): string[] {
  return printed
    .split(/\r?\n[ \t]*\r?\n/)
    .map((g) => g.replace(/^\s*\n/, '').trimEnd())
    .filter((g) => g.trim() !== '' && g.trim() !== 'no goals');
}

/** One printed goal read back; undefined when it has no `⊢` line or a hypothesis line has no `:`. */
export function parseGoal(printed: string): PrintedGoal | undefined {
  const raw = printed.split(/\r?\n/);
  const lines: string[] = [];
  for (const line of raw) {
    // A line that starts with whitespace continues the one before it.
    if (/^\s/.test(line) && lines.length > 0) lines[lines.length - 1] += `\n${line}`;
    else if (line.trim() !== '') lines.push(line);
  }
  const goal: PrintedGoal = { hypotheses: [], target: '' };
  let k = 0;
  const tag = /^case\s+(.+)$/.exec(lines[0] ?? '');
  if (tag) {
    goal.caseTag = tag[1]!.trim();
    k = 1;
  }
  for (; k < lines.length; k++) {
    const line = lines[k]!;
    if (line.startsWith('⊢')) {
      goal.target = [line.slice(1), ...lines.slice(k + 1)].join('\n').trim();
      return goal.target === '' ? undefined : goal;
    }
    const colon = atDepthZero(line, ' : ');
    if (colon <= 0) return undefined;
    const names = line.slice(0, colon).trim().split(/\s+/);
    let type = line.slice(colon + 3);
    let value: string | undefined;
    const assign = atDepthZero(type, ' := ');
    if (assign >= 0) {
      value = type.slice(assign + 4).trim();
      type = type.slice(0, assign);
    }
    const hypothesis: PrintedHypothesis = { names, type: type.trim() };
    if (value !== undefined) hypothesis.value = value;
    goal.hypotheses.push(hypothesis);
  }
  return undefined;
}
