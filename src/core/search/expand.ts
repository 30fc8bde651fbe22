// Symbolic expansion: the tactics worth trying on a goal, chosen from its shape, with no model.
// Closing tactics (the pre-pass list, `simp_all`, `simp [defs]` / `simp_all [defs]` with the
// file's own definitions the goal mentions, `rfl`, `decide`, `assumption`, `exact h`), structural
// tactics (`intro`, `constructor`, `cases h`, `induction x`, `cases x`), and one structural
// followed by one closing tactic on every goal it leaves (`S <;> C`). Each proposal carries a cost:
// cheaper proposals are tried first, and the cost feeds the child's score.
import { accessible, forallNames, parseGoal, type ParsedGoal, squash, topConnective } from './goal';

export type ProposalKind = 'closing' | 'structural' | 'combo' | 'model';

export interface Proposal {
  tactic: string;
  kind: ProposalKind;
  /** Added to the child's score: lower is tried first and ranked higher. */
  cost: number;
  /** Log-probability of the tactic when a model proposed it. */
  logprob?: number;
}

export interface ExpansionContext {
  /** The pre-pass tactics (oprover.prepassTactics): tried as closing tactics on every goal. */
  closers: string[];
  /** Definitions of the user's file before the target (names as written and fully qualified). */
  definitions: { name: string; fullName: string }[];
  /** Types whose variables `induction` / `cases` may split (the file's own inductive types are added). */
  inductiveTypes?: string[];
}

/** Inductive types of core Lean whose variables induction or case analysis may split. */
export const CORE_INDUCTIVE_TYPES = ['Nat', 'ℕ', 'List', 'Bool', 'Option', 'Prod', 'Sum', 'Int', 'ℤ'];

/**
 * Lemmas a `simp` over Nat arithmetic often lacks when the goal multiplies (a small arithmetic simp
 * set, core Lean names): with them `induction n <;> simp_all [f, Nat.mul_succ]` closes `f n = 2 * n`
 * for a recursive `f`.
 */
export const ARITH_HINTS = ['Nat.mul_succ', 'Nat.succ_mul'];

