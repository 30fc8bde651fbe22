// The prompt form of a hole, for every profile: the task is the hole's own theorem (or, when none
// could be built, the user's declaration with the hole to fill), and the surrounding declaration,
// with the hole marked, goes into the context as a Lean comment, so the model can reuse the user's
// names and steps. Profiles render `context` and `statement` as they always do (see `taskCode`),
// so this piece is all a profile needs to adopt holes.
import type { PromptInput } from '../types';

/** What marks the hole in the surrounding declaration. */
export const HOLE_MARK = '⟦HOLE⟧';

export interface HolePrompt {
  /** The user's declaration, as it stands in the file. */
  declarationText: string;
  /** The `sorry`'s offset in `declarationText`. */
  holeOffset: number;
  /** `theorem name … : goal`, when the hole could be stated; otherwise the hole is asked for in place. */
  theoremHeader?: string;
  /** How reports name the hole: declaration, number and position. */
  label: string;
}

/** The declaration with the hole marked, in a block comment (Lean's comments nest, so any text fits). */
export function markedDeclaration(hole: HolePrompt): string {
  const marked = hole.declarationText.slice(0, hole.holeOffset) + HOLE_MARK + hole.declarationText.slice(hole.holeOffset + 'sorry'.length);
  return `/- The proof this hole belongs to (${hole.label}); the hole is marked ${HOLE_MARK}:\n${marked}\n-/`;
}

/** The hole's prompt input from the one the loop built for a whole theorem. */
export function holePromptInput(input: PromptInput, hole: HolePrompt): PromptInput {
  const context = [input.context.trim(), markedDeclaration(hole)].filter((s) => s !== '').join('\n\n');
  if (hole.theoremHeader !== undefined) {
    return { ...input, context, statement: `${hole.theoremHeader} := by sorry` };
  }
  const inPlace = `-- Write only the tactics that replace ${HOLE_MARK}; they run at the hole, with its hypotheses.\n${hole.declarationText}`;
  return { ...input, context, statement: inPlace };
}
