// The Chain-of-States port over our own Lean server: one check of the document in a warm scratch
// slot, then `$/lean/plainGoal` at the end of each tactic line (core/optimize/states.ts).
import type { StatesSource } from '../core/optimize/states';
import { goalText } from './editor-goals';
import type { LeanVerifier } from './verifier';

export function statesSource(verifier: Pick<LeanVerifier, 'goalsAt'>): StatesSource {
  return async ({ projectRoot, text, positions }) => {
    const goals = await verifier.goalsAt(projectRoot, text, positions);
    return goals.map((g) => (g ? goalText(g) : undefined));
  };
}
