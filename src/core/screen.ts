// Candidate screening: before Lean sees a candidate, its body must be nothing but a proof of the
// target. Lean runs code while it elaborates (`#eval`, `run_cmd`, `elab`, `initialize`, ...), so a
// body that adds a command, a metaprogram, an axiom, an option that weakens checking, or a `sorry`
// is rejected here with a reason the next prompt can quote. The rules work on Lean tokens: a
// `sorry` in a comment or a string is harmless text, while a comment can never hide code from us
// because the lexer reads comments exactly as Lean does.
import { configItemProblem } from './screen-config';
import { namespacesBefore, namespacesInEffect, plainName, readings, tailOf, underPrefix } from './screen-names';
import { COMMAND_KEYWORDS, lexLean, type LeanToken } from './source';
import type { Candidate, ProofTarget } from './types';

export interface ScreenOptions {
  allowNativeDecide: boolean;
  /**
   * Namespaces in effect where the proof will stand (the user's `open`s and `namespace`s above the
   * declaration): a short name there may mean a forbidden one (`open IO` makes `FS.writeFile` IO).
   */
  namespaces?: readonly string[];
}

export type ScreenResult = { ok: true } | { ok: false; reason: string };

/** More namespaces than any proof opens: each name is read under every one of them. */
const MAX_OPENED = 64;

