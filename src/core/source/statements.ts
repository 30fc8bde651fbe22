// What a declaration states: the context a prompt needs, the statement with its proof left out,
// and normalized forms for comparing statements.
import type { Declaration } from '../types';
import { DECLARATION_KINDS, matchingBracket, nameIndex, parseFile, splitName } from './commands';
import { codeTokens } from './lexer';

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
