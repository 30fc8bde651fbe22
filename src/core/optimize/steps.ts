// Tactic steps of a proof body, read from its tokens (no Lean needed): the unit the `length`,
// `readability` and custom metrics count, and the places where Chain-of-States asks for goals.
//
// A step is one tactic invocation: the first tactic after `by`, every later line that starts at
// the column of its tactic block (Lean's layout rule), and the tactic after `;` or `<;>`. A nested
// `by` (in `have … := by`, in parentheses) opens its own block, whose steps count too. Focusing
// structure is not a step: `·`, `case … =>`, `next … =>` and `| alt =>` only open blocks. A term
// proof (a body that does not start with `by`) counts as one step, plus the steps of any `by` in it.
import { codeTokens, lineStarts, type LeanToken } from '../source';

export interface TacticStep {
  /** Offsets into the body: the step's first token, and the end of its last token (nested blocks included). */
  start: number;
  end: number;
  /** The first token (`simp`, `have`, `calc`, …); `term` for a term proof. */
  head: string;
  /** Number of enclosing tactic blocks: 1 for a step of the top-level `by`. */
  depth: number;
  /** Index of the first token of the step in codeTokens(body). */
  tokenIndex: number;
}

const OPEN = new Set(['(', '[', '{', '⟨', '@[', '⦃', '‹', '⟦', '#[']);
const CLOSE = new Set([')', ']', '}', '⟩', '⦄', '›', '⟧']);
/** Tactics whose block follows on the next, deeper-indented lines. */
const BLOCK_COMBINATORS = new Set(['all_goals', 'any_goals', 'focus', 'repeat', 'try', 'iterate', 'classical']);
/** Focusing structure that opens a block after `=>` rather than being a step itself. */
const ALTERNATIVE_HEADS = new Set(['|', 'case', 'case\'', 'next']);

interface Block {
  column: number;
  bracketDepth: number;
}

/** The tactic steps of a proof body (`:= by …`, `by …` or a term), in order of their first token. */
export function tacticSteps(body: string): TacticStep[] {
  const tokens = codeTokens(body);
  const starts = lineStarts(body);
  const columnOf = (offset: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return offset - starts[lo]!;
  };

  const steps: TacticStep[] = [];
  const open: { step: TacticStep; level: number }[] = [];
  const blocks: Block[] = [];
  let bracketDepth = 0;
  let pending = false;
  let lastEnd = 0;
  let lineHead: LeanToken | undefined;
  let currentHead: string | undefined;
  let stepNext = false;
  let arrowOnLine = false;

  const closeFrom = (level: number): void => {
    while (open.length > 0 && open[open.length - 1]!.level >= level) open.pop()!.step.end = lastEnd;
  };
  const popBlock = (): void => {
    closeFrom(blocks.length);
    blocks.pop();
  };
  const startStep = (t: LeanToken, index: number): void => {
    closeFrom(blocks.length);
    if (t.text === '·' || t.text === '.') {
      pending = true; // the focused block starts at the next token
      return;
    }
    currentHead = t.text;
    if (ALTERNATIVE_HEADS.has(t.text)) return; // `case h =>`: its `=>` opens the block
    const step: TacticStep = { start: t.start, end: t.end, head: t.text, depth: blocks.length, tokenIndex: index };
    steps.push(step);
    open.push({ step, level: blocks.length });
  };

  let first = 0;
  if (tokens[0]?.text === ':=') first = 1;
  const isTerm = tokens[first] !== undefined && tokens[first]!.text !== 'by';
  if (isTerm) {
    const t = tokens[first]!;
    const step: TacticStep = { start: t.start, end: body.trimEnd().length, head: 'term', depth: 0, tokenIndex: first };
    steps.push(step);
  }

  for (let i = first; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.firstOnLine) {
      lineHead = t;
      arrowOnLine = false;
    }
    if (stepNext) {
      // after `;`: skip the `>` of `<;>`, then the next token on the line starts a step
      if (t.text === '>' && tokens[i - 1]?.end === t.start) continue;
      stepNext = false;
      if (!t.firstOnLine && !pending) startStep(t, i);
    }
    if (pending) {
      pending = false;
      blocks.push({ column: columnOf(t.start), bracketDepth });
      startStep(t, i);
    } else if (t.firstOnLine && blocks.length > 0) {
      const column = columnOf(t.start);
      while (blocks.length > 0 && blocks[blocks.length - 1]!.bracketDepth === bracketDepth && column < blocks[blocks.length - 1]!.column) popBlock();
      const top = blocks[blocks.length - 1];
      if (top && top.bracketDepth === bracketDepth && column === top.column) startStep(t, i);
    }
    let top = blocks[blocks.length - 1];
    if (t.kind === 'symbol' && CLOSE.has(t.text)) {
      bracketDepth = Math.max(0, bracketDepth - 1);
      while (blocks.length > 0 && blocks[blocks.length - 1]!.bracketDepth > bracketDepth) popBlock();
      lastEnd = t.end;
      continue;
    }
    if (t.kind === 'symbol' && t.text === ',' && bracketDepth > 0) {
      // `[by simp, h]`: a comma ends a block opened inside the brackets
      while (blocks.length > 0 && blocks[blocks.length - 1]!.bracketDepth === bracketDepth) popBlock();
      lastEnd = t.end;
      continue;
    }
    if (t.kind === 'symbol' && t.text === ';' && top && top.bracketDepth === bracketDepth) {
      // `t1; t2` and `t1 <;> t2`: the next tactic is a step of the same block.
      stepNext = true;
      continue;
    }
    if (!(t.text === '<' && tokens[i + 1]?.text === ';' && tokens[i + 1]!.start === t.end)) lastEnd = t.end;
    if (t.kind === 'symbol' && OPEN.has(t.text)) {
      bracketDepth++;
      continue;
    }
    if (t.kind === 'ident' && t.text === 'by') {
      pending = true;
      continue;
    }
    top = blocks[blocks.length - 1];
    if (!top || top.bracketDepth !== bracketDepth) continue;
    if (t.kind === 'symbol' && t.text === '=>' && !arrowOnLine && (ALTERNATIVE_HEADS.has(lineHead?.text ?? '') || ALTERNATIVE_HEADS.has(currentHead ?? '') || currentHead === 'conv')) {
      arrowOnLine = true;
      pending = i + 1 < tokens.length;
      continue;
    }
    if (t.kind === 'ident' && BLOCK_COMBINATORS.has(t.text) && t.text === currentHead && tokens[i + 1]?.firstOnLine === true) pending = true;
  }
  closeFrom(0);
  return steps;
}

/** The tokens that belong to a step itself, up to its first nested `by` or `:=` at its own bracket level. */
export function stepOwnTokens(body: string, step: TacticStep, tokens = codeTokens(body)): LeanToken[] {
  const out: LeanToken[] = [];
  let depth = 0;
  for (let i = step.tokenIndex; i < tokens.length && tokens[i]!.start < step.end; i++) {
    const t = tokens[i]!;
    if (t.kind === 'symbol' && OPEN.has(t.text)) depth++;
    if (t.kind === 'symbol' && CLOSE.has(t.text)) depth--;
    if (depth === 0 && i > step.tokenIndex && ((t.kind === 'ident' && t.text === 'by') || t.text === ':=' || t.text === ';')) break;
    out.push(t);
    if (depth < 0) break;
  }
  return out;
}
