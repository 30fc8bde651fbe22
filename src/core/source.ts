// The Lean 4 source model: a lexer that follows Lean's own rules for comments, strings, character
// literals and identifiers, and on top of it the file's top-level commands (declarations, scopes),
// its `sorry`s and UTF-16 positions. Pure string work: no Lean process is needed to find a target.
import type { Declaration, DeclarationKind, Position, SorryLocation } from './types';

// ---------------------------------------------------------------------------------------------
// Lexer

export type TokenKind =
  | 'ident' // identifiers and keywords (`theorem`, `by`, `Nat.succ_le'`, `«weird name»`, `exact?`)
  | 'hash-command' // `#eval`, `#print`, `#exit`, ...
  | 'number'
  | 'string' // a string literal, or one literal piece of an interpolated string
  | 'char'
  | 'name' // name literal: `foo or ``foo
  | 'quotation' // the opening `( of a syntax quotation
  | 'symbol'
  | 'comment'
  | 'doc-comment'; // `/-- ... -/` and `/-! ... -/`

export interface LeanToken {
  kind: TokenKind;
  text: string;
  /** UTF-16 offsets into the lexed text: [start, end). */
  start: number;
  end: number;
  /** A comment, string or character literal that runs to the end of the text without closing. */
  unterminated?: boolean;
  /** Code token (not a comment) preceded on its line only by whitespace and comments. */
  firstOnLine?: boolean;
}

/** Lean's `isLetterLike`: Greek (except λ, Π, Σ), Coptic, polytonic Greek, the letter-like block, math script. */
function isLetterLike(cp: number): boolean {
  return (
    (cp >= 0x3b1 && cp <= 0x3c9 && cp !== 0x3bb) ||
    (cp >= 0x391 && cp <= 0x3a9 && cp !== 0x3a0 && cp !== 0x3a3) ||
    (cp >= 0x3ca && cp <= 0x3fb) ||
    (cp >= 0x1f00 && cp <= 0x1ffe) ||
    (cp >= 0x2100 && cp <= 0x214f) ||
    (cp >= 0x1d49c && cp <= 0x1d59f)
  );
}

function isSubscriptAlnum(cp: number): boolean {
  return (cp >= 0x2080 && cp <= 0x2089) || (cp >= 0x2090 && cp <= 0x209c) || (cp >= 0x1d62 && cp <= 0x1d6a);
}

function isAsciiAlpha(cp: number): boolean {
  return (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122);
}

function isDigit(cp: number): boolean {
  return cp >= 48 && cp <= 57;
}

/** Lean's `isIdFirst`: only ASCII letters count as letters; `é` or Cyrillic never start an identifier. */
export function isIdFirst(cp: number): boolean {
  return isAsciiAlpha(cp) || cp === 95 /* _ */ || isLetterLike(cp);
}

/** Lean's `isIdRest`: `'`, `!` and `?` belong to identifiers (`h'`, `exact?`, `s!`). */
export function isIdRest(cp: number): boolean {
  return isIdFirst(cp) || isDigit(cp) || cp === 39 /* ' */ || cp === 33 /* ! */ || cp === 63 /* ? */ || isSubscriptAlnum(cp);
}

function cpLen(cp: number): number {
  return cp > 0xffff ? 2 : 1;
}

