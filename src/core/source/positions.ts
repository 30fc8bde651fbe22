// UTF-16 positions as LSP counts them: line starts and offset ↔ position conversions.
import type { Position } from '../types';

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

export function positionAt(text: string, starts: number[], offset: number): Position {
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
