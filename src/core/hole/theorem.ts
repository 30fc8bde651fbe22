// The hole as a theorem: from the goal Lean prints at a hole, a standalone statement in the file's
// context whose proof, spliced back at the hole, proves the hole. Hypotheses become binders and the
// target the conclusion. What keeps a printed goal from re-parsing is handled or refused:
//  - inaccessible and shadowed names (`x✝`, `h✝¹`) get fresh names, used in the later hypotheses
//    and the target; in place a `rename_i` gives the hidden hypotheses the same names;
//  - a `let` value (`x : T := v`) becomes a binder and an equation `x_def : x = v`; in place
//    `have x_def : x = v := rfl` restates it;
//  - instance hypotheses (`inst✝ : Decidable p`) become `[inst : Decidable p]` binders;
//  - universe levels the goal mentions and the file does not declare are the theorem's own;
//  - several goals: the hole is the first (a `sorry` tactic closes the main goal), its `case` tag noted.
// Goals with elided terms (`⋯`), metavariables, `sorry`, or the declaration itself are refused
// with the reason: the hole is then asked for in place.
import type { Declaration } from '../types';
import { parseGoal, splitGoals, type PrintedGoal } from './goal';

export interface HoleTheorem {
  name: string;
  /** `theorem name.{u} (binders) : target`, without the proof. */
  header: string;
  /** Tactic lines run at the hole before the theorem's proof, so its names mean the same there. */
  prelude: string[];
  /** The goal the theorem was built from, as Lean printed it. */
  goal: string;
  caseTag?: string;
  /** Goals at the hole after the first (closed by later tactics of the user's proof). */
  otherGoals: number;
}

export type HoleTheoremResult = { ok: true; theorem: HoleTheorem } | { ok: false; reason: string };

const SUPERSCRIPTS = '⁰¹²³⁴⁵⁶⁷⁸⁹';
const NAME_CHAR = /[\p{L}\p{N}_'!?₀-₉ₐ-ₜᵢ-ᵪ✝⁰¹²³⁴⁵⁶⁷⁸⁹.]/u;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `s` with every whole occurrence of the name `from` replaced by `to`. */
export function renameIn(s: string, from: string, to: string): string {
  const re = new RegExp(escapeRegExp(from), 'gu');
  return s.replace(re, (match, offset: number) => {
    const before = offset > 0 ? s[offset - 1]! : '';
    const after = s.slice(offset + match.length, offset + match.length + 1);
    if ((before !== '' && NAME_CHAR.test(before) && before !== '.') || (after !== '' && (NAME_CHAR.test(after) && after !== '.'))) return match;
    return to;
  });
}

function mentions(s: string, name: string): boolean {
  return renameIn(s, name, '\u0000') !== s;
}

/** Universe level names in `Sort u`, `Type (max u v)` and `.{u}`. */
export function universeNames(s: string): string[] {
  const found = new Set<string>();
  const add = (levels: string) => {
    for (const m of levels.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) if (m[0] !== 'max' && m[0] !== 'imax') found.add(m[0]);
  };
  for (const m of s.matchAll(/\b(?:Sort|Type)\s+(\([^()]*\)|[A-Za-z_][A-Za-z0-9_]*)/g)) add(m[1]!);
  for (const m of s.matchAll(/\.\{([^}]*)\}/g)) add(m[1]!);
  return [...found];
}

/** Universe names declared by `universe` commands in the context text. */
function declaredUniverses(context: string): Set<string> {
  const out = new Set<string>();
  for (const m of context.matchAll(/^\s*universe\s+([^\n]+)/gm)) for (const u of m[1]!.trim().split(/\s+/)) out.add(u);
  return out;
}

function unfaithful(goal: PrintedGoal, decl: Declaration): string | undefined {
  const all = [...goal.hypotheses.flatMap((h) => [h.type, h.value ?? '']), goal.target].join('\n');
  if (/[⋯…]/.test(all)) return 'Lean elided part of the goal (`⋯`), so it cannot be restated';
  if (/\?[A-Za-z_]/.test(all)) return 'the goal holds metavariables (`?m`), so it cannot be restated';
  if (mentions(all, 'sorry')) return 'the goal mentions `sorry`';
  for (const name of [decl.name, decl.fullName]) {
    if (name !== undefined && mentions(all, name)) return `the goal mentions \`${name}\` itself, which is not declared before it`;
  }
  for (const h of goal.hypotheses) {
    for (const n of h.names) if (!/^[^\s:()[\]{}⟨⟩,]+$/.test(n)) return `the hypothesis name \`${n}\` cannot be written back`;
  }
  return undefined;
}