const OPENING_BRACKETS = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[']);
const CLOSING_BRACKETS = new Set([')', ']', '}', '⟩', '⦄', '⟧']);

/**
 * Lexes Lean 4 source into tokens, comments included. Follows Lean's rules: nested `/- -/`
 * comments where only `/-` and `-/` count (a `--` inside a block comment is text), `--` to the end
 * of the line, strings with escapes, raw strings `r#"..."#`, interpolated strings (`s!"a {x}"`: the
 * code between braces is lexed as code), character literals (`'a'`, `'\n'`; the `'` of `h'` belongs
 * to the identifier), `«»` identifier parts, and Lean's identifier characters.
 */
export function lexLean(text: string): LeanToken[] {
  const out: LeanToken[] = [];
  const n = text.length;
  let i = 0;
  // One entry per open interpolation `{` of an interpolated string: the brace depth inside it.
  const interpolations: number[] = [];
  const guillemets = new ClosingGuillemets(text);

  // Whether a line break came since the last code token (the start of the text counts as one).
  let lineBroken = true;
  const push = (kind: TokenKind, start: number, end: number, unterminated = false): void => {
    const token: LeanToken = { kind, text: text.slice(start, end), start, end };
    if (unterminated) token.unterminated = true;
    if (kind !== 'comment' && kind !== 'doc-comment') {
      if (lineBroken) token.firstOnLine = true;
      lineBroken = false;
    }
    out.push(token);
  };

  /** Scans string content from `from` (just after `"` or after an interpolation's `}`). */
  const scanString = (start: number, from: number, interpolated: boolean): number => {
    let j = from;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92 /* \ */) {
        j += 2;
        continue;
      }
      if (c === 34 /* " */) {
        push('string', start, j + 1);
        return j + 1;
      }
      if (interpolated && c === 123 /* { */) {
        push('string', start, j + 1);
        interpolations.push(0);
        return j + 1;
      }
      j++;
    }
    push('string', start, n, true);
    return n;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      if (c === 10 || c === 13) lineBroken = true;
      i++;
      continue;
    }
    const next = i + 1 < n ? text.charCodeAt(i + 1) : -1;

    // Line comment.
    if (c === 45 /* - */ && next === 45) {
      let j = i + 2;
      while (j < n && text.charCodeAt(j) !== 10 && text.charCodeAt(j) !== 13) j++;
      push('comment', i, j);
      i = j;
      continue;
    }

    // Block comment (nested), doc comment `/--`, module doc `/-!`.
    if (c === 47 /* / */ && next === 45) {
      const third = i + 2 < n ? text.charCodeAt(i + 2) : -1;
      const kind: TokenKind = third === 45 || third === 33 ? 'doc-comment' : 'comment';
      let j = kind === 'doc-comment' ? i + 3 : i + 2;
      let nesting = 1;
      while (j < n && nesting > 0) {
        const d = text.charCodeAt(j);
        const e = j + 1 < n ? text.charCodeAt(j + 1) : -1;
        if (d === 45 && e === 47) {
          nesting--;
          j += 2;
        } else if (d === 47 && e === 45) {
          nesting++;
          j += 2;
        } else {
          j++;
        }
      }
      push(kind, i, j, nesting > 0);
      i = j;
      continue;
    }

    // Strings: raw, interpolated, plain.
    if (c === 114 /* r */ && (next === 34 || next === 35)) {
      let hashes = 0;
      let j = i + 1;
      while (j < n && text.charCodeAt(j) === 35) {
        hashes++;
        j++;
      }
      const previous = out[out.length - 1];
      const glued = previous !== undefined && previous.end === i && previous.kind === 'ident';
      if (j < n && text.charCodeAt(j) === 34 && !glued) {
        const closing = '"' + '#'.repeat(hashes);
        const close = text.indexOf(closing, j + 1);
        if (close < 0) {
          push('string', i, n, true);
          i = n;
        } else {
          push('string', i, close + closing.length);
          i = close + closing.length;
        }
        continue;
      }
    }
    if (c === 34 /* " */) {
      const previous = out[out.length - 1];
      const interpolated = previous !== undefined && previous.kind === 'ident' && previous.end === i && previous.text.endsWith('!');
      i = scanString(i, i + 1, interpolated);
      continue;
    }

    // Character literal, or a lone quote.
    if (c === 39 /* ' */) {
      const end = charLiteralEnd(text, i);
      if (end > 0) {
        push('char', i, end);
        i = end;
      } else {
        push('symbol', i, i + 1);
        i++;
      }
      continue;
    }

    // Backquote: name literal or syntax quotation.
    if (c === 96 /* ` */) {
      if (next === 40 /* ( */) {
        push('quotation', i, i + 2);
        i += 2;
        continue;
      }
      let j = i + 1;
      if (next === 96) j++;
      const identEnd = j < n ? identifierEnd(text, j, guillemets) : j;
      if (identEnd > j) {
        push('name', i, identEnd);
        i = identEnd;
      } else {
        push('symbol', i, i + 1);
        i++;
      }
      continue;
    }

    // Commands spelled with `#`.
    if (c === 35 /* # */ && next >= 0 && isAsciiAlpha(next)) {
      let j = i + 1;
      while (j < n) {
        const d = text.codePointAt(j) ?? 0;
        if (!isIdRest(d)) break;
        j += cpLen(d);
      }
      // `#v[1, 2]` (vector literal) and the like are notation, not commands.
      push(text.charCodeAt(j) === 91 /* [ */ ? 'symbol' : 'hash-command', i, j);
      i = j;
      continue;
    }

    if (isDigit(c)) {
      const j = numberEnd(text, i);
      push('number', i, j);
      i = j;
      continue;
    }

    const cp = text.codePointAt(i) ?? c;
    if (isIdFirst(cp) || cp === 0xab /* « */) {
      const j = identifierEnd(text, i, guillemets);
      if (j > i) {
        push('ident', i, j);
        i = j;
        continue;
      }
    }

    // Symbols. A few multi-character ones matter to the parser; the rest are single code points.
    const two = text.slice(i, i + 2);
    if (two === ':=' || two === '=>' || two === '@[') {
      push('symbol', i, i + 2);
      i += 2;
      continue;
    }
    if (interpolations.length > 0) {
      const top = interpolations.length - 1;
      if (c === 123 /* { */) interpolations[top] = (interpolations[top] ?? 0) + 1;
      if (c === 125 /* } */) {
        if ((interpolations[top] ?? 0) === 0) {
          interpolations.pop();
          i = scanString(i, i + 1, true);
          continue;
        }
        interpolations[top] = (interpolations[top] ?? 0) - 1;
      }
    }
    const len = cpLen(cp);
    push('symbol', i, i + len);
    i += len;
  }
  return out;
}

