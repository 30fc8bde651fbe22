// The `sorry`s of a file, each its own target. A `sorry` that is a declaration's whole proof
// (`:= by sorry`, `:= sorry`) is the whole-theorem case; any other `sorry` in a proof is a hole,
// proved where it stands with the rest of the user's proof kept.
import type { Declaration, HoleSite, SorryLocation } from '../types';
import { parseFile } from './commands';
import type { LeanToken } from './lexer';
import { lineStarts, positionAt } from './positions';

/** Tokens after which a `sorry` stands for tactics. */
const BEFORE_TACTIC = new Set(['by', '·', '.', ';', '<;>', 'then', 'else', 'next', 'try', 'repeat', 'first', 'all_goals', 'any_goals', 'focus']);
/** Tokens after which a `sorry` stands for a term, even at the start of a line. */
const BEFORE_TERM = new Set([':=', '(', '⟨', ',', '[', '{', 'exact', 'refine', 'refine\'', 'apply', 'use', 'show', 'from', 'fun', 'λ', '←', '→', '↔', '∧', '∨', '=', '+', '*', '$', '<|', '|>', '▸', ':', 'calc', '_']);

/** Tactics whose `| pattern => ...` alternatives hold tactics (a term `match`'s hold terms). */
const TACTIC_SPLITS = new Set(['induction', 'cases', 'rcases', 'obtain', 'induction\'', 'cases\'']);

/** Whether the `sorry` at token `k` is its declaration's whole proof: `:= sorry` or `:= by sorry`. */
export function isWholeBodySorry(tokens: readonly LeanToken[], k: number, decl: Declaration): boolean {
  const last = tokens[k + 1] === undefined || tokens[k + 1]!.start >= decl.end;
  const assign = tokens[k - 1]?.text === 'by' ? tokens[k - 2] : tokens[k - 1];
  return last && assign !== undefined && assign.text === ':=' && assign.start === decl.bodyStart;
}

/** The `=>` of an alternative: tactic when its line starts with `case`/`next`, or with `|` under a tactic (`cases`, `induction`, `rcases`, `match` in `by`). */
function arrowIsTactic(tokens: readonly LeanToken[], arrow: number): boolean {
  let k = arrow;
  while (k > 0 && !tokens[k]!.firstOnLine) k--;
  const first = tokens[k]!.text;
  if (first === 'case' || first === 'next' || first === 'case\'') return true;
  for (let j = k; j < arrow; j++) if (tokens[j]!.text === 'fun' || tokens[j]!.text === 'λ') return false;
  if (first !== '|') return false;
  // The alternatives' head: the nearest line above that does not start with `|`.
  let h = k - 1;
  while (h > 0 && !(tokens[h]!.firstOnLine && tokens[h]!.text !== '|')) h--;
  for (let j = h; j < k; j++) if (TACTIC_SPLITS.has(tokens[j]!.text)) return true;
  return false;
}

/** Tactic or term, from the token before the `sorry`. */
function modeOf(tokens: readonly LeanToken[], k: number): HoleSite['mode'] {
  const previous = tokens[k - 1];
  if (!previous) return 'term';
  if (BEFORE_TACTIC.has(previous.text)) return 'tactic';
  if (previous.text === '=>') return arrowIsTactic(tokens, k - 1) ? 'tactic' : 'term';
  if (BEFORE_TERM.has(previous.text)) return 'term';
  return tokens[k]!.firstOnLine ? 'tactic' : 'term';
}

function holeSite(text: string, tokens: readonly LeanToken[], k: number, index: number, count: number): HoleSite {
  const t = tokens[k]!;
  let lineStart = t.start;
  while (lineStart > 0 && text[lineStart - 1] !== '\n' && text[lineStart - 1] !== '\r') lineStart--;
  let lineEnd = t.end;
  while (lineEnd < text.length && text[lineEnd] !== '\n' && text[lineEnd] !== '\r') lineEnd++;
  const lineIndent = /^[ \t]*/.exec(text.slice(lineStart, t.start))![0];
  const ownLine = text.slice(lineStart, t.start).trim() === '' && text.slice(t.end, lineEnd).trim() === '';
  const previous = tokens[k - 1];
  const afterBy = previous?.text === 'by' && !t.firstOnLine;
  return { index, count, mode: modeOf(tokens, k), ownLine, afterBy, lineIndent };
}

/** The `sorry` tokens of a file (not in comments, strings or longer identifiers), with their declarations; holes carry their site. */
export function findSorries(text: string): SorryLocation[] {
  const { tokens, declarations } = parseFile(text);
  const lines = lineStarts(text);
  const found: { k: number; declaration: Declaration | undefined }[] = [];
  let d = 0;
  tokens.forEach((t, k) => {
    if (t.kind !== 'ident' || t.text !== 'sorry') return;
    while (d < declarations.length && declarations[d]!.end < t.start) d++;
    const candidate = declarations[d];
    found.push({ k, declaration: candidate && candidate.start <= t.start && t.end <= candidate.end ? candidate : undefined });
  });
  // Holes: every `sorry` in a body that is more than one `sorry`, numbered per declaration.
  const holesOf = new Map<number, number[]>();
  for (const f of found) {
    const decl = f.declaration;
    if (!decl || tokens[f.k]!.start < decl.bodyStart || isWholeBodySorry(tokens, f.k, decl)) continue;
    const list = holesOf.get(decl.start) ?? [];
    list.push(f.k);
    holesOf.set(decl.start, list);
  }
  return found.map(({ k, declaration }) => {
    const t = tokens[k]!;
    const location: SorryLocation = { offset: t.start, range: { start: positionAt(text, lines, t.start), end: positionAt(text, lines, t.end) }, declaration };
    const holes = declaration ? holesOf.get(declaration.start) : undefined;
    const index = holes ? holes.indexOf(k) : -1;
    if (holes && index >= 0) location.hole = holeSite(text, tokens, k, index + 1, holes.length);
    return location;
  });
}

/** How reports and the panel name a target: the declaration, and for a hole its number and position. */
export function sorryLabel(sorry: SorryLocation): string {
  const decl = sorry.declaration;
  const name = decl ? (decl.fullName ?? decl.name ?? decl.kind) : '(no declaration)';
  if (!sorry.hole) return name;
  return `${name}, hole ${sorry.hole.index} of ${sorry.hole.count} (line ${sorry.range.start.line + 1}, column ${sorry.range.start.character + 1})`;
}
