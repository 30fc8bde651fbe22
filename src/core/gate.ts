// The acceptance gate: the one set of rules that decides "proved". It reads what Lean said about one
// exact document version (diagnostics with `fullRange`, and the `#print axioms` line appended after
// the candidate) and returns a Verdict naming the rule that failed. Pure: no process, no editor.
//
// A candidate is proved only if all hold:
//  - its statement is the user's, modulo whitespace and comments          (statement-changed)
//  - it uses no forbidden construct (axiom, opaque, implemented_by, extern, unsafe, debug.* options,
//    metaprograms, sorry/admit; see core/screen.ts)                      (forbidden-construct)
//  - diagnostics arrived for exactly the version checked                  (stale-version)
//  - no error from the candidate's first line on                          (lean-error)
//  - no "declaration uses 'sorry'" warning in it, either quote style      (uses-sorry)
//  - Lean read the candidate as one declaration: the document symbol Lean reports for it covers
//    the whole candidate, so nothing after the proof was read as another command  (one-declaration)
//  - `#print axioms` (asked by the full name from the root, with pp.fullNames) answered once, for
//    exactly that full name, without sorryAx (naming the sorried declaration it relies on)
//                                                                          (no-diagnostics-barrier, axioms, uses-sorry)
//  - axioms within propext, Classical.choice, Quot.sound (+ Lean.ofReduceBool, Lean.trustCompiler
//    and the per-call `…._native.native_decide.ax_…` axioms when native_decide is allowed)  (axioms)
import { formatFeedback } from './feedback';
import { screenBody } from './screen';
import { namespacesBefore } from './screen-names';
import { withoutModuleHeader } from './header';
import { screenHelpers, withHelpers } from './helpers';
import { plainName } from './screen-names';
import { codeTokens, findDeclarations, findSorries, normalizeStatement, offsetToPosition } from './source';
import type { Candidate, GateRule, LeanMessage, Position, ProofTarget, Range, Severity, Verdict, VerdictKind } from './types';

/** What the gate needs of a diagnostic; Lean's LSP diagnostics fit it structurally. */
export interface DiagnosticLike {
  range: Range;
  fullRange?: Range;
  /** 1 error, 2 warning, 3 information, 4 hint. */
  severity?: number;
  message: string;
  leanTags?: number[];
  isSilent?: boolean;
}

export const STANDARD_AXIOMS: readonly string[] = ['propext', 'Classical.choice', 'Quot.sound'];
/** What `native_decide` (and `decide +native`) adds; allowed only with oprover.allowNativeDecide. */
export const NATIVE_AXIOMS: readonly string[] = ['Lean.ofReduceBool', 'Lean.trustCompiler'];

/**
 * The axiom each `native_decide` (and `bv_decide`) call adds on Lean v4.29 and later:
 * `<declaration>._native.native_decide.ax_1_1` (seen in `#print axioms` output of such projects).
 */
const NATIVE_AUX_AXIOM = /(?:^|\.)_native\.[A-Za-z_]+\.ax(?:_\d+)*$/;

/** Whether an axiom is one of those that trust compiled code. */
export function isNativeAxiom(name: string): boolean {
  return NATIVE_AXIOMS.includes(name) || NATIVE_AUX_AXIOM.test(name);
}

/** Name given to an `example` (or an anonymous instance) so `#print axioms` can name it. */
export const SCRATCH_DECLARATION_NAME = 'oprover_checked_example';

export const USES_SORRY = /declaration uses ['`]sorry['`]/;
const AXIOMS_LIST = /depends on axioms:\s*\[([^\]]*)\]/;
const NO_AXIOMS = /does not depend on any axioms/;

/** The document a candidate is checked in, and where the candidate lies in it. */
export interface CheckDocument {
  /** The user's file up to the target declaration (byte-identical), then the checked declaration, then `#print axioms`. */
  text: string;
  /** text[0, prefix.length) is the user's file before the declaration. */
  prefix: string;
  /** The declaration as checked (an `example` gets a name; otherwise the candidate's text). */
  checkedText: string;
  checkedName: string;
  /** 0-based line of `text` where the candidate starts. */
  candidateLine: number;
  /** Number of lines of the candidate. */
  candidateLines: number;
  /** 0-based line of the `#print axioms` command. */
  axiomsLine: number;
  /** The full name, from the root, that the `#print axioms` asks about. */
  axiomsSubject: string;
  /** Document positions of the checked declaration's first and last code token (comments excluded). */
  codeStart: Position;
  codeEnd: Position;
  /** The same for every declaration of the checked region: the helper lemmas, then the declaration. */
  units?: { start: Position; end: Position }[];
  /** Where the checked text differs in length from the candidate's (the renamed keyword), to map columns back. */
  rename?: { line: number; fromCharacter: number; delta: number };
}

