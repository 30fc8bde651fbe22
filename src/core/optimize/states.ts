// Chain-of-States (ImProver): the proof the model sees, annotated with the goal after each tactic
// line, as comments, so that it sees what each step does. The goals come from `$/lean/plainGoal`
// at the end of each line where a step ends, in a warm scratch document through the StatesSource
// port; annotation is best effort: no goals, no comments.
import { lineStarts, offsetToPosition } from '../source';
import type { Position, ProofTarget } from '../types';
import { tacticSteps } from './steps';

/** Goals at positions of a document (one Lean check, then `$/lean/plainGoal` at each); undefined where Lean gave none. */
export type StatesSource = (request: { projectRoot: string; text: string; positions: Position[] }, signal?: AbortSignal) => Promise<(string | undefined)[]>;

/** Where to ask: the end of each line of `declarationText` on which a tactic step ends, as offsets into it. */
export function stateOffsets(declarationText: string, bodyStart: number): number[] {
  const body = declarationText.slice(bodyStart);
  const starts = lineStarts(declarationText);
  const lineOf = (offset: number): number => {
    let line = 0;
    while (line + 1 < starts.length && starts[line + 1]! <= offset) line++;
    return line;
  };
  const ends = new Map<number, number>();
  for (const step of tacticSteps(body)) {
    if (step.head === 'term') continue;
    const end = bodyStart + step.end;
    const line = lineOf(end - 1);
    ends.set(line, Math.max(ends.get(line) ?? 0, end));
  }
  return [...ends.keys()].sort((a, b) => a - b).map((line) => {
    const next = starts[line + 1];
    const lineEnd = next === undefined ? declarationText.length : next - 1 - (declarationText[next - 2] === '\r' ? 1 : 0);
    return Math.max(ends.get(line)!, lineEnd);
  });
}

/** The declaration with, after each annotated line, the goals as `--` comments at that line's indentation. */
export function annotate(declarationText: string, offsets: number[], goals: (string | undefined)[]): string {
  const lines = declarationText.split('\n');
  const extra = new Map<number, string[]>();
  offsets.forEach((offset, i) => {
    const goal = goals[i];
    if (goal === undefined) return;
    const line = offsetToPosition(declarationText, offset).line;
    const indent = /^\s*/.exec(lines[line] ?? '')![0].replace(/\r/g, '');
    const text = goal.trim() === '' ? 'no goals' : goal.trim();
    extra.set(line, text.split(/\r?\n/).map((l) => `${indent}-- ${l}`.trimEnd()));
  });
  const out: string[] = [];
  lines.forEach((line, i) => {
    out.push(line);
    const more = extra.get(i);
    if (more) out.push(...more);
  });
  return out.join('\n');
}

/**
 * `declarationText` (the target's own header and a proof body) annotated with the goal after each
 * tactic line; the text unchanged when there is no source, no step, or Lean answered nothing.
 */
export async function chainOfStates(target: ProofTarget, declarationText: string, source: StatesSource | undefined, signal?: AbortSignal): Promise<{ text: string; annotated: number }> {
  const bodyStart = target.declaration.header.length + 1;
  if (!source || !declarationText.startsWith(target.declaration.header)) return { text: declarationText, annotated: 0 };
  const offsets = stateOffsets(declarationText, bodyStart);
  if (offsets.length === 0) return { text: declarationText, annotated: 0 };
  const raw = target.text.slice(0, target.declaration.start);
  const prefix = raw === '' || /[\n\r]$/.test(raw) ? raw : `${raw}\n`;
  const base = offsetToPosition(prefix + 'x', prefix.length);
  const positions = offsets.map((o) => {
    const p = offsetToPosition(declarationText, o);
    return p.line === 0 ? { line: base.line, character: base.character + p.character } : { line: base.line + p.line, character: p.character };
  });
  const goals = await source({ projectRoot: target.projectRoot, text: `${prefix}${declarationText}\n`, positions }, signal);
  return { text: annotate(declarationText, offsets, goals), annotated: goals.filter((g) => g !== undefined).length };
}

/**
 * A failed attempt of the repair loop with the goals after each of its tactic lines (the option
 * oprover.repairChainOfStates): Lean's goals up to where the attempt went wrong. Best effort: on
 * any failure the attempt is returned as it was.
 */
export async function attemptWithStates<T extends { attempt: string }>(target: ProofTarget, attempt: T, source: StatesSource | undefined, signal?: AbortSignal): Promise<T> {
  try {
    const { text } = await chainOfStates(target, attempt.attempt, source, signal);
    return { ...attempt, attempt: text };
  } catch {
    signal?.throwIfAborted();
    return attempt;
  }
}
