// Tactic configurations are evaluated. Lean elaborates the term of `simp (config := e)`,
// `rw (config := e)`, `decide (config := e)`, ... and then *runs* it (`evalExpr` in
// Lean/Elab/Tactic/Config.lean, 4.0.0 and today; newer Lean also for `(opt := e)` items), so a
// configuration can hide a call of `IO.FS.writeFile … ()` that runs while the proof is checked.
// A proof may give configurations only as literals: `+opt` and `-opt`, and `(opt := v)` /
// `(config := v)` where v is built from `true`, `false`, numbers, `.name` constants (`.reducible`,
// `.pos [1, 2]`), lists of those or of names (`[-builtin, Foo]`), and `{ field := v, … }`.
// `(disch := tac)` / `(discharger := tac)` take a tactic, which the screen reads like any other.
import type { LeanToken } from './source';
import { plainName } from './screen-names';

/** Tactics that take a configuration (those found in Lean core, Batteries, Mathlib and Aesop). */
const CONFIG_TACTICS = new Set([
  'simp', 'simp?', 'simp_all', 'simp_all?', 'dsimp', 'dsimp?', 'simp_arith', 'simpa', 'simpa?', 'simp_wf', 'norm_num', 'norm_num1',
  'rw', 'rewrite', 'rwa', 'erw', 'nth_rewrite', 'nth_rw', 'rw_mod_cast', 'unfold', 'delta', 'decide', 'omega', 'bv_omega',
  'linarith', 'nlinarith', 'positivity', 'polyrith', 'ring_nf', 'field_simp', 'aesop', 'aesop?', 'grind', 'ext', 'congr',
  'convert', 'apply', 'exact?', 'apply?', 'induction', 'cases', 'split', 'generalize', 'subst_vars', 'refine', 'constructor',
  'fun_prop', 'gcongr', 'bound', 'norm_cast', 'push_cast', 'abel', 'abel_nf', 'ring', 'noncomm_ring', 'tauto',
  'itauto', 'cc', 'exact_mod_cast', 'apply_mod_cast', 'bv_decide', 'bv_normalize', 'simp_rw', 'simp_intro', 'congr!', 'convert_to',
  'apply_rules', 'solve_by_elim', 'use', 'use!', 'measurability', 'continuity', 'aesop_cat', 'plausible', 'slim_check', 'split_ifs',
  'unfold_let', 'linear_combination', 'linear_combination2', 'compute_degree', 'monicity', 'cutsat', 'lia', 'rintro', 'obtain',
  'rcases', 'fin_cases', 'interval_cases', 'nontriviality', 'contrapose', 'push_neg', 'tfae_finish',
]);

/** Items whose value is a tactic, not an evaluated term. */
const TACTIC_VALUED = new Set(['disch', 'discharger', 'norm']);

/** `True`/`False` stand for booleans by `decide`, as Mathlib writes `{ contextual := True }`. */
const LITERAL_WORDS = new Set(['true', 'false', 'True', 'False']);

const OPEN = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[']);
const CLOSE = new Set([')', ']', '}', '⟩', '⦄', '⟧']);

/** Index of the bracket matching the one at `open` (forward), or -1. */
function matchForward(tokens: readonly LeanToken[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'symbol') continue;
    if (OPEN.has(t.text)) depth++;
    else if (CLOSE.has(t.text) && --depth === 0) return k;
  }
  return -1;
}

/** Index of the bracket matching the closing one at `close` (backward), or -1. */
function matchBackward(tokens: readonly LeanToken[], close: number): number {
  let depth = 0;
  for (let k = close; k >= 0; k--) {
    const t = tokens[k]!;
    if (t.kind !== 'symbol') continue;
    if (CLOSE.has(t.text)) depth++;
    else if (OPEN.has(t.text) && --depth === 0) return k;
  }
  return -1;
}

