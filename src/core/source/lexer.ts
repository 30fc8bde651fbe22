// The Lean 4 lexer: follows Lean's own rules for comments, strings, character literals and
// identifiers, so a `sorry` in a comment or a string is never taken for code.

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

export const OPENING_BRACKETS = new Set(['(', '[', '{', '⟨', '⦃', '⟦', '@[']);
export const CLOSING_BRACKETS = new Set([')', ']', '}', '⟩', '⦄', '⟧']);

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
