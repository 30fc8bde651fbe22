// Compiler feedback for the next prompt, in Goedel-Prover-V2's layout: for each of the first N
// errors, the candidate's own code around the error with the span wrapped in <error>…</error>
// (4 lines before, long spans cut after 6 lines, 1 line after), then Lean's message, then the goal
// at the error when Lean gave one and the message does not already show it.
import type { LeanMessage } from './types';

export interface FeedbackOptions {
  /** Errors shown; the rest are summarised as "... [Omitted N more errors] ...". */
  maxErrors: number;
  /** Lines shown before the error's first line. */
  linesBefore?: number;
  /** Lines of a multi-line span shown before it is cut. */
  maxSpanLines?: number;
}

function leadingSpaces(line: string): number {
  return line.length - line.trimStart().length;
}

/** The code lines around one message, with its span marked. Positions are clamped to the text. */
export function markedSnippet(lines: string[], m: LeanMessage, linesBefore = 4, maxSpanLines = 6): string {
  const last = Math.max(0, lines.length - 1);
  // Positions past the candidate (e.g. on the `#print axioms` line) clamp to its end.
  const clamp = (p: { line: number; character: number }): [number, number] =>
    p.line > last ? [last, lines[last]!.length] : [Math.max(0, p.line), Math.min(Math.max(0, p.character), lines[Math.max(0, p.line)]!.length)];
  const [startLine, startCol] = clamp(m.range.start);
  let [endLine, endCol] = clamp(m.range.end);
  if (endLine < startLine) [endLine, endCol] = [startLine, startCol];
  if (endLine === startLine && endCol < startCol) endCol = startCol;
  // A span ending at column 0 of the next line ends, for the reader, at the end of the line before.
  if (endLine > startLine && endCol === 0) {
    endLine -= 1;
    endCol = lines[endLine]!.length;
  }
  const out: string[] = [];
  for (let i = Math.max(0, startLine - linesBefore); i < startLine; i++) out.push(lines[i]!);
  const first = lines[startLine]!;
  if (startLine === endLine) {
    out.push(`${first.slice(0, startCol)}<error>${first.slice(startCol, endCol)}</error>${first.slice(endCol)}`);
  } else {
    out.push(`${first.slice(0, startCol)}<error>${first.slice(startCol)}`);
    const shownUntil = Math.min(endLine, startLine + maxSpanLines);
    for (let i = startLine + 1; i < shownUntil; i++) out.push(lines[i]!);
    if (endLine > startLine + maxSpanLines) {
      out.push(`${' '.repeat(leadingSpaces(lines[shownUntil - 1]!))}... --[Truncated]-- ...`);
    }
    const lastLine = lines[endLine]!;
    out.push(`${lastLine.slice(0, endCol)}</error>${lastLine.slice(endCol)}`);
  }
  if (endLine + 1 < lines.length) out.push(lines[endLine + 1]!);
  return out.join('\n');
}

/** Whether the message text already holds the goal (Lean's "unsolved goals" messages do). */
function messageShowsGoal(text: string, goal: string): boolean {
  const target = goal.trim().split('\n').pop()?.trim() ?? '';
  return target !== '' && text.includes(target);
}

/**
 * Feedback for a failed candidate. `code` is the candidate declaration's text and message ranges
 * are relative to it (line 0 = its first line). Only errors are listed; empty when there are none.
 */
export function formatFeedback(code: string, messages: LeanMessage[], options: FeedbackOptions): string {
  const errors = messages.filter((m) => m.severity === 'error');
  if (errors.length === 0) return '';
  const lines = code.split(/\r\n|\n|\r/);
  const shown = errors.slice(0, Math.max(1, options.maxErrors));
  const parts: string[] = [];
  shown.forEach((m, i) => {
    let part = `Error ${i + 1}:\n\nCorresponding Code:\n\`\`\`lean4\n${markedSnippet(lines, m, options.linesBefore ?? 4, options.maxSpanLines ?? 6)}\n\`\`\`\n\nError Message: ${m.text.trim()}`;
    if (m.goal && m.goal.trim() && !messageShowsGoal(m.text, m.goal)) part += `\n\nGoal at the error:\n${m.goal.trim()}`;
    parts.push(part);
  });
  if (errors.length > shown.length) parts.push(`... [Omitted ${errors.length - shown.length} more errors] ...`);
  return parts.join('\n\n');
}

/**
 * Feedback in Kimina-Prover's error-fixing layout (its demo's `create_tool_message`, read in
 * MoonshotAI/Kimina-Prover-Preview kimina_prover_demo/utils.py): for each of the first `maxErrors`
 * errors, `# Error N:`, the goals before the error when Lean gave them, the message, and the code
 * around the error's line with numbered lines (`NNN >|` marks it). Line numbers count from the
 * attempt's first line. With no Lean messages (the attempt never reached Lean) the reason is the
 * one error.
 */
export function formatKiminaFeedback(code: string, messages: LeanMessage[], fallback: string, maxErrors = 3): string {
  const errors = messages.filter((m) => m.severity === 'error').slice(0, Math.max(1, maxErrors));
  if (errors.length === 0) return `# Error 1:\nError message: \n${fallback.trim()}\n`;
  const lines = code.split(/\r\n|\n|\r/);
  return errors
    .map((m, i) => {
      let part = `# Error ${i + 1}:\n`;
      if (m.goal && m.goal.trim()) part += `Goals state before error position: \n${m.goal.trim()}\n\n`;
      part += `Error message: \n${m.text.trim()}\n\n`;
      const at = Math.min(Math.max(0, m.range.start.line), Math.max(0, lines.length - 1));
      const numbered: string[] = [];
      for (let ln = Math.max(0, at - 2); ln < Math.min(lines.length, at + 3); ln++) {
        numbered.push(`${String(ln + 1).padStart(3, '0')}${ln === at ? ' >' : '  '}| ${lines[ln]}`);
      }
      return `${part}Lean 4 code snippet with error:\n\`\`\`lean4\n${numbered.join('\n')}\n\`\`\`\n`;
    })
    .join('');
}