/** End offset of the character literal starting at `i` (a `'`), or -1 when it is not one. */
function charLiteralEnd(text: string, i: number): number {
  const n = text.length;
  if (i + 2 >= n) return -1;
  const first = text.charCodeAt(i + 1);
  if (first === 10 || first === 13 || first === 39) return -1;
  let j: number;
  if (first === 92 /* \ */) {
    const esc = text.charCodeAt(i + 2);
    if (esc === 120 /* x */) j = i + 5;
    else if (esc === 117 /* u */) {
      if (text.charCodeAt(i + 3) === 123 /* { */) {
        const found = text.slice(i + 4, i + 15).indexOf('}');
        if (found < 0) return -1;
        const close = i + 4 + found;
        j = close + 1;
      } else j = i + 7;
    } else j = i + 3;
  } else {
    const cp = text.codePointAt(i + 1) ?? first;
    j = i + 1 + cpLen(cp);
  }
  return j < n && text.charCodeAt(j) === 39 ? j + 1 : -1;
}

/**
 * The first `»` at or after a position, remembered across calls on one text: a text full of `«`
 * without their `»` would otherwise be searched to its end once per `«`.
 */
class ClosingGuillemets {
  private from = -1;
  private at = -1;
  constructor(private readonly text: string) {}
  after(position: number): number {
    if (this.from >= 0 && position >= this.from && (this.at < 0 || position <= this.at)) return this.at;
    this.from = position;
    this.at = this.text.indexOf('»', position);
    return this.at;
  }
}

/** End of the identifier starting at `i` (parts joined by `.`), or `i` when none starts there. */
function identifierEnd(text: string, i: number, guillemets: ClosingGuillemets = new ClosingGuillemets(text)): number {
  const n = text.length;
  let j = i;
  for (;;) {
    const cp = text.codePointAt(j) ?? -1;
    if (cp === 0xab /* « */) {
      const close = guillemets.after(j + 1);
      if (close < 0) return j === i ? i : j;
      j = close + 1;
    } else if (cp >= 0 && isIdFirst(cp)) {
      j += cpLen(cp);
      while (j < n) {
        const d = text.codePointAt(j) ?? 0;
        if (!isIdRest(d)) break;
        j += cpLen(d);
      }
    } else {
      return j === i ? i : j - 1; // j - 1: back off the dot that led here
    }
    if (j < n && text.charCodeAt(j) === 46 /* . */) {
      const after = text.codePointAt(j + 1) ?? -1;
      if (after === 0xab || (after >= 0 && isIdFirst(after))) {
        j += 1;
        continue;
      }
    }
    return j;
  }
}

function numberEnd(text: string, i: number): number {
  const n = text.length;
  let j = i;
  const prefix = text.slice(i, i + 2).toLowerCase();
  if (prefix === '0x' || prefix === '0b' || prefix === '0o') {
    j += 2;
    while (j < n && /[0-9a-fA-F_]/.test(text[j] ?? '')) j++;
    return j;
  }
  while (j < n && /[0-9_]/.test(text[j] ?? '')) j++;
  if (text[j] === '.' && isDigit(text.charCodeAt(j + 1))) {
    j++;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
  }
  if ((text[j] === 'e' || text[j] === 'E') && /^[+-]?[0-9]/.test(text.slice(j + 1, j + 3))) {
    j += 2;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
  }
  return j;
}

