// A Lean file's top-level commands and declarations (with namespace tracking), parsed once per text.
import type { Declaration, DeclarationKind } from '../types';
import { CLOSING_BRACKETS, lexLean, OPENING_BRACKETS, type LeanToken } from './lexer';

const DECLARATION_KIND_OF: Record<string, DeclarationKind> = {
  theorem: 'theorem',
  lemma: 'lemma',
  example: 'example',
  def: 'def',
  abbrev: 'abbrev',
  instance: 'instance',
  opaque: 'opaque',
  axiom: 'axiom',
  structure: 'structure',
  inductive: 'inductive',
  class: 'class',
  irreducible_def: 'other',
  proof_wanted: 'other',
};
export const DECLARATION_KINDS = new Map(Object.entries(DECLARATION_KIND_OF));

/**
 * Keywords that begin a top-level command other than a declaration. Lean has no layout rule for
 * commands, so any of these ends the previous command wherever it appears.
 */
export const COMMAND_KEYWORDS = new Set([
  'namespace',
  'section',
  'end',
  'variable',
  'universe',
  'import',
  'prelude',
  'attribute',
  'mutual',
  'export',
  'macro',
  'macro_rules',
  'syntax',
  'elab',
  'elab_rules',
  'notation',
  'notation3',
  'infix',
  'infixl',
  'infixr',
  'prefix',
  'postfix',
  'initialize',
  'builtin_initialize',
  'run_cmd',
  'run_elab',
  'run_meta',
  'declare_syntax_cat',
  'add_decl_doc',
  'library_note',
  'assert_not_exists',
  'register_option',
  'register_simp_attr',
  'simproc',
  'dsimproc',
  'simproc_decl',
  'suppress_compilation',
  'unseal',
  'seal',
  'compile_inductive',
  'initialize_simps_projections',
  'count_heartbeats',
  'unif_hint',
  'alias',
  'omit',
  'include',
  // Commands of core Lean (4.0.0 to today) that declare constants, options or elaborators.
  'constant',
  'init_quot',
  'register_builtin_option',
  'register_label_attr',
  'declare_config_elab',
  'elab_stx_quot',
  'grind_pattern',
]);

/** Commands that Lean also accepts inside proofs (`open Nat in`, `set_option x 1 in tac`): commands only at column 0. */
const COLUMN_ZERO_COMMANDS = new Set(['open', 'set_option']);

/** Modifiers that may precede a declaration (after its doc comment and attributes). */
const MODIFIERS = new Set(['private', 'protected', 'noncomputable', 'partial', 'unsafe', 'nonrec', 'local', 'scoped']);

/** Commands that, ending in `in`, scope the next command only (`open Real in theorem ...`). */
const PREFIX_COMMANDS = new Set(['open', 'set_option', 'variable', 'omit', 'include', 'attribute']);

export interface Command {
  keyword: string;
  /** Offset of the command's first character (doc comment, attributes, modifiers, `... in` prefixes). */
  start: number;
  /** Index of the keyword token in the code-token array. */
  keywordIndex: number;
  /** Code-token indices [first, last] of the command. */
  firstIndex: number;
  lastIndex: number;
  end: number;
}

export interface ParsedFile {
  tokens: LeanToken[];
  commands: Command[];
  declarations: Declaration[];
}

export function atLineStart(text: string, offset: number): boolean {
  let j = offset - 1;
  while (j >= 0 && (text[j] === ' ' || text[j] === '\t')) j--;
  return j < 0 || text[j] === '\n' || text[j] === '\r';
}

function atColumnZero(text: string, offset: number): boolean {
  return offset === 0 || text[offset - 1] === '\n' || text[offset - 1] === '\r';
}

/** Index of the `]` matching the `[` or `@[` at `open`, or the last index when unbalanced. */
export function matchingBracket(tokens: LeanToken[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!.text;
    if (tokens[k]!.kind !== 'symbol') continue;
    if (OPENING_BRACKETS.has(t)) depth++;
    else if (CLOSING_BRACKETS.has(t)) {
      depth--;
      if (depth === 0) return k;
    }
  }
  return tokens.length - 1;
}

function isCommandKeyword(text: string, tokens: LeanToken[], k: number): boolean {
  const t = tokens[k]!;
  if (t.kind === 'hash-command') return true;
  if (t.kind !== 'ident') return false;
  if (DECLARATION_KINDS.has(t.text) || COMMAND_KEYWORDS.has(t.text)) return true;
  if (COLUMN_ZERO_COMMANDS.has(t.text)) return atColumnZero(text, t.start);
  if (t.text === 'deriving') return tokens[k + 1]?.text === 'instance';
  return false;
}

let memo: { text: string; parsed: ParsedFile } | undefined;