/**
 * The declaration as it is checked. A named declaration is the candidate unchanged. An `example`
 * becomes `noncomputable def oprover_checked_example` (an `example` elaborates as an anonymous
 * def, so this keeps its meaning; binders and type stay byte-identical) and an anonymous instance
 * gets that name, so `#print axioms` can ask about it.
 */
export function checkedDeclaration(target: ProofTarget, candidate: Candidate): { text: string; name: string | undefined; renamedAt?: number; delta?: number } {
  const decl = target.declaration;
  const name = decl.fullName ?? decl.name;
  if (name !== undefined && decl.kind !== 'example') return { text: candidate.declarationText, name };
  const text = candidate.declarationText;
  const keyword = codeTokens(text).find((t) => t.kind === 'ident' && (t.text === 'example' || t.text === 'instance'));
  if (!keyword) return { text, name: undefined };
  const scratchName = fullNameAt(target, SCRATCH_DECLARATION_NAME);
  if (keyword.text === 'example') {
    const replacement = `noncomputable def ${SCRATCH_DECLARATION_NAME}`;
    return { text: text.slice(0, keyword.start) + replacement + text.slice(keyword.end), name: scratchName, renamedAt: keyword.start, delta: replacement.length - keyword.text.length };
  }
  const next = codeTokens(text.slice(keyword.end))[0];
  if (next && next.text === '(') return { text, name: undefined }; // `instance (priority := ...)`: left unnamed
  const insertion = ` ${SCRATCH_DECLARATION_NAME}`;
  return { text: text.slice(0, keyword.end) + insertion + text.slice(keyword.end), name: scratchName, renamedAt: keyword.end, delta: insertion.length };
}

/** The full name a declaration named `name` gets where the target stands (inside its namespaces). */
function fullNameAt(target: ProofTarget, name: string): string {
  const probe = `${target.text.slice(0, target.declaration.start)}\ntheorem ${name} : True := trivial\n`;
  const declarations = findDeclarations(probe);
  return declarations[declarations.length - 1]?.fullName ?? name;
}

function lastLineLength(text: string): number {
  return text.length - Math.max(text.lastIndexOf('\n'), text.lastIndexOf('\r')) - 1;
}

function lineCount(text: string): number {
  return text.split(/\r\n|\n|\r/).length;
}

/** Builds the checked document: prefix (byte-identical), candidate, blank line, `#print axioms`. */
export function buildCheckDocument(target: ProofTarget, candidate: Candidate): CheckDocument & { unnamed: boolean } {
  // A module file is checked as a non-module file (same lines and columns): inside a `module`,
  // `#print axioms` is an error.
  const raw = withoutModuleHeader(target.text.slice(0, target.declaration.start));
  const separator = raw === '' || /[\n\r]$/.test(raw) ? '' : '\n';
  const prefix = raw + separator;
  const checked = checkedDeclaration(target, candidate);
  const name = checked.name ?? SCRATCH_DECLARATION_NAME;
  // The candidate's helper lemmas stand before it, each followed by a blank line: the checked region
  // is the text an accepted proof inserts (withHelpers), with the declaration as checked.
  const helpers = (candidate.helpers ?? []).map((h) => h.text);
  const helperText = helpers.length > 0 ? `${helpers.join('\n\n')}\n\n` : '';
  const region = helperText + checked.text;
  const candidateLine = prefix === '' ? 0 : lineCount(prefix) - 1;
  const candidateLines = lineCount(region);
  // Asked by the full name from the root, so no `open`, namespace or renaming can make Lean answer
  // for another constant; with pp.fullNames, so the axioms come back unshortened.
  const subject = `_root_.${name}`;
  const text = `${prefix}${region}\n\nset_option pp.fullNames true in #print axioms ${subject}\n`;
  const at = (offset: number): Position => {
    const p = offsetToPosition(region, offset);
    return { line: candidateLine + p.line, character: p.line === 0 ? lastLineLength(prefix) + p.character : p.character };
  };
  // Each declaration of the region, helpers first, from its first code token to its last.
  const units: { start: Position; end: Position }[] = [];
  let offset = 0;
  for (const unit of [...helpers, checked.text]) {
    const code = codeTokens(unit);
    units.push({ start: at(offset + (code[0]?.start ?? 0)), end: at(offset + (code[code.length - 1]?.end ?? unit.length)) });
    offset += unit.length + 2;
  }
  let rename: CheckDocument['rename'];
  if (checked.renamedAt !== undefined && checked.delta !== undefined) {
    const pos = offsetToPosition(helperText + candidate.declarationText, helperText.length + checked.renamedAt);
    rename = { line: pos.line, fromCharacter: pos.character, delta: checked.delta };
  }
  return {
    text,
    prefix,
    checkedText: checked.text,
    checkedName: name,
    candidateLine,
    candidateLines,
    axiomsLine: candidateLine + candidateLines + 1,
    axiomsSubject: plainName(name),
    codeStart: units[units.length - 1]!.start,
    codeEnd: units[units.length - 1]!.end,
    units,
    rename,
    unnamed: checked.name === undefined,
  };
}