/** The tokens Lean reads as code: comments dropped. */
export function codeTokens(text: string): LeanToken[] {
  return lexLean(text).filter((t) => t.kind !== 'comment' && t.kind !== 'doc-comment');
}

// ---------------------------------------------------------------------------------------------
// Commands

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
const DECLARATION_KINDS = new Map(Object.entries(DECLARATION_KIND_OF));

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

interface Command {
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

interface ParsedFile {
  tokens: LeanToken[];
  commands: Command[];
  declarations: Declaration[];
}

function atLineStart(text: string, offset: number): boolean {
  let j = offset - 1;
  while (j >= 0 && (text[j] === ' ' || text[j] === '\t')) j--;
  return j < 0 || text[j] === '\n' || text[j] === '\r';
}

function atColumnZero(text: string, offset: number): boolean {
  return offset === 0 || text[offset - 1] === '\n' || text[offset - 1] === '\r';
}

/** Index of the `]` matching the `[` or `@[` at `open`, or the last index when unbalanced. */
function matchingBracket(tokens: LeanToken[], open: number): number {
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

function parseFile(text: string): ParsedFile {
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
function splitName(name: string): string[] {
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
function nameIndex(tokens: LeanToken[], keywordIndex: number, lastIndex: number, kind: DeclarationKind): number | undefined {
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

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * The top-level declarations of a Lean file, in order. `start` includes the doc comment,
 * attributes, modifiers and `open ... in` / `set_option ... in` prefixes; `end` is the end of the
 * declaration's last token (trailing whitespace and comments excluded).
 */
export function findDeclarations(text: string): Declaration[] {
  // Copies: callers may sort or edit what they get without touching the cached parse.
  return parseFile(text).declarations.map((d) => ({ ...d }));
}

/** The `sorry` tokens of a file (not in comments, strings or longer identifiers), with their declarations. */
export function findSorries(text: string): SorryLocation[] {
  const { tokens, declarations } = parseFile(text);
  const lines = lineStarts(text);
  const out: SorryLocation[] = [];
  let d = 0;
  for (const t of tokens) {
    if (t.kind !== 'ident' || t.text !== 'sorry') continue;
    while (d < declarations.length && declarations[d]!.end < t.start) d++;
    const candidate = declarations[d];
    const declaration = candidate && candidate.start <= t.start && t.end <= candidate.end ? candidate : undefined;
    out.push({
      offset: t.start,
      range: { start: positionAt(text, lines, t.start), end: positionAt(text, lines, t.end) },
      declaration,
    });
  }
  return out;
}

/** Offsets where each line starts; `\r\n`, `\n` and `\r` all end a line, as in LSP. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    } else if (c === 10) starts.push(i + 1);
  }
  return starts;
}

/** End of the content of line `line` (before its line break). */
function lineContentEnd(text: string, starts: number[], line: number): number {
  const next = line + 1 < starts.length ? starts[line + 1]! : text.length + 1;
  let end = Math.min(next, text.length);
  if (next <= text.length) {
    end = next - 1;
    if (text.charCodeAt(end) === 10 && end > 0 && text.charCodeAt(end - 1) === 13) end--;
  }
  return end;
}

function positionAt(text: string, starts: number[], offset: number): Position {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= clamped) lo = mid;
    else hi = mid - 1;
  }
  const character = Math.min(clamped, lineContentEnd(text, starts, lo)) - starts[lo]!;
  return { line: lo, character };
}

/** LSP position (UTF-16 code units) of an offset; an offset inside a `\r\n` maps to the end of its line. */
export function offsetToPosition(text: string, offset: number): Position {
  return positionAt(text, lineStarts(text), offset);
}

/** Offset of an LSP position; lines and characters past the end are clamped. */
export function positionToOffset(text: string, pos: Position): number {
  const starts = lineStarts(text);
  if (pos.line < 0) return 0;
  if (pos.line >= starts.length) return text.length;
  const start = starts[pos.line]!;
  return Math.min(start + Math.max(0, pos.character), lineContentEnd(text, starts, pos.line));
}

/** Commands whose effect lasts to the end of their scope and that a model needs to read a statement. */
const SCOPE_COMMANDS = new Set(['open', 'variable', 'universe', 'set_option', 'include', 'omit', 'export', 'notation', 'notation3', 'infix', 'infixl', 'infixr', 'prefix', 'postfix']);

/**
 * What the model needs from the file before a declaration: the imports, then for each enclosing
 * `namespace`/`section` its opening line and the `open`, `variable`, `universe`, `set_option` and
 * notation commands in scope at the declaration. Earlier proofs and closed scopes are left out.
 * Lines are joined by `\n` with a blank line after the imports; empty when there is nothing.
 */
export function contextBefore(text: string, decl: Declaration): string {
  const { tokens, commands } = parseFile(text);
  const header: string[] = [];
  interface Frame {
    opener: string | undefined;
    lines: string[];
  }
  const frames: Frame[] = [{ opener: undefined, lines: [] }];
  for (const cmd of commands) {
    if (cmd.start >= decl.start) break;
    const source = text.slice(cmd.start, cmd.end);
    const keyword = cmd.keyword;
    if (keyword === 'import' || keyword === 'prelude') {
      header.push(source);
      continue;
    }
    if (keyword === 'namespace' || keyword === 'section') {
      const name = cmd.keywordIndex + 1 <= cmd.lastIndex ? tokens[cmd.keywordIndex + 1] : undefined;
      const parts = name && name.kind === 'ident' ? splitName(name.text) : [undefined];
      const prefix = text.slice(cmd.start, tokens[cmd.keywordIndex]!.start);
      for (const part of parts) frames.push({ opener: `${prefix}${keyword}${part === undefined ? '' : ' ' + part}`, lines: [] });
      continue;
    }
    if (keyword === 'mutual') {
      frames.push({ opener: undefined, lines: [] });
      continue;
    }
    if (keyword === 'end') {
      const name = cmd.keywordIndex + 1 <= cmd.lastIndex ? tokens[cmd.keywordIndex + 1] : undefined;
      const count = name && name.kind === 'ident' ? splitName(name.text).length : 1;
      for (let k = 0; k < count && frames.length > 1; k++) frames.pop();
      continue;
    }
    if (SCOPE_COMMANDS.has(keyword)) frames[frames.length - 1]!.lines.push(source);
  }
  const body: string[] = [];
  for (const frame of frames) {
    if (frame.opener !== undefined) body.push(frame.opener);
    body.push(...frame.lines);
  }
  if (header.length === 0) return body.join('\n');
  if (body.length === 0) return header.join('\n');
  return `${header.join('\n')}\n\n${body.join('\n')}`;
}

/** The declaration with its proof replaced by `by sorry`: what the model is asked to complete. */
export function statementWithSorry(decl: Declaration): string {
  return `${decl.header} := by sorry`;
}

/**
 * A statement in a form fit for comparison: comments dropped, every run of whitespace (or
 * comments) between two tokens collapsed to one space, none added where the tokens touch.
 */
export function normalizeStatement(s: string): string {
  const tokens = codeTokens(s);
  let out = '';
  let previousEnd = -1;
  for (const t of tokens) {
    if (previousEnd >= 0 && t.start > previousEnd) out += ' ';
    out += t.text;
    previousEnd = t.end;
  }
  return out;
}

/**
 * What a declaration claims, for deciding whether a model kept the statement: its header from just
 * after the declared name (binders and type), normalized. Doc comments, attributes, modifiers, the
 * keyword (`theorem` or `lemma`) and the name do not count.
 */
export function statementSignature(header: string): string {
  const tokens = codeTokens(header);
  let k = 0;
  while (k < tokens.length) {
    const t = tokens[k]!;
    if (t.kind === 'symbol' && t.text === '@[') {
      k = matchingBracket(tokens, k) + 1;
      continue;
    }
    if (t.kind === 'ident' && DECLARATION_KINDS.has(t.text)) break;
    k++;
  }
  if (k >= tokens.length) return normalizeStatement(header);
  const kind = DECLARATION_KINDS.get(tokens[k]!.text) ?? 'other';
  const nameAt = nameIndex(tokens, k, tokens.length - 1, kind);
  let from = (nameAt ?? k) + 1;
  if (nameAt === undefined && tokens[k]!.text === 'class' && (tokens[k + 1]?.text === 'inductive' || tokens[k + 1]?.text === 'abbrev')) from++;
  const first = tokens[from];
  return first ? normalizeStatement(header.slice(first.start)) : '';
}
