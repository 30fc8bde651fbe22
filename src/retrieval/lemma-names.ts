// Which names a proof uses as lemmas: the yardstick of the retrieval benchmark (lemma recall) and
// the target the built-in embedder is trained towards. The rules, in order (docs/retrieval.md
// repeats them):
//  1. Identifier tokens of the proof as Lean reads it (comments and strings do not count), with `@`
//     and «» removed.
//  2. Tactic names and keywords are not lemmas.
//  3. At least 3 characters, and lemma-shaped: contains `.` or `_`, or is camelCase (`congrArg`).
//     A bare type or namespace (`Nat`, `List`: one capitalised component) is not a lemma.
//  4. Local names are not lemmas: a name whose first component looks local (one or two letters
//     with digits or primes, such as `h`, `hx`, `ih`, `l₁`, `a'`; or `h…`/`ih…` without capitals, such
//     as `hab`, `ha_pos`) and any one-component name bound in the statement (the names right after
//     `(`, `{`, `[`, `⦃`, `∀`, `∃`, `fun`, `λ`).
// A lemma name counts as found in another proof when that proof uses the same name, or the one is
// the other with a namespace in front (`List.append_nil` and `append_nil` match; `Nat.le_refl` and
// `Int.le_refl` do not).
import { codeTokens } from '../core/source';
import { TACTICS } from './lean-features';

const KEYWORDS = new Set(
  (
    'by at with only this fun λ have show from let if then else do match in using generalizing says ' +
    'theorem lemma def example where deriving instance structure class namespace section end open ' +
    'variable universe noncomputable private protected set_option attribute local macro syntax ' +
    'true false True False sorry admit Type Sort Prop'
  ).split(' '),
);

const LOCAL_FIRST = /^(?:[a-zA-Z][a-zA-Z]?[\d₀-₉']*|h[a-z\d₀-₉_']*|ih[a-zA-Z\d₀-₉_']*)$/;

/** Whether a name's first component looks like a local name (rule 4): `h`, `hx`, `ih`, `l₁`, `a'`, `hab`. */
export function looksLocalComponent(component: string): boolean {
  return LOCAL_FIRST.test(component);
}

function cleanIdentifier(text: string): string {
  return text.replace(/^@/, '').replace(/[«»]/g, '');
}

/** The identifiers of a text (comments and strings excluded), cleaned as in rule 1. */
export function identifierSet(text: string): Set<string> {
  const out = new Set<string>();
  for (const t of codeTokens(text)) if (t.kind === 'ident') out.add(cleanIdentifier(t.text));
  return out;
}

const BINDER_OPENERS = new Set(['(', '{', '[', '⦃', '∀', '∃', 'fun', 'λ', '∃!']);

/** The names a statement binds: the identifiers right after a binder opener. */
export function boundNames(statement: string): Set<string> {
  const out = new Set<string>();
  let binding = false;
  for (const t of codeTokens(statement)) {
    if (t.kind === 'ident' && binding) {
      out.add(cleanIdentifier(t.text));
      continue;
    }
    binding = BINDER_OPENERS.has(t.text);
  }
  return out;
}

function lemmaShaped(name: string): boolean {
  if (name.length < 3) return false;
  if (name.includes('.') || name.includes('_')) return true;
  return /^[a-z]/.test(name) && /[A-Z]/.test(name);
}

function looksLocal(name: string, statementNames: Set<string>): boolean {
  const first = name.split('.')[0]!;
  if (LOCAL_FIRST.test(first)) return true;
  return !name.includes('.') && statementNames.has(name);
}

/** The lemma names a proof uses (rules 1–4), given the theorem's statement for its binders. */
export function lemmaNames(proof: string, statement = ''): Set<string> {
  const statementNames = boundNames(statement);
  const out = new Set<string>();
  for (const name of identifierSet(proof)) {
    if (TACTICS.has(name) || KEYWORDS.has(name)) continue;
    if (!lemmaShaped(name)) continue;
    if (looksLocal(name, statementNames)) continue;
    out.add(name);
  }
  return out;
}

/** Whether `name` occurs among `used` (a proof's identifiers), up to a leading namespace. */
export function lemmaFound(name: string, used: ReadonlySet<string>, usedSuffixes?: ReadonlySet<string>): boolean {
  if (used.has(name)) return true;
  // `List.append_nil` in the other proof covers `append_nil` here…
  if (usedSuffixes?.has(name)) return true;
  // …and `append_nil` there covers `List.append_nil` here.
  for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) {
    if (used.has(name.slice(dot + 1))) return true;
  }
  return false;
}

/** Every dot-suffix of every name (`A.B.c` gives `B.c` and `c`), for `lemmaFound`. */
export function dotSuffixes(names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const name of names) {
    for (let dot = name.indexOf('.'); dot >= 0; dot = name.indexOf('.', dot + 1)) out.add(name.slice(dot + 1));
  }
  return out;
}

/**
 * Lemma recall of one query: the share of `wanted` found in the union of the retrieved proofs'
 * identifiers (each given as its identifier set with its dot-suffixes). NaN when nothing is wanted.
 */
export function lemmaRecall(wanted: ReadonlySet<string>, retrieved: readonly { used: ReadonlySet<string>; suffixes: ReadonlySet<string> }[]): number {
  if (wanted.size === 0) return NaN;
  let found = 0;
  for (const name of wanted) if (retrieved.some((r) => lemmaFound(name, r.used, r.suffixes))) found++;
  return found / wanted.size;
}
