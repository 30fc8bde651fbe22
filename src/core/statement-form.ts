// How a restated statement in a reply compares with the user's: the same up to form (binder
// brackets, `∑ x in` / `∑ x ∈`, parentheses, line breaks, `↦` / `=>`) or different in substance
// (another name, binder name, hypothesis or type). Only the form may differ: the body then goes to
// Lean under the user's own header, and Lean decides. Also the `open ... in` / `set_option ... in`
// prefixes a reply puts before its theorem, which the proof may need.
import { codeTokens, statementSignature, type LeanToken } from './source';

/** Tokens that only change form: brackets around binders and groups. */
const FORM_ONLY = new Set(['(', ')', '{', '}', '⦃', '⦄']);
/** Spellings Lean (or Mathlib) reads alike. */
const SAME_AS: Record<string, string> = { in: '∈', '↦': '=>', λ: 'fun' };

/** A statement signature with its form-only differences erased, for comparison. */
export function looseForm(signature: string): string {
  return codeTokens(signature)
    .filter((t) => !(t.kind === 'symbol' && FORM_ONLY.has(t.text)))
    .map((t) => SAME_AS[t.text] ?? t.text)
    .join(' ');
}

export type StatementMatch = 'same' | 'same-form' | 'different';

/** Compares the statement of a reply's header with the target's (names and keywords do not count here). */
export function compareStatements(targetHeader: string, replyHeader: string): { match: StatementMatch; expected: string; got: string } {
  const expected = statementSignature(targetHeader);
  const got = statementSignature(replyHeader);
  if (expected === got) return { match: 'same', expected, got };
  return { match: looseForm(expected) === looseForm(got) ? 'same-form' : 'different', expected, got };
}

/**
 * The `open NAMES in` and `set_option NAME VALUE in` prefixes at the start of a declaration's
 * header, in order, as written (one line each, whitespace collapsed).
 */
export function scopePrefixes(header: string): string[] {
  const tokens = codeTokens(header);
  const out: string[] = [];
  let k = 0;
  for (;;) {
    const t = tokens[k];
    if (!t || t.kind !== 'ident' || (t.text !== 'open' && t.text !== 'set_option')) return out;
    const end = prefixEnd(tokens, k);
    if (end === undefined) return out;
    out.push(tokens.slice(k, end + 1).map((x) => x.text).join(' '));
    k = end + 1;
  }
}

/** Index of the `in` that closes the prefix starting at k, or undefined when it is not a prefix. */
function prefixEnd(tokens: LeanToken[], k: number): number | undefined {
  if (tokens[k]!.text === 'set_option') return tokens[k + 3]?.text === 'in' ? k + 3 : undefined;
  for (let j = k + 1; j < tokens.length && j < k + 64; j++) {
    const t = tokens[j]!;
    if (t.kind === 'ident' && t.text === 'in') return j;
    if (!(t.kind === 'ident' || (t.kind === 'symbol' && ['(', ')', '→'].includes(t.text)))) return undefined;
  }
  return undefined;
}

/**
 * A body with scope prefixes moved inside it: `:= open Real in set_option x 1 in by ...`. Lean
 * reads `open ... in` and `set_option ... in` before a term as it does before a command, so the
 * proof resolves names as the model meant while the statement stays the user's. Bodies that do
 * not start with `:=` (pattern alternatives) are returned unchanged.
 */
export function withPrefixes(body: string, prefixes: string[]): string {
  if (prefixes.length === 0 || !body.startsWith(':=')) return body;
  return `:= ${prefixes.join(' ')} ${body.slice(2).trimStart()}`;
}
