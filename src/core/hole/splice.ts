// Splice: a proof of the hole becomes the hole's text. Only the `sorry` token is replaced (with its
// line's break when `by sorry` must grow into a block); every other character of the file stays
// byte for byte, so the other holes keep their text and move only by the length difference.
import { codeTokens } from '../source';
import type { HoleSite, SorryLocation } from '../types';

/** A replacement of text[start, end) in the user's file. */
export interface HoleEdit {
  start: number;
  end: number;
  text: string;
}

/** The tactic lines of a proof body (`:= by tac…` or `:= term`), dedented; a term becomes `exact term`. */
export function proofScript(body: string): { lines: string[]; term?: string } {
  let rest = body.trim();
  if (rest.startsWith(':=')) rest = rest.slice(2);
  const first = codeTokens(rest)[0];
  if (first && first.kind === 'ident' && first.text === 'by') {
    const script = rest.slice(first.end);
    const raw = script.split(/\r?\n/);
    const head = raw[0]!.trim();
    const tail = dedent(raw.slice(1));
    return { lines: head === '' ? tail : [head, ...tail] };
  }
  const term = rest.trim();
  const raw = term.split(/\r?\n/);
  const tail = dedent(raw.slice(1)).map((l) => (l === '' ? l : `  ${l}`));
  return { lines: [`exact ${raw[0]!.trim()}`, ...tail], term };
}

function dedent(lines: string[]): string[] {
  const kept = [...lines];
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  const indents = kept.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length > 0 ? Math.min(...indents) : 0;
  return kept.map((l) => (l.trim() === '' ? '' : l.slice(cut)));
}

/** Spaces as wide as text[lineStart, offset) (Lean counts code points). */
function columnPad(text: string, offset: number): string {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  return ' '.repeat([...text.slice(start, offset)].length);
}

/**
 * The edit that puts `lines` (tactics) at the hole. Tactic holes: one line replaces the `sorry`; more
 * lines align under its column, or, after `by` on the same line, go on the next lines indented two
 * spaces past the line's own indentation (so `by` ends its line). Term holes get `(by …)`, or the
 * bare term in parentheses when there is nothing to run before it.
 */
export function holeEdit(text: string, sorry: SorryLocation, site: HoleSite, lines: string[], term?: string): HoleEdit {
  const start = sorry.offset;
  const end = start + 'sorry'.length;
  if (site.mode === 'term') {
    if (term !== undefined && !term.includes('\n')) return { start, end, text: `(${term})` };
    if (lines.length === 1) return { start, end, text: `(by ${lines[0]})` };
    const pad = `${site.lineIndent}    `;
    return { start, end, text: `(by\n${lines.map((l) => (l === '' ? '' : pad + l)).join('\n')})` };
  }
  if (lines.length === 1) return { start, end, text: lines[0]! };
  if (site.afterBy) {
    // Replace from the end of `by` so no trailing space is left on its line.
    let from = start;
    while (from > 0 && (text[from - 1] === ' ' || text[from - 1] === '\t')) from--;
    const pad = `${site.lineIndent}  `;
    return { start: from, end, text: `\n${lines.map((l) => (l === '' ? '' : pad + l)).join('\n')}` };
  }
  const pad = columnPad(text, start);
  return { start, end, text: lines.map((l, i) => (i === 0 || l === '' ? l : pad + l)).join('\n') };
}

/** The range a hole's recorded replacement text covers in the text the job read (an edit that opens a block after `by` starts at the end of `by`). */
export function holeEditRange(text: string, sorry: SorryLocation, replacement: string): { start: number; end: number } {
  let start = sorry.offset;
  if (replacement.startsWith('\n')) while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  return { start, end: sorry.offset + 'sorry'.length };
}

export function applyEdit(text: string, edit: HoleEdit): string {
  return text.slice(0, edit.start) + edit.text + text.slice(edit.end);
}

/** Name of the stand-in the other holes get while one hole is checked: an axiom, so `#print axioms` shows it apart from `sorryAx`. */
export const OTHER_HOLE_AXIOM = 'oprover_other_hole';

/** The command that declares the stand-in, put before the declaration in the checked document only. */
export const OTHER_HOLE_DECLARATION = `axiom ${OTHER_HOLE_AXIOM}.{oprover_u} {α : Sort oprover_u} : α`;

/** The stand-in for one other hole, in its own mode. */
export function otherHoleEdit(sorry: SorryLocation): HoleEdit {
  const text = sorry.hole?.mode === 'tactic' ? `exact ${OTHER_HOLE_AXIOM}` : OTHER_HOLE_AXIOM;
  return { start: sorry.offset, end: sorry.offset + 'sorry'.length, text };
}

/** Applies non-overlapping edits made against the same text, from the last to the first. */
export function applyEdits(text: string, edits: readonly HoleEdit[]): string {
  return [...edits].sort((a, b) => b.start - a.start).reduce((t, e) => applyEdit(t, e), text);
}