export function parseFile(text: string): ParsedFile {
  if (memo && memo.text === text) return memo.parsed;
  const all = lexLean(text);
  const tokens = all.filter((t) => t.kind !== 'comment' && t.kind !== 'doc-comment');
  const docComments = all.filter((t) => t.kind === 'doc-comment' && !t.text.startsWith('/-!'));

  // 1. Split into commands. A run of modifiers (attributes, `private`, ...) before a command
  //    keyword belongs to that command; doc comments are attached afterwards.
  const commands: Command[] = [];
  let pending: number | undefined;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind === 'symbol' && t.text === '@[') {
      pending ??= k;
      k = matchingBracket(tokens, k);
      continue;
    }
    if (t.kind === 'ident' && MODIFIERS.has(t.text)) {
      pending ??= k;
      continue;
    }
    if (isCommandKeyword(text, tokens, k)) {
      const first = pending ?? k;
      pending = undefined;
      commands.push({ keyword: t.text, start: tokens[first]!.start, keywordIndex: k, firstIndex: first, lastIndex: k, end: t.end });
      // Keywords inside the command's own brackets are not commands: `attribute [instance] foo`,
      // `class inductive`, `deriving instance`.
      if (t.text === 'attribute' && tokens[k + 1]?.text === '[') k = matchingBracket(tokens, k + 1);
      else if (t.text === 'class' && (tokens[k + 1]?.text === 'inductive' || tokens[k + 1]?.text === 'abbrev')) k++;
      else if (t.text === 'deriving') k++;
      continue;
    }
    pending = undefined;
  }
  for (let c = 0; c < commands.length; c++) {
    const cmd = commands[c]!;
    const nextFirst = c + 1 < commands.length ? commands[c + 1]!.firstIndex : tokens.length;
    let last = nextFirst - 1;
    // `private` etc. that were taken as a pending run but never reached a keyword stay in this command.
    cmd.lastIndex = Math.max(last, cmd.keywordIndex);
    last = cmd.lastIndex;
    cmd.end = tokens[last]!.end;
  }
  // Doc comments: the last doc comment between the previous command's end and this start.
  let d = 0;
  for (let c = 0; c < commands.length; c++) {
    const cmd = commands[c]!;
    const previousEnd = c > 0 ? commands[c - 1]!.end : 0;
    let doc: LeanToken | undefined;
    while (d < docComments.length && docComments[d]!.start < cmd.start) {
      if (docComments[d]!.start >= previousEnd) doc = docComments[d];
      d++;
    }
    if (doc) cmd.start = doc.start;
  }
  // `open X in` / `set_option x v in` prefixes scope the next command: merge them into it.
  const merged: Command[] = [];
  for (let c = 0; c < commands.length; c++) {
    const cmd = commands[c]!;
    const isPrefix = PREFIX_COMMANDS.has(cmd.keyword) && tokens[cmd.lastIndex]?.text === 'in' && c + 1 < commands.length;
    if (isPrefix) {
      const next = commands[c + 1]!;
      next.start = Math.min(next.start, cmd.start);
      next.firstIndex = Math.min(next.firstIndex, cmd.firstIndex);
      continue;
    }
    merged.push(cmd);
  }

  // 2. Declarations, with namespace tracking.
  const declarations: Declaration[] = [];
  const scopes: { kind: 'namespace' | 'section' | 'mutual'; name: string }[] = [];
  for (const cmd of merged) {
    const keyword = cmd.keyword;
    if (keyword === 'namespace') {
      const name = tokens[cmd.keywordIndex + 1];
      if (name && name.kind === 'ident' && cmd.keywordIndex + 1 <= cmd.lastIndex) {
        for (const part of splitName(name.text)) scopes.push({ kind: 'namespace', name: part });
      }
      continue;
    }
    if (keyword === 'section') {
      const name = tokens[cmd.keywordIndex + 1];
      const named = name && name.kind === 'ident' && cmd.keywordIndex + 1 <= cmd.lastIndex;
      for (const part of named ? splitName(name.text) : ['']) scopes.push({ kind: 'section', name: part });
      continue;
    }
    if (keyword === 'mutual') {
      scopes.push({ kind: 'mutual', name: '' });
      continue;
    }
    if (keyword === 'end') {
      const name = tokens[cmd.keywordIndex + 1];
      const count = name && name.kind === 'ident' && cmd.keywordIndex + 1 <= cmd.lastIndex ? splitName(name.text).length : 1;
      for (let k = 0; k < count; k++) scopes.pop();
      continue;
    }
    const kind = DECLARATION_KINDS.get(keyword);
    if (kind === undefined || tokens[cmd.keywordIndex]!.kind !== 'ident') continue;
    declarations.push(buildDeclaration(text, tokens, cmd, kind, scopes.filter((s) => s.kind === 'namespace').map((s) => s.name)));
  }

  const parsed = { tokens, commands: merged, declarations };
  memo = { text, parsed };
  return parsed;
}

