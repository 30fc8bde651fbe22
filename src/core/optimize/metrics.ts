// Proof metrics for optimization: pure functions of a proof body (`:= by …` or a term), defined in
// docs/model.md. A rewrite counts only when Lean verified it and its metric strictly improves.
import { codeTokens, normalizeStatement } from '../source';
import { stepOwnTokens, tacticSteps, type TacticStep } from './steps';

export const METRIC_IDS = ['length', 'readability', 'characters', 'custom'] as const;
export type MetricId = (typeof METRIC_IDS)[number];

export interface Metric {
  readonly id: MetricId;
  /** Whether a smaller or a larger value is better. */
  readonly better: 'lower' | 'higher';
  measure(body: string): number;
  /** The value as people read it: "12 steps", "40 % declarative", "310 characters". */
  format(value: number): string;
  /** One sentence for the optimization prompt: what to improve. */
  readonly goal: string;
}

/** Heads of steps that state what they prove (with a type ascription where the tactic allows one). */
const DECLARATIVE_ALWAYS = new Set(['show', 'calc']);
const DECLARATIVE_WITH_TYPE = new Set(['have', 'obtain', 'suffices', 'replace', 'haveI']);
/** Rewriting chains that hide what they prove once they list this many lemmas. */
const OPAQUE_HEADS = new Set(['simp', 'simp only', 'simp_all', 'simp_rw', 'rw', 'rwa', 'rewrite', 'dsimp', 'dsimp only', 'norm_num', 'field_simp']);
export const OPAQUE_MIN_LEMMAS = 4;

/** The `length` metric: the number of tactic steps (see steps.ts). */
export function stepCount(body: string): number {
  return tacticSteps(body).length;
}

/** Whether a step states what it proves: `show`, `calc`, or `have`/`obtain`/`suffices`/`replace` with `: type`. */
export function isDeclarative(body: string, step: TacticStep, tokens = codeTokens(body)): boolean {
  if (DECLARATIVE_ALWAYS.has(step.head)) return true;
  if (!DECLARATIVE_WITH_TYPE.has(step.head)) return false;
  // a `:` outside brackets: `have h : P`, `obtain ⟨x, hx⟩ : P` (not the `:` of a binder in parentheses)
  let depth = 0;
  for (const [i, t] of stepOwnTokens(body, step, tokens).entries()) {
    if (t.kind !== 'symbol') continue;
    if ('([{⟨⦃'.includes(t.text)) depth++;
    else if (')]}⟩⦄'.includes(t.text)) depth--;
    else if (t.text === ':' && depth === 0 && i > 0) return true;
  }
  return false;
}

/** Lemmas listed in a step's first `[...]` (top-level commas + 1); 0 when it has none. */
function listedLemmas(tokens: { text: string; kind: string }[]): number {
  const open = tokens.findIndex((t) => t.text === '[');
  if (open < 0) return 0;
  let depth = 0;
  let count = 1;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i]!.text;
    if ('([{⟨'.includes(t)) depth++;
    else if (')]}⟩'.includes(t)) {
      depth--;
      if (depth === 0) return i === open + 1 ? 0 : count;
    } else if (t === ',' && depth === 1) count++;
  }
  return count;
}

/** A rewriting step that lists at least OPAQUE_MIN_LEMMAS lemmas (`simp only [a, b, c, d]`, `rw [...]`). */
export function isOpaqueChain(body: string, step: TacticStep, tokens = codeTokens(body)): boolean {
  const own = stepOwnTokens(body, step, tokens);
  const head = own[1]?.text === 'only' ? `${step.head} only` : step.head;
  return OPAQUE_HEADS.has(head) && listedLemmas(own) >= OPAQUE_MIN_LEMMAS;
}

export interface ReadabilityParts {
  steps: number;
  declarative: number;
  opaque: number;
}

export function readabilityParts(body: string): ReadabilityParts {
  const tokens = codeTokens(body);
  const steps = tacticSteps(body);
  return {
    steps: steps.length,
    declarative: steps.filter((s) => isDeclarative(body, s, tokens)).length,
    opaque: steps.filter((s) => isOpaqueChain(body, s, tokens)).length,
  };
}

/** The `readability` metric: declarative steps / (steps + opaque chains), in [0, 1]; higher is better. */
export function readability(body: string): number {
  const p = readabilityParts(body);
  const denominator = p.steps + p.opaque;
  return denominator === 0 ? 0 : p.declarative / denominator;
}

/** The `characters` metric: the proof after `:=`, comments dropped, each run of whitespace counted as one. */
export function characterCount(body: string): number {
  const text = normalizeStatement(body);
  return (text.startsWith(':=') ? text.slice(2).trimStart() : text).length;
}

/**
 * A custom metric from settings: the sum over steps of the weight of the step's tactic (its first
 * token), `*` for any other tactic (default 1). Construct keys: `have:` for a `have` with a type,
 * `term` for a term proof. No user code runs: weights are numbers.
 */
export function customScore(body: string, weights: Readonly<Record<string, number>>): number {
  const tokens = codeTokens(body);
  const fallback = weights['*'] ?? 1;
  let total = 0;
  for (const step of tacticSteps(body)) {
    const typedHave = step.head === 'have' && isDeclarative(body, step, tokens);
    const key = typedHave && weights['have:'] !== undefined ? 'have:' : step.head;
    total += weights[key] ?? fallback;
  }
  return total;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The metric named `id`; `custom` reads its weights from oprover.optimizeCustomWeights. */
export function getMetric(id: MetricId, customWeights: Readonly<Record<string, number>> = {}): Metric {
  switch (id) {
    case 'length':
      return { id, better: 'lower', measure: stepCount, format: (v) => plural(v, 'step'), goal: 'Make the proof shorter: use as few tactic steps as possible.' };
    case 'readability':
      return {
        id,
        better: 'higher',
        measure: readability,
        format: (v) => `${Math.round(v * 100)} % declarative`,
        goal: 'Make the proof more readable and declarative: state intermediate facts with `have name : statement`, `show`, `calc` or `obtain ⟨…⟩ : statement`, and avoid long `simp only [...]` or `rw [...]` chains.',
      };
    case 'characters':
      return { id, better: 'lower', measure: characterCount, format: (v) => plural(v, 'character'), goal: 'Make the proof text as short as possible (fewest characters).' };
    case 'custom':
      return {
        id,
        better: 'lower',
        measure: (body) => customScore(body, customWeights),
        format: (v) => `score ${v}`,
        goal: `Lower the proof's weighted tactic count (weights: ${Object.entries(customWeights).map(([k, w]) => `${k} ${w}`).join(', ') || 'every step 1'}).`,
      };
  }
}

/** Whether `after` is strictly better than `before` under `metric` (ties do not count). */
export function improves(metric: Pick<Metric, 'better'>, before: number, after: number): boolean {
  return metric.better === 'lower' ? after < before : after > before;
}

/** "12 → 5 steps" for the panel and reports. */
export function formatChange(metric: Metric, before: number, after: number): string {
  if (metric.id === 'length') return `${before} → ${plural(after, 'step')}`;
  if (metric.id === 'characters') return `${before} → ${plural(after, 'character')}`;
  return `${metric.format(before)} → ${metric.format(after)}`;
}

export function isMetricId(s: string): s is MetricId {
  return (METRIC_IDS as readonly string[]).includes(s);
}