/** Whether the candidate's statement is the target's, modulo whitespace and comments. */
export function statementKept(target: ProofTarget, candidate: Candidate): boolean {
  const text = candidate.declarationText;
  const body = candidate.body.trim();
  if (body === '') return false;
  const trimmed = text.trimEnd();
  if (!trimmed.endsWith(body)) return false;
  const statement = trimmed.slice(0, trimmed.length - body.length);
  return normalizeStatement(statement) === normalizeStatement(target.declaration.header);
}

/** Names of the declarations before the target that contain a `sorry` (their full and short names). */
export function sorriedDeclarations(target: ProofTarget): { name: string; fullName: string }[] {
  const seen = new Map<string, { name: string; fullName: string }>();
  for (const s of findSorries(target.text)) {
    const d = s.declaration;
    if (!d || d.start >= target.declaration.start || d.name === undefined) continue;
    seen.set(d.fullName ?? d.name, { name: d.name, fullName: d.fullName ?? d.name });
  }
  return [...seen.values()];
}

/** The axioms of a `#print axioms` message: [] for "does not depend on any axioms", undefined if it is not one. */
export function parseAxioms(message: string): string[] | undefined {
  if (NO_AXIOMS.test(message)) return [];
  const m = AXIOMS_LIST.exec(message);
  if (!m) return undefined;
  return m[1]!
    .split(',')
    .map((a) => a.trim().replace(/^«(.*)»$/, '$1'))
    .filter((a) => a !== '');
}

/** The constant a `#print axioms` answer is about: `'Demo.foo' depends on axioms: [...]` → `Demo.foo`. */
export function axiomsSubject(message: string): string | undefined {
  const m = /^'(.+?)' (?:depends on axioms|does not depend on any axioms)/.exec(message.trim());
  return m ? m[1]!.replace(/«([^»]*)»/g, '$1') : undefined;
}

/**
 * Whether `subject` (the constant Lean answered for) is exactly the full name asked about. A
 * `private` declaration answers with Lean's private name for it: `_private.<module>.0.<full name>`.
 */
export function namesChecked(subject: string | undefined, fullName: string): boolean {
  if (subject === undefined) return false;
  const said = plainName(subject);
  const asked = plainName(fullName);
  if (said === asked) return true;
  return said.startsWith('_private.') && said.endsWith(`.0.${asked}`);
}

/** What the gate needs of a document symbol; Lean's `textDocument/documentSymbol` answer fits it. */
export interface SymbolLike {
  name: string;
  /** LSP SymbolKind; Lean reports namespaces and sections as 3 (Namespace). */
  kind?: number;
  range: Range;
  children?: SymbolLike[];
}

const NAMESPACE_SYMBOL = 3;

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

/**
 * Whether Lean read the candidate as one declaration: some symbol Lean reports covers the candidate
 * from its first code token to its last. Text after the proof that Lean read as another command
 * (a command a library defines, a `constant`, anything the screen does not know by name) lies
 * outside the declaration's symbol.
 */
export function oneDeclaration(doc: Pick<CheckDocument, 'codeStart' | 'codeEnd' | 'units'>, symbols: readonly SymbolLike[]): boolean {
  const all: SymbolLike[] = [];
  const walk = (list: readonly SymbolLike[]): void => {
    for (const s of list) {
      if (s.kind !== NAMESPACE_SYMBOL) all.push(s);
      if (s.children) walk(s.children);
    }
  };
  walk(symbols);
  // With helper lemmas, each of them and the declaration must be a declaration of its own.
  const units = doc.units ?? [{ start: doc.codeStart, end: doc.codeEnd }];
  return units.every((u) => all.some((s) => before(s.range.start, u.start) && before(u.end, s.range.end)));
}

function severityOf(n: number | undefined): Severity {
  switch (n) {
    case 1:
      return 'error';
    case 2:
      return 'warning';
    case 4:
      return 'hint';
    default:
      return 'information';
  }
}

