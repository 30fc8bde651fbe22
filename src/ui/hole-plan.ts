// Where a hole's verified proof goes in the document as it is now. Only the hole's `sorry` is
// replaced. The hole is found again by its own line (same text, same column, same declaration
// header, same rank among such lines), so it survives other edits that move it, such as another
// hole of the same declaration being filled; the proof is then checked again in place when the
// declaration or the text above it changed. Pure.
import { findSorries } from '../core/source';
import type { ProofTarget, SorryLocation } from '../core/types';

export type HolePlan =
  | { ok: true; start: number; end: number; text: string; sorryOffset: number; moved: boolean; recheck: boolean }
  | { ok: false; reason: string };

function lineAround(text: string, offset: number): string {
  let start = offset;
  while (start > 0 && text[start - 1] !== '\n' && text[start - 1] !== '\r') start--;
  let end = offset;
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
  return `${offset - start}:${text.slice(start, end)}`;
}

/** The sorries of `text` that look like the target's hole: same line, same column, same declaration header. */
function lookalikes(text: string, header: string, line: string): SorryLocation[] {
  return findSorries(text).filter((s) => s.declaration?.header === header && lineAround(text, s.offset) === line);
}

export function planHoleInsertion(target: ProofTarget, current: string, edit: { start: number; end: number; text: string }): HolePlan {
  const decl = target.declaration;
  if (current === target.text) return { ok: true, ...edit, sorryOffset: target.sorry.offset, moved: false, recheck: false };
  const line = lineAround(target.text, target.sorry.offset);
  const before = lookalikes(target.text, decl.header, line);
  const now = lookalikes(current, decl.header, line);
  const rank = before.findIndex((s) => s.offset === target.sorry.offset);
  const name = decl.fullName ?? decl.name ?? 'the example';
  if (rank < 0 || now.length !== before.length) {
    return { ok: false, reason: `not inserted: the hole of ${name} (line ${target.sorry.range.start.line + 1}) was edited after the proof job started; run the job again on the current text` };
  }
  const found = now[rank]!;
  const delta = found.offset - target.sorry.offset;
  const declNow = found.declaration!;
  const unchanged = current.slice(declNow.start, declNow.end) === target.text.slice(decl.start, decl.end) && current.slice(0, declNow.start) === target.text.slice(0, decl.start);
  return { ok: true, start: edit.start + delta, end: edit.end + delta, text: edit.text, sorryOffset: found.offset, moved: delta !== 0, recheck: !unchanged };
}