const IDENT = /[\p{L}_][\p{L}\p{N}_'!?.₀-₉]*/gu;

function identifiers(text: string): Set<string> {
  return new Set(text.match(IDENT) ?? []);
}

/** The file's definitions a goal mentions, spelled as the goal spells them. */
export function mentionedDefinitions(goal: ParsedGoal, definitions: ExpansionContext['definitions']): string[] {
  const ids = identifiers([goal.target, ...goal.hyps.map((h) => h.type)].join(' '));
  // `c.next.next` mentions `Color.next` through dot notation: its components count too.
  const components = new Set([...ids].flatMap((id) => id.split('.').slice(1)));
  const out: string[] = [];
  for (const d of definitions) {
    const last = d.name.split('.').pop()!;
    const spelled = ids.has(d.fullName) ? d.fullName : ids.has(d.name) || (d.name.includes('.') && components.has(last)) ? d.name : undefined;
    if (spelled && !out.includes(spelled)) out.push(spelled);
  }
  return out;
}

/** A hypothesis name not used in the goal: h, h1, h2, ... */
function freshName(goal: ParsedGoal, base = 'h'): string {
  const used = new Set(goal.hyps.flatMap((h) => h.names));
  if (!used.has(base)) return base;
  for (let k = 1; ; k++) if (!used.has(`${base}${k}`)) return `${base}${k}`;
}

function typeHead(type: string): string {
  return type.trim().split(/[\s(]/)[0] ?? '';
}

/** Structural tactics from the goal's shape, cheapest first. */
export function structuralTactics(goal: ParsedGoal, inductiveTypes: string[]): Proposal[] {
  const out: Proposal[] = [];
  const top = topConnective(goal.target);
  if (top === '∀') {
    const names = forallNames(goal.target).map((n) => (goal.hyps.some((h) => h.names.includes(n)) ? `${n}'` : n));
    out.push({ tactic: names.length > 0 ? `intro ${names.join(' ')}` : 'intro', kind: 'structural', cost: 1 });
  } else if (top === '→' || top === '¬') {
    out.push({ tactic: `intro ${freshName(goal)}`, kind: 'structural', cost: 1 });
  } else if (top === '∧' || top === '↔') {
    out.push({ tactic: 'constructor', kind: 'structural', cost: 1 });
  } else if (top === '∨') {
    out.push({ tactic: 'apply Or.inl', kind: 'structural', cost: 3 }, { tactic: 'apply Or.inr', kind: 'structural', cost: 3 });
  }
  const targetIds = identifiers(goal.target);
  for (const h of goal.hyps) {
    const hTop = topConnective(h.type);
    for (const name of h.names) {
      if (!accessible(name)) continue;
      if (hTop === '∧' || hTop === '∨' || hTop === '∃' || hTop === '↔') out.push({ tactic: `cases ${name}`, kind: 'structural', cost: 2 });
      else if (inductiveTypes.includes(typeHead(h.type))) {
        // A variable the target talks about: induction first; case analysis for the finite types.
        if (!targetIds.has(name)) continue;
        const head = typeHead(h.type);
        if (head !== 'Bool' && head !== 'Option' && head !== 'Prod') out.push({ tactic: `induction ${name}`, kind: 'structural', cost: 2 });
        out.push({ tactic: `cases ${name}`, kind: 'structural', cost: 3 });
      }
    }
  }
  return out;
}

/** Closing tactics for a goal: the pre-pass list and the ones its shape and the file suggest. */
export function closingTactics(goal: ParsedGoal, context: ExpansionContext): Proposal[] {
  const out: Proposal[] = [];
  const target = squash(goal.target);
  for (const h of goal.hyps) {
    if (squash(h.type) !== target) continue;
    const name = h.names.find(accessible);
    if (name) out.push({ tactic: `exact ${name}`, kind: 'closing', cost: 0 });
  }
  if (goal.hyps.length > 0) out.push({ tactic: 'assumption', kind: 'closing', cost: 1 });
  if (goal.hyps.some((h) => squash(h.type) === 'False')) out.push({ tactic: 'contradiction', kind: 'closing', cost: 1 });
  for (const t of ['rfl', 'decide']) out.push({ tactic: t, kind: 'closing', cost: 1 });
  for (const t of simpTactics(goal, context)) out.push({ tactic: t, kind: 'closing', cost: 2 });
  for (const t of context.closers) {
    const tactic = t.trim();
    if (tactic !== '') out.push({ tactic, kind: 'closing', cost: 3 });
  }
  return out;
}

/** `simp_all`, then `simp [defs]` and `simp_all [defs]` with the mentioned definitions (and arithmetic hints where the goal multiplies). */
export function simpTactics(goal: ParsedGoal, context: ExpansionContext): string[] {
  const defs = mentionedDefinitions(goal, context.definitions);
  const arith = /\*/.test(goal.target) ? ARITH_HINTS : [];
  const out = ['simp_all'];
  if (defs.length > 0) out.push(`simp [${defs.join(', ')}]`, `simp_all [${defs.join(', ')}]`);
  if (arith.length > 0) out.push(`simp_all [${[...defs, ...arith].join(', ')}]`);
  return out;
}

/** Closing tactics worth running after a structural one on every goal it leaves. */
function comboClosers(goal: ParsedGoal, context: ExpansionContext): string[] {
  return [...simpTactics(goal, context), 'assumption', 'rfl', 'decide'];
}

/**
 * Every proposal for a goal, without duplicates, cheapest first: closing tactics, then `S <;> C`
 * combinations, then the structural tactics alone (whose goals the search expands further).
 */
export function symbolicProposals(goalText: string, context: ExpansionContext): Proposal[] {
  const goal = parseGoal(goalText);
  const inductive = [...CORE_INDUCTIVE_TYPES, ...(context.inductiveTypes ?? [])];
  const structural = structuralTactics(goal, inductive);
  const closing = closingTactics(goal, context);
  const combos: Proposal[] = [];
  for (const s of structural) {
    for (const c of comboClosers(goal, context)) combos.push({ tactic: `${s.tactic} <;> ${c}`, kind: 'combo', cost: s.cost + 2 });
  }
  const seen = new Set<string>();
  const out: Proposal[] = [];
  for (const p of [...closing, ...combos, ...structural.map((s) => ({ ...s, cost: s.cost + 4 }))]) {
    const key = squash(p.tactic);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}