function extent(d: DiagnosticLike): Range {
  return d.fullRange ?? d.range;
}

/** A document position as a position in the candidate's own text (line 0 = its first line). */
function toCandidate(doc: CheckDocument, pos: { line: number; character: number }): { line: number; character: number } {
  const line = pos.line - doc.candidateLine;
  let character = pos.character;
  if (doc.rename && line === doc.rename.line && character >= doc.rename.fromCharacter + doc.rename.delta) character -= doc.rename.delta;
  else if (doc.rename && line === doc.rename.line && character > doc.rename.fromCharacter) character = doc.rename.fromCharacter;
  return { line, character };
}

export interface ReadDiagnostics {
  /** Messages from the candidate's first line on (the `#print axioms` answer excepted), relative to the candidate. */
  own: LeanMessage[];
  /** Indices into the input of the diagnostics behind `own`. */
  ownIndex: number[];
  /** Texts of information messages on the `#print axioms` line. */
  axiomsTexts: string[];
  goalsAccomplished: boolean;
}

/** Splits one version's diagnostics into the candidate's messages and the `#print axioms` answer. */
export function readDiagnostics(doc: CheckDocument, diagnostics: DiagnosticLike[], goals?: ReadonlyMap<number, string>): ReadDiagnostics {
  const own: LeanMessage[] = [];
  const ownIndex: number[] = [];
  const axiomsTexts: string[] = [];
  let goalsAccomplished = false;
  diagnostics.forEach((d, i) => {
    const r = extent(d);
    if (r.start.line < doc.candidateLine) return; // the user's earlier declarations
    if (r.start.line === doc.axiomsLine && d.severity !== 1 && parseAxioms(d.message) !== undefined) {
      axiomsTexts.push(d.message);
      return;
    }
    if (d.leanTags?.includes(2)) goalsAccomplished = true;
    if (d.isSilent) return;
    const message: LeanMessage = { severity: severityOf(d.severity), range: { start: toCandidate(doc, r.start), end: toCandidate(doc, r.end) }, text: d.message };
    const goal = goals?.get(i);
    if (goal !== undefined) message.goal = goal;
    own.push(message);
    ownIndex.push(i);
  });
  return { own, ownIndex, axiomsTexts, goalsAccomplished };
}

