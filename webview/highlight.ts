// Lean syntax highlighting for the panel, built on the core's own lexer (one lexer for the whole
// product). It produces DOM nodes whose text is set with textContent only: model output can never
// become markup. Error spans from Lean are overlaid on the tokens.
import { lexLean, type LeanToken, type TokenKind } from '../src/core/source';
import type { LeanMessage, Severity } from '../src/core/types';

const KEYWORDS = new Set([
  'theorem', 'lemma', 'def', 'example', 'abbrev', 'instance', 'structure', 'inductive', 'class', 'axiom', 'opaque',
  'namespace', 'section', 'end', 'open', 'variable', 'universe', 'import', 'where', 'deriving', 'private', 'protected',
  'noncomputable', 'partial', 'unsafe', 'by', 'fun', 'λ', 'let', 'have', 'show', 'from', 'match', 'with', 'if', 'then',
  'else', 'do', 'return', 'for', 'in', 'at', 'calc', 'suffices', 'mutual', 'termination_by', 'decreasing_by',
]);

const TACTICS = new Set([
  'intro', 'intros', 'exact', 'apply', 'refine', 'rw', 'rewrite', 'simp', 'simp_all', 'dsimp', 'simpa', 'omega', 'decide',
  'rfl', 'norm_num', 'linarith', 'nlinarith', 'positivity', 'aesop', 'grind', 'cases', 'rcases', 'obtain', 'induction',
  'constructor', 'use', 'exists', 'left', 'right', 'contradiction', 'exfalso', 'trivial', 'assumption', 'specialize',
  'unfold', 'ring', 'ring_nf', 'field_simp', 'nth_rewrite', 'rintro', 'ext', 'funext', 'congr', 'split', 'subst', 'gcongr',
  'norm_cast', 'push_cast', 'exact_mod_cast', 'tauto', 'first', 'try', 'repeat', 'all_goals', 'any_goals', 'case', 'next',
]);

export type HighlightClass =
  | 'kw'
  | 'tactic'
  | 'sorry'
  | 'ident'
  | 'number'
  | 'string'
  | 'comment'
  | 'symbol'
  | 'command'
  | 'plain';

export interface Span {
  start: number;
  end: number;
  cls: HighlightClass;
}

function classOf(kind: TokenKind, text: string): HighlightClass {
  switch (kind) {
    case 'ident':
      if (text === 'sorry' || text === 'admit') return 'sorry';
      if (KEYWORDS.has(text)) return 'kw';
      if (TACTICS.has(text)) return 'tactic';
      return 'ident';
    case 'hash-command':
      return 'command';
    case 'number':
      return 'number';
    case 'string':
    case 'char':
    case 'name':
      return 'string';
    case 'comment':
    case 'doc-comment':
      return 'comment';
    default:
      return 'symbol';
  }
}

/** The text cut into classified spans that cover it exactly (gaps between tokens are `plain`). */
export function highlightSpans(text: string): Span[] {
  const out: Span[] = [];
  let at = 0;
  let tokens: LeanToken[];
  try {
    tokens = lexLean(text);
  } catch {
    tokens = [];
  }
  for (const t of tokens) {
    if (t.start < at || t.end > text.length) continue;
    if (t.start > at) out.push({ start: at, end: t.start, cls: 'plain' });
    out.push({ start: t.start, end: t.end, cls: classOf(t.kind, t.text) });
    at = t.end;
  }
  if (at < text.length) out.push({ start: at, end: text.length, cls: 'plain' });
  return out;
}

export interface Mark {
  start: number;
  end: number;
  severity: Severity;
  message: string;
}

/** Lean message ranges (lines relative to the attempt's first line) as offsets into the attempt. */
export function marksFor(text: string, messages: readonly LeanMessage[]): Mark[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const offset = (line: number, character: number): number => {
    if (line < 0) return 0;
    if (line >= lineStarts.length) return text.length;
    const lineEnd = line + 1 < lineStarts.length ? lineStarts[line + 1]! - 1 : text.length;
    return Math.min(lineStarts[line]! + Math.max(0, character), lineEnd);
  };
  const marks: Mark[] = [];
  for (const m of messages) {
    if (m.severity !== 'error' && m.severity !== 'warning') continue;
    let start = offset(m.range.start.line, m.range.start.character);
    let end = offset(m.range.end.line, m.range.end.character);
    if (end < start) [start, end] = [end, start];
    if (end === start) {
      // An empty range still deserves a visible mark: extend it to the end of the word (or one character).
      const rest = /^[^\s]*/.exec(text.slice(start))?.[0].length ?? 0;
      end = Math.min(text.length, start + Math.max(1, rest));
      if (end === start && start > 0) start -= 1;
    }
    marks.push({ start, end, severity: m.severity, message: m.text });
  }
  return marks;
}

/**
 * Renders `text` as highlighted Lean into `into`: one <span> per piece, with marked pieces wrapped in
 * <mark> elements that carry the Lean message as a tooltip. Only textContent is ever assigned.
 */
export function renderLean(doc: Document, into: HTMLElement, text: string, marks: readonly Mark[] = []): void {
  const cuts = new Set<number>([0, text.length]);
  for (const m of marks) {
    cuts.add(m.start);
    cuts.add(m.end);
  }
  const pieces: Span[] = [];
  for (const span of highlightSpans(text)) {
    const inner = [...cuts].filter((c) => c > span.start && c < span.end).sort((a, b) => a - b);
    let from = span.start;
    for (const c of [...inner, span.end]) {
      pieces.push({ start: from, end: c, cls: span.cls });
      from = c;
    }
  }
  for (const p of pieces) {
    const span = doc.createElement('span');
    span.className = `tok-${p.cls}`;
    span.textContent = text.slice(p.start, p.end);
    const covering = marks.filter((m) => m.start <= p.start && p.end <= m.end && m.end > m.start);
    if (covering.length === 0) {
      into.appendChild(span);
      continue;
    }
    const mark = doc.createElement('mark');
    const severity = covering.some((m) => m.severity === 'error') ? 'error' : 'warning';
    mark.className = `lean-${severity}`;
    mark.setAttribute('data-testid', 'error-span');
    mark.title = covering.map((m) => m.message).join('\n');
    mark.appendChild(span);
    into.appendChild(mark);
  }
}
