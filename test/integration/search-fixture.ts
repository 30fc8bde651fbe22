// A target for the proof-state search and the scripted Lean server's goals per tactic prefix for it:
// `induction n` splits, `rfl` closes the zero case, one simp set closes the rest; every other
// tactic fails. Shared by the search's integration tests (oracle, loop, CLI).
import type { Script } from '../fixtures/lean-server/main';

export const FILE = `namespace Ex

def double : Nat → Nat
  | 0 => 0
  | n + 1 => double n + 2

theorem double_eq (n : Nat) : double n = 2 * n := by
  sorry

end Ex
`;

export const ROOT = 'n : Nat\n⊢ double n = 2 * n';
export const ZERO = 'case zero\n⊢ double 0 = 2 * 0';
export const SUCC = 'case succ\nn✝ : Nat\nn_ih✝ : double n✝ = 2 * n✝\n⊢ double (n✝ + 1) = 2 * (n✝ + 1)';
export const CLOSING = 'simp_all [double, Nat.mul_succ, Nat.succ_mul]';

/** A tactic body exactly as the search writes it (`:= by t`, or `:= by` and one tactic a line), nothing after. */
export function prefixRegex(...tactics: string[]): string {
  const escaped = tactics.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const body = escaped.length === 1 ? ` ${escaped[0]}` : escaped.map((t) => `\\n  ${t}`).join('');
  return `:= by${body}$(?![\\s\\S])`;
}

/** Goals per prefix: `induction n` splits, `rfl` closes the zero case, one simp set closes the rest; everything else fails. */
export const SCRIPT: Script = {
  default: 'ok',
  commandDelayMs: 1,
  rules: [
    { regex: prefixRegex('skip'), unsolvedGoals: ROOT, goals: [ROOT] },
    { regex: prefixRegex('induction n'), unsolvedGoals: `${ZERO}\n\n${SUCC}`, goals: [ZERO, SUCC] },
    { regex: prefixRegex('induction n', 'rfl'), unsolvedGoals: SUCC, goals: [SUCC] },
    { regex: prefixRegex('induction n', 'rfl', CLOSING), axioms: ['propext'] },
    { regex: 'theorem double_eq', errors: [{ message: 'simp made no progress' }] },
  ],
};