/** Whether tokens[from, to) are a literal configuration value. */
export function literalConfigValue(tokens: readonly LeanToken[], from: number, to: number): boolean {
  let k = from;
  const at = (i: number): LeanToken | undefined => (i < to ? tokens[i] : undefined);
  const value = (): boolean => {
    const t = at(k);
    if (!t) return false;
    if (t.kind === 'number' || (t.kind === 'ident' && LITERAL_WORDS.has(t.text))) {
      k++;
      return true;
    }
    if (t.kind === 'symbol' && t.text === '.') {
      const name = at(k + 1);
      if (name?.kind !== 'ident' || name.start !== t.end || name.text.includes('.')) return false;
      k += 2;
      if (at(k)?.text === '[') return list(); // `.pos [1, 2]`
      return true;
    }
    if (t.kind === 'symbol' && t.text === '(') {
      k++;
      if (!value() || at(k)?.text !== ')') return false;
      k++;
      return true;
    }
    if (t.kind === 'symbol' && t.text === '[') return list();
    if (t.kind === 'symbol' && t.text === '{') {
      k++;
      if (at(k)?.text === '}') {
        k++;
        return true;
      }
      for (;;) {
        const field = at(k);
        if (field?.kind !== 'ident' || at(k + 1)?.text !== ':=') return false;
        k += 2;
        if (!value()) return false;
        const sep = at(k)?.text;
        k++;
        if (sep === '}') return true;
        if (sep !== ',') return false;
      }
    }
    return false;
  };
  // `[a, -b, 1, .x]`: names (rule sets), numbers (occurrences), literals.
  const list = (): boolean => {
    k++; // `[`
    if (at(k)?.text === ']') {
      k++;
      return true;
    }
    for (;;) {
      if (at(k)?.text === '-') k++;
      const t = at(k);
      if (t?.kind === 'ident' && !LITERAL_WORDS.has(t.text)) k++;
      else if (!value()) return false;
      const sep = at(k)?.text;
      k++;
      if (sep === ']') return true;
      if (sep !== ',') return false;
    }
  };
  return value() && k === to;
}

/**
 * The token a configuration item at `open` (a `(`) belongs to: walking back over the items before it
 * (`+opt`, `-opt`, `(opt := v)`), the tactic name, or undefined.
 */
function headOf(tokens: readonly LeanToken[], open: number, heads: Map<number, number | undefined>): number | undefined {
  let j = open - 1;
  for (;;) {
    const t = tokens[j];
    if (!t) return undefined;
    if (t.kind === 'symbol' && t.text === ')') {
      const start = matchBackward(tokens, j);
      if (start < 0 || tokens[start + 1]?.kind !== 'ident' || tokens[start + 2]?.text !== ':=') return j;
      // The item before this one was walked already: its head is this one's (linear in all).
      if (heads.has(start)) return heads.get(start);
      j = start - 1;
      continue;
    }
    const sign = tokens[j - 1];
    if (t.kind === 'ident' && sign && (sign.text === '+' || sign.text === '-') && sign.end === t.start) {
      j -= 2;
      continue;
    }
    return j;
  }
}

/**
 * A problem with the configuration item `(name := …)` starting at token `open`, or undefined when
 * it is no configuration item (a named argument of a term, `f (x := e)`) or a literal one.
 * `heads` remembers the head of each item seen, so a run of items is walked once.
 */
export function configItemProblem(tokens: readonly LeanToken[], open: number, heads: Map<number, number | undefined> = new Map()): string | undefined {
  const nameToken = tokens[open + 1];
  if (tokens[open]?.text !== '(' || nameToken?.kind !== 'ident' || tokens[open + 2]?.text !== ':=') return undefined;
  const name = plainName(nameToken.text);
  // `(opt := by tacs)`: Lean keeps the tactics as syntax (Config.lean), and the screen reads them.
  if (TACTIC_VALUED.has(name) || tokens[open + 3]?.text === 'by') return undefined;
  const head = headOf(tokens, open, heads);
  heads.set(open, head);
  const headToken = head === undefined ? undefined : tokens[head];
  // A named argument of a term (`foo (x := e)`) is never evaluated; only a tactic's items are.
  // Tactic names are not term names (`simp (x := e)` is never a function applied to a named
  // argument), so a listed head makes a configuration wherever it stands.
  const isConfig = name === 'config' || (headToken !== undefined && headToken.kind === 'ident' && CONFIG_TACTICS.has(plainName(headToken.text)));
  if (!isConfig) return undefined;
  const close = matchForward(tokens, open);
  if (close < 0) return `the configuration \`(${name} := …)\` is not closed`;
  if (literalConfigValue(tokens, open + 3, close)) return undefined;
  return `the configuration \`(${name} := …)\` is not a literal: Lean evaluates (runs) a tactic's configuration, so a proof may only give \`+opt\`, \`-opt\` or \`(opt := true | false | number | .name | { field := literal, … })\``;
}
