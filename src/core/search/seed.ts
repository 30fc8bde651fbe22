// The mixed mode's seeds: the correct prefix of a failed whole-proof attempt. When Lean's first
// error in a tactic proof sits on line k, the top-level tactics that end before line k ran without
// error, so the state after them is a node the search can start from (a model's attempt that went
// wrong late often did the structural work right).
import type { Candidate, Verdict } from '../types';

/**
 * The top-level tactics of the attempt that Lean ran without error, one a line, when the body is a
 * tactic block (`:= by` then one tactic a line); undefined when there is none or the shape is not
 * one the search can extend (a focused or structured block before the error ends the prefix).
 * An attempt whose only errors are "unsolved goals" ran completely: all its tactics are the prefix.
 */
export function correctPrefix(candidate: Candidate, verdict: Verdict): string[] | undefined {
  if (verdict.kind !== 'lean-error') return undefined;
  const errors = verdict.messages.filter((m) => m.severity === 'error');
  if (errors.length === 0) return undefined;
  const real = errors.filter((m) => !m.text.startsWith('unsolved goals'));
  const errorLine = real.length > 0 ? Math.min(...real.map((m) => m.range.start.line)) : Infinity;
  const lines = candidate.declarationText.split(/\r?\n/);
  const byLine = lines.findIndex((l) => /:=\s*by\s*$/.test(l));
  if (byLine < 0) return undefined;
  const block = lines.slice(byLine + 1);
  const indent = Math.min(...block.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  const out: string[] = [];
  for (let i = 0; i < block.length; i++) {
    const line = block[i]!;
    if (line.trim() === '' || line.trim().startsWith('--')) continue;
    const lineNo = byLine + 1 + i;
    if (lineNo >= errorLine) break;
    const own = line.length - line.trimStart().length;
    // A continuation line, a focused goal or a structured alternative: the prefix stops before the tactic it belongs to.
    const next = block.slice(i + 1).find((l) => l.trim() !== '');
    const continues = next !== undefined && next.length - next.trimStart().length > indent;
    if (own !== indent || /^(·|\.|case\s|next\s|\||{)/.test(line.trim()) || continues) break;
    out.push(line.trim());
  }
  return out.length > 0 ? out : undefined;
}