function baseName(printed: string): string {
  const stripped = printed.replace(new RegExp(`[✝${SUPERSCRIPTS}]`, 'gu'), '');
  return /^[A-Za-z_][A-Za-z0-9_']*$/.test(stripped) ? stripped : 'x';
}

export interface HoleTheoremInput {
  /** The goals Lean printed at the hole (blank-line separated). */
  printedGoals: string;
  declaration: Declaration;
  /** The file's text (names the theorem must not clash with). */
  text: string;
  /** The file's context before the declaration (its `universe` commands count as declared). */
  context: string;
  holeIndex: number;
}

/** Builds the hole's theorem, or says why no faithful statement can be made. */
export function buildHoleTheorem(input: HoleTheoremInput): HoleTheoremResult {
  const printed = splitGoals(input.printedGoals);
  if (printed.length === 0) return { ok: false, reason: 'Lean shows no goal at this hole' };
  const goal = parseGoal(printed[0]!);
  if (!goal) return { ok: false, reason: 'the goal Lean printed could not be read back into hypotheses and a target' };
  const problem = unfaithful(goal, input.declaration);
  if (problem) return { ok: false, reason: problem };

  const taken = new Set<string>();
  for (const m of `${input.printedGoals}\n${input.text}`.matchAll(/[A-Za-z_][A-Za-z0-9_']*/g)) taken.add(m[0]);
  const fresh = (base: string): string => {
    for (let k = 1; ; k++) {
      const candidate = `${base}_${k}`;
      if (!taken.has(candidate)) {
        taken.add(candidate);
        return candidate;
      }
    }
  };

  // Each hypothesis name, in order; a name printed twice is shadowed by the later one.
  const flat = goal.hypotheses.flatMap((h) => h.names.map((name) => ({ name, type: h.type, value: h.value })));
  const binders: string[] = [];
  const prelude: string[] = [];
  const hidden: string[] = [];
  const rest = flat.map((h) => ({ ...h }));
  let target = goal.target;
  for (let i = 0; i < rest.length; i++) {
    const h = rest[i]!;
    const inaccessible = h.name.includes('✝');
    const shadowed = rest.slice(i + 1).some((later) => later.name === h.name);
    if (shadowed && !inaccessible) return { ok: false, reason: `two hypotheses print as \`${h.name}\`` };
    let name = h.name;
    if (inaccessible) {
      name = fresh(baseName(h.name));
      hidden.push(name);
      // Later mentions of the printed name, up to a later hypothesis printed the same, mean this one.
      const until = rest.findIndex((later, j) => j > i && later.name === h.name);
      const end = until < 0 ? rest.length : until;
      for (let j = i + 1; j < end; j++) {
        const later = rest[j]!;
        later.type = renameIn(later.type, h.name, name);
        if (later.value !== undefined) later.value = renameIn(later.value, h.name, name);
      }
      if (until < 0) target = renameIn(target, h.name, name);
    }
    const isInstance = inaccessible && h.name.startsWith('inst');
    binders.push(isInstance ? `[${name} : ${h.type}]` : `(${name} : ${h.type})`);
    if (h.value !== undefined) {
      const equation = fresh(`${name}_def`);
      binders.push(`(${equation} : ${name} = ${h.value})`);
      prelude.push(`have ${equation} : ${name} = ${h.value} := rfl`);
    }
  }
  if (hidden.length > 0) prelude.unshift(`rename_i ${hidden.join(' ')}`);

  const declared = declaredUniverses(input.context);
  const levels = universeNames([...binders, target].join('\n')).filter((u) => !declared.has(u));
  const short = (input.declaration.name ?? 'example').split('.').pop()!.replace(/[«»]/g, '').replace(/[^A-Za-z0-9_']/g, '_');
  let name = `${short}_hole${input.holeIndex}`;
  while (taken.has(name)) name += '\'';
  const universes = levels.length > 0 ? `.{${levels.join(', ')}}` : '';
  const header = `theorem ${name}${universes}${binders.length > 0 ? ' ' + binders.join(' ') : ''} : ${target}`;
  const theorem: HoleTheorem = { name, header, prelude, goal: printed[0]!, otherGoals: printed.length - 1 };
  if (goal.caseTag !== undefined) theorem.caseTag = goal.caseTag;
  return { ok: true, theorem };
}