/** Splits `A.B.«c.d»` into its parts. */
export function splitName(name: string): string[] {
  const parts: string[] = [];
  let current = '';
  let inGuillemets = false;
  for (const ch of name) {
    if (ch === '«') inGuillemets = true;
    if (ch === '»') inGuillemets = false;
    if (ch === '.' && !inGuillemets) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

/** Index of the declared name's token after the keyword, or undefined (examples, anonymous instances). */
export function nameIndex(tokens: LeanToken[], keywordIndex: number, lastIndex: number, kind: DeclarationKind): number | undefined {
  if (kind === 'example') return undefined;
  let k = keywordIndex + 1;
  if (tokens[keywordIndex]?.text === 'class' && (tokens[k]?.text === 'inductive' || tokens[k]?.text === 'abbrev')) k++;
  if (kind === 'instance' && tokens[k]?.text === '(' && tokens[k + 1]?.text === 'priority') k = matchingBracket(tokens, k) + 1;
  if (k > lastIndex) return undefined;
  return tokens[k]?.kind === 'ident' ? k : undefined;
}

function buildDeclaration(text: string, tokens: LeanToken[], cmd: Command, kind: DeclarationKind, namespaces: string[]): Declaration {
  const nameAt = nameIndex(tokens, cmd.keywordIndex, cmd.lastIndex, kind);
  const name = nameAt === undefined ? undefined : tokens[nameAt]!.text;
  let fullName: string | undefined;
  if (name !== undefined) fullName = name.startsWith('_root_.') ? name.slice('_root_.'.length) : [...namespaces, name].join('.');

  const bodyIndex = findBodyStart(text, tokens, nameAt ?? cmd.keywordIndex, cmd.lastIndex, kind);
  const bodyStart = bodyIndex === undefined ? cmd.end : tokens[bodyIndex]!.start;
  const header = text.slice(cmd.start, bodyStart).trimEnd();
  return { kind, name, fullName, start: cmd.start, bodyStart, end: cmd.end, header, body: text.slice(bodyStart, cmd.end) };
}

/**
 * The token that starts the body: the first `:=` at bracket depth 0, a `where`, or a `|` that opens
 * pattern-matching alternatives (an absolute value `|x|` in the statement is not one: a pattern's
 * `=>` comes before any further `:=`). Inductive types and structures start at their first `|`.
 */
/** Terms that bind with their own `:=` (`let x := 1; x = 1` is a statement). */
const LOCAL_BINDERS = new Set(['let', 'have', 'letI', 'haveI']);

function findBodyStart(text: string, tokens: LeanToken[], from: number, last: number, kind: DeclarationKind): number | undefined {
  let depth = 0;
  // After a `match` or `fun` in the statement, `|` alternatives belong to that term.
  let inMatchTerm = false;
  // `let x := v; ...` / `have h : p := v; ...` inside the statement: their `:=` is not the body's.
  let localBindings = 0;
  // The next depth-0 `=>` or `:=` after a depth-0 `|` is the same for every `|` before it: one scan
  // serves them all, so a text of many `|` lines costs linear time.
  let decided: { until: number; arrow: boolean } | undefined;
  for (let k = from + 1; k <= last; k++) {
    const t = tokens[k]!;
    if (t.kind === 'symbol') {
      if (OPENING_BRACKETS.has(t.text)) {
        depth++;
        continue;
      }
      if (CLOSING_BRACKETS.has(t.text)) {
        depth = Math.max(0, depth - 1);
        continue;
      }
    }
    if (depth > 0) continue;
    if (t.kind === 'ident' && LOCAL_BINDERS.has(t.text)) localBindings++;
    if (t.text === ':=' && t.kind === 'symbol') {
      if (localBindings === 0) return k;
      localBindings--;
      continue;
    }
    if (t.text === 'where' && t.kind === 'ident') return k;
    if (t.kind === 'ident' && (t.text === 'match' || t.text === 'fun' || t.text === 'function')) inMatchTerm = true;
    if (t.kind === 'symbol' && t.text === 'λ') inMatchTerm = true;
    if (t.text === '|' && t.kind === 'symbol') {
      if (kind === 'inductive' || kind === 'structure' || kind === 'class') return k;
      if (!inMatchTerm && atLineStart(text, t.start)) {
        if (decided === undefined || k >= decided.until) decided = arrowBeforeAssign(tokens, k + 1, last);
        if (decided.arrow) return k;
      }
    }
  }
  return undefined;
}

/** Whether a depth-0 `=>` comes before any depth-0 `:=` from `from` on, and the index that decided it. */
function arrowBeforeAssign(tokens: LeanToken[], from: number, last: number): { until: number; arrow: boolean } {
  let depth = 0;
  for (let k = from; k <= last; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'symbol') continue;
    if (OPENING_BRACKETS.has(t.text)) depth++;
    else if (CLOSING_BRACKETS.has(t.text)) depth = Math.max(0, depth - 1);
    else if (depth === 0 && t.text === '=>') return { until: k, arrow: true };
    else if (depth === 0 && t.text === ':=') return { until: k, arrow: false };
  }
  return { until: last + 1, arrow: false };
}

/**
 * The top-level declarations of a Lean file, in order. `start` includes the doc comment,
 * attributes, modifiers and `open ... in` / `set_option ... in` prefixes; `end` is the end of the
 * declaration's last token (trailing whitespace and comments excluded).
 */
export function findDeclarations(text: string): Declaration[] {
  // Copies: callers may sort or edit what they get without touching the cached parse.
  return parseFile(text).declarations.map((d) => ({ ...d }));
}