function firstLine(s: string): string {
  const line = s.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function verdict(kind: VerdictKind, rule: GateRule | undefined, reason: string, extra: Partial<Verdict> = {}): Verdict {
  const v: Verdict = { kind, reason, messages: [], feedback: kind === 'proved' ? '' : reason, elapsedMs: 0, ...extra };
  if (rule) v.rule = rule;
  return v;
}

export interface GateOptions {
  allowNativeDecide: boolean;
}

/** The rules that need no Lean: the statement is the user's and the body holds nothing forbidden. */
export function precheck(target: ProofTarget, candidate: Candidate, options: GateOptions): Verdict | undefined {
  if (!statementKept(target, candidate)) {
    return verdict('rejected', 'statement-changed', "the candidate changes the theorem's statement; only the proof may change");
  }
  const screenOptions = { allowNativeDecide: options.allowNativeDecide, namespaces: namespacesBefore(target.text, target.declaration.start) };
  const screened = screenBody(candidate.body, screenOptions);
  if (!screened.ok) return verdict('rejected', 'forbidden-construct', screened.reason);
  const helpers = screenHelpers(candidate, target, screenOptions);
  if (!helpers.ok) return verdict('rejected', 'forbidden-construct', helpers.reason);
  if (checkedDeclaration(target, candidate).name === undefined) {
    return verdict('infra-error', 'axioms', 'this declaration has no name, so its axioms cannot be printed; give it a name to prove it');
  }
  return undefined;
}

export interface GateInput {
  target: ProofTarget;
  candidate: Candidate;
  document: CheckDocument;
  /** The document version checked. */
  version: number;
  /** Diagnostics published for exactly that version; undefined when none arrived before the barrier. */
  diagnostics: DiagnosticLike[] | undefined;
  /** Goal at an error, by index into `diagnostics` (from `$/lean/plainGoal`). */
  goals?: ReadonlyMap<number, string>;
  /**
   * Lean's document symbols for that version (`textDocument/documentSymbol`); null when Lean did not
   * answer. Omitted only by checkers that have no such answer (kimina-lean-server's REPL), which
   * then rely on the screen alone to keep a second command out.
   */
  symbols?: readonly SymbolLike[] | null;
  allowNativeDecide: boolean;
  maxFeedbackErrors: number;
  elapsedMs: number;
}

/** Decides one candidate. */
export function judge(input: GateInput): Verdict {
  const { target, candidate, document: doc, elapsedMs } = input;
  const done = (v: Verdict): Verdict => ({ ...v, elapsedMs });
  const pre = precheck(target, candidate, input);
  if (pre) return done(pre);
  if (input.diagnostics === undefined) {
    return done(verdict('infra-error', 'stale-version', `Lean published no diagnostics for version ${input.version} before its barrier; older versions' diagnostics are never used`));
  }
  const read = readDiagnostics(doc, input.diagnostics, input.goals);
  const messages = read.own;
  const errors = messages.filter((m) => m.severity === 'error');
  if (errors.length > 0) {
    const feedback = formatFeedback(withHelpers(candidate), messages, { maxErrors: input.maxFeedbackErrors });
    const where = errors[0]!.range.start.line >= (doc.candidateLines) ? ' (after the proof)' : ` (line ${errors[0]!.range.start.line + 1})`;
    return done(verdict('lean-error', 'lean-error', `Lean reported ${errors.length} error${errors.length === 1 ? '' : 's'}${where}: ${firstLine(errors[0]!.text)}`, { messages, feedback }));
  }
  const sorryWarning = messages.find((m) => m.severity === 'warning' && USES_SORRY.test(m.text));
  if (sorryWarning) {
    return done(verdict('rejected', 'uses-sorry', 'the proof uses `sorry` (Lean: "declaration uses \'sorry\'")', { messages }));
  }
  if (input.symbols === null) {
    return done(verdict('infra-error', 'one-declaration', `Lean did not report the document's declarations for version ${input.version}, so it cannot be told that the candidate is one declaration`, { messages }));
  }
  if (input.symbols !== undefined && !oneDeclaration(doc, input.symbols)) {
    return done(verdict('rejected', 'one-declaration', 'Lean read more than the declaration in the candidate: text after the proof is another command; give only the proof', { messages }));
  }
  const axiomsText = read.axiomsTexts[0];
  if (axiomsText === undefined) {
    return done(verdict('infra-error', 'no-diagnostics-barrier', `no \`#print axioms ${doc.checkedName}\` answer came back for version ${input.version}, so the proof cannot be accepted`, { messages }));
  }
  // Exactly one answer, about the checked declaration itself: an `open ... renaming ... in` or a
  // second declaration of the name would make Lean answer for another constant too (or instead).
  const subjects = read.axiomsTexts.map(axiomsSubject);
  if (read.axiomsTexts.length !== 1 || !namesChecked(subjects[0], doc.axiomsSubject)) {
    return done(verdict('rejected', 'axioms', `\`#print axioms _root_.${doc.axiomsSubject}\` answered for ${subjects.map((x) => `\`${x ?? '?'}\``).join(', ')}, not for the checked declaration alone`, { messages }));
  }
  const axioms = parseAxioms(axiomsText)!;
  if (axioms.includes('sorryAx')) {
    const used = new Set(codeTokens(candidate.body).filter((t) => t.kind === 'ident').map((t) => t.text));
    const culprits = sorriedDeclarations(target)
      .filter((d) => used.has(d.name) || used.has(d.fullName) || [...used].some((u) => d.fullName.endsWith(`.${u}`)))
      .map((d) => d.fullName);
    const reason = culprits.length > 0
      ? `the proof depends on ${culprits.map((c) => `\`${c}\``).join(', ')}, which ${culprits.length === 1 ? 'is' : 'are'} proved with \`sorry\` (axiom sorryAx)`
      : 'the proof depends on `sorryAx`: something it uses is proved with `sorry`';
    return done(verdict('rejected', 'uses-sorry', reason, { messages, axioms }));
  }
  const extra = axioms.filter((a) => !STANDARD_AXIOMS.includes(a) && !(input.allowNativeDecide && isNativeAxiom(a)));
  if (extra.length > 0) {
    const native = extra.some(isNativeAxiom) && !input.allowNativeDecide;
    const reason = `the proof depends on non-standard axioms: ${extra.join(', ')}${native ? ' (native_decide trusts compiled code; set oprover.allowNativeDecide to allow it)' : ''}`;
    return done(verdict('rejected', 'axioms', reason, { messages, axioms }));
  }
  const reason = `Lean accepted the proof (axioms: ${axioms.length > 0 ? axioms.join(', ') : 'none'}${read.goalsAccomplished ? '; goals accomplished' : ''})`;
  return done({ kind: 'proved', reason, messages, feedback: '', axioms, elapsedMs });
}