/** Deeper nesting than any real proof has: Lean's parser would recurse on it. */
export const MAX_NESTING = 256;
const OPENING = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[']);
const CLOSING = new Set([')', ']', '}', '⟩', '⦄', '⟧']);

/** Bodies above this size are rejected unseen: no real proof is this long, and Lean would spend minutes on it. */
export const MAX_BODY_CHARS = 100_000;

const DECLARATION_KEYWORDS = new Set(['theorem', 'lemma', 'example', 'def', 'abbrev', 'instance', 'opaque', 'axiom', 'structure', 'inductive', 'class', 'irreducible_def', 'proof_wanted']);
const MODIFIER_KEYWORDS = new Set(['private', 'protected', 'noncomputable', 'nonrec', 'local', 'scoped', 'deriving']);

/** Commands a restated reply may carry around its theorem: they never reach Lean (only the proof does). */
const HARMLESS_REPLY_COMMANDS = new Set(['import', 'prelude', 'namespace', 'section', 'end', 'universe', 'variable', 'omit', 'include', 'mutual', 'open', 'set_option']);

/** Judged by a name's last component, whatever namespace or quoting it is written with. */
const INCOMPLETE = new Map([
  ['sorry', '`sorry` leaves the proof unfinished'],
  ['admit', '`admit` leaves the proof unfinished (it is `sorry`)'],
  ['sorryAx', '`sorryAx` is the axiom behind `sorry`'],
  ['stop', '`stop` discards the rest of the proof (it is `repeat sorry`)'],
]);

/** Full names that trust compiled code; a name is judged by every full name it may stand for. */
const NATIVE = new Map([
  ['native_decide', '`native_decide` trusts compiled code (axiom Lean.ofReduceBool); set oprover.allowNativeDecide to allow it'],
  ['bv_decide', '`bv_decide` trusts compiled code (axiom Lean.ofReduceBool); set oprover.allowNativeDecide to allow it'],
  ['Lean.ofReduceBool', '`Lean.ofReduceBool` trusts compiled code; set oprover.allowNativeDecide to allow it'],
  ['Lean.reduceBool', '`Lean.reduceBool` asks the compiler to evaluate; set oprover.allowNativeDecide to allow it'],
  ['Lean.ofReduceNat', '`Lean.ofReduceNat` trusts compiled code; set oprover.allowNativeDecide to allow it'],
  ['Lean.reduceNat', '`Lean.reduceNat` asks the compiler to evaluate; set oprover.allowNativeDecide to allow it'],
  ['Lean.trustCompiler', '`Lean.trustCompiler` trusts compiled code; set oprover.allowNativeDecide to allow it'],
]);

function nativeProblem(names: readonly string[]): string | undefined {
  for (const [listed, reason] of NATIVE) if (names.some((n) => tailOf(n, listed))) return reason;
  return undefined;
}

const METAPROGRAMS = new Map([
  ['run_tac', '`run_tac` runs a metaprogram while the proof elaborates'],
  ['by_elab', '`by_elab` runs a metaprogram while the proof elaborates'],
  ['run_cmd', '`run_cmd` runs a metaprogram'],
  ['run_elab', '`run_elab` runs a metaprogram'],
  ['run_meta', '`run_meta` runs a metaprogram'],
  ['elab', '`elab` defines an elaborator (a metaprogram)'],
  ['elab_rules', '`elab_rules` defines an elaborator (a metaprogram)'],
  ['macro', '`macro` defines new syntax'],
  ['macro_rules', '`macro_rules` redefines syntax'],
  ['syntax', '`syntax` defines new syntax'],
  ['initialize', '`initialize` runs code when the file loads'],
  ['builtin_initialize', '`builtin_initialize` runs code when the file loads'],
  ['include_str', '`include_str` reads a file from disk'],
  ['implemented_by', '`implemented_by` swaps in unchecked code'],
  ['implementedBy', '`implementedBy` swaps in unchecked code'],
  ['extern', '`extern` swaps in unchecked code'],
  ['unsafe', '`unsafe` code bypasses the kernel'],
  ['partial', '`partial` definitions are not checked for termination'],
  ['unsafeIO', '`unsafeIO` performs IO'],
  ['unsafeBaseIO', '`unsafeBaseIO` performs IO'],
  ['unsafeEIO', '`unsafeEIO` performs IO'],
  ['unsafeCast', '`unsafeCast` bypasses the type checker'],
  ['axiom', '`axiom` would add an unproved assumption'],
  ['opaque', '`opaque` would add an unchecked constant'],
  ['attribute', '`attribute` changes global state; only the proof may be given'],
  ['dbg_trace', '`dbg_trace` prints while the proof runs, and reads its string as interpolated code'],
  ['dbgTrace', '`dbgTrace` prints while the proof runs'],
  ['test_extern', '`test_extern` runs compiled code'],
]);

/** Commands written `name%` (the `%` glued on): not term elaborators like `type_of%`. */
const PERCENT_COMMANDS = new Set(['gen_injective_theorems']);

/**
 * IO that touches processes, files, the environment or the terminal, and the metaprogramming API.
 * Naming one runs nothing by itself (running needs `#eval`, `run_tac`, ... which are refused
 * anyway); refusing them is a second line, kept narrow so that lemmas about IO (`EIO.bind_eq_...`,
 * `System.Platform.numBits_eq`) still pass.
 */
const FORBIDDEN_PREFIXES = [
  'IO.',
  'IO.Process.',
  'IO.FS.',
  'IO.Prim.',
  'IO.print',
  'IO.eprint',
  'IO.getEnv',
  'IO.appPath',
  'IO.currentDir',
  'IO.setAccessRights',
  'IO.getStdout',
  'IO.getStdin',
  'IO.getStderr',
  'System.FilePath.',
  'System.IO',
  'Std.Internal.',
  'Std.Net.',
  'Lean.IR.',
  'Lean.Server.',
  'Lean.evalConst',
  'Lean.Elab.',
  'Lean.Meta.',
  'Lean.Compiler.',
  'Lean.Parser.',
  'Lean.Environment',
  'Lean.Core.',
];
const FORBIDDEN_NAMES = new Set(['IO']);

const verdicts = new Map<string, boolean>();

function forbiddenFullName(n: string): boolean {
  let v = verdicts.get(n);
  if (v === undefined) {
    v = FORBIDDEN_NAMES.has(n) || FORBIDDEN_PREFIXES.some((p) => underPrefix(n, p));
    if (verdicts.size > 10_000) verdicts.clear();
    verdicts.set(n, v);
  }
  return v;
}

/**
 * Whether any full name a word may stand for is IO or metaprogramming. Readings under a namespace
 * that is itself forbidden are not judged: opening it is refused where the proof does it, and where
 * the user's file does, any short name (a local `h` too) would read as a member of it.
 */
function forbiddenName(names: readonly string[], namespaces: readonly string[]): boolean {
  return names.some((n, i) => (i === 0 || !forbiddenFullName(namespaces[i - 1]!)) && forbiddenFullName(n));
}

/** Tokens that may stand at column 0 inside a proof: the parts of a declaration after its body. */
const COLUMN_ZERO_CONTINUATIONS = new Set(['|', 'where', 'termination_by', 'decreasing_by', ')', ']', '}', '⟩', '⦄', '⟧']);

const READ_ONLY_COMMANDS = new Set(['#check', '#print']);

/** Search tactics print a suggestion and re-run the search on every build: ask for the term they find. */
const SEARCH_TACTICS = new Set(['exact?', 'apply?', 'rw?', 'library_search', 'hint', 'rw_search']);

/**
 * Options a proof may set with `set_option ... in`: limits and cosmetics. Anything else, and
 * `debug.*` above all (`debug.skipKernelTC` turns the kernel off), is refused.
 */
const OPTION_LIMITS: Record<string, number> = {
  maxHeartbeats: 10_000_000,
  maxRecDepth: 100_000,
  'synthInstance.maxHeartbeats': 10_000_000,
  'synthInstance.maxSize': 100_000,
};
const OPTION_PREFIXES_ALLOWED = ['pp.', 'linter.'];
const OPTIONS_ALLOWED = new Set(['tactic.hygienic', 'simprocs', 'push_neg.use_distrib']);

/** Invisible and bidirectional control characters: they make code read differently from how Lean reads it. */
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/;

/** Letters from scripts Lean never reads as identifiers: look-alikes of Latin letters. */
const LOOKALIKE_LETTERS = /[\u00C0-\u024F\u0400-\u052F\uFF00-\uFFEF]/;

export type ScreenMode =
  /** The body of the candidate: only a proof is allowed. */
  | 'proof'
  /** The rest of a model's reply around the proof: restated imports, `open`s and helper declarations pass, code execution does not. */
  | 'reply';

function describeChar(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Whether token k stands where a tactic starts: first on its line, or after `by`, `;`, `·`, `=>`, `<;>` or `|`. */
function atTacticPosition(tokens: LeanToken[], k: number): boolean {
  const previous = tokens[k - 1];
  if (!previous || tokens[k]!.firstOnLine === true) return true;
  return ['by', ';', '·', '.', '=>', '>', '|'].includes(previous.text);
}

/** Checks a `set_option NAME VALUE` at token index k. */
function checkOption(tokens: LeanToken[], k: number, mode: ScreenMode): string | undefined {
  const name = tokens[k + 1];
  const value = tokens[k + 2];
  if (!name || name.kind !== 'ident' || !value) return '`set_option` without an option name and value';
  const option = name.text;
  // Around the proof only intent matters (nothing there reaches Lean): refuse what weakens checking.
  if (mode === 'reply') return option.startsWith('debug.') ? `\`set_option ${option}\` weakens checking (debug options can turn the kernel check off)` : undefined;
  const allowedName = option in OPTION_LIMITS || OPTIONS_ALLOWED.has(option) || OPTION_PREFIXES_ALLOWED.some((p) => option.startsWith(p));
  if (!allowedName) {
    if (option.startsWith('debug.')) return `\`set_option ${option}\` weakens checking (debug options can turn the kernel check off)`;
    return `\`set_option ${option}\` is not allowed in a proof (allowed: ${Object.keys(OPTION_LIMITS).join(', ')}, pp.*, linter.*)`;
  }
  const limit = OPTION_LIMITS[option];
  if (limit !== undefined) {
    const n = value.kind === 'number' ? Number(value.text.replace(/_/g, '')) : NaN;
    if (!Number.isFinite(n) || n <= 0 || n > limit) return `\`set_option ${option} ${value.text}\`: the value must be a number between 1 and ${limit} (0 means no limit)`;
  }
  if (tokens[k + 3]?.text !== 'in') return '`set_option` without `in` is a command; inside a proof write `set_option NAME VALUE in` before a tactic';
  return undefined;
}

/** Checks that `open` at index k is `open ... in` (a proof-local open), not an `open` command. */
function checkOpen(tokens: LeanToken[], k: number): string | undefined {
  for (let j = k + 1; j < tokens.length && j < k + 64; j++) {
    const t = tokens[j]!;
    if (t.kind === 'ident' && t.text === 'in') return undefined;
    const partOfOpen = t.kind === 'ident' || (t.kind === 'symbol' && (t.text === '(' || t.text === ')' || t.text === '→'));
    if (!partOfOpen || COMMAND_KEYWORDS.has(t.text) || DECLARATION_KEYWORDS.has(t.text)) break;
  }
  return '`open` without `in` is a command; inside a proof write `open NAMES in` before a tactic or term';
}

/** The first rule a run of code tokens breaks, as a reason for a person and for the next prompt; or undefined. */
export function firstViolation(tokens: LeanToken[], mode: ScreenMode, opts: ScreenOptions): string | undefined {
  let depth = 0;
  const opened = namespacesInEffect(tokens);
  if (mode === 'proof' && opened.length > MAX_OPENED) return `the proof opens ${opened.length} namespaces (at most ${MAX_OPENED})`;
  const namespaces = [...(opts.namespaces ?? []), ...opened];
  const configHeads = new Map<number, number | undefined>();
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind === 'symbol') {
      if (OPENING.has(t.text)) depth++;
      else if (CLOSING.has(t.text)) depth--;
      if (depth > MAX_NESTING) return `brackets nested deeper than ${MAX_NESTING}`;
    }
    if (t.unterminated) return `an unterminated ${t.kind === 'string' ? 'string' : t.kind === 'char' ? 'character literal' : 'comment'} would swallow the text after the proof`;
    if (t.kind === 'hash-command') {
      // A restated reply may show `#check` or `#print axioms` lines: read-only, and never sent to Lean.
      if (mode === 'reply' && READ_ONLY_COMMANDS.has(t.text)) continue;
      if (t.text === '#exit') return '`#exit` would cut off the rest of the file';
      return `\`${t.text}\` is a command, not part of a proof`;
    }
    if (t.kind === 'quotation') return 'syntax quotations (`(...)) are metaprogramming, not proof';
    if (t.kind === 'string' && mode === 'proof') {
      // Lean reads some plain-looking strings as interpolated (`dbg_trace "{...}"`, `throwError "{...}"`):
      // code inside the braces would be invisible here. Raw strings do not exist in every Lean.
      if (/^r#*"/.test(t.text)) return 'raw string literals are not allowed in a proof';
      if (t.text.includes('{')) return 'a string with `{` in a proof: Lean may read it as interpolated code';
    }
    if (t.kind === 'symbol' && LOOKALIKE_LETTERS.test(t.text)) {
      return `the character ${describeChar(t.text)} (${t.text}) looks like a Latin letter but Lean does not read it as one`;
    }
    if (mode === 'proof' && t.kind === 'symbol') {
      if (t.text === '@[') return 'attributes (`@[…]`) belong to declarations, not to a proof';
      if (t.text === '(') {
        const problem = configItemProblem(tokens, k, configHeads);
        if (problem) return problem;
      }
    }
    if (t.kind !== 'ident') continue;
    // `«sorry»` and `_root_.sorry` name what `sorry` names: judge names as Lean resolves them, under
    // every namespace in effect.
    const word = plainName(t.text);
    const names = readings(word, namespaces);
    const last = word.slice(word.lastIndexOf('.') + 1);

    if (word === 'set_option') {
      const problem = checkOption(tokens, k, mode);
      if (problem) return problem;
      continue;
    }
    if (word === 'open') {
      if (mode === 'proof') {
        const problem = checkOpen(tokens, k);
        if (problem) return problem;
      }
      continue;
    }
    const meta = METAPROGRAMS.get(word);
    if (meta) return meta;
    if (word === 'eval' && tokens[k + 1]?.text === '%' && tokens[k + 1]!.start === t.end) return '`eval%` runs code while the proof elaborates';
    if (PERCENT_COMMANDS.has(word) && tokens[k + 1]?.text === '%' && tokens[k + 1]!.start === t.end) return `\`${word}%\` is a command, not part of a proof`;
    if (forbiddenName(names, namespaces)) return `\`${t.text}\` belongs to IO or metaprogramming, not to a proof`;

    if (mode === 'reply') {
      // An instance beside the proof would be found by the proof without being named, yet is not kept.
      if (word === 'instance' || word === 'deriving') return `the reply declares an instance beside the proof (\`${word}\`); only the proof is kept, so state what it needs inside the proof`;
      if (HARMLESS_REPLY_COMMANDS.has(word) || DECLARATION_KEYWORDS.has(word) || MODIFIER_KEYWORDS.has(word)) continue;
      if (COMMAND_KEYWORDS.has(word)) return `the reply adds the command \`${word}\`; only a proof of the theorem may be given`;
      continue;
    }

    const incomplete = INCOMPLETE.get(last);
    // `stop` is a tactic but not a reserved word (Batteries names variables `stop`): only where a tactic stands.
    if (incomplete && (word !== 'stop' || atTacticPosition(tokens, k))) return incomplete;
    if (!opts.allowNativeDecide) {
      const native = nativeProblem(names);
      if (native) return native;
      const previous = tokens[k - 1];
      if (word === 'native' && ((previous?.text === '+' && previous.end === t.start) || tokens[k + 1]?.text === ':=')) {
        return '`decide +native` trusts compiled code (axiom Lean.ofReduceBool); set oprover.allowNativeDecide to allow it';
      }
    }
    if (SEARCH_TACTICS.has(word)) return `\`${word}\` only prints a suggestion; write the proof it finds instead`;
    if (DECLARATION_KEYWORDS.has(word) || MODIFIER_KEYWORDS.has(word)) return `\`${word}\` starts a new declaration; only the proof of the target may be given`;
    if (COMMAND_KEYWORDS.has(word)) return `\`${word}\` is a command, not part of a proof`;
  }
  return undefined;
}

/** Text-level rules that tokens cannot see: size and invisible characters (comments included). */
export function textViolation(text: string): string | undefined {
  if (text.length > MAX_BODY_CHARS) return `the proof is ${text.length} characters long (limit ${MAX_BODY_CHARS})`;
  const invisible = INVISIBLE.exec(text);
  if (invisible) return `the proof contains the invisible or bidirectional control character ${describeChar(invisible[0])}`;
  return undefined;
}

/** Screens a proof body (`:= by ...`) on its own. */
export function screenBody(body: string, opts: ScreenOptions): ScreenResult {
  const textProblem = textViolation(body);
  if (textProblem) return { ok: false, reason: textProblem };
  const all = lexLean(body);
  const unterminated = all.find((t) => t.unterminated);
  if (unterminated) return { ok: false, reason: firstViolation([unterminated], 'proof', opts) ?? 'unterminated comment' };
  const tokens = all.filter((t) => t.kind !== 'comment' && t.kind !== 'doc-comment');
  const first = tokens[0];
  if (!first) return { ok: false, reason: 'the proof is empty' };
  if (!(first.kind === 'symbol' && (first.text === ':=' || first.text === '|')) && !(first.kind === 'ident' && first.text === 'where')) {
    return { ok: false, reason: `the proof must start with \`:=\`, not \`${first.text.slice(0, 40)}\`` };
  }
  const problem = firstViolation(tokens, 'proof', opts);
  if (problem) return { ok: false, reason: problem };
  // A line at column 0 ends the declaration in Lean's reading: what follows is a new command,
  // whatever its keyword (one a library defines included).
  // (The term right after `:=` may stand at column 0: no command can begin where a term must.)
  const newCommand = tokens.find((t, k) => k > 1 && t.firstOnLine && (t.start === 0 || /[\n\r]/.test(body[t.start - 1]!)) && !COLUMN_ZERO_CONTINUATIONS.has(t.text));
  if (newCommand) return { ok: false, reason: `\`${newCommand.text.slice(0, 40)}\` at the start of a line (column 0) would begin a new command after the proof; indent the proof` };
  // `open ... in` / `set_option ... in` with nothing after it would apply to the next command:
  // the `#print axioms` the gate reads.
  if (tokens[tokens.length - 1]!.text === 'in') return { ok: false, reason: 'the proof ends with `... in`, which would apply to the command after it' };
  return { ok: true };
}

/**
 * Screens a candidate: its text must be the target's own header followed by the body, and the body
 * must be nothing but a proof. Lean still has the last word; this only keeps out what must never
 * reach it.
 */
export function screenCandidate(c: Candidate, target: ProofTarget, opts: ScreenOptions): ScreenResult {
  const header = target.declaration.header;
  if (!c.declarationText.startsWith(header) || c.declarationText.slice(header.length).trim() !== c.body.trim()) {
    return { ok: false, reason: "the candidate does not keep the target's own statement" };
  }
  return screenBody(c.body, { ...opts, namespaces: [...(opts.namespaces ?? []), ...namespacesBefore(target.text, target.declaration.start)] });
}

/** Screens the parts of a reply outside the proof that is used (`text` and its tokens). */
export function screenReplyRest(tokens: LeanToken[], opts: ScreenOptions): string | undefined {
  return firstViolation(tokens, 'reply', opts);
}
