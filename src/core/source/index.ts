// The Lean 4 source model: a lexer that follows Lean's own rules (lexer.ts), the file's top-level
// commands and declarations (commands.ts), its `sorry`s, each a target, holes included (holes.ts),
// UTF-16 positions (positions.ts) and what a declaration states (statements.ts). Pure string work:
// no Lean process is needed to find a target.
export { codeTokens, isIdFirst, isIdRest, lexLean, type LeanToken, type TokenKind } from './lexer';
export { COMMAND_KEYWORDS, findDeclarations } from './commands';
export { findSorries, isWholeBodySorry, sorryLabel } from './holes';
export { lineStarts, offsetToPosition, positionToOffset } from './positions';
export { contextBefore, normalizeStatement, statementSignature, statementWithSorry } from './statements';
